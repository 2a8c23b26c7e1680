import { type FileHandle, open } from 'node:fs/promises';
import { type ConductorEvent, EventEnvelopeSchema } from '@conductor/events';
import { EventLogIoError, EventLogNotFoundError, errnoCode } from './errors.js';

const NEWLINE = 0x0a;
const CHUNK = 256 * 1024;

/** One line of a log file, as bytes `[offset, end)`; `end` is past the '\n' when `terminated`. */
export interface RawLine {
  offset: number;
  end: number;
  line: number;
  text: string;
  terminated: boolean;
}

/** Why a reader left a line out. */
export type SkipReason = 'invalid_json' | 'invalid_event' | 'seq_not_increasing';

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

/**
 * Streams the lines of `path` from `start.offset` with a fixed buffer, so memory stays flat whatever
 * the file size. With `completeOnly`, a final line without '\n' is not yielded (it may still be
 * being written).
 */
export async function* readLines(
  path: string,
  start: ScanPosition = START,
  completeOnly = false,
): AsyncGenerator<RawLine> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new EventLogNotFoundError(path, error);
    throw new EventLogIoError('open', path, error);
  }
  try {
    const chunk = Buffer.allocUnsafe(CHUNK);
    let position = start.offset;
    let line = start.line;
    // Bytes of a line that began in an earlier chunk.
    let pending: Buffer[] = [];
    let pendingStart = position;
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, CHUNK, position));
      } catch (error) {
        throw new EventLogIoError('read', path, error);
      }
      if (bytesRead === 0) break;
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, from);
        if (nl === -1 || nl >= bytesRead) break;
        let text: string;
        let offset: number;
        if (pending.length > 0) {
          pending.push(chunk.subarray(from, nl));
          text = Buffer.concat(pending).toString('utf8');
          offset = pendingStart;
          pending = [];
        } else {
          text = chunk.toString('utf8', from, nl);
          offset = position + from;
        }
        yield { offset, end: position + nl + 1, line: line++, text, terminated: true };
        from = nl + 1;
      }
      if (from < bytesRead) {
        if (pending.length === 0) pendingStart = position + from;
        // Copy: `chunk` is reused by the next read.
        pending.push(Buffer.from(chunk.subarray(from, bytesRead)));
      }
      position += bytesRead;
    }
    if (pending.length > 0 && !completeOnly) {
      const text = Buffer.concat(pending).toString('utf8');
      yield { offset: pendingStart, end: position, line, text, terminated: false };
    }
  } finally {
    await handle.close();
  }
}

export type ParsedLine =
  | { kind: 'event'; event: Omit<ConductorEvent, 'seq'> & { seq?: number } }
  | { kind: 'blank' }
  | { kind: 'skip'; reason: SkipReason; message: string };

/** Parses and validates one line against the event envelope. */
export function parseLine(text: string): ParsedLine {
  if (text.trim() === '') return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'skip', reason: 'invalid_json', message: (error as Error).message };
  }
  // The envelope schema's Standard Schema interface is valibot's safeParse, without this package
  // taking valibot as a dependency of its own.
  const result = EventEnvelopeSchema['~standard'].validate(value);
  if (result instanceof Promise) throw new TypeError('EventEnvelopeSchema must validate synchronously');
  if (result.issues) {
    const issue = result.issues[0];
    const where = issue?.path?.map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.');
    return {
      kind: 'skip',
      reason: 'invalid_event',
      message: `${where ? `${where}: ` : ''}${issue?.message ?? 'not an event envelope'}`,
    };
  }
  return { kind: 'event', event: result.value as Omit<ConductorEvent, 'seq'> & { seq?: number } };
}

export type ScanItem =
  | { kind: 'event'; event: ConductorEvent; offset: number; end: number; line: number }
  | { kind: 'skip'; skip: SkippedLine; end: number };

/**
 * The one interpretation of a log's lines shared by the reader, `lastSeqOf` and the index: blank
 * lines are ignored; lines that are not JSON, not an envelope, or whose seq does not increase are
 * skipped; a line without `seq` (the original conductor's format) gets the previous event's seq + 1,
 * which numbers an original log 1, 2, 3... by line order.
 */
export async function* scanEvents(
  path: string,
  start: ScanPosition = START,
  completeOnly = false,
): AsyncGenerator<ScanItem> {
  let seqBefore = start.seqBefore;
  for await (const raw of readLines(path, start, completeOnly)) {
    const parsed = parseLine(raw.text);
    if (parsed.kind === 'blank') continue;
    if (parsed.kind === 'skip') {
      const skip = { line: raw.line, offset: raw.offset, reason: parsed.reason, message: parsed.message };
      yield { kind: 'skip', skip, end: raw.end };
      continue;
    }
    const { seq } = parsed.event;
    if (seq !== undefined && seq <= seqBefore) {
      yield {
        kind: 'skip',
        skip: {
          line: raw.line,
          offset: raw.offset,
          reason: 'seq_not_increasing',
          message: `seq ${seq} does not follow seq ${seqBefore}`,
        },
        end: raw.end,
      };
      continue;
    }
    const event = { ...parsed.event, seq: seq ?? seqBefore + 1 } as ConductorEvent;
    seqBefore = event.seq;
    yield { kind: 'event', event, offset: raw.offset, end: raw.end, line: raw.line };
  }
}
