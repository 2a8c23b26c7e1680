import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  EventLogNotFoundError,
  type LogWrites,
  readAppended,
  type ScanPosition,
  type WrittenLines,
  watchLogWrites,
} from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { linesFrom, WritesHeld } from './tail-writes.js';

/** Receives what a store's tail finds. */
export interface TailSink {
  /**
   * New events, in seq order, each once. `lines`, when given, are their lines exactly as a writer of
   * this process wrote them (`JSON.stringify(event) + '\n'` each): the events were not read back from
   * the file, and the run that wrote them goes on while the sink takes them. A returned promise holds
   * the next read until it settles (and, for written events, makes the tail read the next ones from the
   * file once it has settled).
   */
  events(events: readonly ConductorEvent[], lines?: string): void | Promise<void>;
  /** A read failed (other than the file not existing); the tail goes on trying. */
  error(error: unknown): void;
}

/** Following a store as it grows. */
export interface StoreTail {
  /** Looks for new events now: a hint that something was written (e.g. the run's bus emitted). */
  check(): void;
  /** Stops following; the sink gets nothing more. */
  close(): void;
}

export interface LogTailOptions {
  /** Deliver events with `seq > afterSeq`. */
  afterSeq: number;
  /** Where reading starts: a line start at or before the first event after `seq` (undefined: the file's start). */
  start(seq: number): Promise<ScanPosition | undefined>;
  /** Polling interval, the fallback for file systems where watching misses changes. */
  pollMs: number;
  /** Watch the file's folder too (default true). */
  watch?: boolean;
  /** Events read per batch: the sink's backpressure applies between batches. */
  batch?: number;
  /** Take what a writer of this process appends from the writer, not from the file (default true). */
  writes?: boolean;
  /**
   * Writes held in memory while the tail reads the file up to them, at most (events; default 100,000,
   * and 32 Mi characters): beyond, it holds them again from a later point.
   */
  maxHeldEvents?: number;
}

const ABSENT = new Set(['ENOENT', 'ENOTDIR']);
const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code;

const MAX_HELD_EVENTS = 100_000;
const MAX_HELD_CHARS = 32 * 1024 * 1024;

/**
 * Follows a JSONL log that any process appends to: watches its folder (the file may not exist yet),
 * polls as a fallback, and reads only the whole lines after the last one read. A file that got shorter
 * or was replaced (another inode) is read again from its start, events up to the last one delivered
 * left out: nothing is delivered twice or out of order, whoever writes and however the reads interleave.
 *
 * While a writer of this process appends to the log (the run this dashboard serves), the tail takes
 * its writes from the writer (`watchLogWrites`) instead of reading back and parsing what was just
 * serialized: each write, once it is in the OS, with its lines as written. To switch without a gap,
 * the tail holds the writes from some moment on, reads the file to its end with a read that began
 * after that moment (so every line it did not read is a held one), then delivers the held writes after
 * what it read and every later write as it comes. When the writer closes (the file ends where its last
 * write did) or the sink falls behind, the tail reads the file again from there.
 */
