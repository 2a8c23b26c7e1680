import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conductorHome } from '@conductor/event-log';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIo } from './io.js';

/** The `conductor` bin (beside dist/ and src/ alike): what a background run is started with. */
const bin = fileURLToPath(new URL('../bin/conductor.js', import.meta.url));

/** How long a `--web-bg` dashboard stays up after its run ends, unless CONDUCTOR_WEB_LINGER says otherwise. */
export const DEFAULT_WEB_LINGER_SECONDS = 600;

export type Detached =
  | { url: string; runId: string; pid: number; outputPath: string }
  | { exitCode: number | null; outputPath: string; output: string };

/**
 * Starts `conductor <args> --web` detached from this process (its own session, output to a file under
 * $CONDUCTOR_HOME/background) and waits until its dashboard is up, which is after it claimed its run: then
 * it owns the run and goes on alone. Or until it exits first (a bad input, a run owned elsewhere...).
 */
export async function startDetached(
  env: NodeJS.ProcessEnv,
  args: readonly string[],
  lingerSeconds: string,
): Promise<Detached> {
  const logs = join(conductorHome(env), 'background');
  mkdirSync(logs, { recursive: true });
  const outputPath = join(logs, `conductor-${Date.now()}-${process.pid}.log`);
  const output = openSync(outputPath, 'a', 0o600);
  const child = spawn(process.execPath, [bin, ...args, '--web', '--web-linger', lingerSeconds], {
    detached: true,
    stdio: ['ignore', output, output, 'ipc'],
    env,
  });
  const started = await new Promise<{ url: string; runId: string } | { exitCode: number | null }>(
    (resolve) => {
      child.on('message', (message: { type?: string; url?: string; runId?: string }) => {
        if (message?.type === 'conductor-dashboard' && message.url && message.runId) {
          resolve({ url: message.url, runId: message.runId });
        }
      });
      child.on('exit', (code) => resolve({ exitCode: code }));
    },
  );
  if ('exitCode' in started) return { ...started, outputPath, output: readTail(outputPath) };
  child.disconnect();
  child.unref();
  return { ...started, pid: child.pid as number, outputPath };
}

/**
 * `--web-bg`: starts the same command detached with `--web`, waits until its dashboard is up, prints
 * the URL and returns while the run goes on. Its dashboard stays up for CONDUCTOR_WEB_LINGER seconds
 * (600) after the run ends, or until `conductor stop <run-id>`.
 */
export async function startInBackground(io: CliIo, argv: readonly string[]): Promise<ExitCodeValue> {
  const args = argv.filter((arg) => arg !== '--web-bg');
  const started = await startDetached(
    io.env,
    args,
    io.env.CONDUCTOR_WEB_LINGER ?? String(DEFAULT_WEB_LINGER_SECONDS),
  );
  if ('exitCode' in started) {
    // Its own message says what was wrong (an input, a port...): shown here, not only in the file.
    io.stderr.write(
      `${started.output}conductor: the background run exited (code ${started.exitCode}) before its dashboard started; its output is in ${started.outputPath}\n`,
    );
    return started.exitCode === ExitCode.Invalid || started.exitCode === ExitCode.Owned
      ? started.exitCode
      : ExitCode.RunFailed;
  }
  const linger = io.env.CONDUCTOR_WEB_LINGER ?? String(DEFAULT_WEB_LINGER_SECONDS);
  io.stdout.write(`${started.url}\n`);
  io.stderr.write(
    `run ${started.runId} continues in the background (pid ${started.pid}); output: ${started.outputPath}\n` +
      `its dashboard stays up ${linger}s after the run ends (CONDUCTOR_WEB_LINGER); \`conductor stop ${started.runId}\` stops the run, or closes the dashboard once it ended.\n` +
      `\`conductor dashboard\` shows every run, this one too, on one page that stays.\n`,
  );
  return ExitCode.Success;
}

/** The last lines of a background run's output file, newline-terminated ('' if there are none). */
function readTail(path: string, maxLines = 20): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trimEnd();
  } catch {
    return '';
  }
  return text ? `${text.split('\n').slice(-maxLines).join('\n')}\n` : '';
}
