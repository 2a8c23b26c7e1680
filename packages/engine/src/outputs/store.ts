import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { SpilledOutput } from '@conductor/events';

/**
 * Characters of one text (a script's stdout or stderr, an agent's answer, a tool's result) kept
 * whole in events and in the run's context; a longer text is kept as its head ({@link headChars}) and
 * the whole goes to a file. The original conductor's default for `runtime.tool_output.max_chars`.
 */
export const DEFAULT_MAX_OUTPUT_CHARS = 50_000;
/** The smallest cap accepted (the original's minimum for `max_chars`). */
export const MIN_MAX_OUTPUT_CHARS = 1_000;
/** Bytes of the end of a spilled stream kept for error messages (a failing script's last stderr lines). */
const TAIL_BYTES = 8 * 1024;

/** Which text of which step: names its file. */
export interface OutputName {
  step: string;
  /** Parent steps of a sub-workflow's step, outermost first. */
  path?: readonly string[];
  /** `stdout`, `stderr`, `result`... */
  field: string;
}

/** A text over the cap: its head (the first `head_chars` characters) and where the whole is. */
export interface SpilledText extends SpilledOutput {
  head: string;
}

/** A capped text: the text itself when it fits, else its head and file. */
export type CappedText = string | SpilledText;

export interface CapturedStream {
  text: CappedText;
  /** The end of the stream, decoded (the whole text when it was not spilled). */
  tail: string;
}

export interface OutputStore {
  /** The folder spill files go to (`runs/<id>/outputs`), created on the first spill. */
  readonly dir: string;
  readonly maxChars: number;
  /**
   * The text when it fits the cap; else writes all of it to a file and returns its head and reference.
   * `options` give another cap (tool results: `runtime.tool_output.max_chars`) or folder for this text.
   */
  cap(text: string, name: OutputName, options?: CapOptions): Promise<CappedText>;
  /**
   * Reads a stream (a child's stdout) to its end with bounded memory: the head is kept, and once the
   * text passes the cap all of it goes to a file. The stream is read no faster than the file is written.
   */
  captureStream(stream: AsyncIterable<Buffer | string>, name: OutputName): Promise<CapturedStream>;
}

/** A cap and folder for one text, instead of the store's. */
export interface CapOptions {
  /** At least {@link MIN_MAX_OUTPUT_CHARS}. */
  maxChars?: number;
  /** Where its spill file goes (created when needed). */
  dir?: string;
}

export interface OutputStoreOptions {
  dir: string;
  /** Default {@link DEFAULT_MAX_OUTPUT_CHARS}. */
  maxChars?: number;
  /** The run's generation (0, then N after the N-th resume): file names never repeat across resumes. */
  generation?: number;
}

/**
 * Characters of the head kept of a text over the cap: half the cap, so the event that carries it (with
 * its envelope, the spill reference and a short other stream) stays under the cap.
 */
export function headChars(maxChars: number): number {
  return Math.floor(maxChars / 2);
}

