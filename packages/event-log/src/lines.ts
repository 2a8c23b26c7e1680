import { type FileHandle, open } from 'node:fs/promises';
import { type ConductorEvent, decodeEnvelope, type EventEnvelope } from '@conductor/events';
import { EventLogIoError, EventLogNotFoundError, errnoCode } from './errors.js';

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const CHUNK = 256 * 1024;

/** Why a reader left a line out. */
export type SkipReason = 'invalid_json' | 'invalid_event' | 'seq_not_increasing' | 'seq_outlier';

/** A line a reader left out, reported through `onSkip`. */
export interface SkippedLine {
  /** 1-based line number in the file. */
  line: number;
  /** Byte offset of the line's start. */
  offset: number;
  reason: SkipReason;
  message: string;
}

/** Where to start scanning: a line start, the seq of the last event before it and its line number. */
export interface ScanPosition {
  offset: number;
  seqBefore: number;
  line: number;
}

export const START: ScanPosition = { offset: 0, seqBefore: 0, line: 1 };

type Envelope = EventEnvelope;

export type ParsedLine =
  | { kind: 'event'; event: Envelope }
  | { kind: 'blank' }
  | { kind: 'skip'; reason: SkipReason; message: string };

/** Parses one line and checks it against the event envelope (`decodeEnvelope`). */
export function parseLine(text: string): ParsedLine {
  if (isBlank(text)) return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'skip', reason: 'invalid_json', message: (error as Error).message };
  }
  const decoded = decodeEnvelope(value);
  return decoded.ok
    ? { kind: 'event', event: decoded.envelope }
    : { kind: 'skip', reason: 'invalid_event', message: decoded.message };
}

function isBlank(text: string): boolean {
  // A line starting with '{' (nearly all of them) is not blank: no need to trim it.
  return text.charCodeAt(0) !== OPEN_BRACE && text.trim() === '';
}

/**
 * Receives what a scan finds, synchronously and in file order. `offset` and `end` are the line's bytes
 * (`end` past its '\n'); `line` is 1-based. Returning `true` stops the scan after that line.
 * `provisional` is true for an event on the last line read, followed by nothing: a line appended after
 * it could still show it to be an outlier (see `scanChunks`). Every other line's fate is final.
 */
export interface ScanSink {
  event(
    event: ConductorEvent,
    offset: number,
    end: number,
    line: number,
    provisional: boolean,
  ): boolean | undefined;
  skip(skip: SkippedLine, end: number): boolean | undefined;
}

/** How many lines after a held line may tell nothing about it before it is judged without them. */
const LOOKAHEAD_LIMIT = 64;

/** A line skipped after a held line, reported once the held line's fate is known. */
interface QueuedSkip {
  line: number;
  offset: number;
  end: number;
  reason: SkipReason;
  message: string;
  /** For `seq_not_increasing`: the seq, whose message names the seq accepted before it. */
  seq?: number;
}

/**
 * The one interpretation of a log's lines shared by the reader, `lastSeqOf` and the index. A line's
 * fate depends only on the seq of the last event accepted before it and on the next event line, so a
 * damaged, out-of-order or duplicated line costs that line and never the lines after it:
 *
 * - blank lines are ignored; lines that are not JSON or not an event envelope are skipped;
 * - a line whose seq is not greater than the last accepted seq is skipped (a duplicate, a seq that
 *   went backwards);
 * - a line whose seq is greater is held until the next line that says something about it: the next
 *   event whose seq is greater than the last accepted seq (lines skipped by the rules above are passed
 *   over, up to 64 of them). If that line's seq falls between the last accepted seq and the held
 *   line's, the held line is skipped as an outlier (its seq jumped ahead: the next line follows the
 *   previous one, not this one); otherwise it is accepted;
 * - a line without `seq` (the original conductor's format) gets the last accepted seq + 1, which
 *   numbers an original log 1, 2, 3... by line order.
 *
 * Gaps are fine (imports, synthetic history): only a next line that falls inside a gap makes the line
 * before it an outlier. A held line with nothing after it is judged against its predecessor alone; an
 * event appended later with a seq greater than the last accepted one (what the writer does) leaves
 * every earlier line's fate as it was.
 *
 * Reads `path` from `start` with a fixed buffer, so memory stays flat whatever the file size, and hands
 * every line of a chunk to `sink` synchronously: it yields once per chunk read, never per line, so a
 * line costs no promise. With `completeOnly`, a final line without '\n' is left out (it may still be
 * being written). The file is closed when the scan ends: at the end of the file, when the sink stops
 * it, or when the caller stops iterating.
 */
