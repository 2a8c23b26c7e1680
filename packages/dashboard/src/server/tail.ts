import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { EventLogNotFoundError, readAppended, type ScanPosition } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';

/** Receives what a store's tail finds. */
export interface TailSink {
  /** New events, in seq order, each once. A returned promise holds the next read until it settles. */
  events(events: ConductorEvent[]): void | Promise<void>;
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
  /** Where reading starts: a line start at or before the first event after `afterSeq` (undefined: the file's start). */
  start(): Promise<ScanPosition | undefined>;
  /** Polling interval, the fallback for file systems where watching misses changes. */
  pollMs: number;
  /** Watch the file's folder too (default true). */
  watch?: boolean;
  /** Events read per batch: the sink's backpressure applies between batches. */
  batch?: number;
}

const ABSENT = new Set(['ENOENT', 'ENOTDIR']);
const errnoOf = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code;

/**
 * Follows a JSONL log that any process appends to: watches its folder (the file may not exist yet),
 * polls as a fallback, and reads only the whole lines after the last one read. A file that got shorter
 * or was replaced (another inode) is read again from its start, events up to the last one delivered
 * left out: nothing is delivered twice or out of order, whoever writes and however the reads interleave.
 */
export function tailLog(path: string, sink: TailSink, options: LogTailOptions): StoreTail {
  const batch = options.batch ?? 1024;
  let delivered = options.afterSeq;
  let started = false;
  let position: ScanPosition | undefined;
  let inode: number | null = null;
  let reading = false;
  let again = false;
  let closed = false;
  // One report per run of failures: a poll every few hundred ms must not flood the error log.
  let failing = false;

  async function readNew(): Promise<void> {
    let size: number;
    try {
      const stats = await stat(path);
      size = stats.size;
      if (!started) {
        position = await options.start();
        started = true;
      } else if ((inode !== null && stats.ino !== inode) || size < (position?.offset ?? 0)) {
        position = undefined;
      }
      inode = stats.ino;
    } catch (error) {
      if (ABSENT.has(errnoOf(error) ?? '') || error instanceof EventLogNotFoundError) return;
      throw error;
    }
    while (!closed && size > (position?.offset ?? 0)) {
      let read: Awaited<ReturnType<typeof readAppended>>;
      try {
        read = await readAppended(path, { from: position, afterSeq: delivered, limit: batch });
      } catch (error) {
        if (error instanceof EventLogNotFoundError) return;
        throw error;
      }
      position = read.next;
      const last = read.events[read.events.length - 1];
      if (last && !closed) {
        delivered = last.seq;
        const waiting = sink.events(read.events);
        if (waiting) await waiting;
      }
      if (!read.more) return;
    }
  }

  function check(): void {
    if (closed) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    void (async () => {
      try {
        do {
          again = false;
          await readNew();
          failing = false;
        } while (again && !closed);
      } catch (error) {
        if (!failing && !closed) sink.error(error);
        failing = true;
      } finally {
        reading = false;
      }
    })();
  }

  // The folder, not the file: the file may be created later, or replaced.
  let watcher: FSWatcher | null = null;
  let canWatch = options.watch ?? true;
  const name = basename(path);
  function startWatching(): void {
    if (watcher || !canWatch || closed) return;
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
      clearInterval(timer);
      watcher?.close();
      watcher = null;
    },
  };
}
