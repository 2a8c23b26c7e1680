import { performance } from 'node:perf_hooks';
import type { ConductorEvent } from '@conductor/events';

/**
 * Where live events come from: the run's event bus, or anything with the same `subscribe`. With a
 * store that follows its own file (`jsonlStore`), the bus is only a hint to read the file at once.
 */
export interface LiveSource {
  subscribe(listener: (event: ConductorEvent) => void): () => void;
}

/** A delivered live event, with its JSON made once for all clients. */
export interface LiveEvent {
  event: ConductorEvent;
  json(): string;
}

export type HubListener = (live: LiveEvent) => void;

/** The events of one flush, for a listener that takes them together (a socket sends them as one frame). */
export interface LiveBatch {
  readonly events: readonly LiveEvent[];
  /** The events as one JSON array, UTF-8: made once, on first use, for every client. */
  frame(): Buffer;
}

export type BatchListener = (batch: LiveBatch) => void;

/** Events delivered per flush (and so per batched frame) at most. */
const FLUSH_BATCH = 1024;
/**
 * A flush aims to take at most this long (its size follows from what the last ones cost per event): with
 * many clients a full slice takes tens of milliseconds, and the thread has other work waiting (the run's
 * I/O steps, an upgrade, a request).
 */
const TURN_MS = 5;
const MIN_FLUSH = 64;

/**
 * While a run in this process produces events (a run of steps that never wait keeps the thread busy),
 * the hub takes at most this share of the thread: the run keeps its speed, and the dashboard catches up
 * once the run has produced nothing for QUIET_MS (it waits on a model, or it ended).
 */
const BUSY_SHARE = 0.1;
const QUIET_MS = 100;
/** Credit the hub earns per millisecond of the thread spent elsewhere. */
const CREDIT_PER_MS = BUSY_SHARE / (1 - BUSY_SHARE);
/** Credit a long busy stretch can bank, so the hub never stalls the thread for long at once. */
const MAX_CREDIT_MS = 20;
/** A flush whose bytes the OS mostly left for later costs at most this many times what it measured. */
const MAX_QUEUED_FACTOR = 10;

function liveEvent(event: ConductorEvent, line: string | undefined): LiveEvent {
  let json = line ?? null;
  return {
    event,
    json: () => {
      json ??= JSON.stringify(event);
      return json;
    },
  };
}

/** The events from index `from` on, as a batch of their own. */
export function sliceBatch(batch: LiveBatch, from: number): LiveBatch {
  return from === 0 ? batch : liveBatch(batch.events.slice(from));
}

/** A batch of the given events. */
export function liveBatch(events: readonly LiveEvent[]): LiveBatch {
  let frame: Buffer | null = null;
  return {
    events,
    frame() {
      frame ??= Buffer.from(`[${events.map((live) => live.json()).join(',')}]`);
      return frame;
    },
  };
}

/**
 * Takes the live events off their source (the store's tail, or the bus of a store nobody else writes)
 * and fans them out to the dashboard's projection and sockets.
 *
 * The source's listener only queues the event and schedules a flush, so it is O(1) and never waits: a slow
 * browser cannot slow the run. The flush delivers queued events in seq order, dropping any seq not
 * greater than the last, and keeps the most recent ones in a ring that covers the short moment
 * between an event's emission and its arrival in the history store (a store fed by the bus).
 */
export class LiveHub {
  #pending: ConductorEvent[] = [];
  /** The JSON of each pending event when its source had it (a log writer's line), else undefined. */
  #pendingJson: Array<string | undefined> = [];
  /** Index of the first pending event not delivered yet. */
  #head = 0;
  #scheduled = false;
  #lastSeq = 0;
  #listeners = new Set<HubListener>();
  #batchListeners = new Set<BatchListener>();
  #pendingChars = 0;
  /** Events this thread produced since the last flush: the run is going on here. */
  #producedSinceFlush = 0;
  #lastProduced = Number.NEGATIVE_INFINITY;
  #lastFlushEnd = performance.now();
  /** Milliseconds of the thread the hub may still use while it is busy. */
  #credit = 0;
  /** This flush is one of several that drain a backlog while no run here produces events. */
  #draining = false;
  /** What a delivered event cost the last flushes, in milliseconds (a moving average). */
  #msPerEvent = 0;
  /** Bytes the listeners sent during this flush, and how many of them the OS did not take at once. */
  #sentBytes = 0;
  #queuedBytes = 0;
  #ring: Array<{ event: ConductorEvent; prevSeq: number }>;
  #ringStart = 0;
  #ringSize = 0;
  #unsubscribe: (() => void) | null;
  #waiters: Array<() => void> = [];
  #drainWaiters: Array<() => void> = [];

  #onError: (error: unknown) => void;

