import { stat } from 'node:fs/promises';
import type { ConductorEvent } from '@conductor/events';
import { EventLogIoError, EventLogNotFoundError, errnoCode } from './errors.js';
import { type ScanPosition, START, scanAll, scanChunks } from './lines.js';

/**
 * A sparse map from seq to byte offset in a log: one entry every `every` events, so a
 * 1,000,000-event log costs about 4,000 entries. Lets a page of events be read from the middle of
 * a large log without reading what comes before.
 */
export interface SeqIndex {
  readonly path: string;
  readonly every: number;
  /** Events indexed so far. */
  readonly count: number;
  /** Seq of the last event indexed, 0 if none. */
  readonly lastSeq: number;
  /** Bytes of the file covered: up to the end of the last whole line read. */
  readonly bytes: number;
  /** Number of entries held. */
  readonly entries: number;
  /** Where to start reading to see every event with `seq > afterSeq` and as little before as possible. */
  seek(afterSeq: number): ScanPosition;
  /**
   * Reads only what was appended since the last update (whole lines only) and returns the number of
   * events added. Rebuilds from scratch if the file got shorter (its tail was repaired). The last event
   * is read again with what follows it, so the index always reads the file as a fresh reader would.
   */
  update(): Promise<number>;
}

export interface BuildSeqIndexOptions {
  /** Keep one entry every this many events. Default 256. */
  every?: number;
  /**
   * Hands the events the build reads to the caller, in order, a chunk of the file at a time: the
   * events of whole lines, as a reader would yield them (a final line without '\n' is not among them).
   * The build waits for a returned promise before it reads on. Lets a fold of the log ride on the
   * index's one pass instead of reading the file a second time.
   */
  onEvents?: (events: ConductorEvent[]) => void | Promise<void>;
}

/** Builds an index of the log at `path` by reading it once. */
export async function buildSeqIndex(path: string, options: BuildSeqIndexOptions = {}): Promise<SeqIndex> {
  const every = options.every ?? 256;
  if (!Number.isSafeInteger(every) || every < 1)
    throw new RangeError(`every must be a positive integer, got ${every}`);
  const index = createSeqIndex(path, every, options.onEvents);
  await index.update();
  return index;
}

function createSeqIndex(
  path: string,
  every: number,
  firstEvents?: (events: ConductorEvent[]) => void | Promise<void>,
): SeqIndex {
  // Parallel arrays of numbers: small and fast to binary-search. Entry i is where event i*every starts.
  let offsets: number[] = [];
  let seqsBefore: number[] = [];
  let lines: number[] = [];
  // What is read for good: lines whose fate no later append can change.
  let count = 0;
  let lastSeq = 0;
  let bytes = 0;
  let nextLine = 1;
  // The last event read when nothing followed it yet: counted, but read again by the next update,
  // because a line appended after it could make it an outlier (as a fresh reader would then see it).
  let provisional: { seq: number; end: number } | null = null;
  let updating: Promise<number> | null = null;
  // Only the first read (the build) hands its events out.
  let handOut = firstEvents;

  async function readNew(): Promise<number> {
    let size: number;
    try {
      ({ size } = await stat(path));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw new EventLogNotFoundError(path, error);
      throw new EventLogIoError('stat', path, error);
    }
    const covered = provisional?.end ?? bytes;
    if (size < covered) {
      offsets = [];
      seqsBefore = [];
      lines = [];
      count = 0;
      lastSeq = 0;
      bytes = 0;
      nextLine = 1;
      provisional = null;
    }
    if (size === covered) return 0;
    const before = count + (provisional ? 1 : 0);
    provisional = null;
    const onEvents = handOut;
    handOut = undefined;
    let read: ConductorEvent[] = [];
    // Only whole lines: a line still being appended is indexed by a later update.
    const chunks = scanChunks(path, { offset: bytes, seqBefore: lastSeq, line: nextLine }, true, {
      event(event, offset, end, line, last) {
        if (onEvents) read.push(event);
        if (last) {
          provisional = { seq: event.seq, end };
          return false;
        }
        if (count % every === 0) {
          // The first entry starts at byte 0 so that reading from it sees lines skipped before event 1.
          offsets.push(count === 0 ? 0 : offset);
          seqsBefore.push(lastSeq);
          lines.push(count === 0 ? 1 : line);
        }
        count += 1;
        lastSeq = event.seq;
        bytes = end;
        nextLine = line + 1;
        return false;
      },
      skip(skip, end) {
        // Lines after a provisional event are read again with it.
        if (provisional) return false;
        bytes = end;
        nextLine = skip.line + 1;
        return false;
      },
    });
    for await (const _ of chunks) {
      if (onEvents && read.length > 0) {
        const events = read;
        read = [];
        await onEvents(events);
      }
    }
    if (onEvents && read.length > 0) await onEvents(read);
    return count + (provisional ? 1 : 0) - before;
  }

  return {
    path,
    every,
    get count() {
      return count + (provisional ? 1 : 0);
    },
    get lastSeq() {
      return provisional?.seq ?? lastSeq;
    },
    get bytes() {
      return provisional?.end ?? bytes;
    },
    get entries() {
      return offsets.length;
    },
    seek(afterSeq) {
      // The last entry whose preceding event is at or before afterSeq: everything after afterSeq
      // starts at or after it, because seqs increase.
      let low = 0;
      let high = seqsBefore.length - 1;
      let found = -1;
      while (low <= high) {
        const mid = (low + high) >>> 1;
        if ((seqsBefore[mid] as number) <= afterSeq) {
          found = mid;
          low = mid + 1;
        } else {
          high = mid - 1;
        }
      }
      if (found === -1) return START;
      return {
        offset: offsets[found] as number,
        seqBefore: seqsBefore[found] as number,
        line: lines[found] as number,
      };
    },
    update() {
      // Concurrent callers share one read, so the state is never advanced twice.
      updating ??= readNew().finally(() => {
        updating = null;
      });
      return updating;
    },
  };
}

export interface ReadEventPageOptions {
  /** Return events with `seq > afterSeq`. Default 0. */
  afterSeq?: number;
  /** At most this many events. */
  limit: number;
  /** Seek with this index (brought up to date first) instead of reading from the start. */
  index?: SeqIndex;
}

export interface EventPage {
  events: ConductorEvent[];
  /** Whether the log held more events after the page when it was read. */
  hasMore: boolean;
}

/**
 * One page of events after a seq, read from disk: `GET /api/events?after=SEQ&limit=N`. With an
 * index it reads from the nearest entry (at most `every` events before the page), not from the start.
 */
export async function readEventPage(path: string, options: ReadEventPageOptions): Promise<EventPage> {
  const { limit, index } = options;
  const afterSeq = options.afterSeq ?? 0;
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new RangeError(`limit must be an integer >= 0, got ${limit}`);
  const start = index ? await startFor(path, index, afterSeq) : START;
  const events: ConductorEvent[] = [];
  let hasMore = false;
  await scanAll(path, start, false, {
    event(event) {
      if (event.seq <= afterSeq) return false;
      if (events.length === limit) {
        hasMore = true;
        return true;
      }
      events.push(event);
      return false;
    },
    skip: () => false,
  });
  return { events, hasMore };
}

/** Brings the index up to date and finds where events after `afterSeq` begin. */
export async function startFor(path: string, index: SeqIndex, afterSeq: number): Promise<ScanPosition> {
  if (index.path !== path) {
    throw new TypeError(`the index was built for ${index.path}, not for ${path}`);
  }
  await index.update();
  return index.seek(afterSeq);
}
