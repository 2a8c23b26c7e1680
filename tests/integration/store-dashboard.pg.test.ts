import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunListBody } from '@conductor/dashboard';
import { postgresStore } from '@conductor/store-postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliProcess, runCli, startCli, tempDir } from './support/cli.js';
import { failsOnceWorkflow, storedEvents, storeUrl } from './support/pg.js';

// `conductor dashboard --store`: the run browser over PostgreSQL, on a machine (a home) that ran none
// of the runs it shows. Two other homes write runs; a worker on a fourth continues a resumed one.

describe('the run browser over a shared store', () => {
  const started: CliProcess[] = [];
  const start = (args: string[], home: string) => {
    const cli = startCli(args, home);
    started.push(cli);
    return cli;
  };
  afterAll(async () => {
    for (const cli of started) cli.child.kill('SIGKILL');
  });

  it('lists the runs of every home, follows a run written elsewhere, and resumes a run by queueing it for a worker', async () => {
    const url = storeUrl();
    const [homeA, homeB, homeC, homeD] = [tempDir(), tempDir(), tempDir(), tempDir()];
    // Home A: a run that completes. Home B: one that fails at step four (resumable).
    const completed = await runCli(
      ['run', failsOnceWorkflow(homeA, join(homeA, 'no-marker')), '-q', '--store', url],
      homeA,
      { CONDUCTOR_RUN_ID: 'from-a' },
    );
    expect(completed.code, completed.stderr).toBe(0);
    const marker = join(homeB, 'fail-once');
    writeFileSync(marker, '');
    const failed = await runCli(['run', failsOnceWorkflow(homeB, marker), '-q', '--store', url], homeB, {
      CONDUCTOR_RUN_ID: 'from-b',
    });
    expect(failed.code, failed.stderr).toBe(1);

    const server = start(['dashboard', '--port', '0', '--store', url], homeC);
    const [, address] = await server.waitFor(/(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
    const base = new URL(address as string);
    const headers = { authorization: `Bearer ${base.searchParams.get('token')}` };
    const api = (path: string, init: RequestInit = {}) =>
      fetch(new URL(path, base), { ...init, headers: { ...headers, 'content-type': 'application/json' } });
    const list = async () => (await (await api('/api/runs')).json()) as RunListBody;
    const row = async (id: string) => (await list()).runs.find((run) => run.run_id === id);

    const body = await list();
    expect(body.runs.map((run) => run.run_id).sort()).toEqual(['from-a', 'from-b']);
    expect(body.home).toMatch(/^postgres:\/\//);
    expect(await row('from-a')).toMatchObject({
      workflow: 'fails-once',
      status: 'completed',
      resumable: false,
    });
    expect(await row('from-b')).toMatchObject({
      status: 'failed',
      step: 'four',
      resumable: true,
      owner: null,
    });

    // `conductor runs --store` lists the same rows.
    const runs = await runCli(['runs', '--json', '--store', url], homeC);
    expect(runs.code, runs.stderr).toBe(0);
    expect((JSON.parse(runs.stdout) as Array<{ run_id: string }>).map((run) => run.run_id).sort()).toEqual([
      'from-a',
      'from-b',
    ]);

    // A run another machine writes as the page watches it: its events reach the run view through
    // LISTEN/NOTIFY, each within a second of being stored.
    const events = await storedEvents(url, 'from-a');
    const writer = postgresStore(url);
    try {
      const lease = await writer.claim('live', { purpose: 'run' });
      const record = await writer.readRunRecord('from-a');
      if (!record) throw new Error('from-a has no record in the store');
      await writer.writeRunRecord({ ...record, run_id: 'live', status: 'running' });
      await writer.append(lease, events.slice(0, 2));
      const state = async () =>
        ((await (await api('/runs/live/api/state')).json()) as { last_seq: number }).last_seq;
      await expect.poll(state).toBe(2);
      expect(await row('live')).toMatchObject({ status: 'running', owner: { pid: process.pid } });
      // Three more steps' worth: seq 3, seq 4, then the rest.
      for (const batch of [events.slice(2, 3), events.slice(3, 4), events.slice(4)]) {
        await writer.append(lease, batch);
        await expect.poll(state, { timeout: 30_000, interval: 20 }).toBe(batch.at(-1)?.seq);
      }
      await lease.release();
      await expect.poll(async () => (await row('live'))?.status).toBe('completed');
    } finally {
      await writer.close();
    }

    // Resume from the list: queued (once, however often asked) until a worker takes it.
    const resumed = await api('/api/runs/from-b/resume', { method: 'POST', body: '{}' });
    expect(resumed.status).toBe(200);
    expect(((await resumed.json()) as { message: string }).message).toMatch(/queued a resume of run from-b/);
    const again = await api('/api/runs/from-b/resume', { method: 'POST', body: '{}' });
    expect(((await again.json()) as { message: string }).message).toMatch(/already queued/);
    expect(await row('from-b')).toMatchObject({ status: 'failed' });

    const worker = start(['worker', '--store', url], homeD);
    await worker.waitFor(/resume from-b/);
    await expect.poll(async () => (await row('from-b'))?.status, { timeout: 60_000 }).toBe('completed');
    expect(await row('from-b')).toMatchObject({ resumes: 1, resumable: false });
    await worker.waitFor(/from-b completed/);

    // Stop and gate answers need the owner's process: refused with where to do it. Delete works.
    const stop = await api('/api/runs/from-a/stop', { method: 'POST', body: '{}' });
    expect(stop.status).toBe(409);
    const removed = await api('/api/runs/from-a', { method: 'DELETE' });
    expect(((await removed.json()) as { message: string }).message).toMatch(/deleted run from-a/);
    expect((await list()).runs.map((run) => run.run_id).sort()).toEqual(['from-b', 'live']);
  });
});
