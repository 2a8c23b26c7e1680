import { type RunSummary, runDurations } from '@conductor/events';
import type { RunListEntry, RunListStatus } from '../runs-protocol.js';

/** Who holds the run's claim, as the list needs it. */
export interface RunOwnerView {
  /** `alive`: a live process owns it here; `unknown`: on another host; `gone`: nobody (released, died, none). */
  state: 'alive' | 'unknown' | 'gone';
  pid?: number;
  host?: string | null;
  since?: string;
}

/** What run.json says, where the log has nothing yet. */
export interface RunRecordView {
  workflow_name?: string | null;
  workflow_path?: string | null;
  /** ISO 8601. */
  started_at?: string | null;
  /** The process serving a dashboard for it now offers gate answers there. */
  dashboard?: boolean;
}

/**
 * One row of the run list, from the run's summary (its log), its owner (its claim) and its record. `now`:
 * epoch seconds. The one place these numbers are derived: the page and `conductor runs` show this.
 */
export function runListEntry(
  runId: string,
  summary: RunSummary,
  owner: RunOwnerView,
  record: RunRecordView | null,
  now: number,
): RunListEntry {
  const owned = owner.state !== 'gone';
  const status = listStatus(summary, owned);
  const { active_seconds, wall_seconds } = runDurations(summary, owned ? now : null);
  const recordStart = record?.started_at ? Date.parse(record.started_at) / 1000 : null;
  const { resumable, why } = resumability(status, summary, owner);
  return {
    run_id: runId,
    workflow: summary.workflow ?? record?.workflow_name ?? null,
    workflow_path: record?.workflow_path ?? null,
    status,
    started_at: summary.started_at ?? (Number.isFinite(recordStart) ? recordStart : null),
    finished_at: status === 'running' ? null : summary.finished_at,
    active_seconds,
    wall_seconds,
    resumes: summary.resumes,
    step: summary.step,
    gate: status === 'running' ? summary.gate : null,
    gate_options: status === 'running' ? summary.gate_options : [],
    error: status === 'running' ? null : summary.error,
    cost_usd: summary.cost_usd,
    owner:
      owned && owner.pid !== undefined
        ? { pid: owner.pid, host: owner.host ?? null, since: owner.since ?? '' }
        : null,
    resumable,
    why,
    deletable: !owned,
    gate_answerable:
      status === 'running' && summary.gate !== null && owner.state === 'alive' && record?.dashboard === true,
  };
}

/** A live owner means running whatever the log says last (a resume claims the run before it logs). */
export function listStatus(summary: RunSummary, owned: boolean): RunListStatus {
  if (owned) return 'running';
  // Its log never ended and nobody holds it: the process died (kill -9, a crash, a reboot).
  return summary.status === 'running' ? 'died' : summary.status;
}

function resumability(
  status: RunListStatus,
  summary: RunSummary,
  owner: RunOwnerView,
): { resumable: boolean; why: string } {
  const at = summary.step ? ` at step "${summary.step}"` : '';
  switch (status) {
    case 'running':
      return {
        resumable: false,
        why:
          owner.state === 'unknown'
            ? `running on host ${owner.host ?? 'another host'}`
            : `running in process ${owner.pid ?? '?'}${summary.gate ? `, waiting for an answer at "${summary.gate}"` : ''}`,
      };
    case 'completed':
      return { resumable: false, why: 'completed' };
    case 'died':
      return { resumable: true, why: `its process died${at} without ending it: resume continues from there` };
    case 'interrupted':
      return { resumable: true, why: `stopped${at}: resume continues from there` };
    case 'failed':
      if (summary.error?.startsWith('Terminated'))
        return { resumable: false, why: 'ended by a terminate step' };
      return { resumable: true, why: `failed${at}: resume runs that step again` };
    default:
      return { resumable: false, why: 'not started' };
  }
}
