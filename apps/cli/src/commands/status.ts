import {
  conductorHome,
  listRunRecords,
  type OwnerStatus,
  processState,
  type RunRecord,
  readOwner,
  recordedProcess,
} from '@conductor/run-folder';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CliIo, CommandIo } from '../io.js';
import { listOriginalRunRecords, type OriginalRunRecord } from '../original-files.js';
import { formatAge, table } from '../table.js';

/** A run's record with what its claim says: whether a live process owns it now. */
export interface RunView {
  record: RunRecord;
  owner: OwnerStatus | null;
  /** A live process owns the run: it is running there. */
  running: boolean;
  /** The record says running, but its owner died without ending it (kill -9, a crash): resumable. */
  died: boolean;
  /** The process that wrote the record still serves its dashboard (the run may have ended). */
  dashboardUp: boolean;
}

/** Every run's record with its owner; `warn`: say which run.json files cannot be read (they are left out). */
export async function runViews(io: CliIo, warn = false): Promise<RunView[]> {
  const home = conductorHome(io.env);
  const records = await listRunRecords({
    home,
    onUnreadable: (_runId, error) => {
      if (warn) io.stderr.write(`warning: ${error instanceof Error ? error.message : String(error)}\n`);
    },
  });
  return Promise.all(
    records.map(async (record) => {
      const owner = await readOwner(record.run_id, { home }).catch(() => null);
      const running = owner?.state === 'alive' || owner?.state === 'unknown';
      const writerAlive = processState(recordedProcess(record)) === 'alive';
      return {
        record,
        owner,
        running,
        died: record.status === 'running' && !running && !writerAlive,
        dashboardUp: Boolean(record.dashboard) && writerAlive,
      };
    }),
  );
}

export interface StatusOptions {
  all?: boolean;
  json?: boolean;
}

/** One run in `status --json`: the original conductor's fields first, then ours. */
export interface StatusEntry {
  pid: number | null;
  port: number | null;
  workflow: string | null;
  run_id: string;
  started_at: string | null;
  mode: string | null;
  event_log: string | null;
  stderr_log: string | null;
  stdout_log: string | null;
  url: string | null;
  /** `conductor`: a run of this conductor; `original`: a run record of the original conductor. */
  source: 'conductor' | 'original';
  status: string;
  workflow_name: string | null;
  [key: string]: unknown;
}

/**
 * `conductor status`: runs a live process owns, dashboards still up, and the original conductor's runs
 * whose process is alive (`--all`: every run on record, stale original records too).
 */
export async function statusCommand(io: CommandIo, options: StatusOptions): Promise<ExitCodeValue> {
  const views = (await runViews(io, true)).filter((view) => options.all || view.running || view.dashboardUp);
  const originals = (await listOriginalRunRecords(conductorHome(io.env))).filter(
    (record) => options.all || record.alive,
  );
  if (options.json) {
    const entries = [...views.map(ourEntry), ...originals.map(originalEntry)];
    const running = entries.filter((entry) => entry.status === 'running');
    io.stdout.write(`${JSON.stringify(options.all ? { running, runs: entries } : { running }, null, 2)}\n`);
    return ExitCode.Success;
  }
  if (views.length === 0 && originals.length === 0) {
    io.stderr.write(
      options.all
        ? 'no runs on record\n'
        : 'no run is running now, and no finished run still serves a dashboard (`conductor runs` lists every run)\n',
    );
    return ExitCode.Success;
  }
  const now = Date.now();
  io.stdout.write(
    table(
      ['RUN', 'WORKFLOW', 'STATUS', 'STARTED', 'PID', 'DASHBOARD'],
      [
        ...views.map((view) => {
          const r = view.record;
          const pid = view.running ? view.owner?.claim.owner.pid : view.dashboardUp ? r.pid : null;
          return [
            r.run_id,
            r.workflow_name ?? r.workflow_path ?? '',
            statusOf(view),
            formatAge(now - Date.parse(r.started_at)),
            pid ? String(pid) : '',
            view.dashboardUp ? (r.dashboard?.url ?? '') : '',
          ];
        }),
        ...originals.map((r) => [
          r.run_id,
          r.workflow_name ?? r.workflow_path ?? '',
          r.alive ? 'running (original)' : 'stale (original)',
          r.started_at ? formatAge(now - Date.parse(r.started_at)) : '',
          r.alive ? String(r.pid) : '',
          r.alive && r.port ? `http://127.0.0.1:${r.port}/` : '',
        ]),
      ],
    ),
  );
  return ExitCode.Success;
}

function ourEntry(view: RunView): StatusEntry {
  const r = view.record;
  const running = view.running;
  const { run_id, started_at, workflow_path, workflow_name, dashboard, pid: _pid, ...rest } = r;
  return {
    pid: running ? (view.owner?.claim.owner.pid ?? null) : view.dashboardUp ? r.pid : null,
    port: view.dashboardUp || running ? (dashboard?.port ?? null) : null,
    workflow: workflow_path ?? workflow_name,
    run_id,
    started_at,
    mode: dashboard ? 'fg-web' : 'fg',
    event_log: r.event_log_path,
    stderr_log: null,
    stdout_log: null,
    url: view.dashboardUp ? (dashboard?.url ?? null) : null,
    source: 'conductor',
    ...rest,
    status: statusOf(view),
    workflow_name,
    owner: view.owner && {
      pid: view.owner.claim.owner.pid,
      host: view.owner.claim.owner.host,
      since: view.owner.claim.since,
      generation: view.owner.claim.generation,
      state: view.owner.state,
    },
  };
}

function originalEntry(r: OriginalRunRecord): StatusEntry {
  return {
    pid: r.pid,
    port: r.port,
    workflow: r.workflow_path ?? r.workflow_name,
    run_id: r.run_id,
    started_at: r.started_at,
    mode: r.mode,
    event_log: r.event_log_path,
    stderr_log: null,
    stdout_log: null,
    url: r.port ? `http://127.0.0.1:${r.port}/` : null,
    source: 'original',
    status: r.alive ? 'running' : 'stale',
    workflow_name: r.workflow_name,
    record_file: r.file,
    checkpoint_dir: r.checkpoint_dir,
  };
}

/** `died` for a run whose process is gone without ending it; otherwise the record's status. */
function statusOf(view: RunView): string {
  if (view.running) return 'running';
  return view.died ? 'died' : view.record.status;
}
