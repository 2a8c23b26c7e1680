import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join, parse, resolve } from 'node:path';
import { originalTempDir } from './original-files.js';

/**
 * Where `--log-file` writes: the path given, or for `auto` the original conductor's
 * `$TMPDIR/conductor/conductor-<workflow stem>-<YYYYMMDD-HHMMSS>.log`.
 */
export function logFilePath(
  value: string,
  workflow: string | undefined,
  env: Record<string, string | undefined>,
  now = new Date(),
): string {
  if (value.toLowerCase() !== 'auto') return resolve(value);
  const stem = workflow ? parse(workflow).name : 'resume';
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join(originalTempDir(env), 'conductor', `conductor-${stem}-${stamp}.log`);
}

/** The file `--log-file` names, opened for writing (its folder created); closed with `closeLogFile`. */
export function openLogFile(path: string): WriteStream {
  mkdirSync(dirname(path), { recursive: true });
  return createWriteStream(path, { flags: 'w', mode: 0o600 });
}

export async function closeLogFile(stream: WriteStream): Promise<void> {
  if (stream.closed) return;
  stream.end();
  await once(stream, 'close').catch(() => {});
}
