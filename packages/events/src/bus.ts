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
  events(options?: { signal?: AbortSignal }): EventStream;
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

  const bus: EventBus = {
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
      return openStream(bus, closers, closed, signal);
    },
    close() {
      if (closed) return;
      closed = true;
      for (const close of [...closers]) close();
    },
  };
  return bus;
}

/** Anything with a synchronous `subscribe`: a bus, or a wrapper of one. */
export interface EventSubscribable {
  subscribe(listener: EventListener): () => void;
}

/** A lossless async iterator over events delivered from its creation on. */
export interface EventStream extends AsyncIterableIterator<ConductorEvent> {
  /** Ends iteration once the buffered events are read; with an error, the reader gets it after them. */
  end(error?: unknown): void;
}

export interface StreamEventsOptions {
  /** Aborting ends iteration at once, dropping what is buffered. */
  signal?: AbortSignal;
  /** Called once when the stream ends, however it ends (for whoever tracks open streams). */
  onEnd?: () => void;
}

/**
 * Every event `source` delivers from now until `end()`, buffered without loss, for one reader. It
 * subscribes at once (not at the first `next()`), so events emitted before the reader starts are kept.
 * Breaking out of the loop unsubscribes.
 */
export function streamEvents(source: EventSubscribable, options: StreamEventsOptions = {}): EventStream {
  const { signal } = options;
  const queue: ConductorEvent[] = [];
  let head = 0;
  let wake: (() => void) | null = null;
  let ended = false;
  let released = false;
  let failure: { error: unknown } | null = null;
  let unsubscribe = () => {};

  const release = () => {
    if (released) return;
    released = true;
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
    options.onEnd?.();
  };
  const end = (error?: unknown) => {
    if (ended) return;
    ended = true;
    if (error !== undefined) failure = { error };
    release();
    wake?.();
  };
  const onAbort = () => {
    queue.length = 0;
    head = 0;
    end();
  };
  if (signal?.aborted) {
    ended = true;
    release();
  } else {
    unsubscribe = source.subscribe((event) => {
      queue.push(event);
      wake?.();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  }

  const stream: EventStream = {
    async next() {
      for (;;) {
        if (head < queue.length) {
          const value = queue[head++] as ConductorEvent;
          // Drop what was read now and then, so a long run does not keep every event.
          if (head > 1024 && head * 2 > queue.length) {
            queue.splice(0, head);
            head = 0;
          }
          return { value, done: false };
        }
        if (ended) {
          if (failure) {
            const { error } = failure;
            failure = null;
            throw error;
          }
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    },
    async return() {
      queue.length = 0;
      head = 0;
      failure = null;
      end();
      return { value: undefined, done: true };
    },
    end,
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}

/** A stream of a bus that also ends when the bus closes. */
function openStream(
  bus: EventSubscribable,
  closers: Set<() => void>,
  closed: boolean,
  signal?: AbortSignal,
): EventStream {
  const stream = streamEvents(bus, { signal, onEnd: () => closers.delete(close) });
  const close = () => stream.end();
  if (closed) stream.end();
  else closers.add(close);
  return stream;
}
