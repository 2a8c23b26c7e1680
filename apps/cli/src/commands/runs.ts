import { conductorHome } from '@conductor/event-log';
import { formatUsd } from '../cost-summary.js';
import { UsageError } from '../errors.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { withSharedStore } from '../store.js';
import { formatAge, formatDuration, table } from '../table.js';

export interface RunsOptions {
  json?: boolean;
  status?: string;
  workflow?: string;
  store?: string;
}

const STATUSES = ['running', 'completed', 'failed', 'interrupted', 'died', 'pending'];

/**
 * `conductor runs`: every run under $CONDUCTOR_HOME (or of the shared store: --store, CONDUCTOR_STORE),
 * newest first, with the numbers of the dashboard's run list (the same derivation) and whether it can be
 * resumed, and why.
 */
export async function runsCommand(io: CommandIo, options: RunsOptions): Promise<ExitCodeValue> {
  if (options.status !== undefined && !STATUSES.includes(options.status)) {
    throw new UsageError(`--status "${options.status}" is not a status; use one of ${STATUSES.join(', ')}.`);
  }
  const home = conductorHome(io.env);
  const { folderCatalog, storeCatalog } = await import('@conductor/dashboard');
  const [listed, where] = await withSharedStore(io.env, options.store, async (store) => {
    const catalog = store ? storeCatalog(store) : folderCatalog({ home });
    return [await catalog.list(), catalog.location ?? home] as const;
  });
  const runs = listed.filter(
    (run) =>
      (options.status === undefined || run.status === options.status) &&
      (options.workflow === undefined || run.workflow === options.workflow),
  );
  if (options.json) {
    io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return ExitCode.Success;
  }
  if (runs.length === 0) {
    io.stderr.write(`no runs${options.status || options.workflow ? ' match' : ''} in ${where}\n`);
    return ExitCode.Success;
  }
  const now = Date.now();
  io.stdout.write(
    table(
      ['RUN', 'WORKFLOW', 'STATUS', 'STARTED', 'ACTIVE', 'WALL', 'RESUMES', 'STEP', 'COST', 'RESUMABLE'],
      runs.map((run) => [
        run.run_id,
        run.workflow ?? '',
        run.status,
        run.started_at === null ? '' : formatAge(now - run.started_at * 1000),
        formatDuration(run.active_seconds),
        formatDuration(run.wall_seconds),
        String(run.resumes),
        run.step ?? '',
        run.cost_usd > 0 ? formatUsd(run.cost_usd) : '',
        `${run.resumable ? 'yes' : 'no'}: ${run.why}`,
      ]),
    ),
  );
  return ExitCode.Success;
}
