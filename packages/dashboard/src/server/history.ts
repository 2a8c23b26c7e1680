import {
  buildSeqIndex,
  EventLogNotFoundError,
  readEventLog,
  readEventPage,
  type SeqIndex,
} from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { readWhileIndexing } from './indexing-read.js';
import { type StoreTail, type TailSink, tailLog } from './tail.js';

/** A page query: events after a seq (oldest first), or the latest events before a seq (oldest first). */
export type PageQuery = { after: number; limit: number } | { before: number; limit: number };

export interface HistoryPage {
  events: ConductorEvent[];
  /** More events exist beyond the page in the direction of paging (after the last, or before the first). */
  hasMore: boolean;
}

/**
 * Where the dashboard reads a run's past events from. It keeps none of them in memory itself: it folds
 * them once into the projection, then reads them again only for a client that asks.
 *
 * A store that a writer appends to (a log file, written by this process or any other) has `tail`: the
 * dashboard follows it as it grows, so its state is the fold of what is stored, whoever writes. A
 * store that nobody else feeds (memory) has `append`, and the dashboard feeds it the live events.
 */
export interface HistoryStore {
  /** Every event held now with `seq > afterSeq`, oldest first. Breaking out of the loop releases files. */
  read(afterSeq: number): AsyncIterable<ConductorEvent>;
  page(query: PageQuery): Promise<HistoryPage>;
  /** The file behind the store, if any (shown in `/api/info`). */
  readonly path: string | null;
  /** Present on stores nobody else writes to: the dashboard appends each live event. */
  append?(event: ConductorEvent): void;
  /** Called by the dashboard once its initial fold is done: a good time to build indexes. */
  warm?(): void;
  /**
   * Present on stores that others append to: follows the store as it grows, handing `sink` every
   * event with `seq > afterSeq` once it is stored, in order, each once, until closed.
   */
  tail?(afterSeq: number, sink: TailSink): StoreTail;
}

export interface JsonlStoreOptions {
  /** Seq index density: one entry every this many events. Default 1024. */
  indexEvery?: number;
  /** How often a tail looks at the file, besides watching it (watching misses changes on some file systems). Default 250 ms. */
  pollMs?: number;
  /** `false`: a tail only polls (e.g. on a network file system where watching is not supported). Default true. */
  watch?: boolean;
}

/**
 * The run's `events.jsonl` on disk, read through a sparse seq index for paging, and followed as it
 * grows (`tail`) whichever process appends to it: the file is the whole history. A file that does
 * not exist yet is empty history.
 */
