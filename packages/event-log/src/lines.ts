import { type FileHandle, open } from 'node:fs/promises';
import { type ConductorEvent, EventEnvelopeSchema } from '@conductor/events';
import { EventLogIoError, EventLogNotFoundError, errnoCode } from './errors.js';

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const CHUNK = 256 * 1024;

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

type Envelope = Omit<ConductorEvent, 'seq'> & { seq?: number };

export type ParsedLine =
  | { kind: 'event'; event: Envelope }
  | { kind: 'blank' }
  | { kind: 'skip'; reason: SkipReason; message: string };

/** Parses and validates one line against the event envelope. */
export function parseLine(text: string): ParsedLine {
  if (isBlank(text)) return { kind: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'skip', reason: 'invalid_json', message: (error as Error).message };
  }
  const event = fastEnvelope(value);
  return event ? { kind: 'event', event } : validateEnvelope(value);
}

function isBlank(text: string): boolean {
  // A line starting with '{' (nearly all of them) is not blank: no need to trim it.
  return text.charCodeAt(0) !== OPEN_BRACE && text.trim() === '';
}

// The envelope's keys in the order EventEnvelopeSchema outputs them; the rest follow in input order.
const ENVELOPE_KEYS = ['seq', 'type', 'timestamp', 'data'];
const hasOwn = Object.hasOwn;

/**
 * The common case of a valid envelope, checked without the copy the schema makes: `value` itself when
 * EventEnvelopeSchema would accept it and output an equal object with the same key order, else
 * `undefined` (unusual input: ask the schema). It accepts only when the schema's output would be a
 * key-for-key copy: `{ seq?, type, timestamp, data, ...rest }` in that order, `data` a plain object
 * (not defaulted, not an array), no `__proto__`/`prototype`/`constructor` key the schema would drop.
 */
function fastEnvelope(value: unknown): Envelope | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const object = value as Record<string, unknown>;
  const seq = object.seq;
  if (seq !== undefined && !(typeof seq === 'number' && Number.isInteger(seq) && seq >= 1)) return undefined;
  const type = object.type;
  if (typeof type !== 'string' || type.length === 0) return undefined;
  const timestamp = object.timestamp;
  if (typeof timestamp !== 'number' || Number.isNaN(timestamp)) return undefined;
  const data = object.data;
  if (
    typeof data !== 'object' ||
    data === null ||
    Array.isArray(data) ||
    hasOwn(data, '__proto__') ||
    hasOwn(data, 'prototype') ||
    hasOwn(data, 'constructor')
  ) {
    return undefined;
  }
  let expected = seq === undefined ? 1 : 0;
  for (const key in object) {
    if (expected < ENVELOPE_KEYS.length) {
      if (key !== ENVELOPE_KEYS[expected]) return undefined;
      expected += 1;
    } else if (key === '__proto__' || key === 'prototype' || key === 'constructor') {
      return undefined;
    }
  }
  return object as unknown as Envelope;
}

/** The envelope schema's verdict (and copy) for a value `fastEnvelope` did not accept. */
function validateEnvelope(value: unknown): ParsedLine {
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
  return { kind: 'event', event: result.value as Envelope };
}

/**
 * Receives what a scan finds, synchronously and in file order. `offset` and `end` are the line's bytes
 * (`end` past its '\n'); `line` is 1-based. Returning `true` stops the scan after that line.
 */
export interface ScanSink {
  event(event: ConductorEvent, offset: number, end: number, line: number): boolean | undefined;
  skip(skip: SkippedLine, end: number): boolean | undefined;
}

/**
 * The one interpretation of a log's lines shared by the reader, `lastSeqOf` and the index: blank
 * lines are ignored; lines that are not JSON, not an envelope, or whose seq does not increase are
 * skipped; a line without `seq` (the original conductor's format) gets the previous event's seq + 1,
 * which numbers an original log 1, 2, 3... by line order.
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

  /** Interprets one line and hands it to the sink; whether the sink asked to stop. */
  const take = (text: string, offset: number, end: number, line: number): boolean | undefined => {
    if (isBlank(text)) return false;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return sink.skip({ line, offset, reason: 'invalid_json', message: (error as Error).message }, end);
    }
    let event = fastEnvelope(value);
    if (event === undefined) {
      const parsed = validateEnvelope(value);
      if (parsed.kind !== 'event') {
        const { reason, message } = parsed as { reason: SkipReason; message: string };
        return sink.skip({ line, offset, reason, message }, end);
      }
      event = parsed.event;
    }
    const seq = event.seq;
    if (seq === undefined) {
      // Both `event`s are fresh objects of our own: numbering in place keeps a spread's key order.
      event.seq = seqBefore + 1;
    } else if (seq <= seqBefore) {
      const message = `seq ${seq} does not follow seq ${seqBefore}`;
      return sink.skip({ line, offset, reason: 'seq_not_increasing', message }, end);
    }
    seqBefore = event.seq as number;
    return sink.event(event as ConductorEvent, offset, end, line);
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
      take(Buffer.concat(pending).toString('utf8'), pendingStart, position, line);
    }
  } finally {
    // A read still under way (the scan stopped early) must not outlive the file.
    await reading;
    await handle.close();
  }
}

/** Runs a scan to its end (or until the sink stops it), closing the file. */
export async function scanAll(path: string, start: ScanPosition, completeOnly: boolean, sink: ScanSink) {
  for await (const _ of scanChunks(path, start, completeOnly, sink)) {
    // The sink has seen the chunk's lines.
  }
}
