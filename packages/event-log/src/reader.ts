import { type FileHandle, open } from 'node:fs/promises';
import type { ConductorEvent } from '@conductor/events';
import { EventLogIoError, EventLogNotFoundError, errnoCode } from './errors.js';
import { parseLine, type ScanPosition, type SkippedLine, START, scanEvents } from './lines.js';
import type { SeqIndex } from './seq-index.js';
import { linesFromEnd } from './tail.js';

export interface ReadEventLogOptions {
  /** Yield only events with `seq > afterSeq`. Default 0 (everything). */
  afterSeq?: number;
  /** Called for every line left out (not JSON, not an event envelope, seq not increasing). */
  onSkip?: (skip: SkippedLine) => void;
  /** Seek close to `afterSeq` instead of reading from the start. Brought up to date first. */
  index?: SeqIndex;
}

/** The events of a log file, read lazily; iterate it (again) with `for await`. */
export interface EventLogReader extends AsyncIterable<ConductorEvent> {
  readonly path: string;
  /**
   * Lines left out by the latest iteration so far: not JSON, not an envelope, or a seq that does not
   * increase. Blank lines are not counted. A final line still being written counts as skipped.
   */
  readonly skipped: number;
}

/**
 * Streams the events of a JSONL log, tolerating damage: bad lines are skipped and counted, never
 * thrown. Lines without `seq` (the original conductor's logs) are numbered by their order. Each
 * iteration reads the file afresh; breaking out of the loop closes it.
 */
export function readEventLog(path: string, options: ReadEventLogOptions = {}): EventLogReader {
  const afterSeq = options.afterSeq ?? 0;
  let skipped = 0;
  return {
    path,
    get skipped() {
      return skipped;
    },
    async *[Symbol.asyncIterator]() {
      skipped = 0;
      const start = options.index ? await startFor(path, options.index, afterSeq) : START;
      for await (const item of scanEvents(path, start)) {
        if (item.kind === 'skip') {
          skipped += 1;
          options.onSkip?.(item.skip);
        } else if (item.event.seq > afterSeq) {
          yield item.event;
        }
      }
    },
  };
}

/** Brings the index up to date and finds where events after `afterSeq` begin. */
export async function startFor(path: string, index: SeqIndex, afterSeq: number): Promise<ScanPosition> {
  if (index.path !== path) {
    throw new TypeError(`the index was built for ${index.path}, not for ${path}`);
  }
  await index.update();
  return index.seek(afterSeq);
}

/**
 * The seq of the last event in a log (0 if it has none), reading backwards from the end so a large
 * log costs a few kilobytes. A log whose last event has no `seq` (original format) is counted fully.
 */
export async function lastSeqOf(path: string): Promise<number> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new EventLogNotFoundError(path, error);
    throw new EventLogIoError('open', path, error);
  }
  let numberedByOrder = false;
  try {
    const { size } = await handle.stat();
    for await (const line of linesFromEnd(handle, size)) {
      const parsed = parseLine(line.bytes.toString('utf8'));
      if (parsed.kind !== 'event') continue;
      if (parsed.event.seq !== undefined) return parsed.event.seq;
      numberedByOrder = true;
      break;
    }
  } catch (error) {
    throw new EventLogIoError('read', path, error);
  } finally {
    await handle.close();
  }
  if (!numberedByOrder) return 0;
  let last = 0;
  for await (const item of scanEvents(path, START)) {
    if (item.kind === 'event') last = item.event.seq;
  }
  return last;
}
