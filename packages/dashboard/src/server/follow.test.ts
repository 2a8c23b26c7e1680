import { type ConductorEvent, createEventBus } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { follow } from './follow.js';
import { type HistoryStore, memoryStore } from './history.js';
import { LiveHub } from './hub.js';
import { runEvents, WAIT } from './test-helpers.js';

/** A store fed by hand, later than the bus: like a log writer that lags behind. */
function laggingStore(): HistoryStore & { catchUp(events: Iterable<ConductorEvent>): void } {
  const inner = memoryStore();
  return {
    path: null,
    read: (after) => inner.read(after),
    page: (query) => inner.page(query),
    catchUp(events) {
      for (const event of events) inner.append?.(event);
    },
  };
}

function recorder() {
  const seqs: number[] = [];
  return {
    seqs,
    sink: {
      history: (event: ConductorEvent) => void seqs.push(event.seq),
      live: (live: { event: ConductorEvent }) => void seqs.push(live.event.seq),
    },
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const options = (signal = new AbortController().signal) => ({
  maxBuffered: 1000,
  catchUpTimeoutMs: 5000,
  signal,
});

describe('follow', () => {
  it('bridges a store that has not received the latest events from the ring', async () => {
    const bus = createEventBus();
    const store = laggingStore();
    const hub = new LiveHub(bus, 100, (e) => {
      throw e;
    });
    const all = [...runEvents(80)];
    for (const e of all) bus.emitRaw(e.type, e.data);
    hub.flush();
    store.catchUp(all.slice(0, 30));
    const { seqs, sink } = recorder();
    const result = await follow(store, hub, 10, sink, options());
    expect(result).toEqual({ status: 'live', lastSeq: 80 });
    bus.emit('agent_message', { agent_name: 'writer', content: 'live' });
    hub.flush();
    expect(seqs).toEqual(range(11, 81));
  });

  it('waits for the store when the ring no longer reaches back, then goes on', async () => {
    const bus = createEventBus();
    const store = laggingStore();
    const hub = new LiveHub(bus, 5, (e) => {
      throw e;
    });
    const all = [...runEvents(50)];
    for (const e of all) bus.emitRaw(e.type, e.data);
    hub.flush();
    const { seqs, sink } = recorder();
    const following = follow(store, hub, 0, sink, options());
    // The ring holds 46..50 only: 1..45 must come from the store.
    await expect.poll(() => hub.lastSeq, WAIT).toBe(50);
    expect(seqs).toEqual([]);
    store.catchUp(all.slice(0, 47));
    expect(await following).toEqual({ status: 'live', lastSeq: 50 });
    expect(seqs).toEqual(range(1, 50));
  });

  it('gives up on a store that never catches up, so the client can resync', async () => {
    const bus = createEventBus();
    const hub = new LiveHub(bus, 5, (e) => {
      throw e;
    });
    for (const e of runEvents(50)) bus.emitRaw(e.type, e.data);
    hub.flush();
    const { sink } = recorder();
    const result = await follow(laggingStore(), hub, 0, sink, { ...options(), catchUpTimeoutMs: 50 });
    expect(result).toEqual({ status: 'store_lagging', lastSeq: 0 });
  });

  it('overflows when live events pile up while history is being sent', async () => {
    const bus = createEventBus();
    const store = memoryStore(runEvents(100));
    const hub = new LiveHub(bus, 10, (e) => {
      throw e;
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const following = follow(
      store,
      hub,
      0,
      { history: (e) => (e.seq === 1 ? gate : undefined), live: () => {} },
      { ...options(), maxBuffered: 20 },
    );
    for (let i = 0; i < 21; i++) bus.emit('agent_message', { agent_name: 'w', content: '' });
    hub.flush();
    release();
    expect((await following).status).toBe('overflow');
  });

  it('stops delivering once its signal aborts', async () => {
    const bus = createEventBus();
    const hub = new LiveHub(bus, 10, (e) => {
      throw e;
    });
    const controller = new AbortController();
    const { seqs, sink } = recorder();
    await follow(memoryStore(), hub, 0, sink, options(controller.signal));
    bus.emit('agent_message', { agent_name: 'w', content: '' });
    hub.flush();
    controller.abort();
    bus.emit('agent_message', { agent_name: 'w', content: '' });
    hub.flush();
    expect(seqs).toEqual([1]);
  });

  it('the hub reports a failing listener and keeps delivering', () => {
    const bus = createEventBus();
    const errors: unknown[] = [];
    const hub = new LiveHub(bus, 10, (e) => errors.push(e));
    const seen: number[] = [];
    hub.listen(() => {
      throw new Error('boom');
    });
    hub.listen((live) => seen.push(live.event.seq));
    bus.emit('agent_message', { agent_name: 'w', content: '' });
    bus.emit('agent_message', { agent_name: 'w', content: '' });
    hub.flush();
    expect(seen).toEqual([1, 2]);
    expect(errors).toHaveLength(2);
  });
});

describe('sockets and the hub', () => {
  it('a socket that closes, in any phase, stops listening to the hub', async () => {
    const { createServer } = await import('node:http');
    const { default: WebSocket } = await import('ws');
    const { createSocketEndpoint } = await import('./socket.js');
    const { createHostPolicy } = await import('./security.js');
    const { DEFAULT_LIMITS } = await import('./dashboard.js');
    const bus = createEventBus();
    const hub = new LiveHub(bus, 100, (e) => {
      throw e;
    });
    const endpoint = createSocketEndpoint({
      store: memoryStore(),
      hub,
      policy: createHostPolicy('*', () => null),
      token: null,
      limits: DEFAULT_LIMITS,
      path: '/ws',
      onError: (e) => {
        throw e;
      },
    });
    const server = createServer();
    server.on('upgrade', (req, socket, head) => endpoint.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const sockets = Array.from({ length: 3 }, () => new WebSocket(`ws://127.0.0.1:${port}/ws?after=0`));
      const received = sockets.map(() => 0);
      sockets.forEach((ws, i) => {
        ws.on('message', () => {
          received[i] = (received[i] ?? 0) + 1;
        });
      });
      await Promise.all(sockets.map((ws) => new Promise((resolve) => ws.once('open', resolve))));
      bus.emit('agent_message', { agent_name: 'w', content: '' });
      hub.flush();
      await expect.poll(() => received, WAIT).toEqual([1, 1, 1]);
      expect(hub.listenerCount).toBe(3);
      for (const ws of sockets) ws.close();
      await expect.poll(() => endpoint.stats().clients, WAIT).toBe(0);
      expect(hub.listenerCount).toBe(0);
    } finally {
      await endpoint.close();
      server.close();
    }
  });
});
