import { appendFile, mkdir } from 'node:fs/promises';
import { get } from 'node:http';
import { dirname } from 'node:path';
import type { ConductorEvent } from '@conductor/events';
import { claimRun, eventLogPath } from '@conductor/run-folder';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  folderCatalog,
  RunActionError,
  type RunActions,
  type RunListBody,
  type RunningRunsDashboard,
  startRunsDashboard,
} from '../index.js';
import { tempDir, WAIT, writeLog } from '../server/test-helpers.js';

// `conductor dashboard`'s server over a real $CONDUCTOR_HOME: runs in every status, each opened at
// /runs/<id>/ with the same token, and the actions the page calls.

const TOKEN = 'runs-token';
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const T = 1_763_700_000;
const ev = (seq: number, at: number, type: string, data: Record<string, unknown> = {}): ConductorEvent => ({
  seq,
  type,
  timestamp: T + at,
  data,
});
const start = (runId: string, name = 'review') =>
  ev(1, 0, 'workflow_started', { name, entry_point: 'plan', agents: [{ name: 'plan' }], run_id: runId });

async function writeRun(home: string, runId: string, events: ConductorEvent[]) {
  const path = eventLogPath(runId, home);
  await mkdir(dirname(path), { recursive: true });
  await writeLog(path, events);
}

async function serve(home: string, actions?: RunActions): Promise<RunningRunsDashboard> {
  const running = await startRunsDashboard({
    catalog: folderCatalog({ home }),
    actions,
    token: TOKEN,
    uiDir: false,
  });
  cleanup.push(() => running.close());
  return running;
}

const auth = { authorization: `Bearer ${TOKEN}` };
async function list(running: RunningRunsDashboard): Promise<RunListBody> {
  const response = await fetch(`http://127.0.0.1:${running.port}/api/runs`, { headers: auth });
  expect(response.status).toBe(200);
  return (await response.json()) as RunListBody;
}
const byId = (body: RunListBody) => Object.fromEntries(body.runs.map((run) => [run.run_id, run]));

async function seed(home: string) {
  await writeRun(home, 'done', [
    start('done'),
    ev(2, 1, 'agent_started', { agent_name: 'plan' }),
    ev(3, 4, 'agent_completed', { agent_name: 'plan', output: {}, cost_usd: 0.5 }),
    ev(4, 4, 'workflow_completed', { output: {} }),
  ]);
  await writeRun(home, 'broken', [
    start('broken', 'release'),
    ev(2, 1, 'agent_started', { agent_name: 'plan' }),
    ev(3, 3, 'agent_failed', { agent_name: 'plan', error_type: 'ProviderError', message: 'overloaded' }),
    ev(4, 3, 'workflow_failed', { error_type: 'ProviderError', message: 'overloaded', agent_name: 'plan' }),
  ]);
  await writeRun(home, 'stopped', [
    start('stopped'),
    ev(2, 1, 'agent_started', { agent_name: 'plan' }),
    ev(3, 2, 'workflow_failed', {
      error_type: 'Interrupted',
      message: 'stopped',
      agent_name: 'plan',
      stopped_by_user: true,
    }),
  ]);
  // Its log never ended and nobody holds it: its process died.
  await writeRun(home, 'killed', [start('killed'), ev(2, 5, 'agent_started', { agent_name: 'plan' })]);
  // This process owns it: running.
  await writeRun(home, 'live', [start('live'), ev(2, 1, 'agent_started', { agent_name: 'plan' })]);
  const claim = await claimRun('live', { home });
  cleanup.push(() => claim.release());
}

