import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postgresStore } from '@conductor/store-postgres';
import { describe, expect, it } from 'vitest';
import { startCli, tempDir } from './support/cli.js';
import { assertContiguous, storedEvents, storeUrl } from './support/pg.js';

describe('fencing through the binary', () => {
  it('a run whose lease was taken over stops at its next step boundary, writing nothing more to the store', async () => {
    const url = storeUrl();
    const home = tempDir();
    const gate = join(home, 'go');
    const workflow = join(home, 'steps.yaml');
    writeFileSync(
      workflow,
      `
workflow:
  name: steps
  entry_point: one
agents:
  - name: one
    type: set
    value: 1
    routes: [{ to: two }]
  - name: two
    type: script
    command: node
    args: ["-e", "const fs = require('fs'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(gate).replaceAll('"', '\\"')})) { clearInterval(t); console.log('{}') } }, 20)"]
    routes: [{ to: three }]
  - name: three
    type: set
    value: 3
`,
    );
    const run = startCli(['run', workflow, '-q', '--store', url], home, { CONDUCTOR_RUN_ID: 'fenced' });
    const store = postgresStore(url);
    try {
      // Step one's boundary is stored: the run is in step two, waiting for the gate file.
      await expect
        .poll(async () => (await storedEvents(url, 'fenced')).some((e) => e.type === 'set_completed'), {
          timeout: 60_000,
        })
        .toBe(true);
      // Another owner takes the run over (as after this one's lease expired while it stalled).
      await store.pool.query(
        `UPDATE ${store.schema}.leases SET generation = generation + 1 WHERE run_id = 'fenced'`,
      );
      const before = await storedEvents(url, 'fenced');
      writeFileSync(gate, '');
      const result = await run.done;
      expect(result.code, run.output()).toBe(1);
      expect(result.stderr).toContain('no longer owns it');
      const after = await storedEvents(url, 'fenced');
      expect(after).toEqual(before);
      assertContiguous(after);
    } finally {
      run.child.kill('SIGKILL');
      await store.close();
    }
  });
});
