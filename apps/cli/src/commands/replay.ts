import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

/**
 * `conductor replay <log>`: serves any run log for playback: ours, the original conductor's JSONL log, or
 * the JSON array its dashboard downloads.
 */
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
  // The original dashboard's download (`conductor-logs.json`) is one JSON array of events: it is
  // replayed as the JSONL log it was made from (a copy in a temporary folder, removed at the end).
  const converted = startsWithBracket(file) ? await jsonArrayAsJsonl(file, path) : null;
  try {
    return await serveReplay(io, path, file, converted?.path ?? file, speed, port);
  } finally {
    if (converted) await rm(converted.dir, { recursive: true, force: true });
  }
}

async function serveReplay(
  io: CommandIo,
  path: string,
  file: string,
  log: string,
  speed: number,
  port: number,
): Promise<ExitCodeValue> {
  const dashboard = await startDashboard({
    history: jsonlStore(log),
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
      `${path} holds no events: it is empty, or not an event log (one JSON event per line, or a JSON array of events). ` +
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

/** The file's first character that is not white space is `[`: a JSON array, not JSONL. */
function startsWithBracket(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    const head = buffer
      .subarray(0, read)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    return head.startsWith('[');
  } finally {
    closeSync(fd);
  }
}

/** A JSON array of events, written one per line in a temporary folder. */
async function jsonArrayAsJsonl(file: string, shown: string): Promise<{ dir: string; path: string }> {
  let events: unknown;
  try {
    events = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new UsageError(
      `${shown} starts with "[" but is not valid JSON (${(error as Error).message}); ` +
        "give the original dashboard's download (conductor-logs.json) whole, or a JSONL event log.",
      { cause: error },
    );
  }
  if (!Array.isArray(events)) throw new UsageError(`${shown} is not a JSON array of events.`);
  const dir = await mkdtemp(join(tmpdir(), 'conductor-replay-'));
  const path = join(dir, 'events.jsonl');
  await writeFile(path, events.map((event) => `${JSON.stringify(event)}\n`).join(''), { mode: 0o600 });
  return { dir, path };
}