/** The first `max` characters, never ending inside a surrogate pair. */
export function headOf(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/** The head of a capped text (the text itself when it fits). */
export function textOf(capped: CappedText): string {
  return typeof capped === 'string' ? capped : capped.head;
}

/** What an event carries about a spilled text (everything but the head, which is in the field itself). */
export function spillOf(capped: CappedText): SpilledOutput | undefined {
  if (typeof capped === 'string') return undefined;
  const { head: _head, ...spill } = capped;
  return spill;
}

export function createOutputStore(options: OutputStoreOptions): OutputStore {
  const maxChars = options.maxChars ?? DEFAULT_MAX_OUTPUT_CHARS;
  const head = headChars(maxChars);
  const generation = options.generation ?? 0;
  const { dir } = options;
  let next = 1;

  /** Creates a new spill file (never an existing one: `wx`), mode 0600 as outputs may hold secrets. */
  async function openSpill(
    name: OutputName,
    folder = dir,
  ): Promise<{ handle: FileHandle; ref: string; path: string }> {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const stem = [...(name.path ?? []), name.step]
      .join('_')
      .replace(/[^A-Za-z0-9_-]+/g, '_')
      .slice(0, 80);
    const field = name.field.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 20);
    for (;;) {
      const ref = `g${generation}-${next++}-${stem}.${field}`;
      const path = join(folder, ref);
      try {
        return { handle: await open(path, 'wx', 0o600), ref, path };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  async function spill(
    name: OutputName,
    head: string,
    chunks: Iterable<Buffer>,
    rest?: AsyncIterator<Buffer | string>,
    state?: { bytes: number; hash: Hash; tail: Buffer },
    folder?: string,
  ): Promise<SpilledText> {
    const file = await openSpill(name, folder);
    const hash = state?.hash ?? createHash('sha256');
    let bytes = state?.bytes ?? 0;
    let tail = state?.tail ?? Buffer.alloc(0);
    try {
      for (const chunk of chunks) {
        await file.handle.write(chunk);
        if (!state) {
          hash.update(chunk);
          bytes += chunk.length;
        }
      }
      if (rest) {
        for (let item = await rest.next(); !item.done; item = await rest.next()) {
          const chunk = typeof item.value === 'string' ? Buffer.from(item.value) : item.value;
          hash.update(chunk);
          bytes += chunk.length;
          tail = keepTail(tail, chunk);
          await file.handle.write(chunk);
        }
      }
    } finally {
      await file.handle.close();
    }
    if (state) state.tail = tail;
    return {
      head,
      ref: file.ref,
      path: file.path,
      bytes,
      head_chars: head.length,
      sha256: hash.digest('hex'),
    };
  }

  return {
    dir,
    maxChars,
    async cap(text, name, options = {}) {
      const max = options.maxChars ?? maxChars;
      if (text.length <= max) return text;
      const keep = options.maxChars === undefined ? head : headChars(max);
      return spill(name, headOf(text, keep), [Buffer.from(text, 'utf8')], undefined, undefined, options.dir);
    },
    async captureStream(stream, name) {
      const iterator = stream[Symbol.asyncIterator]();
      const decoder = new StringDecoder('utf8');
      const held: Buffer[] = [];
      const state: { bytes: number; hash: Hash; tail: Buffer } = {
        bytes: 0,
        hash: createHash('sha256'),
        tail: Buffer.alloc(0),
      };
      let text = '';
      let ended = false;
      try {
        for (;;) {
          const item = await iterator.next();
          if (item.done) {
            text += decoder.end();
            ended = true;
          } else {
            const chunk = typeof item.value === 'string' ? Buffer.from(item.value) : item.value;
            state.bytes += chunk.length;
            state.hash.update(chunk);
            state.tail = keepTail(state.tail, chunk);
            held.push(chunk);
            text += decoder.write(chunk);
          }
          if (text.length > maxChars) {
            // Past the cap: the bytes so far, then the rest of the stream, go to the file.
            const spilled = await spill(name, headOf(text, head), held, ended ? undefined : iterator, state);
            return { text: spilled, tail: decodeTail(state.tail) };
          }
          if (ended) return { text, tail: text };
        }
      } finally {
        if (!ended) await iterator.return?.();
      }
    },
  };
}

function keepTail(tail: Buffer, chunk: Buffer): Buffer {
  if (chunk.length >= TAIL_BYTES) return Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES));
  const joined = Buffer.concat([tail, chunk]);
  return joined.length > TAIL_BYTES ? joined.subarray(joined.length - TAIL_BYTES) : joined;
}

/** The tail as text, without a character cut at its start. */
function decodeTail(tail: Buffer): string {
  let start = 0;
  while (start < tail.length && start < 4 && ((tail[start] as number) & 0xc0) === 0x80) start++;
  return tail.subarray(start).toString('utf8');
}
