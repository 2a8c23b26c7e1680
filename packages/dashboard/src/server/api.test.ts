import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConductorEvent, createEventBus } from '@conductor/events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDashboard, type Dashboard, type DashboardOptions, jsonlStore, memoryStore } from '../index.js';
import {
  dialogOpen,
  gatePresented,
  runEvents,
  tempDir,
  WAIT,
  WORKFLOW_STARTED,
  writeLog,
} from './test-helpers.js';

const TOKEN = 'test-token-1234';
const auth = { authorization: `Bearer ${TOKEN}` };
const opened: Dashboard[] = [];

function dashboard(options: Partial<DashboardOptions> = {}): Dashboard {
  const d = createDashboard({ history: memoryStore(runEvents(50)), token: TOKEN, uiDir: false, ...options });
  opened.push(d);
  return d;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

const get = (d: Dashboard, path: string, headers: Record<string, string> = auth) =>
  d.app.request(path, { headers });
const post = (d: Dashboard, path: string, body: unknown, headers: Record<string, string> = auth) =>
  d.app.request(path, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('authentication and origin checks', () => {
  it('answers 401 JSON without the token, or with a wrong one', async () => {
    const d = dashboard();
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: TOKEN }] as Record<
      string,
      string
    >[]) {
      const response = await get(d, '/api/state', headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'CONDUCTOR_TOKEN' } });
    }
    expect((await get(d, '/api/events', {})).status).toBe(401);
    expect((await post(d, '/api/stop', {}, {})).status).toBe(401);
  });

  it('accepts the token as a bearer header or as ?token=', async () => {
    const d = dashboard();
    expect((await get(d, '/api/info')).status).toBe(200);
    expect((await get(d, `/api/info?token=${TOKEN}`, {})).status).toBe(200);
  });

  it('generates a random token by default, and can go without one', async () => {
    const a = dashboard({ token: undefined });
    const b = dashboard({ token: undefined });
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    const open = dashboard({ token: false });
    expect(open.token).toBeNull();
    expect((await get(open, '/api/info', {})).status).toBe(200);
  });

  it('answers 403 for a Host that is not loopback (DNS rebinding), on every route', async () => {
    const d = dashboard();
    for (const path of ['/api/state', '/', '/ws']) {
      const response = await get(d, path, { ...auth, host: 'evil.example:80' });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'CONDUCTOR_HOST' } });
    }
    for (const host of ['127.0.0.1:4321', 'localhost', '[::1]:9']) {
      expect((await get(d, '/api/info', { ...auth, host })).status).toBe(200);
    }
  });

  it('answers 403 for a request from another origin', async () => {
    const d = dashboard();
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1.evil.example', 'file://x']) {
      const response = await get(d, '/api/state', { ...auth, origin });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'CONDUCTOR_ORIGIN' } });
    }
    expect((await get(d, '/api/state', { ...auth, origin: 'http://localhost' })).status).toBe(200);
  });

  it('accepts only the configured hosts when given', async () => {
    const d = dashboard({ allowedHosts: ['conductor.internal:8080', 'box'] });
    expect((await get(d, '/api/info', { ...auth, host: 'conductor.internal:8080' })).status).toBe(200);
    expect((await get(d, '/api/info', { ...auth, host: 'box:1234' })).status).toBe(200);
    expect((await get(d, '/api/info', { ...auth, host: 'conductor.internal:9090' })).status).toBe(403);
    expect((await get(d, '/api/info', { ...auth, host: '127.0.0.1' })).status).toBe(403);
  });

  it('sends no Referer and no caching for API answers', async () => {
    const response = await get(dashboard(), '/api/state');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('GET /api/info', () => {
  it('describes the run, its source and what can be controlled', async () => {
    const d = dashboard({ info: { source: 'resume' }, control: { stop() {} } });
    expect(await (await get(d, '/api/info')).json()).toEqual({
      run_id: 'run-1',
      workflow_name: 'review',
      mode: 'live',
      source: 'resume',
      log_path: null,
      replay_speed: null,
      color_scheme: 'system',
      version: '0.1.0',
      control: { stop: true, gate: false, dialog: false },
      ownership: { owner: 'this-process', pid: process.pid, host: null, since: null },
    });
  });
});

describe('GET /api/state', () => {
  it('is the projection of the whole history', async () => {
    const d = dashboard();
    const body = (await (await get(d, '/api/state')).json()) as {
      state: { steps: Record<string, { status: string }>; event_count: number };
      last_seq: number;
    };
    expect(body.last_seq).toBe(50);
    expect(body.state.event_count).toBe(50);
    expect(Object.keys(body.state.steps)).toEqual(['planner', 'coder', 'reviewer', 'tester', 'writer']);
    expect(body.state.steps.planner?.status).toBe('completed');
  });

  it('follows live events', async () => {
    const bus = createEventBus({ lastSeq: 50 });
    const d = dashboard({ live: bus });
    await d.ready;
    bus.emit('workflow_completed', { elapsed: 3, output: { ok: true } });
    await expect.poll(() => d.state().last_seq, WAIT).toBe(51);
    const body = (await (await get(d, '/api/state')).json()) as {
      state: { run: { status: string } };
      last_seq: number;
    };
    expect(body).toMatchObject({ last_seq: 51, state: { run: { status: 'completed' } } });
  });

  it('answers 500 JSON when the history cannot be read', async () => {
    const broken = memoryStore();
    broken.read = async function* () {
      yield* [];
      throw new Error('disk on fire');
    };
    const d = dashboard({ history: broken, onError: () => {} });
    const response = await get(d, '/api/state');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { code: 'CONDUCTOR_INTERNAL', message: 'the dashboard failed: disk on fire' },
    });
  });
});