export function tailLog(path: string, sink: TailSink, options: LogTailOptions): StoreTail {
  const batch = options.batch ?? 1024;
  const maxHeldEvents = options.maxHeldEvents ?? MAX_HELD_EVENTS;
  let delivered = options.afterSeq;
  let started = false;
  let position: ScanPosition | undefined;
  let inode: number | null = null;
  let reading = false;
  let again = false;
  let closed = false;
  // One report per run of failures: a poll every few hundred ms must not flood the error log.
  let failing = false;
  /** Taking every write from the writer: `position` follows the end of its writes, nothing is read. */
  let fed = false;
  /** The writes held since a moment before the current read began (null: none held). */
  let held: WritesHeld | null = null;
  /** A sink's promise that must settle before the next read. */
  let hold: Promise<void> | null = null;

  /** Starts holding the writer's writes, when a writer of this process has the log open. */
  function holdWrites(): void {
    if (fed || held || writes?.writtenSeq === null || writes?.writtenSeq === undefined) return;
    held = new WritesHeld();
  }

  /** Reads what is new; returns true when it read the file to its end (the end when it looked). */
  async function readNew(): Promise<boolean> {
    let size: number;
    try {
      const stats = await stat(path);
      size = stats.size;
      if (!started) {
        position = await options.start(delivered);
        started = true;
      } else if ((inode !== null && stats.ino !== inode) || size < (position?.offset ?? 0)) {
        position = undefined;
      }
      inode = stats.ino;
    } catch (error) {
      if (ABSENT.has(errnoOf(error) ?? '') || error instanceof EventLogNotFoundError) return false;
      throw error;
    }
    while (!closed && size > (position?.offset ?? 0)) {
      let read: Awaited<ReturnType<typeof readAppended>>;
      try {
        read = await readAppended(path, { from: position, afterSeq: delivered, limit: batch });
      } catch (error) {
        if (error instanceof EventLogNotFoundError) return false;
        throw error;
      }
      position = read.next;
      const last = read.events[read.events.length - 1];
      if (last && !closed) {
        delivered = last.seq;
        const waiting = sink.events(read.events);
        if (waiting) await waiting;
      }
      if (!read.more) return true;
    }
    return position !== undefined;
  }

  /** After a read to the end that began while `holding` held the writes: the rest comes from the writer. */
  function takeHeld(holding: WritesHeld): void {
    if (!position || closed) return;
    const rest = holding.after(position, delivered);
    held = null;
    fed = true;
    stopWatching();
    position = rest.position;
    for (const part of rest.parts) {
      delivered = (part.events[part.events.length - 1] as ConductorEvent).seq;
      const waiting = sink.events(part.events, part.lines);
      if (waiting) behind(waiting);
    }
  }

  function written(lines: WrittenLines): void {
    if (closed) return;
    if (held) {
      held.add(lines);
      // Reading cannot keep up: hold from a later point instead (the read in progress will not switch).
      if (held.events > maxHeldEvents || held.chars > MAX_HELD_CHARS) held = new WritesHeld();
      return;
    }
    if (!fed || !position) return;
    const { events } = lines;
    const last = events[events.length - 1];
    if (!last) return;
    position = {
      offset: position.offset + lines.bytes,
      line: position.line + events.length,
      seqBefore: last.seq,
    };
    // Seqs only grow in a log with one writer: a write that repeats one would be the file's business.
    let from = 0;
    while (from < events.length && (events[from] as ConductorEvent).seq <= delivered) from++;
    if (from === events.length) return;
    delivered = last.seq;
    const waiting =
      from === 0
        ? sink.events(events, lines.text)
        : sink.events(events.slice(from), linesFrom(lines.text, from));
    if (waiting && fed) behind(waiting);
  }

  /** The sink is behind: the next events come from the file (from `position`) once it has caught up. */
  function behind(waiting: Promise<void>): void {
    fed = false;
    hold = waiting;
    startWatching();
    check();
  }

  const writes: LogWrites | null =
    options.writes === false
      ? null
      : watchLogWrites(path, {
          opened: () => check(),
          written,
          ended(clean) {
            held = null;
            if (!fed) return;
            fed = false;
            if (!clean) {
              // The file may hold bytes no write reported: find the place again from the seq.
              started = false;
              position = undefined;
            }
            startWatching();
            check();
          },
        });

  function check(): void {
    if (closed || fed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    void (async () => {
      try {
        do {
          again = false;
          if (hold) {
            const waiting = hold;
            hold = null;
            await waiting;
          }
          // Held before the read begins: whatever the read does not see is held.
          holdWrites();
          const holding = held;
          const toEnd = await readNew();
          failing = false;
          if (toEnd && holding && held === holding) takeHeld(holding);
        } while ((again || held) && !closed && !fed);
      } catch (error) {
        if (!failing && !closed) sink.error(error);
        failing = true;
      } finally {
        reading = false;
      }
    })();
  }

  // The folder, not the file: the file may be created later, or replaced. Not while fed: every write
  // of the run would wake the watcher for nothing.
  let watcher: FSWatcher | null = null;
  let canWatch = options.watch ?? true;
  const name = basename(path);
  function stopWatching(): void {
    watcher?.close();
    watcher = null;
  }
  function startWatching(): void {
    if (fed || watcher || !canWatch || closed) return;
    try {
      watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file === null || String(file) === name) check();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = null;
      });
    } catch (error) {
      // A folder that does not exist yet may later; anything else (no watches left): poll only.
      if (!ABSENT.has(errnoOf(error) ?? '')) canWatch = false;
    }
  }

  const timer = setInterval(() => {
    startWatching();
    check();
  }, options.pollMs);
  timer.unref();
  startWatching();
  check();

  return {
    check,
    close() {
      closed = true;
      held = null;
      clearInterval(timer);
      writes?.stop();
      stopWatching();
    },
  };
}
