import type { FileHandle } from 'node:fs/promises';

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;

/** A line found scanning backwards: bytes `[offset, end)`, `end` past its '\n' when `terminated`. */
export interface TailLine {
  offset: number;
  end: number;
  bytes: Buffer;
  terminated: boolean;
}

/**
 * Yields the lines of an open file from the last to the first, reading fixed chunks from the end, so
 * repairing the end of a 1 GB log reads only its last few kilobytes.
 */
export async function* linesFromEnd(handle: FileHandle, size: number): AsyncGenerator<TailLine> {
  let position = size;
  // Bytes after the newline we last stopped at, not yet yielded: [carryStart, lineEnd).
  let carry: Buffer[] = [];
  let lineEnd = size;
  let terminated: boolean | null = null;
  while (position > 0) {
    const length = Math.min(CHUNK, position);
    position -= length;
    const chunk = Buffer.allocUnsafe(length);
    await readExactly(handle, chunk, position);
    let to = length;
    if (terminated === null) {
      terminated = chunk[length - 1] === NEWLINE;
      // The final '\n' ends the last line; it does not start an empty one.
      if (terminated) to = length - 1;
    }
    while (to > 0) {
      const nl = chunk.lastIndexOf(NEWLINE, to - 1);
      if (nl === -1) break;
      const bytes = Buffer.concat([chunk.subarray(nl + 1, to), ...carry]);
      carry = [];
      yield { offset: position + nl + 1, end: lineEnd, bytes, terminated: lineEnd < size || terminated };
      lineEnd = position + nl + 1;
      to = nl;
    }
    carry.unshift(chunk.subarray(0, to));
  }
  if (terminated !== null) {
    yield { offset: 0, end: lineEnd, bytes: Buffer.concat(carry), terminated: lineEnd < size || terminated };
  }
}

async function readExactly(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    const { bytesRead } = await handle.read(buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) throw new Error(`file shrank while reading at byte ${position + done}`);
    done += bytesRead;
  }
}
