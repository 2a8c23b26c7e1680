import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConductorEvent } from '@conductor/events';
import { postgresStore } from '@conductor/store-postgres';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
    pgPasswordUrl: string | null;
  }
}

/** The test server with a schema of this test's own. */
export function storeUrl(): string {
  const url = new URL(inject('pgUrl'));
  url.searchParams.set('schema', `it_${randomBytes(6).toString('hex')}`);
  return url.toString();
}

/** Every event of the run in the store, in seq order. */
export async function storedEvents(url: string, runId: string): Promise<ConductorEvent[]> {
  const store = postgresStore(url);
  try {
    const all: ConductorEvent[] = [];
    for (let after = 0; ; ) {
      const page = await store.readPage(runId, { afterSeq: after, limit: 1000 });
      all.push(...page.events);
      after = page.events.at(-1)?.seq ?? after;
      if (!page.hasMore) return all;
    }
  } finally {
    await store.close();
  }
}

/**
 * A workflow whose step `four` fails while the marker file exists (removing it), so it fails once and
 * a resume completes; `wait` keeps the resumed run alive long enough for a second resume to find it owned.
 */
export function failsOnceWorkflow(dir: string, marker: string, wait = '200ms'): string {
  const path = join(dir, 'fails-once.yaml');
  writeFileSync(
    path,
    `
workflow:
  name: fails-once
  entry_point: one
agents:
  - name: one
    type: set
    value: 1
    routes: [{ to: two }]
  - name: two
    type: set
    value: 2
    routes: [{ to: three }]
  - name: three
    type: set
    value: 3
    routes: [{ to: four }]
  - name: four
    type: script
    command: node
    args: ["-e", "const fs = require('fs'); const m = ${JSON.stringify(marker).replaceAll('"', '\\"')}; if (fs.existsSync(m)) { fs.rmSync(m); process.exit(1) } console.log(JSON.stringify({ ok: true }))"]
    routes: [{ to: five, when: "exit_code == 0" }]
  - name: five
    type: wait
    duration: ${wait}
    routes: [{ to: six }]
  - name: six
    type: set
    value: "{{ three.output + 3 }}"
output:
  six: "{{ six.output }}"
`,
  );
  return path;
}

/** Seqs are 1, 2, 3... with no gap and no repeat. */
export function assertContiguous(events: readonly ConductorEvent[]): void {
  events.forEach((event, index) => {
    if (event.seq !== index + 1) throw new Error(`seq ${event.seq} at position ${index + 1}`);
  });
}
