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

/** Events delivered per turn of the event loop. */
const FLUSH_BATCH = 1024;

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
  /** Index of the first pending event not delivered yet. */
  #head = 0;
  #scheduled = false;
  #lastSeq = 0;
  #listeners = new Set<HubListener>();
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
    this.#unsubscribe = live ? live.subscribe((event) => this.#receive(event)) : null;
  }

  /** Listeners now: the projection, the store feed and one per socket that follows live. */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** The seq of the last event delivered to listeners. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Queues an event from any source (the bus, a store's tail); delivered on a later turn, in seq order. */
  push(event: ConductorEvent): void {
    this.#receive(event);
  }

  /** Resolves once every event pushed so far is delivered: a source that reads fast waits on it. */
  drained(): Promise<void> {
    if (this.#head >= this.#pending.length) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #receive(event: ConductorEvent): void {
    this.#pending.push(event);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Delivers queued events, at most FLUSH_BATCH per turn of the event loop: between slices sockets
   * get to write, so a burst does not pile up in every client's buffer at once.
   */
  flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    const end = Math.min(pending.length, this.#head + FLUSH_BATCH);
    for (; this.#head < end; this.#head++) {
      const event = pending[this.#head] as ConductorEvent;
      if (event.seq <= this.#lastSeq) continue;
      const prevSeq = this.#lastSeq === 0 ? event.seq - 1 : this.#lastSeq;
      this.#lastSeq = event.seq;
      this.#remember(event, prevSeq);
      let json: string | null = null;
      const live: LiveEvent = {
        event,
        json: () => {
          json ??= JSON.stringify(event);
          return json;
        },
      };
      for (const listener of this.#listeners) {
        try {
          listener(live);
        } catch (error) {
          this.#onError(error);
        }
      }
    }
    if (this.#head < pending.length) {
      // Drop what was delivered, so a long burst does not keep it all referenced.
      if (this.#head > 4096 && this.#head * 2 > pending.length) {
        pending.splice(0, this.#head);
        this.#head = 0;
      }
      this.#scheduled = true;
      setImmediate(() => this.flush());
    } else {
      this.#pending = [];
      this.#head = 0;
      const drained = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const wake of drained) wake();
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
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
    this.#head = 0;
    this.#listeners.clear();
    for (const wake of [...this.#waiters, ...this.#drainWaiters]) wake();
    this.#waiters = [];
    this.#drainWaiters = [];
  }
}
