import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { conductorHome, processState, readOwner, readRunRecord } from '@conductor/run-folder';
import { UsageError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { whyNotRunning } from '../not-running.js';
import { listOriginalRunRecords } from '../original-files.js';
import { parsePort } from '../web.js';
import { runViews } from './status.js';

export interface StopOptions {
  timeout?: string;
  runId?: string;
  port?: string;
  all?: boolean;
  allowSelf?: boolean;
  force?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** A run `stop` acts on: one of ours (its owner holds the claim) or one of the original conductor's. */
interface Target {
  kind: 'conductor' | 'original';
  run_id: string;
  pid: number;
  port: number | null;
  workflow: string | null;
  /** Ours: the claim's generation when asked, to see it let go. */
  generation?: number;
}

/** One line of `stop --json`: the original's fields. `rung`: the last signal sent. */
export interface StopEntry {
  pid: number;
  port: number | null;
  workflow: string | null;
  run_id: string;
  outcome: 'stopped' | 'killed' | 'exited' | 'timeout' | 'refused-self';
  rung: 'SIGINT' | 'SIGKILL' | null;
}

/**
 * `conductor stop [run-id]`: asks the process that runs a run to stop it with a checkpoint (SIGINT, as
 * Ctrl-C in its terminal) and waits until it has let go of the run. `--run-id`, `--port` and `--all`
 * choose the runs (ours, and the original conductor's from its run records); `--force` kills one
 * that has not stopped by `--timeout`.
 */
export async function stopCommand(
  io: CommandIo,
  runId: string | undefined,
  options: StopOptions,
): Promise<ExitCodeValue> {
  const timeoutSeconds = Number(options.timeout ?? '60');
  if (!(timeoutSeconds > 0)) {
    throw new UsageError(
      `--timeout "${options.timeout}" is not a number of seconds above 0, e.g. --timeout 120.`,
    );
  }
  if (runId !== undefined && options.runId !== undefined && runId !== options.runId) {
    throw new UsageError(
      `give the run once: the argument "${runId}" and --run-id "${options.runId}" differ.`,
    );
  }
  const port = options.port === undefined ? undefined : parsePort(options.port);
  const wanted = runId ?? options.runId;
  if (wanted !== undefined && (await closeLingeringDashboard(io, wanted))) return ExitCode.Success;
  const targets = await chooseTargets(io, runId ?? options.runId, port, options.all ?? false);
  const self = options.allowSelf ? new Set<number>() : ancestors();
  const entries = await Promise.all(
    targets.map((target) => stopOne(io, target, timeoutSeconds * 1000, options.force ?? false, self)),
  );
  const stopped = entries.filter(
    (e) => e.outcome === 'stopped' || e.outcome === 'killed' || e.outcome === 'exited',
  );
  const failed = entries.filter((e) => !stopped.includes(e));
  if (options.json) io.stdout.write(`${JSON.stringify({ stopped, failed }, null, 2)}\n`);
  return failed.length > 0 ? ExitCode.RunFailed : ExitCode.Success;
}

/**
 * A run that ended while its process still serves its dashboard (`--web-bg` lingers): closing that
 * dashboard is what is left to stop. True when there was one.
 */
async function closeLingeringDashboard(io: CommandIo, runId: string): Promise<boolean> {
  const lingering = (await runViews(io)).find(
    (view) => view.record.run_id === runId && !view.running && view.dashboardUp,
  );
  if (!lingering) return false;
  process.kill(lingering.record.pid, 'SIGTERM');
  io.stderr.write(
    `run ${runId} had ended (${lingering.record.status}); closed its dashboard (pid ${lingering.record.pid})\n`,
  );
  return true;
}

async function chooseTargets(
  io: CommandIo,
  runId: string | undefined,
  port: number | undefined,
  all: boolean,
): Promise<Target[]> {
  const home = conductorHome(io.env);
  const views = await runViews(io);
  const ours: Target[] = views
    .filter((view) => view.running && view.owner)
    .map((view) => ({
      kind: 'conductor',
      run_id: view.record.run_id,
      pid: view.owner?.claim.owner.pid as number,
      port: view.record.dashboard?.port ?? null,
      workflow: view.record.workflow_path ?? view.record.workflow_name,
      generation: view.owner?.claim.generation as number,
    }));
  const theirs: Target[] = (await listOriginalRunRecords(home))
    .filter((record) => record.alive)
    .map((record) => ({
      kind: 'original',
      run_id: record.run_id,
      pid: record.pid,
      port: record.port,
      workflow: record.workflow_path ?? record.workflow_name,
    }));
  const running = [...ours, ...theirs];
  if (runId !== undefined) {
    const found = running.find((t) => t.run_id === runId);
    if (found) return [found];
    return [await notRunning(runId, home)];
  }
  if (port !== undefined) {
    const found = running.filter((t) => t.port === port);
    if (found.length === 0) {
      throw new UsageError(
        `no running run serves a dashboard on port ${port} (\`conductor status\` lists them).`,
      );
    }
    return found;
  }
  if (running.length === 0) throw new UsageError('no running run to stop (`conductor status` lists them).');
  if (all) return running;
  if (running.length > 1) {
    throw new UsageError(
      `${running.length} runs are running; say which: ${running.map((t) => `conductor stop ${t.run_id}`).join(', ')}, or --all`,
    );
  }
  return running;
}

/** Why a named run cannot be stopped (always throws, as a usage error: exit 2). */
async function notRunning(runId: string, home: string): Promise<never> {
  if (!(await readRunRecord(runId, { home })) && !(await readOwner(runId, { home }))) {
    throw new UsageError(`no run "${runId}" in ${home}. \`conductor status --all\` lists runs.`);
  }
  const why = await whyNotRunning(runId, home, await readOwner(runId, { home }));
  throw new UsageError(`run ${runId} is not running here (${why}).`);
}

async function stopOne(
  io: CommandIo,
  target: Target,
  timeoutMs: number,
  force: boolean,
  self: Set<number>,
): Promise<StopEntry> {
  const entry = (outcome: StopEntry['outcome'], rung: StopEntry['rung']): StopEntry => ({
    pid: target.pid,
    port: target.port,
    workflow: target.workflow,
    run_id: target.run_id,
    outcome,
    rung,
  });
  if (self.has(target.pid)) {
    io.stderr.write(
      `run ${target.run_id} (pid ${target.pid}) is the run this command was started from; not stopped (--allow-self stops it)\n`,
    );
    return entry('refused-self', null);
  }
  try {
    process.kill(target.pid, 'SIGINT');
  } catch {
    return entry('exited', null);
  }
  io.stderr.write(`asked run ${target.run_id} (pid ${target.pid}) to stop; waiting for its checkpoint...\n`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await hasStopped(io, target)) return entry('stopped', 'SIGINT');
    if (Date.now() > deadline) break;
    await delay(100);
  }
  if (!force) {
    io.stderr.write(`run ${target.run_id} did not stop within the timeout; it may be finishing a step.\n`);
    return entry('timeout', 'SIGINT');
  }
  try {
    process.kill(target.pid, 'SIGKILL');
  } catch {
    return entry('stopped', 'SIGINT');
  }
  const killedBy = Date.now() + 5000;
  while (Date.now() < killedBy) {
    if (processState({ pid: target.pid, start: null, host: hostname() }) === 'dead') {
      io.stderr.write(
        `run ${target.run_id} was killed (SIGKILL, no checkpoint)${target.kind === 'conductor' ? `; continue it with: conductor resume --run ${target.run_id}` : ''}\n`,
      );
      return entry('killed', 'SIGKILL');
    }
    await delay(50);
  }
  return entry('timeout', 'SIGKILL');
}

/** Ours: the owner let go of the run (or died). The original's: its process is gone. */
async function hasStopped(io: CommandIo, target: Target): Promise<boolean> {
  if (target.kind === 'original') {
    const gone = processState({ pid: target.pid, start: null, host: hostname() }) === 'dead';
    if (gone) io.stderr.write(`run ${target.run_id} (the original conductor's) stopped\n`);
    return gone;
  }
  const home = conductorHome(io.env);
  const now = await readOwner(target.run_id, { home });
  if (now && now.claim.generation === target.generation && now.state === 'alive') return false;
  const record = await readRunRecord(target.run_id, { home }).catch(() => null);
  const checkpoint = record?.last_checkpoint_path;
  io.stderr.write(
    now?.state === 'dead'
      ? `run ${target.run_id}: its process exited without ending the run\n`
      : `run ${target.run_id} stopped (${record?.status ?? 'ended'})${checkpoint ? `\ncheckpoint: ${checkpoint}\ncontinue with: conductor resume --run ${target.run_id}` : ''}\n`,
  );
  return true;
}

/** This process and its ancestors (Linux /proc; elsewhere this process and its parent). */
function ancestors(): Set<number> {
  const pids = new Set<number>([process.pid, process.ppid]);
  let pid = process.ppid;
  for (let depth = 0; depth < 64 && pid > 1; depth++) {
    let parent: number;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
    if (!Number.isInteger(parent) || parent <= 1) break;
    pids.add(parent);
    pid = parent;
  }
  return pids;
}