export async function* scanChunks(
  path: string,
  start: ScanPosition,
  completeOnly: boolean,
  sink: ScanSink,
): AsyncGenerator<void, void, undefined> {
  let seqBefore = start.seqBefore;
  // The event line whose fate waits for the next line: its seq is greater than seqBefore. Kept in
  // variables, not an object: no allocation per line.
  let held: Envelope | null = null;
  let heldOffset = 0;
  let heldEnd = 0;
  let heldLine = 0;
  // Lines read after the held one that are skipped whatever its fate (rare: only damage makes them).
  const queued: QueuedSkip[] = [];

  /** Decides the held line's fate (the next informative line has seq `next`), then reports `queued`. */
  const settle = (next: number | undefined, provisional: boolean): boolean | undefined => {
    const event = held as Envelope;
    held = null;
    const seq = event.seq as number;
    let stop: boolean | undefined;
    if (next !== undefined && seqBefore < next && next < seq) {
      const message = `seq ${seq} jumps ahead: the next line's seq ${next} follows seq ${seqBefore}`;
      stop = sink.skip({ line: heldLine, offset: heldOffset, reason: 'seq_outlier', message }, heldEnd);
    } else {
      seqBefore = seq;
      stop = sink.event(event as ConductorEvent, heldOffset, heldEnd, heldLine, provisional);
    }
    return queued.length === 0 ? stop : reportQueued(stop);
  };

  /** Reports the lines skipped after the held one, once its fate is known. */
  const reportQueued = (stopped: boolean | undefined): boolean | undefined => {
    let stop = stopped;
    for (let i = 0; i < queued.length && !stop; i++) {
      const { line, offset, end, reason, seq: skipped } = queued[i] as QueuedSkip;
      const message =
        skipped === undefined ? (queued[i] as QueuedSkip).message : notFollowing(skipped, seqBefore);
      stop = sink.skip({ line, offset, reason, message }, end);
    }
    queued.length = 0;
    return stop;
  };

  /** A skipped line: reported now, or after the held line when there is one. */
  const skip = (
    line: number,
    offset: number,
    end: number,
    reason: SkipReason,
    message: string,
    seq?: number,
  ): boolean | undefined => {
    if (held === null) return sink.skip({ line, offset, reason, message }, end);
    queued.push(
      seq === undefined
        ? { line, offset, end, reason, message }
        : { line, offset, end, reason, message, seq },
    );
    return queued.length >= LOOKAHEAD_LIMIT ? settle(undefined, false) : false;
  };

  /** Interprets one line and hands it (and the line held before it) to the sink; whether to stop. */
  const take = (text: string, offset: number, end: number, line: number): boolean | undefined => {
    if (isBlank(text)) return false;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return skip(line, offset, end, 'invalid_json', (error as Error).message);
    }
    // The envelope only: it decides whether the line is an event and where it stands in the run, which
    // is all that reading, `lastSeqOf` and the index need. The data is checked by whoever reads its
    // meaning (the projection, resume): a payload that does not fit its schema is still history.
    const decoded = decodeEnvelope(value);
    if (!decoded.ok) return skip(line, offset, end, 'invalid_event', decoded.message);
    const event = decoded.envelope;
    const seq = event.seq;
    if (seq !== undefined && seq <= seqBefore) {
      return skip(line, offset, end, 'seq_not_increasing', notFollowing(seq, seqBefore), seq);
    }
    if (held !== null && settle(seq, false)) return true;
    if (seq === undefined) {
      // Both `event`s are fresh objects of our own: numbering in place keeps a spread's key order.
      event.seq = seqBefore + 1;
      seqBefore = event.seq;
      return sink.event(event as ConductorEvent, offset, end, line, false);
    }
    if (seq <= seqBefore) {
      return sink.skip(
        { line, offset, reason: 'seq_not_increasing', message: notFollowing(seq, seqBefore) },
        end,
      );
    }
    held = event;
    heldOffset = offset;
    heldEnd = end;
    heldLine = line;
    return false;
  };

  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new EventLogNotFoundError(path, error);
    throw new EventLogIoError('open', path, error);
  }
  // Two buffers: the next chunk is read (off the main thread) while this one's lines are parsed.
  let spare = Buffer.allocUnsafe(CHUNK);
  // A read's failure is its value, not a rejection: it may settle while nobody awaits it yet.
  let reading: Promise<number | EventLogIoError> | null = null;
  const read = (into: Buffer, at: number): Promise<number | EventLogIoError> =>
    handle.read(into, 0, CHUNK, at).then(
      ({ bytesRead }) => bytesRead,
      (error: unknown) => new EventLogIoError('read', path, error),
    );
  try {
    let chunk = Buffer.allocUnsafe(CHUNK);
    let position = start.offset;
    let line = start.line;
    // Bytes of a line that began in an earlier chunk.
    let pending: Buffer[] = [];
    let pendingStart = position;
    reading = read(chunk, position);
    for (;;) {
      const bytesRead = await reading;
      reading = null;
      if (typeof bytesRead !== 'number') throw bytesRead;
      if (bytesRead === 0) break;
      // A short read is usually the end of the file, but the file may be growing: read on until 0.
      reading = read(spare, position + bytesRead);
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, from);
        if (nl === -1 || nl >= bytesRead) break;
        let stop: boolean | undefined;
        if (pending.length > 0) {
          pending.push(chunk.subarray(from, nl));
          const text = Buffer.concat(pending).toString('utf8');
          pending = [];
          stop = take(text, pendingStart, position + nl + 1, line++);
        } else {
          stop = take(chunk.toString('utf8', from, nl), position + from, position + nl + 1, line++);
        }
        if (stop) return;
        from = nl + 1;
      }
      if (from < bytesRead) {
        if (pending.length === 0) pendingStart = position + from;
        // Copy: `chunk` is reused by a later read.
        pending.push(Buffer.from(chunk.subarray(from, bytesRead)));
      }
      position += bytesRead;
      [chunk, spare] = [spare, chunk];
      yield;
    }
    if (pending.length > 0 && !completeOnly) {
      if (take(Buffer.concat(pending).toString('utf8'), pendingStart, position, line)) return;
    }
    // Nothing informative follows the held line (or only a line still being written): judged on its own.
    if (held !== null) settle(undefined, true);
  } finally {
    // A read still under way (the scan stopped early) must not outlive the file.
    await reading;
    await handle.close();
  }
}

function notFollowing(seq: number, seqBefore: number): string {
  return `seq ${seq} does not follow seq ${seqBefore}`;
}

/** Runs a scan to its end (or until the sink stops it), closing the file. */
export async function scanAll(path: string, start: ScanPosition, completeOnly: boolean, sink: ScanSink) {
  for await (const _ of scanChunks(path, start, completeOnly, sink)) {
    // The sink has seen the chunk's lines.
  }
}
