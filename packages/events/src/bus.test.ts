import { describe, expect, it } from 'vitest';
import { createEventBus, EventBusClosedError, streamEvents } from './bus.js';

describe('createEventBus', () => {
  it('stamps a strictly increasing seq continuing after lastSeq, and a timestamp', () => {
    const bus = createEventBus({ lastSeq: 41, clock: () => 1700000000.5 });
    const a = bus.emit('route_taken', { from_agent: 'a', to_agent: 'b' });
    const b = bus.emit('route_taken', { from_agent: 'b', to_agent: '$end' });
    expect([a.seq, b.seq]).toEqual([42, 43]);
    expect(a.timestamp).toBe(1700000000.5);
    expect(bus.lastSeq).toBe(43);
  });

  it('delivers synchronously to subscribers in order, and stops after unsubscribe', () => {
    const bus = createEventBus();
    const seen: number[] = [];
    const off = bus.subscribe((e) => seen.push(e.seq));
    bus.emit('agent_started', { agent_name: 'x' });
    expect(seen).toEqual([1]);
    off();
    bus.emit('agent_started', { agent_name: 'x' });
    expect(seen).toEqual([1]);
  });

  it('async iteration keeps events emitted before the consumer starts reading, and ends on close', async () => {
    const bus = createEventBus();
    const stream = bus.events();
    for (let i = 0; i < 3000; i++) bus.emit('agent_message', { agent_name: 'a', content: String(i) });
    bus.close();
    const seqs: number[] = [];
    for await (const event of stream) seqs.push(event.seq);
    expect(seqs).toHaveLength(3000);
    expect(seqs[0]).toBe(1);
    expect(seqs.at(-1)).toBe(3000);
    expect(seqs.every((s, i) => s === i + 1)).toBe(true);
  });

  it('interleaves producer and consumer without losing events', async () => {
    const bus = createEventBus();
    const collected: number[] = [];
    const consumer = (async () => {
      for await (const event of bus.events()) collected.push(event.seq);
    })();
    for (let i = 0; i < 100; i++) {
      bus.emit('agent_message', { agent_name: 'a', content: 'x' });
      if (i % 10 === 0) await Promise.resolve();
    }
    bus.close();
    await consumer;
    expect(collected).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('breaking out of the loop unsubscribes the iterator', async () => {
    const bus = createEventBus();
    let listeners = 0;
    const stream = bus.events();
    bus.emit('agent_started', { agent_name: 'a' });
    for await (const _ of stream) break;
    // After break, emitting must not buffer into the abandoned iterator: observe via a fresh subscriber count.
    bus.subscribe(() => listeners++);
    bus.emit('agent_started', { agent_name: 'b' });
    expect(listeners).toBe(1);
    const next = await stream.next();
    expect(next.done).toBe(true);
  });

  it('an aborted signal ends the iterator', async () => {
    const bus = createEventBus();
    const controller = new AbortController();
    const stream = bus.events({ signal: controller.signal });
    const pending = stream.next();
    controller.abort();
    expect((await pending).done).toBe(true);
  });

  it('refuses to emit after close', () => {
    const bus = createEventBus();
    bus.close();
    expect(() => bus.emit('agent_started', { agent_name: 'a' })).toThrow(EventBusClosedError);
  });
});

describe('streamEvents', () => {
  it('keeps events from its creation, ends after draining, and hands an end error to the reader last', async () => {
    const bus = createEventBus();
    const stream = streamEvents(bus);
    bus.emit('agent_started', { agent_name: 'a' });
    bus.emit('agent_started', { agent_name: 'b' });
    const boom = new Error('run could not start');
    stream.end(boom);
    bus.emit('agent_started', { agent_name: 'late' });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of stream) seen.push(String(event.data.agent_name));
      })(),
    ).rejects.toBe(boom);
    expect(seen).toEqual(['a', 'b']);
  });

  it('calls onEnd once however it ends', async () => {
    const bus = createEventBus();
    let ends = 0;
    const stream = streamEvents(bus, { onEnd: () => ends++ });
    bus.emit('agent_started', { agent_name: 'a' });
    for await (const _ of stream) break;
    stream.end();
    expect(ends).toBe(1);
  });
});
