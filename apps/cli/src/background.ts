import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conductorHome } from '@conductor/event-log';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIo } from './io.js';

/** The `conductor` bin (beside dist/ and src/ alike): what a background run is started with. */
const bin = fileURLToPath(new URL('../bin/conductor.js', import.meta.url));

/**
 * `--web-bg`: starts the same command detached with `--web`, waits until its dashboard is up, prints
 * the URL and returns while the run goes on. The child's output goes to a file under CONDUCTOR_HOME.
 */
export async function startInBackground(io: CliIo, argv: readonly string[]): Promise<ExitCodeValue> {
  const args = argv.filter((arg) => arg !== '--web-bg');
  const home = conductorHome(io.env);
  const logs = join(home, 'background');
  mkdirSync(logs, { recursive: true });
  const outputPath = join(logs, `conductor-${Date.now()}-${process.pid}.log`);
  const output = openSync(outputPath, 'a', 0o600);
  const child = spawn(
    process.execPath,
    [bin, ...args, '--web', '--web-linger', io.env.CONDUCTOR_WEB_LINGER ?? '600'],
    {
      detached: true,
      stdio: ['ignore', output, output, 'ipc'],
      env: io.env,
    },
  );
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
  if ('exitCode' in started) {
    // Its own message says what was wrong (an input, a port...): shown here, not only in the file.
    const output = readTail(outputPath);
    io.stderr.write(
      `${output}conductor: the background run exited (code ${started.exitCode}) before its dashboard started; its output is in ${outputPath}\n`,
    );
    return started.exitCode === ExitCode.Invalid || started.exitCode === ExitCode.Owned
      ? started.exitCode
      : ExitCode.RunFailed;
  }
  child.disconnect();
  child.unref();
  io.stdout.write(`${started.url}\n`);
  io.stderr.write(
    `run ${started.runId} continues in the background (pid ${child.pid}); output: ${outputPath}\n` +
      `follow it with \`conductor status\`, stop it with \`conductor stop ${started.runId}\`\n`,
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
