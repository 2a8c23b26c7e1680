import { constants, fstatSync, mkdirSync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ConductorEvent } from '@conductor/events';
import { syncDirectory, syncDirectoryAsync } from '@conductor/run-folder';
import {
  EventLogClosedError,
  EventLogIoError,
  EventLogSeqError,
  EventLogSerializeError,
  errnoCode,
} from './errors.js';
import { lastSeqOf } from './reader.js';
import { linesFromEnd } from './tail.js';
import { publishWrites } from './written.js';

/** What `openEventLog` did to the end of an existing log before appending. */
export type TailRepair =
  /** The last line was cut short or is not JSON: its bytes were moved to `fragmentPath`. */
  | { action: 'moved-fragment'; bytes: number; fragmentPath: string }
  /** The last line was a whole JSON object missing only its '\n' (an editor's save): '\n' added. */
  | { action: 'completed-line'; bytes: 0; fragmentPath: null };

/** Appends events to one JSONL log file. Made by {@link openEventLog}. */
export interface EventLogWriter {
  readonly path: string;
  /** The seq of the last event in the log: the next append needs a greater one. */
  readonly lastSeq: number;
  /** What was repaired at open, or null if the log ended cleanly (or was new). */
  readonly repaired: TailRepair | null;
  readonly closed: boolean;
  /**
   * Writes the event as one line with a single `write` on an O_APPEND descriptor. When it returns
   * the line is in the OS (survives a crash of this process, not of the machine: see `sync`).
   * Synchronous, so it can run inside an event bus subscriber.
   *
   * With `buffered: true` (see {@link OpenEventLogOptions}) the line is kept in memory instead and
   * written, with the lines before it, in one `write` at the next `flush`, `sync` or `close`, when
   * the process next turns its event loop, or when 64 KiB are waiting. A write error then surfaces
   * at the next call of `append`, `flush` or `sync`.
   */
  append(event: ConductorEvent): void;
  /**
   * Writes the buffered lines (one `write`): when it returns every appended line is in the OS.
   * A no-op when nothing waits (always, without `buffered`). Callers flush at step boundaries.
   */
  flush(): void;
  /** fsync: the log survives power loss up to here. Call before writing a checkpoint. */
  sync(): Promise<void>;
  /** fsyncs and closes. Later appends throw. Safe to call twice. */
  close(): Promise<void>;
}

export interface OpenEventLogOptions {
  /** Mode of a new log file. Default 0o600: logs hold prompts and outputs. */
  mode?: number;
  /**
   * Create the log, failing (EventLogIoError whose `cause` has code EEXIST) if the file exists:
   * of two writers started at once on one path, only one gets it. Default false.
   */
  exclusive?: boolean;
  /**
   * Group appends into one `write` (default false: one `write` per event). A crash then loses at most
   * the lines appended since the last flush, never part of a line: the engine flushes at every step
   * boundary, so a kill -9 loses at most the step in flight.
   */
  buffered?: boolean;
}

/** Buffered lines are written once this many bytes (UTF-16 units) wait, whatever the caller does. */
const FLUSH_AT = 64 * 1024;

/**
 * Opens (creating it and its folders if needed) a log for appending. An existing log's end is
 * repaired first, so a line cut short by a crash never merges with the next append: the fragment is
 * moved to `<path>.fragment-<time>` (kept, never deleted) and the log truncated to its last whole line.
 */
export async function openEventLog(path: string, options: OpenEventLogOptions = {}): Promise<EventLogWriter> {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new EventLogIoError('create the folder of', path, error);
  }
  let handle: FileHandle;
  try {
    // 'a+' is O_APPEND | O_CREAT | O_RDWR: every write goes to the end, and the tail can be read.
    handle = await open(path, options.exclusive ? 'ax+' : 'a+', options.mode ?? 0o600);
  } catch (error) {
    throw new EventLogIoError(options.exclusive ? 'create' : 'open', path, error);
  }
  let repaired: TailRepair | null = null;
  let lastSeq = 0;
  let size: number;
  try {
    size = fstatSync(handle.fd).size;
    // A new (or empty) log has nothing to repair or read: the common case, a run's start, costs one open.
    if (size > 0) {
      repaired = await repairTail(handle, path, size);
      lastSeq = await lastSeqOf(path);
    }
  } catch (error) {
    await handle.close();
    throw error instanceof EventLogIoError ? error : new EventLogIoError('repair', path, error);
  }
  // The folder's entry for a new log is made durable with the log's first fsync (`sync`, `close`):
  // nothing about the log is promised to survive a machine that dies before then.
  return createWriter(handle, path, lastSeq, repaired, options.buffered ?? false, size === 0);
}

