import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './support/cli.js';
import { assertContiguous, failsOnceWorkflow, storedEvents, storeUrl } from './support/pg.js';

// Runs kept in PostgreSQL (`--store`), driven through the real binary from two homes, as two machines.

describe('one store, two homes', () => {
  it('a run started and failed from one home is resumed from another: complete output, seq 1..N, one workflow_resumed', async () => {
    const url = storeUrl();
    const [homeA, homeB] = [tempDir(), tempDir()];
    const marker = join(homeA, 'fail-once');
    writeFileSync(marker, '');
    const workflow = failsOnceWorkflow(homeA, marker);
    const failed = await runCli(['run', workflow, '-q', '--store', url], homeA, {
      CONDUCTOR_RUN_ID: 'two-homes',
    });
    expect(failed.code, failed.stderr).toBe(1);

    const resumed = await runCli(['resume', '--run', 'two-homes', '-q'], homeB, { CONDUCTOR_STORE: url });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ six: 6 });

    const events = await storedEvents(url, 'two-homes');
    assertContiguous(events);
    expect(events.filter((e) => e.type === 'workflow_resumed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'workflow_started')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('workflow_completed');
    // Each step completed once: the failed one failed once and completed on the resume.
    expect(events.filter((e) => e.type === 'script_completed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'set_completed')).toHaveLength(4);
  });

  it('two resumes of one run from two homes at once: exactly one proceeds, the other exits 3 (CONDUCTOR_RUN_OWNED), in 20 of 20 trials', async () => {
    const url = storeUrl();
    for (let trial = 0; trial < 20; trial++) {
      const [homeA, homeB] = [tempDir(), tempDir()];
      const marker = join(homeA, 'fail-once');
      writeFileSync(marker, '');
      const workflow = failsOnceWorkflow(homeA, marker, '2s');
      const runId = `race-${trial}`;
      const failed = await runCli(['run', workflow, '-q', '--store', url], homeA, {
        CONDUCTOR_RUN_ID: runId,
      });
      expect(failed.code, failed.stderr).toBe(1);

      const results = await Promise.all(
        [homeA, homeB].map((home) => runCli(['resume', '--run', runId, '-q', '--store', url], home)),
      );
      const report = results.map((r) => `${r.code}: ${r.stderr}`).join('\n');
      const proceeded = results.filter((r) => r.code === 0);
      expect(proceeded, report).toHaveLength(1);
      expect(JSON.parse(proceeded[0]?.stdout ?? '')).toEqual({ six: 6 });
      const refused = results.filter((r) => r.code !== 0);
      expect(
        refused.map((r) => r.code),
        report,
      ).toEqual([3]);
      expect(refused[0]?.stderr).toMatch(
        new RegExp(`run ${runId} is owned by process \\d+ on host .* \\(conductor resume`),
      );

      const events = await storedEvents(url, runId);
      assertContiguous(events);
      expect(events.filter((e) => e.type === 'workflow_resumed')).toHaveLength(1);
    }
  });
});
