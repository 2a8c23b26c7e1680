import { readEventLog, type SeqIndex, type SkippedLine } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';

/** Anything that yields events, oldest first: a log file, a checkpoint summary, an array, a database. */
export type EventSource = AsyncIterable<ConductorEvent>;

export interface FromJsonlOptions {
  /** Yield only events with `seq > afterSeq`. Default 0 (everything). */
  afterSeq?: number;
  /** Seek with this seq index instead of reading from the start of the file. */
  index?: SeqIndex;
  /** Called for every damaged line left out (the reader never throws on one). */
  onSkip?: (skip: SkippedLine) => void;
}

/**
 * The events of a JSONL log on disk, streamed with a fixed buffer (memory does not grow with the
 * file). Damaged lines are skipped, lines without `seq` (the original conductor's logs) are numbered
 * by their order. A missing file throws `EventLogNotFoundError` at the first `next()`. Breaking out
 * of the loop closes the file.
 */
export async function* fromJsonl(
  path: string,
  options: FromJsonlOptions = {},
): AsyncGenerator<ConductorEvent> {
  yield* readEventLog(path, options);
}

/** An array (or any iterable) of events as a source: tests, or history already in memory. */
export async function* fromEvents(
  events: Iterable<ConductorEvent> | AsyncIterable<ConductorEvent>,
): AsyncGenerator<ConductorEvent> {
  yield* events;
}
