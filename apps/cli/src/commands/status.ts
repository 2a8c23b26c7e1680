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

/** `conductor status`: runs a live process owns, and dashboards still up (`--all`: every run on record). */
export async function statusCommand(io: CommandIo, options: StatusOptions): Promise<ExitCodeValue> {
  const views = (await runViews(io, true)).filter((view) => options.all || view.running || view.dashboardUp);
  if (options.json) {
    const rows = views.map((view) => ({
      ...view.record,
      status: statusOf(view),
      owner: view.owner && {
        pid: view.owner.claim.owner.pid,
        host: view.owner.claim.owner.host,
        since: view.owner.claim.since,
        generation: view.owner.claim.generation,
        state: view.owner.state,
      },
    }));
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return ExitCode.Success;
  }
  if (views.length === 0) {
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
      views.map((view) => {
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
    ),
  );
  return ExitCode.Success;
}

/** `died` for a run whose process is gone without ending it; otherwise the record's status. */
function statusOf(view: RunView): string {
  if (view.running) return 'running';
  return view.died ? 'died' : view.record.status;
}