  constructor(live: LiveSource | undefined, ringCapacity: number, onError: (error: unknown) => void) {
    this.#onError = onError;
    if (!(ringCapacity >= 1)) throw new RangeError(`ring capacity must be >= 1, got ${ringCapacity}`);
    this.#ring = new Array(ringCapacity);
    // The bus of a run in this process: its events are produced on this thread.
    this.#unsubscribe = live ? live.subscribe((event) => this.#receive(event, undefined, true)) : null;
  }

  /** Listeners now: the projection, the store feed and one per socket that follows live. */
  get listenerCount(): number {
    return this.#listeners.size + this.#batchListeners.size;
  }

  /** Events pushed and not delivered yet. */
  get backlog(): number {
    return this.#pending.length - this.#head;
  }

  /** Characters of the JSON given with the events not delivered yet (`pushProduced`). */
  get backlogChars(): number {
    return this.#pendingChars;
  }

  /**
   * True during a flush that is one of several draining a backlog while no run in this process produces
   * events: a listener whose work can wait (the projection) may do it once the backlog is gone.
   */
  get draining(): boolean {
    return this.#draining;
  }

  /** The seq of the last event delivered to listeners. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Queues an event from any source (a store's tail); delivered on a later turn, in seq order. */
  push(event: ConductorEvent): void {
    this.#receive(event, undefined, false);
  }

  /**
   * Queues an event that this thread has just produced (a run in this process), with its JSON when the
   * source has it already (the line its log writer wrote). While such events keep coming and the
   * thread is busy, the hub takes only its share of the thread.
   */
  pushProduced(event: ConductorEvent, json?: string): void {
    this.#receive(event, json, true);
  }