describe('GET /api/events', () => {
  async function logDashboard() {
    const path = join(await tempDir(), 'events.jsonl');
    // Seq gaps (every 10th missing) so paging cannot assume seq = position.
    await writeLog(
      path,
      [...runEvents(1200)].filter((e) => e.seq % 10 !== 0),
    );
    return { d: dashboard({ history: jsonlStore(path, { indexEvery: 64 }) }), path };
  }
  type Page = { events: ConductorEvent[]; last_seq: number; has_more: boolean };
  const page = async (d: Dashboard, query: string) =>
    (await (await get(d, `/api/events?${query}`)).json()) as Page;

  it('pages forward from the log on disk', async () => {
    const { d } = await logDashboard();
    const first = await page(d, 'after=0&limit=5');
    expect(first.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(first).toMatchObject({ last_seq: 1199, has_more: true });
    const middle = await page(d, 'after=598&limit=3');
    expect(middle.events.map((e) => e.seq)).toEqual([599, 601, 602]);
    const end = await page(d, 'after=1195&limit=10');
    expect(end.events.map((e) => e.seq)).toEqual([1196, 1197, 1198, 1199]);
    expect(end.has_more).toBe(false);
  });

  it('walks the whole log with after= exactly once', async () => {
    const { d } = await logDashboard();
    const seen: number[] = [];
    for (let after = 0, more = true; more; ) {
      const p = await page(d, `after=${after}&limit=333`);
      seen.push(...p.events.map((e) => e.seq));
      after = p.events.at(-1)?.seq ?? after;
      more = p.has_more;
    }
    expect(seen).toEqual([...runEvents(1200)].map((e) => e.seq).filter((s) => s % 10 !== 0));
  });

  it('pages backward with before=, oldest first', async () => {
    const { d } = await logDashboard();
    const last = await page(d, 'before=1200&limit=4');
    expect(last.events.map((e) => e.seq)).toEqual([1196, 1197, 1198, 1199]);
    expect(last.has_more).toBe(true);
    expect((await page(d, 'before=1192&limit=4')).events.map((e) => e.seq)).toEqual([1187, 1188, 1189, 1191]);
    const older = await page(d, 'before=12&limit=20');
    expect(older.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 11]);
    expect(older.has_more).toBe(false);
    expect((await page(d, 'before=1&limit=5')).events).toEqual([]);
  });

  it('defaults to 500 events and caps limit at 5000', async () => {
    const d = dashboard({ history: memoryStore(runEvents(6000)) });
    expect((await page(d, '')).events).toHaveLength(500);
    expect((await page(d, 'limit=100000')).events).toHaveLength(5000);
  });

  it('rejects bad queries with 400 JSON', async () => {
    const d = dashboard();
    for (const query of ['after=-1', 'after=x', 'limit=0', 'after=1&before=5', 'before=1.5']) {
      const response = await get(d, `/api/events?${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'CONDUCTOR_BAD_REQUEST' } });
    }
  });
});

describe('GET /api/logs', () => {
  it('streams the whole history as JSONL for download', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeLog(path, runEvents(3000));
    const response = await get(dashboard({ history: jsonlStore(path) }), '/api/logs');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="run-1.events.jsonl"');
    const lines = (await response.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(3000);
    expect(JSON.parse(lines[2999] as string)).toEqual([...runEvents(3000)][2999]);
  });
});

describe('POST /api/stop', () => {
  it('answers 501 without run control', async () => {
    const response = await post(dashboard(), '/api/stop', {});
    expect(response.status).toBe(501);
    expect(await response.json()).toMatchObject({ error: { code: 'CONDUCTOR_NO_CONTROL' } });
  });

  it('asks a running run to stop, once', async () => {
    const stop = vi.fn();
    const d = dashboard({ control: { stop } });
    expect((await post(d, '/api/stop', {})).status).toBe(202);
    const again = await post(d, '/api/stop', {});
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ ok: true, already_stopping: true });
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it('answers 409 when the run is not running', async () => {
    const done: ConductorEvent = { seq: 51, type: 'workflow_completed', timestamp: 2e9, data: {} };
    const stop = vi.fn();
    const d = dashboard({ history: memoryStore([...runEvents(50), done]), control: { stop } });
    const response = await post(d, '/api/stop', {});
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      error: { code: 'CONDUCTOR_CONFLICT', message: 'the run is not running (status: completed)' },
    });
    expect(stop).not.toHaveBeenCalled();
  });

  it('answers 500 JSON when stopping fails', async () => {
    const d = dashboard({
      control: { stop: () => Promise.reject(new Error('no checkpoint')) },
      onError: () => {},
    });
    const response = await post(d, '/api/stop', {});
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: 'CONDUCTOR_INTERNAL' } });
  });
});

describe('POST /api/gate', () => {
  const withGate = (answerGate: (...args: unknown[]) => boolean | Promise<boolean>) =>
    dashboard({
      history: memoryStore([...runEvents(50), gatePresented(51)]),
      control: { stop() {}, answerGate },
    });

  it('answers the pending gate', async () => {
    const answerGate = vi.fn(() => true);
    const d = withGate(answerGate);
    const response = await post(d, '/api/gate', {
      step: 'approve',
      value: 'yes',
      additional_input: 'ship friday',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(answerGate).toHaveBeenCalledWith('approve', 'yes', 'ship friday');
    await post(d, '/api/gate', { step: 'approve', value: 'no' });
    expect(answerGate).toHaveBeenLastCalledWith('approve', 'no', null);
  });

  it('validates the body', async () => {
    const d = withGate(() => true);
    for (const body of [
      'not json',
      {},
      { step: '', value: 'yes' },
      { step: 'approve' },
      { step: 'approve', value: 3 },
      { step: 'approve', value: 'maybe' },
    ]) {
      const response = await post(d, '/api/gate', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'CONDUCTOR_BAD_REQUEST' } });
    }
  });

  it('answers 409 when no such gate is pending, or the run says it is gone', async () => {
    const idle = dashboard({ control: { stop() {}, answerGate: () => true } });
    expect((await post(idle, '/api/gate', { step: 'approve', value: 'yes' })).status).toBe(409);
    const d = withGate(() => false);
    expect((await post(d, '/api/gate', { step: 'other', value: 'yes' })).status).toBe(409);
    const gone = await post(d, '/api/gate', { step: 'approve', value: 'yes' });
    expect(gone.status).toBe(409);
    expect(await gone.json()).toMatchObject({ error: { code: 'CONDUCTOR_CONFLICT' } });
  });

  it('answers 501 without a gate handler', async () => {
    expect(
      (await post(dashboard({ control: { stop() {} } }), '/api/gate', { step: 'a', value: 'b' })).status,
    ).toBe(501);
  });
});

describe('POST /api/dialog', () => {
  const withDialog = (answerDialog: (...args: unknown[]) => boolean | Promise<boolean>, replying = false) =>
    dashboard({
      history: memoryStore([...runEvents(50), ...dialogOpen(51, replying)]),
      control: { stop() {}, answerDialog },
    });

  it("gives the waiting dialog the user's message, and says the dashboard can", async () => {
    const answerDialog = vi.fn(() => true);
    const d = withDialog(answerDialog);
    expect(await (await get(d, '/api/info')).json()).toMatchObject({ control: { dialog: true } });
    const response = await post(d, '/api/dialog', { step: 'plan', message: 'In May' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(answerDialog).toHaveBeenCalledWith('plan', 'In May');
  });

  it('validates the body', async () => {
    const answerDialog = vi.fn(() => true);
    const d = withDialog(answerDialog);
    for (const body of [
      'not json',
      {},
      { step: '', message: 'hi' },
      { step: 'plan' },
      { step: 'plan', message: 3 },
      { step: 'plan', message: '   ' },
      { step: 'plan', message: 'x'.repeat(20_001) },
    ]) {
      const response = await post(d, '/api/dialog', body);
      expect(response.status, JSON.stringify(body).slice(0, 50)).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'CONDUCTOR_BAD_REQUEST' } });
    }
    expect(answerDialog).not.toHaveBeenCalled();
  });

  it('answers 409 with no dialog there, while the agent replies, or when the run says it is gone', async () => {
    const idle = dashboard({ control: { stop() {}, answerDialog: () => true } });
    expect((await post(idle, '/api/dialog', { step: 'plan', message: 'hi' })).status).toBe(409);
    const d = withDialog(() => true);
    for (const step of ['other', '__proto__', 'constructor']) {
      expect((await post(d, '/api/dialog', { step, message: 'hi' })).status, step).toBe(409);
    }
    const replying = await post(
      withDialog(() => true, true),
      '/api/dialog',
      { step: 'plan', message: 'hi' },
    );
    expect(replying.status).toBe(409);
    expect(await replying.json()).toMatchObject({
      error: { message: expect.stringContaining('still replying') },
    });
    const gone = await post(
      withDialog(() => false),
      '/api/dialog',
      { step: 'plan', message: 'hi' },
    );
    expect(gone.status).toBe(409);
    expect(await gone.json()).toMatchObject({ error: { code: 'CONDUCTOR_CONFLICT' } });
  });

  it('answers 501 without a dialog handler, and 409 to a dashboard that does not own the run', async () => {
    const d = dashboard({
      history: memoryStore([...runEvents(50), ...dialogOpen(51)]),
      control: { stop() {} },
    });
    expect((await post(d, '/api/dialog', { step: 'plan', message: 'hi' })).status).toBe(501);
    expect(await (await get(d, '/api/info')).json()).toMatchObject({ control: { dialog: false } });
    const answerDialog = vi.fn(() => true);
    const other = dashboard({
      history: memoryStore([...runEvents(50), ...dialogOpen(51)]),
      control: { stop() {}, answerDialog },
      ownership: () => ({ owner: 'other-process', pid: 4242 }),
    });
    const refused = await post(other, '/api/dialog', { step: 'plan', message: 'hi' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: 'CONDUCTOR_NOT_OWNER' } });
    expect(answerDialog).not.toHaveBeenCalled();
  });
});

describe('unknown routes and the UI', () => {
  it('answers 404 JSON for an unknown API route', async () => {
    const response = await get(dashboard(), '/api/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'CONDUCTOR_NOT_FOUND' } });
    expect((await dashboard().app.request('/api/state', { method: 'DELETE', headers: auth })).status).toBe(
      404,
    );
  });

  it('answers 426 JSON for a plain request to the socket endpoint', async () => {
    expect((await get(dashboard(), '/ws')).status).toBe(426);
  });

  it('serves the built UI with index.html for deep links, and nothing outside it', async () => {
    const ui = await tempDir();
    await mkdir(join(ui, 'assets'));
    await writeFile(join(ui, 'index.html'), '<!doctype html><title>UI</title>');
    await writeFile(join(ui, 'assets', 'app-1234.js'), 'console.log(1)');
    const d = dashboard({ uiDir: ui });
    const index = await d.app.request('/');
    expect(await index.text()).toContain('<title>UI</title>');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const script = await d.app.request('/assets/app-1234.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect(await (await d.app.request('/runs/run-1/steps/coder')).text()).toContain('<title>UI</title>');
    expect((await d.app.request('/assets/missing.js')).status).toBe(404);
    expect((await d.app.request('/..%2f..%2fetc%2fpasswd')).status).toBe(404);
  });

  it('says how to build the UI when it is missing', async () => {
    const response = await dashboard({ uiDir: join(await tempDir(), 'none') }).app.request('/');
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('not built');
  });
});

describe('stores', () => {
  it.runIf(existsSync('/proc/self/fd'))('close the log file when a reader stops early', async () => {
    const path = join(await tempDir(), 'events.jsonl');
    await writeLog(path, runEvents(5000));
    const openFiles = () =>
      readdirSync('/proc/self/fd').map((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      });
    for (const after of [0, 100]) {
      for await (const event of jsonlStore(path).read(after)) {
        expect(openFiles()).toContain(path);
        if (event.seq === after + 3) break;
      }
      expect(openFiles()).not.toContain(path);
    }
  });

  it('treat a log that does not exist yet as empty history', async () => {
    const d = dashboard({ history: jsonlStore(join(await tempDir(), 'later.jsonl')) });
    const body = (await (await get(d, '/api/state')).json()) as { last_seq: number };
    expect(body.last_seq).toBe(0);
    expect(await (await get(d, '/api/events?before=10')).json()).toEqual({
      events: [],
      last_seq: 0,
      has_more: false,
    });
  });

  it('feed live events to a memory store', async () => {
    const bus = createEventBus();
    const store = memoryStore();
    const d = dashboard({ history: store, live: bus });
    await d.ready;
    bus.emit('workflow_started', { ...WORKFLOW_STARTED });
    await expect.poll(() => store.events.length, WAIT).toBe(1);
    expect(d.state().graph?.name).toBe('review');
  });
});
