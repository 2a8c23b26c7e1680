import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface WriteFileAtomicOptions {
  /** File mode of a new file. Default 0o600. */
  mode?: number;
  /**
   * fsync the file and its folder (default true), so the new content survives a machine that dies.
   * Without it the write is still atomic for every reader (all or nothing), only not durable: for
   * files that are conveniences or that a reboot makes stale anyway (claims, run.json while running).
   */
  durable?: boolean;
}

/**
 * Writes a file atomically: a temp file in the same folder is written (and fsynced), renamed over
 * `path`, then the folder is fsynced. A crash leaves the old file or the new one, never half of one.
 * The folder must exist. Errors are thrown as they come (callers say what was being written).
 *
 * The file is small and written with synchronous calls: a handful of system calls cost less than the
 * thread-pool round trips of their asynchronous forms, which made the start of a short run slow.
 */
export async function writeFileAtomic(
  path: string,
  content: string,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  writeFileAtomicSync(path, content, options);
}

/** {@link writeFileAtomic}, synchronously. */
export function writeFileAtomicSync(
  path: string,
  content: string,
  options: WriteFileAtomicOptions = {},
): void {
  const durable = options.durable ?? true;
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', options.mode ?? 0o600);
    writeWhole(fd, content);
    if (durable) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== undefined) closeQuietly(fd);
    unlinkQuietly(temp);
    throw error;
  }
  if (durable) syncDirectory(dir);
}

/** Writes all of `content` at the file's position (continuing after a short write). */
export function writeWhole(fd: number, content: string): void {
  const bytes = Buffer.from(content, 'utf8');
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed or never valid: nothing left to release.
  }
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}

/** {@link syncDirectory} on the thread pool, to run alongside another fsync. Never rejects. */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Best effort, as below.
  } finally {
    await handle?.close().catch(() => {});
  }
}

/** Makes a rename durable. Some platforms cannot fsync a folder; the rename is still atomic there. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort (Windows, some network file systems).
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
