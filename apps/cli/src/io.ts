/**
 * What a command reads and writes: the process's streams and environment, or a test's. Paths on the
 * command line are relative to the process's working directory (the engine resolves them there).
 */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

/** What a command is given: the io, its command line, and whether that allows colours. */
export interface CommandIo extends CliIo {
  /** The arguments after `conductor` (`--web-bg` starts the same command again in the background). */
  argv: readonly string[];
  /** No `--no-color` on the command line. */
  color: boolean;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
