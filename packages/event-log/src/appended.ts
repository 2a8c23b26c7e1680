import type { ConductorEvent } from '@conductor/events';
import { type ScanPosition, START, scanAll } from './lines.js';

export interface ReadAppendedOptions {
  /** Where to start: a line start, e.g. `next` of the previous read or `SeqIndex.seek()`. Default: the file's start. */
  from?: ScanPosition;
  /** Return only events with `seq > afterSeq` (the others are read past). Default 0. */
  afterSeq?: number;
  /** At most this many events; the read stops after the line of the last one. */
  limit: number;
}

export interface AppendedEvents {
  events: ConductorEvent[];
  /** Where the next read starts: after the last whole line read (a line still being written is left). */
  next: ScanPosition;
  /** The read stopped at `limit`: more whole lines may follow `next`. */
  more: boolean;
}

/**
 * Reads the whole lines of a log from a position: what a follower of a growing log needs. A final line
 * without '\n' (still being written) is not read: `next` stays at its start, so the next read takes it
 * once it is whole. Lines are interpreted as by every other reader (damaged ones skipped and passed).
 * Throws EventLogNotFoundError when the file does not exist.
 */
export async function readAppended(path: string, options: ReadAppendedOptions): Promise<AppendedEvents> {
  const { limit } = options;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`limit must be an integer >= 1, got ${limit}`);
  const afterSeq = options.afterSeq ?? 0;
  const from = options.from ?? START;
  const events: ConductorEvent[] = [];
  let next: ScanPosition = from;
  let more = false;
  await scanAll(path, from, true, {
    event(event, _offset, end, line) {
      next = { offset: end, seqBefore: event.seq, line: line + 1 };
      if (event.seq <= afterSeq) return false;
      events.push(event);
      more = events.length === limit;
      return more;
    },
    skip(skip, end) {
      next = { offset: end, seqBefore: next.seqBefore, line: skip.line + 1 };
      return false;
    },
  });
  return { events, next, more };
}
