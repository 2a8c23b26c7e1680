import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { DashboardInfo, OwnershipSource, RunningDashboard } from '@conductor/dashboard';
import type { WorkflowRun } from '@conductor/engine';
import { conductorHome, eventLogPath, runDir } from '@conductor/event-log';
import { readOwner, updateRunRecord } from '@conductor/run-folder';
import { UsageError } from './errors.js';
import type { CliIo } from './io.js';

export interface WebOptions {
  web?: boolean;
  webBg?: boolean;
  webPort?: string;
}

export function parsePort(value: string | undefined, flag = '--web-port'): number {
  if (value === undefined) return 0;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag} "${value}" is not a port number (0-65535; 0 picks a free port).`);
  }
  return port;
}

/** The dashboard's address: only this machine can connect. */
const HOST = '127.0.0.1';

/** What a failed listen on `--web-port` means for the user: a port in use or not allowed is their input. */
export function portError(port: number, error: unknown, flag = '--web-port'): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') {
    return new UsageError(
      `${flag} ${port}: the port is already in use on ${HOST} (another program, or another conductor ` +
        `dashboard, listens on it). Pick another port, or leave ${flag} out to get a free one.`,
      { cause: error },
    );
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new UsageError(
      `${flag} ${port}: not allowed to listen on this port (ports below 1024 need privileges). ` +
        `Pick a port from 1024 to 65535, or leave ${flag} out to get a free one.`,
      { cause: error },
    );
  }
  return error;
}

/**
 * Fails before anything runs when `--web-port` names a port that cannot be listened on (a run that had
 * started would have to be stopped). 0 (any free port) always works.
 */
export async function checkPortAvailable(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(portError(port, error)));
    probe.listen(port, HOST, () => probe.close(() => resolve()));
  });
}

/**
 * Who owns the run, from its claim: this process while its run goes on here; another live process (a
 * `conductor resume` elsewhere); or nobody (it ended, or its process died without ending it).
 */
export function runOwnership(runId: string, home: string): OwnershipSource {
  return async () => {
    const owner = await readOwner(runId, { home });
    if (!owner || owner.state === 'dead' || owner.state === 'released') return { owner: 'none' };
    const { claim } = owner;
    return {
      owner: owner.thisProcess ? 'this-process' : 'other-process',
      pid: claim.owner.pid,
      // The host is news only when it is another one.
      ...(claim.owner.host === hostname() ? {} : { host: claim.owner.host }),
      since: claim.since,
    };
  };
}

/**
 * Serves the dashboard of a run that is going on in this process. The run's events.jsonl is the
 * history and is followed as it grows, whoever appends to it (this run, or a later resume in another
 * process); the bus only tells the dashboard to read it at once. Stop, gates and dialogs work while the run goes
 * on here.
 */
export async function serveRunDashboard(
  io: CliIo,
  run: WorkflowRun,
  options: { port: number; source: DashboardInfo['source']; workflowName: string },
): Promise<RunningDashboard> {
  const home = conductorHome(io.env);
  // The dashboard (hono, ws, the UI's files) loads only for a run that serves one.
  const { jsonlStore, startDashboard } = await import('@conductor/dashboard');
  const dashboard = await startDashboard({
    history: jsonlStore(eventLogPath(run.runId, home)),
    live: run.bus,
    ownership: runOwnership(run.runId, home),
    outputsDir: join(runDir(run.runId, home), 'outputs'),
    control: {
      stop: () => run.stop(),
      answerGate: (step, value, additionalInput) => run.answerGate(step, value, additionalInput),
      answerDialog: (step, message) => run.answerDialog(step, message),
    },
    info: { runId: run.runId, workflowName: options.workflowName, source: options.source, mode: 'live' },
    port: options.port,
    host: HOST,
  }).catch((error: unknown) => {
    throw portError(options.port, error);
  });
  await dashboard.dashboard.ready;
  await updateRunRecord(
    run.runId,
    { dashboard: { url: dashboard.url, port: dashboard.port } },
    { home },
  ).catch(() => {
    // The record is a convenience for `conductor status`; the dashboard works without it.
  });
  io.stderr.write(`dashboard: ${dashboard.url}\n`);
  // A parent `--web-bg` process waits for this message, then leaves the run to us.
  process.send?.({ type: 'conductor-dashboard', url: dashboard.url, runId: run.runId });
  return dashboard;
}

/** After the run ended, keeps a foreground dashboard up until Ctrl-C (or SIGTERM). */
export function serveUntilInterrupted(
  io: CliIo,
  dashboard: RunningDashboard,
  lingerSeconds?: number,
): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      if (timer) clearTimeout(timer);
      void dashboard.close().then(resolve);
    };
    process.on('SIGINT', finish);
    process.on('SIGTERM', finish);
    const timer = lingerSeconds === undefined ? null : setTimeout(finish, lingerSeconds * 1000);
    if (lingerSeconds === undefined) {
      io.stderr.write(`dashboard still serving at ${dashboard.url}\npress Ctrl-C to exit\n`);
    }
  });
}
