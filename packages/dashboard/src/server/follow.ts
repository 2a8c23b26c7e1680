import type { ConductorEvent } from '@conductor/events';
import type { HistoryStore } from './history.js';
import { type LiveBatch, type LiveEvent, type LiveHub, sliceBatch } from './hub.js';

/** Receives one follower's events: history first (may wait, for backpressure), then live ones. */
export interface FollowSink {
  history(event: ConductorEvent, json?: () => string): void | Promise<void>;
  /** Called synchronously from the hub's flush: must not wait. */
  live(event: LiveEvent): void;
  /**
   * Instead of `live`: the live events of each flush in one call (a socket sends them as one frame), so
   * a follower costs one call per flush, not one per event.
   */
  liveBatch?(batch: LiveBatch): void;
}

export interface FollowOptions {
  /** Live events held while history is being sent; more means the follower is too slow. */
  maxBuffered: number;
  /** How long to wait for the store to receive events that are already gone from the hub's ring. */
  catchUpTimeoutMs: number;
  signal: AbortSignal;
}

export type FollowResult =
  | { status: 'live'; lastSeq: number }
  | { status: 'overflow' | 'store_lagging' | 'aborted'; lastSeq: number };

/**
 * Sends everything after `afterSeq` exactly once and in order, then every live event: subscribes to
 * the hub first (buffering), reads the store until it reaches what the hub had delivered before the
 * subscription, fills the store's write lag from the hub's ring, drains the buffer and switches to
 * live. Every step drops seqs not greater than the last one sent, so nothing is skipped or repeated,
 * whatever the timing. On any result but `live`, the follower is unsubscribed; a live follower stays
 * subscribed until `signal` aborts.
 */
export async function follow(
  store: HistoryStore,
  hub: LiveHub,
  afterSeq: number,
  sink: FollowSink,
  options: FollowOptions,
): Promise<FollowResult> {
  const { signal } = options;
  let last = afterSeq;
  let live = false;
  let overflow = false;
  let buffer: LiveEvent[] = [];
  const hold = (events: readonly LiveEvent[]) => {
    if (overflow) return;
    for (const event of events) buffer.push(event);
    if (buffer.length > options.maxBuffered) {
      overflow = true;
      buffer = [];
    }
  };
  const { liveBatch } = sink;
  const listening = liveBatch
    ? hub.listenBatches((batch) => {
        if (signal.aborted) return;
        if (!live) return hold(batch.events);
        // Seqs only grow in the hub, so at most the start of the first batch after going live is old.
        let from = 0;
        while (from < batch.events.length && (batch.events[from] as LiveEvent).event.seq <= last) from++;
        if (from === batch.events.length) return;
        last = (batch.events[batch.events.length - 1] as LiveEvent).event.seq;
        liveBatch.call(sink, sliceBatch(batch, from));
      })
    : hub.listen((event) => {
        if (signal.aborted) return;
        if (!live) return hold([event]);
        if (event.event.seq <= last) return;
        last = event.event.seq;
        sink.live(event);
      });
  signal.addEventListener('abort', () => listening.stop(), { once: true });
  const stopped = (): FollowResult | null => {
    if (signal.aborted) return { status: 'aborted', lastSeq: last };
    if (overflow) return { status: 'overflow', lastSeq: last };
    return null;
  };
  // Not async: a sink that does not wait (the projection) costs no promise per event.
  const send = (event: ConductorEvent, json?: () => string): void | Promise<void> => {
    const waiting = sink.history(event, json);
    if (waiting) {
      return waiting.then(() => {
        last = event.seq;
      });
    }
    last = event.seq;
  };

  try {
    const known = listening.knownSeq;
    const deadline = Date.now() + options.catchUpTimeoutMs;
    for (;;) {
      for await (const event of store.read(last)) {
        if (event.seq <= last) continue;
        const waiting = send(event);
        if (waiting) await waiting;
        // Past `known`, the hub delivers the rest (and the buffer holds it).
        if ((known > 0 && last >= known) || stopped()) break;
      }
      const early = stopped();
      if (early) return early;
      if (last >= known) break;
      // The store has not received the latest events yet: the ring bridges its write lag.
      const recent = hub.recentAfter(last);
      if (recent) {
        for (const event of recent) {
          if (event.seq <= last || event.seq > known) continue;
          const waiting = send(event);
          if (waiting) await waiting;
          const halted = stopped();
          if (halted) return halted;
        }
        break;
      }
      if (Date.now() > deadline) return { status: 'store_lagging', lastSeq: last };
      await hub.nextFlush(25);
    }
    // Drain what arrived meanwhile; sending may wait, so more can arrive: loop until empty.
    for (let i = 0; ; i++) {
      const halted = stopped();
      if (halted) return halted;
      if (i >= buffer.length) break;
      const item = buffer[i] as LiveEvent;
      if (item.event.seq > last) {
        const waiting = send(item.event, item.json);
        if (waiting) await waiting;
      }
    }
    buffer = [];
    live = true;
    return { status: 'live', lastSeq: last };
  } finally {
    if (!live) listening.stop();
  }
}