describe('the run list server', () => {
  it('lists runs in every status with their numbers, newest first', async () => {
    const home = await tempDir();
    await seed(home);
    const body = await list(await serve(home));
    expect(body.home).toBe(home);
    const runs = byId(body);
    expect(Object.keys(runs).sort()).toEqual(['broken', 'done', 'killed', 'live', 'stopped']);
    expect(runs.done).toMatchObject({
      status: 'completed',
      workflow: 'review',
      active_seconds: 4,
      wall_seconds: 4,
      resumes: 0,
      step: null,
      cost_usd: 0.5,
      resumable: false,
      why: 'completed',
      deletable: true,
    });
    expect(runs.broken).toMatchObject({
      status: 'failed',
      workflow: 'release',
      step: 'plan',
      error: 'ProviderError: overloaded',
      resumable: true,
    });
    expect(runs.stopped).toMatchObject({ status: 'interrupted', step: 'plan', resumable: true });
    expect(runs.killed).toMatchObject({ status: 'died', step: 'plan', active_seconds: 5, resumable: true });
    expect(runs.live).toMatchObject({ status: 'running', resumable: false, deletable: false });
    expect(runs.live?.owner?.pid).toBe(process.pid);
    // A running run's wall time counts to now.
    expect(runs.live?.wall_seconds).toBeGreaterThan(60);
  });

  it('follows a log as it grows: a running run that ends shows as completed at the next ask', async () => {
    const home = await tempDir();
    await writeRun(home, 'growing', [start('growing'), ev(2, 1, 'agent_started', { agent_name: 'plan' })]);
    const running = await serve(home);
    expect(byId(await list(running)).growing?.status).toBe('died');
    const path = eventLogPath('growing', home);
    await appendFile(
      path,
      `${JSON.stringify(ev(3, 6, 'agent_completed', { agent_name: 'plan', output: {} }))}\n`,
    );
    await appendFile(path, `${JSON.stringify(ev(4, 6, 'workflow_completed', { output: {} }))}\n`);
    await expect.poll(async () => byId(await list(running)).growing?.status, WAIT).toBe('completed');
    expect(byId(await list(running)).growing?.active_seconds).toBe(6);
  });

  it('opens each run at /runs/<id>/ with the same token: its state and its socket', async () => {
    const home = await tempDir();
    await seed(home);
    const running = await serve(home);
    const base = `http://127.0.0.1:${running.port}`;
    const state = await fetch(`${base}/runs/broken/api/state`, { headers: auth });
    expect(state.status).toBe(200);
    const body = (await state.json()) as { state: { run: { status: string; run_id: string } } };
    expect(body.state.run).toMatchObject({ status: 'failed', run_id: 'broken' });
    const info = await (await fetch(`${base}/runs/broken/api/info`, { headers: auth })).json();
    expect(info).toMatchObject({
      run_id: 'broken',
      control: { stop: false, gate: false },
      ownership: { owner: 'none' },
    });
    expect((await fetch(`${base}/runs/broken/api/state`)).status).toBe(401);
    expect((await fetch(`${base}/runs/nope/api/state`, { headers: auth })).status).toBe(404);
    const redirect = await fetch(`${base}/runs/broken`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/runs/broken/');

    const ws = new WebSocket(`ws://127.0.0.1:${running.port}/runs/broken/ws?after=0&token=${TOKEN}`);
    cleanup.push(() => ws.terminate());
    const seqs: number[] = [];
    ws.on('message', (data) => seqs.push((JSON.parse(String(data)) as ConductorEvent).seq));
    await expect.poll(() => seqs, WAIT).toEqual([1, 2, 3, 4]);
    expect(running.openRuns()).toBe(1);
  });

  it('keeps the same Host, Origin and token rules as a run dashboard', async () => {
    const home = await tempDir();
    await seed(home);
    const running = await serve(home);
    const url = `http://127.0.0.1:${running.port}/api/runs`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(`${url}?token=${TOKEN}`)).status).toBe(200);
    // fetch cannot send another Host: node:http can, as a DNS-rebinding page's browser would.
    const hostStatus = await new Promise<number>((resolve, reject) => {
      get(
        {
          port: running.port,
          host: '127.0.0.1',
          path: '/api/runs',
          headers: { ...auth, host: 'evil.example' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      ).on('error', reject);
    });
    expect(hostStatus).toBe(403);
    expect((await fetch(url, { headers: { ...auth, origin: 'http://evil.example' } })).status).toBe(403);
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${running.port}/runs/broken/ws?after=0`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(refused).toBe(401);
  });

  it('calls the actions it was given and answers their errors with their codes; none given: 501', async () => {
    const home = await tempDir();
    await seed(home);
    const calls: string[] = [];
    const running = await serve(home, {
      async resume(runId) {
        calls.push(`resume ${runId}`);
        return `resuming ${runId}`;
      },
      async stop(runId) {
        throw new RunActionError(409, 'CONDUCTOR_CONFLICT', `run ${runId} is not running here`);
      },
      async answerGate(runId, step, value) {
        calls.push(`gate ${runId} ${step} ${value}`);
        return 'answered';
      },
    });
    const post = (path: string, body: unknown = {}) =>
      fetch(`http://127.0.0.1:${running.port}${path}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const resumed = await post('/api/runs/broken/resume');
    expect(await resumed.json()).toEqual({ ok: true, message: 'resuming broken' });
    const stopped = await post('/api/runs/done/stop');
    expect(stopped.status).toBe(409);
    expect(await stopped.json()).toEqual({
      error: { code: 'CONDUCTOR_CONFLICT', message: 'run done is not running here' },
    });
    expect((await post('/api/runs/live/gate', { step: 'approve' })).status).toBe(400);
    expect((await post('/api/runs/live/gate', { step: 'approve', value: 'yes' })).status).toBe(200);
    expect((await post('/api/runs/missing/resume')).status).toBe(404);
    const deleted = await fetch(`http://127.0.0.1:${running.port}/api/runs/done`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(deleted.status).toBe(501);
    expect(calls).toEqual(['resume broken', 'gate live approve yes']);
    expect((await list(running)).actions).toEqual({ resume: true, stop: true, gate: true, delete: false });
  });
});
