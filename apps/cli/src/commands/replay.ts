import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { jsonlStore, startDashboard } from '@conductor/dashboard';
import { UsageError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { parsePort, portError, serveUntilInterrupted } from '../web.js';

export interface ReplayOptions {
  speed?: string;
  webPort?: string;
}

const SPEEDS = new Set(['1', '5', '20', 'max']);

/** `conductor replay <events.jsonl>`: serves any run log (ours or the original conductor's) for playback. */
export async function replayCommand(
  io: CommandIo,
  path: string,
  options: ReplayOptions,
): Promise<ExitCodeValue> {
  const file = resolve(path);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new UsageError(
      `event log not found: ${path}. Runs keep theirs at $CONDUCTOR_HOME/runs/<run-id>/events.jsonl.`,
    );
  }
  const speedText = options.speed ?? '1';
  if (!SPEEDS.has(speedText) && !(Number(speedText) > 0)) {
    throw new UsageError(`--speed "${speedText}" is not a speed: use 1, 5, 20, max or any number above 0.`);
  }
  const speed = speedText === 'max' ? Number.POSITIVE_INFINITY : Number(speedText);
  const port = parsePort(options.webPort);
  const dashboard = await startDashboard({
    history: jsonlStore(file),
    // A run's stored outputs are beside its log (runs/<id>/outputs).
    outputsDir: join(dirname(file), 'outputs'),
    // The protocol says 0 for "as fast as possible" (JSON has no Infinity).
    info: {
      mode: 'replay',
      source: 'replay',
      logPath: file,
      replaySpeed: Number.isFinite(speed) ? speed : 0,
    },
    port,
  }).catch((error: unknown) => {
    throw portError(port, error);
  });
  await dashboard.dashboard.ready;
  const state = dashboard.dashboard.state();
  if (state.event_count === 0) {
    await dashboard.close();
    throw new UsageError(
      `${path} holds no events: it is empty, or not an event log (one JSON event per line). ` +
        'Runs keep theirs at $CONDUCTOR_HOME/runs/<run-id>/events.jsonl.',
    );
  }
  io.stderr.write(
    `replaying ${file}: ${state.event_count} events of run ${state.run.run_id ?? '(unknown)'}` +
      `${state.run.name ? ` (${state.run.name})` : ''}\n`,
  );
  io.stdout.write(`${dashboard.url}\n`);
  await serveUntilInterrupted(io, dashboard);
  return ExitCode.Success;
}
