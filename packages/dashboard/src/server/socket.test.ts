import { type AttachedEventLog, attachEventLog, eventLogPath } from '@conductor/event-log';
import {
  applyEvent,
  type ConductorEvent,
  createEventBus,
  type EventBus,
  type RunState,
} from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { jsonlStore, type RunningDashboard, type StartDashboardOptions, startDashboard } from '../index.js';
import { runEvents, tempDir, WAIT } from './test-helpers.js';

const TOKEN = 'socket-test-token';
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A run as the engine makes it: a bus, the log writer subscribed to it, and some history. */
async function liveRun(historyEvents: number, options: Partial<StartDashboardOptions> = {}) {
  const home = await tempDir();
  const path = eventLogPath('run-1', home);
  const bus = createEventBus();
  const log = await attachEventLog(bus, path);
  for (const event of runEvents(historyEvents)) bus.emitRaw(event.type, event.data);
  const running = await startDashboard({ history: jsonlStore(path), live: bus, token: TOKEN, ...options });
  cleanup.push(
    () => log.detach(),
    () => running.close(),
  );
  await running.dashboard.ready;
  return { bus, log, running, path };
}

/** Emits `count` agent messages, `perTurn` per turn of the event loop, like a busy run streaming text. */
async function burst(bus: EventBus, count: number, perTurn = 50, content = 'x'): Promise<void> {
  for (let sent = 0; sent < count; ) {
    for (let i = 0; i < perTurn && sent < count; i++, sent++)
      bus.emit('agent_message', { agent_name: 'writer', content });
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface Client {
  ws: WebSocket;
  events: ConductorEvent[];
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  lastSeq(): number;
}

function connect(
  running: RunningDashboard,
  after: number,
  headers: Record<string, string> = {},
  token = TOKEN,
  batch = false,
): Client {
  const query = `after=${after}&token=${token}${batch ? '&batch=1' : ''}`;
  const ws = new WebSocket(`ws://127.0.0.1:${running.port}/ws?${query}`, { headers });
  const events: ConductorEvent[] = [];
  ws.on('message', (data) => {
    // batch=1: a frame is a JSON array of events; otherwise one event.
    const parsed = JSON.parse(String(data)) as ConductorEvent | ConductorEvent[];
    if (batch) expect(Array.isArray(parsed)).toBe(true);
    if (Array.isArray(parsed)) events.push(...parsed);
    else events.push(parsed);
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  cleanup.push(() => ws.terminate());
  return { ws, events, opened, closed, lastSeq: () => events.at(-1)?.seq ?? after };
}

async function getState(running: RunningDashboard): Promise<{ state: RunState; last_seq: number }> {
  const response = await fetch(`http://127.0.0.1:${running.port}/api/state`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return (await response.json()) as { state: RunState; last_seq: number };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('/ws over a real port', () => {
  it('state at S, then the socket after S during a 5,000-event burst: every event once, in order', async () => {
    const { bus, running } = await liveRun(300);
    const emitting = burst(bus, 5000);
    await expect.poll(() => bus.lastSeq, WAIT).toBeGreaterThanOrEqual(1500);
    const { state, last_seq: s } = await getState(running);
    expect(state.last_seq).toBe(s);
    expect(s).toBeGreaterThanOrEqual(300);
    const client = connect(running, s);
    await emitting;
    const end = bus.lastSeq;
    expect(end).toBe(5300);
    await expect.poll(() => client.lastSeq(), WAIT).toBe(end);
    expect(client.events.map((e) => e.seq)).toEqual(range(s + 1, end));
    // The client recipe: the snapshot plus every event after it is the server's state.
    const folded = client.events.reduce(applyEvent, state);
    await expect.poll(() => running.dashboard.state().last_seq, WAIT).toBe(end);
    expect(folded).toEqual((await getState(running)).state);
  });

  it('disconnect mid-burst and reconnect with after=<last>: still every event exactly once', async () => {
    const { bus, running } = await liveRun(2000);
    // From 0: history from disk while the burst goes on, then live.
    const first = connect(running, 0);
    const firstHalf = burst(bus, 2500);
    await expect.poll(() => first.events.length, WAIT).toBeGreaterThanOrEqual(4000);
    // The socket closes while the second half of the burst is being emitted.
    const emitting = firstHalf.then(() => burst(bus, 2500));
    first.ws.close();
    await first.closed;
    const cut = first.lastSeq();
    expect(cut, 'the disconnect happened mid-burst').toBeLessThan(7000);
    const second = connect(running, cut);
    await emitting;
    await expect.poll(() => second.lastSeq(), WAIT).toBe(7000);
    const seqs = [...first.events, ...second.events].map((e) => e.seq);
    expect(seqs).toEqual(range(1, 7000));
  });

  it('batch=1: many events per frame, still every event exactly once across a reconnect, with others at once', async () => {
    const { bus, running } = await liveRun(2000);
    const frames: number[] = [];
    const first = connect(running, 0, {}, TOKEN, true);
    first.ws.on('message', (data) => frames.push((JSON.parse(String(data)) as unknown[]).length));
    const unbatched = connect(running, 0);
    const others = Array.from({ length: 5 }, () => connect(running, 0, {}, TOKEN, true));
    const firstHalf = burst(bus, 2500);
    await expect.poll(() => first.events.length, WAIT).toBeGreaterThanOrEqual(4000);
    const emitting = firstHalf.then(() => burst(bus, 2500));
    first.ws.close();
    await first.closed;
    const cut = first.lastSeq();
    expect(cut, 'the disconnect happened mid-burst').toBeLessThan(7000);
    const second = connect(running, cut, {}, TOKEN, true);
    await emitting;
    await expect.poll(() => second.lastSeq(), WAIT).toBe(7000);
    expect([...first.events, ...second.events].map((e) => e.seq)).toEqual(range(1, 7000));
    expect(Math.max(...frames), 'history and bursts arrive many events to a frame').toBeGreaterThan(1);
    for (const client of [unbatched, ...others]) {
      await expect.poll(() => client.lastSeq(), WAIT).toBe(7000);
      expect(client.events.map((e) => e.seq)).toEqual(range(1, 7000));
    }
  });

  type Paused = { _socket: { pause(): void; resume(): void } };

  it('closes a live client that stops reading with 4001 while the emitter and other clients go on', async () => {
    // Default limits (8 MB unsent per client) against a 40 MB burst; a stall is declared after 1 s.
    const { bus, log, running } = await liveRun(10, {
      limits: { closeGraceMs: 60_000, stallTimeoutMs: 1000 },
    });
    const slow = connect(running, 10);
    const fast = connect(running, 10);
    await Promise.all([slow.opened, fast.opened]);
    bus.emit('agent_message', { agent_name: 'writer', content: 'hello' });
    await expect.poll(() => [slow.lastSeq(), fast.lastSeq()], WAIT).toEqual([11, 11]);
    (slow.ws as unknown as Paused)._socket.pause();
    const before = running.dashboard.state().last_seq;
    const content = 'y'.repeat(8192);
    // One synchronous loop: whatever the dashboard does with an event, it may not do it inside emit.
    for (let i = 0; i < 5000; i++) bus.emit('agent_message', { agent_name: 'writer', content });
    expect(log.writer.lastSeq).toBe(5011);
    expect(running.dashboard.state().last_seq).toBe(before);
    await expect.poll(() => running.dashboard.stats().resyncs, WAIT).toBeGreaterThanOrEqual(1);
    await expect.poll(() => fast.lastSeq(), WAIT).toBe(5011);
    expect(fast.events.map((e) => e.seq)).toEqual(range(11, 5011));
    (slow.ws as unknown as Paused)._socket.resume();
    expect(await slow.closed).toMatchObject({ code: 4001 });
    // What the slow client did get is a gap-free prefix: it can resume from its last seq.
    expect(slow.events.map((e) => e.seq)).toEqual(range(11, slow.lastSeq()));
    expect(slow.lastSeq()).toBeLessThan(5011);
    await expect.poll(() => running.dashboard.stats().clients, WAIT).toBe(1);
    expect(running.dashboard.stats().catchUps).toBeGreaterThanOrEqual(1);
    expect(running.dashboard.stats().resyncs).toBe(1);
  });

  it('catches a client that falls behind up from the log, without closing it', async () => {
    const { bus, running } = await liveRun(10, { limits: { maxBufferedBytes: 1024 * 1024 } });
    const client = connect(running, 10);
    await client.opened;
    bus.emit('agent_message', { agent_name: 'writer', content: 'hello' });
    await expect.poll(() => client.lastSeq(), WAIT).toBe(11);
    // The browser is busy for a while: it reads nothing while 20 MB of events go out.
    (client.ws as unknown as Paused)._socket.pause();
    const content = 'w'.repeat(4096);
    for (let i = 0; i < 5000; i++) bus.emit('agent_message', { agent_name: 'writer', content });
    await expect.poll(() => running.dashboard.stats().catchUps, WAIT).toBeGreaterThanOrEqual(1);
    (client.ws as unknown as Paused)._socket.resume();
    await expect.poll(() => client.lastSeq(), WAIT).toBe(5011);
    expect(client.events.map((e) => e.seq)).toEqual(range(11, 5011));
    expect(running.dashboard.stats()).toMatchObject({ clients: 1, resyncs: 0 });
  });

  it('closes a client that stops reading while it receives history with 4001', async () => {
    const { bus, running } = await liveRun(10, {
      limits: { highWaterBytes: 64 * 1024, stallTimeoutMs: 300, closeGraceMs: 60_000 },
    });
    const content = 'z'.repeat(4096);
    await burst(bus, 3000, 500, content);
    await expect.poll(() => running.dashboard.state().last_seq, WAIT).toBe(3010);
    const slow = connect(running, 0);
    await slow.opened;
    (slow.ws as unknown as Paused)._socket.pause();
    await expect.poll(() => running.dashboard.stats().resyncs, WAIT).toBe(1);
    (slow.ws as unknown as Paused)._socket.resume();
    expect(await slow.closed).toMatchObject({ code: 4001 });
    expect(slow.events.map((e) => e.seq)).toEqual(range(1, slow.lastSeq()));
    // Reconnecting from there gets the rest.
    const again = connect(running, slow.lastSeq());
    await expect.poll(() => again.lastSeq(), WAIT).toBe(3010);
    expect([...slow.events, ...again.events].map((e) => e.seq)).toEqual(range(1, 3010));
  });

  it('rejects upgrades without the token, from a foreign Host or Origin, or with a bad after', async () => {
    const { running } = await liveRun(5);
    const statusOf = (url: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('open', () => {
          resolve(101);
          ws.close();
        });
        ws.on('error', () => {});
      });
    const base = `ws://127.0.0.1:${running.port}`;
    expect(await statusOf(`${base}/ws?after=0`)).toBe(401);
    expect(await statusOf(`${base}/ws?after=0&token=wrong`)).toBe(401);
    expect(await statusOf(`${base}/ws?after=0&token=${TOKEN}`, { host: 'evil.example' })).toBe(403);
    expect(await statusOf(`${base}/ws?after=0&token=${TOKEN}`, { origin: 'http://evil.example' })).toBe(403);
    expect(
      await statusOf(`${base}/ws?after=0&token=${TOKEN}`, { host: `127.0.0.1:${running.port + 1}` }),
    ).toBe(403);
    expect(await statusOf(`${base}/ws?after=-3&token=${TOKEN}`)).toBe(400);
    expect(await statusOf(`${base}/other?token=${TOKEN}`)).toBe(404);
    expect(await statusOf(`${base}/ws?after=0`, { authorization: `Bearer ${TOKEN}` })).toBe(101);
    expect(
      await statusOf(`${base}/ws?after=0&token=${TOKEN}`, { origin: `http://localhost:${running.port}` }),
    ).toBe(101);
  });

  it('prints a URL with the token that opens the API', async () => {
    const { running } = await liveRun(5);
    expect(running.url).toBe(`http://127.0.0.1:${running.port}/?token=${TOKEN}`);
    const info = await fetch(new URL(`/api/info?token=${TOKEN}`, running.url));
    expect(info.status).toBe(200);
    expect((await fetch(new URL('/api/info', running.url))).status).toBe(401);
  });

  it('folds history exactly once while the run keeps emitting during start-up', async () => {
    const home = await tempDir();
    const path = eventLogPath('run-1', home);
    const bus = createEventBus();
    const log: AttachedEventLog = await attachEventLog(bus, path);
    cleanup.push(() => log.detach());
    for (const event of runEvents(20_000)) bus.emitRaw(event.type, event.data);
    const running = await startDashboard({ history: jsonlStore(path), live: bus, token: TOKEN });
    cleanup.push(() => running.close());
    await burst(bus, 3000);
    await running.dashboard.ready;
    await expect.poll(() => running.dashboard.state().last_seq, WAIT).toBe(23_000);
    expect(running.dashboard.state().event_count).toBe(23_000);
  });
});