export function jsonlStore(path: string, options: JsonlStoreOptions = {}): HistoryStore {
  let index: Promise<SeqIndex | null> | null = null;
  // Whether a caller besides a reader riding on the build waits for it.
  let wanted = false;
  const startIndex = (onEvents?: (events: ConductorEvent[]) => void | Promise<void>) => {
    const built: Promise<SeqIndex | null> = buildSeqIndex(path, {
      every: options.indexEvery ?? 1024,
      ...(onEvents ? { onEvents } : {}),
    }).catch((error: unknown) => {
      if (index === built) index = null;
      if (error instanceof EventLogNotFoundError) return null;
      throw error;
    });
    index = built;
    wanted = false;
    return built;
  };
  const indexed = (): Promise<SeqIndex | null> => {
    const building = index ?? startIndex();
    wanted = true;
    return building;
  };

  /**
   * The log's reader, handed through without a generator around it: on a million-event log every
   * extra async hop per event costs about half a second of the dashboard's start-up.
   */
  function read(afterSeq: number): AsyncIterable<ConductorEvent> {
    return {
      [Symbol.asyncIterator](): AsyncIterator<ConductorEvent> {
        // The first read of the whole log (the dashboard's fold) builds the index in the same pass:
        // paging and following need it at once, and a second pass would double the start-up's work.
        if (afterSeq === 0 && index === null) {
          return readWhileIndexing(path, {
            start: startIndex,
            wanted: () => wanted,
            forget(built) {
              if (index === built) index = null;
            },
          });
        }
        return readFile(afterSeq);
      },
    };
  }

  function readFile(afterSeq: number): AsyncIterator<ConductorEvent> {
    let inner: AsyncIterator<ConductorEvent> | null = null;
    let finished = false;
    const done = (): IteratorReturnResult<undefined> => {
      finished = true;
      return { done: true, value: undefined };
    };
    const missingIsEmpty = (error: unknown) => {
      if (error instanceof EventLogNotFoundError) return done();
      throw error;
    };
    return {
      next() {
        if (finished) return Promise.resolve(done());
        if (inner) return inner.next();
        // From the start, the index would only cost a second pass over the file.
        return (afterSeq > 0 ? indexed() : Promise.resolve(null)).then((seqIndex) => {
          if (finished) return done();
          inner = readEventLog(path, { afterSeq, ...(seqIndex ? { index: seqIndex } : {}) })[
            Symbol.asyncIterator
          ]();
          return inner.next().catch(missingIsEmpty);
        });
      },
      async return() {
        finished = true;
        await inner?.return?.();
        return { done: true, value: undefined };
      },
    };
  }

  async function pageAfter(afterSeq: number, limit: number): Promise<HistoryPage> {
    const seqIndex = await indexed();
    if (!seqIndex) return { events: [], hasMore: false };
    try {
      const page = await readEventPage(path, { afterSeq, limit, index: seqIndex });
      return { events: page.events, hasMore: page.hasMore };
    } catch (error) {
      if (error instanceof EventLogNotFoundError) return { events: [], hasMore: false };
      throw error;
    }
  }

  async function pageBefore(before: number, limit: number): Promise<HistoryPage> {
    const seqIndex = await indexed();
    if (!seqIndex) return { events: [], hasMore: false };
    await seqIndex.update();
    const end = Math.min(before, seqIndex.lastSeq + 1);
    // Seqs start at 1: nothing comes before 1 (or before 0).
    if (end <= 1) return { events: [], hasMore: false };
    // Seqs are usually dense, so `limit + 1` seqs back holds the page; gaps widen the window.
    for (let span = limit + 1; ; span *= 2) {
      const from = Math.max(0, end - 1 - span);
      const { events } = await readEventPage(path, {
        afterSeq: from,
        limit: end - 1 - from,
        index: seqIndex,
      });
      const inRange = events.filter((event) => event.seq < end);
      if (inRange.length > limit || from === 0) {
        return { events: limit === 0 ? [] : inRange.slice(-limit), hasMore: inRange.length > limit };
      }
    }
  }

  return {
    path,
    read,
    page: (query) =>
      'after' in query ? pageAfter(query.after, query.limit) : pageBefore(query.before, query.limit),
    warm() {
      indexed().catch(() => {
        // Reported by the request that needs the index.
      });
    },
    tail(afterSeq, sink) {
      return tailLog(path, sink, {
        afterSeq,
        pollMs: options.pollMs ?? 250,
        watch: options.watch ?? true,
        // The index's entry at or before afterSeq: a large log is not read again from its start.
        async start(seq) {
          const seqIndex = await indexed();
          if (!seqIndex) return undefined;
          await seqIndex.update();
          return seqIndex.seek(seq);
        },
      });
    },
  };
}

/**
 * History held in memory: a replay of a finished run, tests, a log already loaded. The dashboard
 * appends live events to it, so it grows with the run (use `jsonlStore` for long runs).
 */
export function memoryStore(
  initial: Iterable<ConductorEvent> = [],
): HistoryStore & { readonly events: readonly ConductorEvent[] } {
  const events: ConductorEvent[] = [];
  const append = (event: ConductorEvent) => {
    const last = events[events.length - 1];
    if (!last || event.seq > last.seq) events.push(event);
  };
  for (const event of initial) append(event);
  // Index of the first event with seq > afterSeq.
  const firstAfter = (afterSeq: number): number => {
    let low = 0;
    let high = events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((events[mid] as ConductorEvent).seq <= afterSeq) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  return {
    path: null,
    events,
    append,
    async *read(afterSeq) {
      // By position, so events appended while reading are read too.
      for (let i = firstAfter(afterSeq); i < events.length; i++) yield events[i] as ConductorEvent;
    },
    async page(query) {
      if ('after' in query) {
        const start = firstAfter(query.after);
        return {
          events: events.slice(start, start + query.limit),
          hasMore: start + query.limit < events.length,
        };
      }
      const end = firstAfter(query.before - 1);
      const start = Math.max(0, end - query.limit);
      return { events: events.slice(start, end), hasMore: start > 0 };
    },
  };
}
