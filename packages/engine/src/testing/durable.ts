// Helpers for the durable-run tests (not exported from the package).
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEventLog } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';

/** The YAML of a workflow the tests share, from testing/workflows/<name>.yaml. */
export function testWorkflow(name: string): string {
  return readFileSync(new URL(`./workflows/${name}.yaml`, import.meta.url), 'utf8');
}

/** A fresh folder for one test: `home` (CONDUCTOR_HOME) and `dir` (workflow files, markers). */
export async function tempSpace(): Promise<{ home: string; dir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'conductor-durable-'));
  return { home: join(root, 'home'), dir: root };
}

export async function writeWorkflow(dir: string, name: string, yaml: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, yaml);
  return path;
}

/** Every event of a log and the number of lines the reader left out. */
export async function readLog(path: string): Promise<{ events: ConductorEvent[]; skipped: number }> {
  const reader = readEventLog(path);
  const events: ConductorEvent[] = [];
  for await (const event of reader) events.push(event);
  return { events, skipped: reader.skipped };
}

/** The content of every file under `dir` (recursively), to show that nothing was touched. */
export async function snapshotFiles(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files.set(path, await readFile(path));
    }
  };
  await walk(dir);
  return files;
}

/** `<step>` → how many times it started, from a log's events. */
export function startsByStep(events: ConductorEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) {
    if (event.type.endsWith('_started') && event.type !== 'workflow_started') {
      const name = String(event.data.agent_name);
      counts[name] = (counts[name] ?? 0) + 1;
    }
  }
  return counts;
}

export function expectStrictlyIncreasing(events: ConductorEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    const previous = events[i - 1] as ConductorEvent;
    const current = events[i] as ConductorEvent;
    if (!(current.seq > previous.seq)) {
      throw new Error(
        `seq ${current.seq} (${current.type}) does not follow seq ${previous.seq} (${previous.type})`,
      );
    }
  }
}

/**
 * A linear workflow of five steps. `three` (and `four` when `failFour`) fails unless the marker
 * file named by its input exists, so a test can make it fail, then fix it and resume.
 */
export function fiveSteps(options: { failFour?: boolean; extra?: string } = {}): string {
  const four = options.failFour
    ? `  - name: four
    type: script
    command: test
    args: ["-f", "{{ workflow.input.marker2 }}"]
    routes:
      - to: five
        when: exit_code == 0`
    : `  - name: four
    type: set
    value: "{{ two.output.n * 10 }}"
    routes:
      - to: five`;
  return `workflow:
  name: five-steps
  entry_point: one
  input:
    marker: { type: string }
    marker2: { type: string, default: none }
${options.extra ?? ''}
agents:
  - name: one
    type: set
    values:
      greeting: "hello"
    routes:
      - to: two
  - name: two
    type: script
    command: echo
    args: ['{"n": 4}']
    routes:
      - to: three
  - name: three
    type: script
    command: test
    args: ["-f", "{{ workflow.input.marker }}"]
    routes:
      - to: four
        when: exit_code == 0
${four}
  - name: five
    type: set
    value: "{{ one.output.greeting }} {{ two.output.n }} #{{ context.iteration }}"
output:
  text: "{{ five.output }}"
  steps: "{{ context.history | join(',') }}"
`;
}
