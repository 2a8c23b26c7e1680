import type { RunListEntry, RunListStatus } from '../../../src/runs-protocol';
import { formatDuration, formatUsd } from '../format';

/** The list's filters: a status (or all), a workflow (or all), and words to search for. */
export interface RunFilter {
  status: RunListStatus | 'all';
  workflow: string | 'all';
  search: string;
}

export const ALL_RUNS: RunFilter = { status: 'all', workflow: 'all', search: '' };

/** The runs the filter lets through; search matches run id, workflow, step and error, all words. */
export function filterRuns(runs: readonly RunListEntry[], filter: RunFilter): RunListEntry[] {
  const words = filter.search.toLowerCase().split(/\s+/).filter(Boolean);
  return runs.filter((run) => {
    if (filter.status !== 'all' && run.status !== filter.status) return false;
    if (filter.workflow !== 'all' && run.workflow !== filter.workflow) return false;
    if (words.length === 0) return true;
    const text = [run.run_id, run.workflow, run.workflow_path, run.step, run.error, run.status]
      .filter(Boolean)
      .join(' ')
      .toLowerCase();
    return words.every((word) => text.includes(word));
  });
}

/** How many runs of each status, for the filter's labels. */
export function countByStatus(runs: readonly RunListEntry[]): Record<RunListStatus | 'all', number> {
  const counts: Record<RunListStatus | 'all', number> = {
    all: runs.length,
    pending: 0,
    running: 0,
    completed: 0,
    failed: 0,
    interrupted: 0,
    died: 0,
  };
  for (const run of runs) counts[run.status] += 1;
  return counts;
}

/** The workflows seen, sorted, for the workflow filter. */
export function workflowsOf(runs: readonly RunListEntry[]): string[] {
  return [...new Set(runs.flatMap((run) => (run.workflow ? [run.workflow] : [])))].sort();
}

/** A status in words. */
export const STATUS_LABEL: Record<RunListStatus, string> = {
  pending: 'Pending',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  interrupted: 'Stopped',
  died: 'Died',
};

/**
 * Active and wall time as the list shows them. While a run runs, its server-side numbers are as old as
 * the list: `elapsed` (seconds since the list was made) brings them up to now.
 */
export function durationsOf(run: RunListEntry, elapsed: number): { active: string; wall: string } {
  const grow = run.status === 'running' ? Math.max(0, elapsed) : 0;
  return {
    active: run.active_seconds === null ? '—' : formatDuration(run.active_seconds + grow),
    wall: run.wall_seconds === null ? '—' : formatDuration(run.wall_seconds + grow),
  };
}

/** Cost as the list shows it: blank when nothing was priced. */
export function costOf(run: RunListEntry): string {
  return run.cost_usd > 0 ? formatUsd(run.cost_usd) : '—';
}
