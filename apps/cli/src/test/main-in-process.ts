import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../cli.js';
import type { CliIo } from '../io.js';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** A file of the repository's examples/ folder, by an absolute path (tests may run from any folder). */
export const example = (file: string): string => join(repoRoot, 'examples', file);

export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'conductor-cli-test-'));
}

/** A stream that keeps what is written to it, as a pipe would (not a terminal). */
function collector(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

/** An io whose streams are pipes that keep what is written (not terminals), over `env` and process.env. */
export function capturedIo(env: Record<string, string | undefined> = {}): {
  io: CliIo;
  stdout: () => string;
  stderr: () => string;
} {
  const stdout = collector();
  const stderr = collector();
  const io: CliIo = {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: new PassThrough() as unknown as NodeJS.ReadStream,
    env: { ...process.env, NO_COLOR: '1', ...env },
  };
  return { io, stdout: stdout.text, stderr: stderr.text };
}

/**
 * `conductor <args>` in this process, through `main`: what it printed and the exit code the bin would
 * set. The test's CONDUCTOR_HOME isolates its runs.
 */
export async function runMain(
  args: string[],
  options: { home: string; env?: Record<string, string | undefined> },
): Promise<MainResult> {
  const { io, stdout, stderr } = capturedIo({ CONDUCTOR_HOME: options.home, ...options.env });
  const code = await main(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}
