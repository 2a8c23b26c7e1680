import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postgresStore } from '@conductor/store-postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliProcess, runCli, startCli, tempDir } from './support/cli.js';
import { assertContiguous, storedEvents, storeUrl } from './support/pg.js';

// Workers on several "machines" (one home each) sharing runs through PostgreSQL, and failover after
// a worker's kill -9: its lease expires and another worker resumes the run from the store.

const LEASE = { CONDUCTOR_LEASE_SECONDS: '2' };

function slowWorkflow(dir: string, trace: string): string {
  const path = join(dir, 'slow.yaml');
  const step = (name: string, script: string) => `
  - name: ${name}
    type: script
    command: sh
    args: ["-c", ${JSON.stringify(script)}]`;
  writeFileSync(
    path,
    `
workflow:
  name: slow
  entry_point: one
agents:${step('one', `echo one >> ${trace}; echo '{}'`)}
    routes: [{ to: two }]${step('two', `echo two >> ${trace}; sleep 2; echo '{}'`)}
    routes: [{ to: three }]${step('three', `echo three >> ${trace}; echo '{"done": true}'`)}
output:
  done: "{{ three.output.done }}"
`,
  );
  return path;
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('workers', () => {
  const url = storeUrl();
  const workers: CliProcess[] = [];
  const startWorker = () => {
    const worker = startCli(['worker', '--store', url], tempDir(), LEASE);
    workers.push(worker);
    return worker;
  };
  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
  });

  it('after kill -9 of the worker running a run, another worker finishes it: no finished step ran twice, seq has no gap (10 of 10 trials)', async () => {
    const pool = [startWorker(), startWorker()];
    for (const worker of pool) await worker.waitFor(/taking runs/);
    const store = postgresStore(url);
    try {
      for (let trial = 0; trial < 10; trial++) {
        const dir = tempDir();
        const trace = join(dir, 'trace');
        writeFileSync(trace, '');
        const runId = `failover-${trial}`;
        const submitted = await runCli(['submit', slowWorkflow(dir, trace), '--store', url], dir, {
          CONDUCTOR_RUN_ID: runId,
        });
        expect(submitted.code, submitted.stderr).toBe(0);
        // Step two is running: step one finished (its events are in the store at its boundary).
        await expect.poll(() => lines(trace), { timeout: 60_000 }).toContain('two');
        const owner = pool.find((w) => w.output().includes(`run ${runId}`));
        expect(owner, pool.map((w) => w.output()).join('\n')).toBeDefined();
        owner?.child.kill('SIGKILL');
        await owner?.done;
        const survivor = pool.find((w) => w !== owner) as CliProcess;

        await expect
          .poll(async () => (await store.readRunRecord(runId))?.status, { timeout: 60_000 })
          .toBe('completed');
        await expect.poll(() => survivor.output()).toContain(`${runId} completed`);
        expect(survivor.output()).toContain(`resume ${runId}`);
        // Step one finished before the kill and did not run again; two was cut off and ran again.
        expect(lines(trace).filter((l) => l === 'one')).toHaveLength(1);
        expect(lines(trace).filter((l) => l === 'three')).toHaveLength(1);
        const events = await storedEvents(url, runId);
        assertContiguous(events);
        const completed = events.filter((e) => e.type === 'script_completed').map((e) => e.data.agent_name);
        expect(completed).toEqual(['one', 'two', 'three']);
        expect(events.filter((e) => e.type === 'workflow_resumed')).toHaveLength(1);
        expect(events.at(-1)?.type).toBe('workflow_completed');

        // A new machine takes the dead one's place for the next trial.
        const replacement = startWorker();
        await replacement.waitFor(/taking runs/);
        pool.splice(pool.indexOf(owner as CliProcess), 1, replacement);
      }
    } finally {
      await store.close();
    }
  });

  it('runs submitted to two workers all complete, each once', async () => {
    const pool = [startWorker(), startWorker()];
    for (const worker of pool) await worker.waitFor(/taking runs/);
    const ids = Array.from({ length: 4 }, (_, i) => `shared-${i}`);
    const dirs = new Map(ids.map((id) => [id, tempDir()]));
    for (const runId of ids) {
      const dir = dirs.get(runId) as string;
      const trace = join(dir, 'trace');
      writeFileSync(trace, '');
      const submitted = await runCli(['submit', slowWorkflow(dir, trace), '--store', url], dir, {
        CONDUCTOR_RUN_ID: runId,
      });
      expect(submitted.code, submitted.stderr).toBe(0);
    }
    const store = postgresStore(url);
    try {
      for (const runId of ids) {
        await expect
          .poll(async () => (await store.readRunRecord(runId))?.status, { timeout: 120_000 })
          .toBe('completed');
        expect(lines(join(dirs.get(runId) as string, 'trace'))).toEqual(['one', 'two', 'three']);
      }
    } finally {
      await store.close();
    }
  });
});
