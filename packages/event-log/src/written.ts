import { resolve } from 'node:path';
import type { ConductorEvent } from '@conductor/events';

/** What a writer in this process put in its log with one write: whole lines, one per event. */
export interface WrittenLines {
  /** The events, in the order of their lines (the objects that were appended). */
  readonly events: readonly ConductorEvent[];
  /** The lines as written: `JSON.stringify(event) + '\n'` for each event. */
  readonly text: string;
  /** How many bytes the file grew by with this write. */
  readonly bytes: number;
}

/** Told what a writer in this process does to one log, from the moment it subscribes. */
export interface LogWritesListener {
  /** A writer opened the log; everything up to seq `lastSeq` is in the file. */
  opened(lastSeq: number): void;
  /** A write is in the OS (every reader of the file can read it now). */
  written(lines: WrittenLines): void;
  /**
   * What follows is known from the file only: the writer closed (`clean`, the file ends after its last
   * write), or a write failed part-way, or a second writer opened the log (not `clean`: the file may
   * hold bytes no `written` reported).
   */
  ended(clean: boolean): void;
}

export interface LogWrites {
  /**
   * The last seq in the file when it is written by one writer of this process and every write since is
   * reported to the listener; else null (no writer here, or writes the listener will not hear of).
   */
  readonly writtenSeq: number | null;
  stop(): void;
}

/** The writer side: what createWriter reports. */
export interface WritesPublisher {
  written(events: readonly ConductorEvent[], text: string, bytes: number): void;
  /** A write failed part-way: subscribers must learn the rest from the file. */
  failed(): void;
  closed(): void;
}

interface Entry {
  listeners: Set<LogWritesListener>;
  writers: number;
  /** The last seq written, while exactly one writer has the log open and no write failed since it opened. */
  writtenSeq: number | null;
}

// One per log path open for writing or watched in this process. A reader in the same process (a run's
// own dashboard) learns each write from the writer instead of reading back and parsing what the
// writer has just serialized: the file stays the history, this is only the news of its growth.
const entries = new Map<string, Entry>();

function entryOf(path: string): Entry {
  const key = resolve(path);
  let entry = entries.get(key);
  if (!entry) {
    entry = { listeners: new Set(), writers: 0, writtenSeq: null };
    entries.set(key, entry);
  }
  return entry;
}

function release(path: string, entry: Entry): void {
  if (entry.writers === 0 && entry.listeners.size === 0) entries.delete(resolve(path));
}

/** Calls every listener, keeping one that throws from reaching the writer (its write succeeded). */
function tell(entry: Entry, call: (listener: LogWritesListener) => void): void {
  for (const listener of [...entry.listeners]) {
    try {
      call(listener);
    } catch {
      // A reader's failure is not the log's: the listener's owner reports its own errors.
    }
  }
}

/**
 * Hears of every write that a writer of this process (`openEventLog`) makes to the log at `path`, from
 * now on, with the events and the exact lines written: a reader in the same process follows the log
 * without reading it back. Writers of other processes are not heard of: read the file for those.
 */
export function watchLogWrites(path: string, listener: LogWritesListener): LogWrites {
  const entry = entryOf(path);
  entry.listeners.add(listener);
  return {
    get writtenSeq() {
      return entry.writtenSeq;
    },
    stop() {
      entry.listeners.delete(listener);
      release(path, entry);
    },
  };
}

/** Registers a writer that opened `path` with `lastSeq` in it. */
export function publishWrites(path: string, lastSeq: number): WritesPublisher {
  const entry = entryOf(path);
  entry.writers += 1;
  // Two writers in one process (which a run's claim prevents): neither one's writes tell the whole story.
  if (entry.writers === 1) {
    entry.writtenSeq = lastSeq;
    tell(entry, (listener) => listener.opened(lastSeq));
  } else {
    entry.writtenSeq = null;
    tell(entry, (listener) => listener.ended(false));
  }
  let mine = entry.writers === 1;
  let open = true;
  return {
    written(events, text, bytes) {
      if (!mine || entry.writtenSeq === null) return;
      const last = events[events.length - 1];
      if (last) entry.writtenSeq = last.seq;
      if (entry.listeners.size > 0) {
        const lines: WrittenLines = { events, text, bytes };
        tell(entry, (listener) => listener.written(lines));
      }
    },
    failed() {
      if (!mine || entry.writtenSeq === null) return;
      entry.writtenSeq = null;
      tell(entry, (listener) => listener.ended(false));
    },
    closed() {
      if (!open) return;
      open = false;
      entry.writers -= 1;
      const told = mine && entry.writtenSeq !== null;
      mine = false;
      // Before telling: a listener that looks again must find no writer.
      entry.writtenSeq = null;
      if (told) tell(entry, (listener) => listener.ended(true));
      release(path, entry);
    },
  };
}