function createWriter(
  handle: FileHandle,
  path: string,
  initialSeq: number,
  repaired: TailRepair | null,
  buffered: boolean,
  created: boolean,
): EventLogWriter {
  const fd = handle.fd;
  let folderSynced = !created;
  /** fsyncs the log, and its folder the first time (so a new log's name survives with its lines). */
  const durable = async () => {
    if (folderSynced) return handle.sync();
    // Both at once: the wait is the longer of the two, not their sum (the end of every short run).
    await Promise.all([handle.sync(), syncDirectoryAsync(dirname(path))]);
    folderSynced = true;
  };
  let lastSeq = initialSeq;
  let closed = false;
  let closing: Promise<void> | null = null;
  // Set when a write failed part-way: the next append must not continue the broken line.
  let broken = false;
  // Buffered mode: the lines not yet written, and a write error not yet reported to a caller.
  let pending = '';
  // The events of `pending`, for readers in this process that hear of each write (written.ts).
  let pendingEvents: ConductorEvent[] = [];
  const writes = publishWrites(path, initialSeq);
  let scheduled = false;
  let failure: unknown = null;

  /** Writes `text` (the lines of `events`) with one write; on failure the next write starts a fresh line. */
  function write(text: string, events: readonly ConductorEvent[]): void {
    let bytes = 0;
    if (broken) {
      // Ends the partial line with '\n' so this event starts a line of its own; readers skip the
      // partial one. Cheaper and safer here than truncating under a live reader.
      bytes += writeAll(fd, path, '\n');
      broken = false;
    }
    try {
      bytes += writeAll(fd, path, text);
    } catch (error) {
      broken = true;
      writes.failed();
      throw error;
    }
    writes.written(events, text, bytes);
  }

  /** Writes what is buffered. The lines of a failed write are dropped: the error says they are. */
  function writePending(): void {
    if (pending === '') return;
    const text = pending;
    const events = pendingEvents;
    pending = '';
    pendingEvents = [];
    write(text, events);
  }

  function reportFailure(): void {
    if (failure === null) return;
    const error = failure;
    failure = null;
    throw error;
  }

  // On the next turn of the event loop: a step that waits (a model, a script) has its lines in the
  // file for followers at once, while a run of synchronous steps writes once per step boundary.
  const flushSoon = () => {
    scheduled = false;
    if (closed) return;
    try {
      writePending();
    } catch (error) {
      failure = error;
    }
  };

  return {
    path,
    repaired,
    get lastSeq() {
      return lastSeq;
    },
    get closed() {
      return closed;
    },
    append(event) {
      if (closed) throw new EventLogClosedError(path);
      reportFailure();
      const { seq } = event;
      if (!Number.isSafeInteger(seq) || seq <= lastSeq) throw new EventLogSeqError(path, seq, lastSeq);
      let line: string;
      try {
        // JSON.stringify escapes newlines inside strings, so this is exactly one line.
        line = `${JSON.stringify(event)}\n`;
      } catch (error) {
        throw new EventLogSerializeError(path, seq, error);
      }
      if (!buffered) {
        write(line, [event]);
        lastSeq = seq;
        return;
      }
      pending += line;
      pendingEvents.push(event);
      lastSeq = seq;
      if (pending.length >= FLUSH_AT) writePending();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flushSoon);
      }
    },
    flush() {
      if (closed) throw new EventLogClosedError(path);
      reportFailure();
      writePending();
    },
    async sync() {
      if (closed) throw new EventLogClosedError(path);
      reportFailure();
      writePending();
      try {
        await durable();
      } catch (error) {
        throw new EventLogIoError('fsync', path, error);
      }
    },
    close() {
      closing ??= (async () => {
        const unwritten = closed ? null : pending;
        const events = pendingEvents;
        closed = true;
        try {
          pending = '';
          pendingEvents = [];
          if (unwritten) write(unwritten, events);
          await durable();
        } catch (error) {
          throw error instanceof EventLogIoError ? error : new EventLogIoError('fsync', path, error);
        } finally {
          writes.closed();
          await handle.close();
        }
      })();
      return closing;
    },
  };
}

