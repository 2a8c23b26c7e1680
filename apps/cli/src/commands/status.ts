import { readFileSync } from 'node:fs';
import { listRunRecords, type RunRecord } from '@conductor/engine';
import { conductorHome } from '@conductor/event-log';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { formatAge, table } from '../table.js';

/**
 * Whether the run's process is still there. A pid in run.json may have been reused after a crash, so
 * where the system says what a process runs (/proc), it must be a conductor.
 */
export function isAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let commandLine: string;
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
  return commandLine.includes('conductor');
}

/** Every run's record; `warn`: say which run.json files cannot be read (they are left out). */
async function runRecords(warn: boolean): Promise<RunRecord[]> {
  return listRunRecords({
    home: conductorHome(process.env),
    onUnreadable: (_runId, error) => {
      if (warn) process.stderr.write(`warning: ${error instanceof Error ? error.message : String(error)}\n`);
    },
  });
}

/** Runs whose process is still alive and says it is running (or serving its dashboard). */
export async function runningRuns(warn = false): Promise<RunRecord[]> {
  const records = await runRecords(warn);
  return records.filter((record) => isAlive(record.pid) && (record.status === 'running' || record.dashboard));
}

export interface StatusOptions {
  all?: boolean;
  json?: boolean;
}

/** `conductor status`: running runs with their dashboard URLs (`--all`: every run on record). */
export async function statusCommand(options: StatusOptions): Promise<ExitCodeValue> {
  const records = options.all ? await runRecords(true) : await runningRuns(true);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
    return ExitCode.Success;
  }
  if (records.length === 0) {
    process.stderr.write(
      options.all ? 'no runs on record\n' : 'no running runs (`conductor status --all` lists every run)\n',
    );
    return ExitCode.Success;
  }
  const now = Date.now();
  process.stdout.write(
    table(
      ['RUN', 'WORKFLOW', 'STATUS', 'STARTED', 'PID', 'DASHBOARD'],
      records.map((r) => [
        r.run_id,
        r.workflow_name ?? r.workflow_path ?? '',
        isAlive(r.pid) || r.status !== 'running' ? r.status : 'died',
        formatAge(now - Date.parse(r.started_at)),
        r.pid ? String(r.pid) : '',
        isAlive(r.pid) ? (r.dashboard?.url ?? '') : '',
      ]),
    ),
  );
  return ExitCode.Success;
}
