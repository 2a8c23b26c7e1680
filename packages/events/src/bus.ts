import { type ConductorEvent, nowSeconds } from './envelope.js';
import type { EventData, EventType } from './vocabulary.js';

export type EventListener = (event: ConductorEvent) => void;

export interface EventBusOptions {
  /** The last seq already used by this run (a resume continues after it). Default 0. */
  lastSeq?: number;
  /** Clock in Unix seconds; tests may pin it. */
  clock?: () => number;
}

export interface EventBus {
  /** The seq of the last event emitted, or the starting point if none yet. */
  readonly lastSeq: number;
  /** Stamps `seq` and `timestamp`, then delivers synchronously to every subscriber, in order. */
  emit<K extends EventType>(type: K, data: EventData<K>): ConductorEvent<K, EventData<K>>;
  /** Emits an event type outside the vocabulary (extensions). */
  emitRaw(type: string, data: Record<string, unknown>): ConductorEvent;
  subscribe(listener: EventListener): () => void;
  /**
   * Every event emitted from now on, buffered without loss until read. Ends after `close()` once
   * drained, or when `signal` aborts. Breaking out of the loop unsubscribes.
   */
  events(options?: { signal?: AbortSignal }): AsyncIterableIterator<ConductorEvent>;
  /** Ends all `events()` iterators after they drain. Later emits throw. */
  close(): void;
  readonly closed: boolean;
}

export class EventBusClosedError extends Error {
  readonly code = 'CONDUCTOR_BUS_CLOSED';
  constructor(type: string) {
    super(`cannot emit "${type}": the event bus of this run is closed`);
    this.name = 'EventBusClosedError';
  }
}

export function createEventBus(options: EventBusOptions = {}): EventBus {
  let lastSeq = options.lastSeq ?? 0;
  const clock = options.clock ?? nowSeconds;
  const listeners = new Set<EventListener>();
  const closers = new Set<() => void>();
  let closed = false;

  function deliver(type: string, data: Record<string, unknown>): ConductorEvent {
    if (closed) throw new EventBusClosedError(type);
    lastSeq += 1;
    const event: ConductorEvent = { seq: lastSeq, type, timestamp: clock(), data };
    // A snapshot, so a listener that unsubscribes during delivery does not skip its neighbour.
    for (const listener of [...listeners]) listener(event);
    return event;
  }

  return {
    get lastSeq() {
      return lastSeq;
    },
    get closed() {
      return closed;
    },
    emit(type, data) {
      return deliver(type, data) as never;
    },
    emitRaw: deliver,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    events({ signal } = {}) {
      return iterate(listeners, closers, () => closed, signal);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const close of [...closers]) close();
    },
  };
}

function iterate(
  listeners: Set<EventListener>,
  closers: Set<() => void>,
  isClosed: () => boolean,
  signal?: AbortSignal,
): AsyncIterableIterator<ConductorEvent> {
  const queue: ConductorEvent[] = [];
  let head = 0;
  let wake: (() => void) | null = null;
  let done = isClosed() || signal?.aborted === true;

  const listener: EventListener = (event) => {
    queue.push(event);
    wake?.();
  };
  const finish = () => {
    done = true;
    wake?.();
  };
  const onAbort = () => {
    queue.length = 0;
    head = 0;
    finish();
  };
  const cleanup = () => {
    listeners.delete(listener);
    closers.delete(finish);
    signal?.removeEventListener('abort', onAbort);
  };
  // Subscribe now, not at the first next(): events emitted before the consumer starts are kept.
  if (!done) {
    listeners.add(listener);
    closers.add(finish);
    signal?.addEventListener('abort', onAbort, { once: true });
  }

  const iterator: AsyncIterableIterator<ConductorEvent> = {
    async next() {
      for (;;) {
        if (head < queue.length) {
          const value = queue[head++] as ConductorEvent;
          if (head > 1024 && head * 2 > queue.length) {
            queue.splice(0, head);
            head = 0;
          }
          return { value, done: false };
        }
        if (done) {
          cleanup();
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    },
    async return() {
      done = true;
      queue.length = 0;
      cleanup();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