  /** Resolves once every event pushed so far is delivered: a source that reads fast waits on it. */
  drained(): Promise<void> {
    if (this.#head >= this.#pending.length) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #receive(event: ConductorEvent, json: string | undefined, produced: boolean): void {
    this.#pending.push(event);
    this.#pendingJson.push(json);
    if (json !== undefined) this.#pendingChars += json.length;
    if (produced) this.#producedSinceFlush += 1;
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  /**
   * A listener sent `bytes` while handling a flush, of which `queued` the OS did not take at once: they
   * are written later, on this thread, and so count as the hub's time too.
   */
  sent(bytes: number, queued: number): void {
    this.#sentBytes += bytes;
    this.#queuedBytes += queued;
  }

  /** Delivers up to FLUSH_BATCH queued events now (the rest on later turns). */
  flush(): void {
    this.#scheduled = false;
    this.#producedSinceFlush = 0;
    this.#deliver(FLUSH_BATCH);
    this.#lastFlushEnd = performance.now();
  }

  /**
   * A turn of the event loop: delivers queued events, at most FLUSH_BATCH, so that between slices sockets
   * get to write and a burst does not pile up in every client's buffer at once. While a run in this
   * process produces events, a turn delivers only when the hub's share of the thread allows
   * (BUSY_SHARE), and then a whole slice, so frames stay large: time the run waits on I/O is its own too
   * (a slice for 100 clients can take tens of milliseconds, and would hold up each of its I/O steps).
   * Once the run has been quiet for QUIET_MS, every turn delivers.
   */
  #turn(): void {
    this.#scheduled = false;
    const started = performance.now();
    if (this.#producedSinceFlush > 0) this.#lastProduced = started;
    this.#producedSinceFlush = 0;
    const busy = started - this.#lastProduced < QUIET_MS;
    if (busy) {
      this.#credit = Math.min(MAX_CREDIT_MS, this.#credit + (started - this.#lastFlushEnd) * CREDIT_PER_MS);
    }
    if (busy && this.#credit < 0 && this.#head < this.#pending.length) {
      // Not now: the time the hub took before is not paid back yet. Back when it is, or when the run
      // has been quiet long enough (a timer, so an idle thread does not spin on it).
      this.#lastFlushEnd = started;
      this.#scheduled = true;
      const wait = Math.min(QUIET_MS, Math.ceil(-this.#credit / CREDIT_PER_MS));
      setTimeout(() => this.#turn(), wait);
      return;
    }
    this.#sentBytes = 0;
    this.#queuedBytes = 0;
    const size =
      this.#msPerEvent > 0
        ? Math.max(MIN_FLUSH, Math.min(FLUSH_BATCH, Math.floor(TURN_MS / this.#msPerEvent)))
        : FLUSH_BATCH;
    this.#draining = !busy && this.#pending.length - this.#head > size;
    const delivered = this.#deliver(size);
    this.#draining = false;
    const ended = performance.now();
    if (delivered > 0) {
      const cost = (ended - started) / delivered;
      this.#msPerEvent = this.#msPerEvent === 0 ? cost : this.#msPerEvent * 0.7 + cost * 0.3;
    }
    if (busy) {
      // Writes the OS left for later happen between flushes, as if they were the run's: count them as
      // the hub's, at the cost of what was written at once.
      const written = this.#sentBytes - this.#queuedBytes;
      const factor =
        this.#queuedBytes === 0
          ? 1
          : Math.min(
              MAX_QUEUED_FACTOR,
              this.#sentBytes / Math.max(written, this.#sentBytes / MAX_QUEUED_FACTOR),
            );
      this.#credit -= (ended - started) * factor;
    } else this.#credit = 0;
    this.#lastFlushEnd = ended;
  }

  /** Delivers up to `size` queued events; returns how many it delivered. */
  #deliver(size: number): number {
    const pending = this.#pending;
    const jsons = this.#pendingJson;
    const end = Math.min(pending.length, this.#head + size);
    const batch: LiveEvent[] = [];
    for (; this.#head < end; this.#head++) {
      const event = pending[this.#head] as ConductorEvent;
      if (event.seq <= this.#lastSeq) {
        this.#pendingChars -= jsons[this.#head]?.length ?? 0;
        continue;
      }
      const prevSeq = this.#lastSeq === 0 ? event.seq - 1 : this.#lastSeq;
      this.#lastSeq = event.seq;
      this.#remember(event, prevSeq);
      const json = jsons[this.#head];
      if (json !== undefined) this.#pendingChars -= json.length;
      const live = liveEvent(event, json);
      batch.push(live);
      for (const listener of this.#listeners) {
        try {
          listener(live);
        } catch (error) {
          this.#onError(error);
        }
      }
    }
    if (batch.length > 0 && this.#batchListeners.size > 0) {
      const delivered = liveBatch(batch);
      for (const listener of this.#batchListeners) {
        try {
          listener(delivered);
        } catch (error) {
          this.#onError(error);
        }
      }
    }
    if (this.#head < pending.length) {
      // Drop what was delivered, so a long burst does not keep it all referenced.
      if (this.#head > 4096 && this.#head * 2 > pending.length) {
        pending.splice(0, this.#head);
        jsons.splice(0, this.#head);
        this.#head = 0;
      }
      this.#scheduled = true;
      setImmediate(() => this.#turn());
    } else {
      this.#pending = [];
      this.#pendingJson = [];
      this.#pendingChars = 0;
      this.#head = 0;
      const drained = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const wake of drained) wake();
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
    return batch.length;
  }

  #remember(event: ConductorEvent, prevSeq: number): void {
    const capacity = this.#ring.length;
    const slot = (this.#ringStart + this.#ringSize) % capacity;
    this.#ring[slot] = { event, prevSeq };
    if (this.#ringSize < capacity) this.#ringSize += 1;
    else this.#ringStart = (this.#ringStart + 1) % capacity;
  }

  /**
   * Listens from now on. `knownSeq` is the last seq delivered before: every later event reaches the
   * listener, everything up to it must come from history.
   */
  listen(listener: HubListener): { knownSeq: number; stop: () => void } {
    this.#listeners.add(listener);
    return { knownSeq: this.#lastSeq, stop: () => this.#listeners.delete(listener) };
  }

  /**
   * Like `listen`, with the events of each flush in one call (after every per-event listener has had
   * them): what a socket sends as one frame.
   */
  listenBatches(listener: BatchListener): { knownSeq: number; stop: () => void } {
    this.#batchListeners.add(listener);
    return { knownSeq: this.#lastSeq, stop: () => this.#batchListeners.delete(listener) };
  }

  /**
   * The remembered events with `seq > afterSeq`, if the ring reaches back to `afterSeq` (no event
   * between is missing), else null.
   */
  recentAfter(afterSeq: number): ConductorEvent[] | null {
    if (afterSeq >= this.#lastSeq) return [];
    const capacity = this.#ring.length;
    const first = this.#ring[this.#ringStart % capacity];
    if (this.#ringSize === 0 || !first || first.prevSeq > afterSeq) return null;
    const out: ConductorEvent[] = [];
    for (let i = 0; i < this.#ringSize; i++) {
      const entry = this.#ring[(this.#ringStart + i) % capacity];
      if (entry && entry.event.seq > afterSeq) out.push(entry.event);
    }
    return out;
  }

  /** Resolves at the next flush, or after `ms` if none comes. */
  nextFlush(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push(done);
    });
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#pending = [];
    this.#pendingJson = [];
    this.#pendingChars = 0;
    this.#head = 0;
    this.#listeners.clear();
    this.#batchListeners.clear();
    for (const wake of [...this.#waiters, ...this.#drainWaiters]) wake();
    this.#waiters = [];
    this.#drainWaiters = [];
  }
}