/**
 * One write call in the normal case (a string: no Buffer to allocate). A short write (disk nearly
 * full) is continued, not dropped; a failure leaves a prefix of the line, which `broken` handles.
 */
function writeAll(fd: number, path: string, line: string): number {
  try {
    const written = writeSync(fd, line);
    if (written === Buffer.byteLength(line)) return written;
    const bytes = Buffer.from(line, 'utf8');
    for (let done = written; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    return bytes.length;
  } catch (error) {
    throw new EventLogIoError('append to', path, error);
  }
}

/**
 * Makes the log end with a whole line. Only the last line can be damaged, because each line is
 * written by one O_APPEND write: a crash leaves it whole or leaves a prefix of it.
 */
async function repairTail(handle: FileHandle, path: string, size: number): Promise<TailRepair | null> {
  if (size === 0) return null;
  for await (const last of linesFromEnd(handle, size)) {
    const text = last.bytes.toString('utf8');
    if (last.terminated) {
      if (text.trim() === '' || isJson(text)) return null;
    } else if (isJsonObject(text)) {
      await handle.write('\n');
      await handle.sync();
      return { action: 'completed-line', bytes: 0, fragmentPath: null };
    }
    const fragmentPath = await saveFragment(handle, path, last.offset, size);
    await handle.truncate(last.offset);
    await handle.sync();
    return { action: 'moved-fragment', bytes: size - last.offset, fragmentPath };
  }
  return null;
}

/**
 * Copies bytes [from, to) to a new `<path>.fragment-<time>` file, fsynced before the log is
 * truncated, so a crash during repair loses nothing (at worst the fragment is saved twice).
 */
async function saveFragment(handle: FileHandle, path: string, from: number, to: number): Promise<string> {
  const stamp = new Date().toISOString().replaceAll(':', '');
  for (let attempt = 0; ; attempt++) {
    const fragmentPath = `${path}.fragment-${stamp}${attempt === 0 ? '' : `-${attempt}`}`;
    let out: FileHandle;
    try {
      out = await open(fragmentPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') continue;
      throw error;
    }
    try {
      const buffer = Buffer.allocUnsafe(Math.min(to - from, 1024 * 1024));
      for (let position = from; position < to; ) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, to - position), position);
        if (bytesRead === 0) break;
        await out.write(buffer, 0, bytesRead);
        position += bytesRead;
      }
      await out.sync();
    } finally {
      await out.close();
    }
    syncDirectory(dirname(path));
    return fragmentPath;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Anything events can be subscribed to, such as `createEventBus()` of `@conductor/events`. */
export interface EventSubscribable {
  subscribe(listener: (event: ConductorEvent) => void): () => void;
  /** When present, checked against the log so the bus cannot reuse seqs already in it. */
  readonly lastSeq?: number;
}

export interface AttachedEventLog {
  readonly writer: EventLogWriter;
  /** Stops listening to the bus, then fsyncs and closes the log. */
  detach(): Promise<void>;
}

export interface AttachEventLogOptions extends OpenEventLogOptions {
  /**
   * Called when appending an event fails (disk full, ...). Default: rethrow, which makes the bus's
   * `emit` throw, so the engine learns that history is no longer being recorded.
   */
  onError?: (error: unknown, event: ConductorEvent) => void;
}

/** Opens the log at `path` and appends every event the bus emits from now on. */
export async function attachEventLog(
  bus: EventSubscribable,
  path: string,
  options: AttachEventLogOptions = {},
): Promise<AttachedEventLog> {
  const writer = await openEventLog(path, options);
  if (typeof bus.lastSeq === 'number' && bus.lastSeq < writer.lastSeq) {
    await writer.close();
    throw new EventLogSeqError(
      path,
      bus.lastSeq + 1,
      writer.lastSeq,
      `The bus would number its next event ${bus.lastSeq + 1}; create it with { lastSeq: ${writer.lastSeq} } (lastSeqOf(path)).`,
    );
  }
  const onError =
    options.onError ??
    ((error: unknown) => {
      throw error;
    });
  const unsubscribe = bus.subscribe((event) => {
    try {
      writer.append(event);
    } catch (error) {
      onError(error, event);
    }
  });
  return {
    writer,
    async detach() {
      unsubscribe();
      await writer.close();
    },
  };
}
