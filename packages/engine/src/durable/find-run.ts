import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { listCheckpoints } from '@conductor/checkpoint';
import { eventLogPath, lastSeqOf } from '@conductor/event-log';
import { fromJsonl } from '@conductor/replay';
import {
  canonicalPath as canonical,
  listRunIds,
  type OwnerStatus,
  RunOwnedError,
  type RunRecord,
  readOwner,
} from '@conductor/run-folder';
import { resolveHome } from '../run/home.js';
import { ResumeError } from './errors.js';
import { readRunRecordQuietly } from './recorder.js';

/** A run that `resumeWorkflow({ workflow })` could continue. */
export interface ResumableRun {
  runId: string;
  workflowPath: string;
  /** From run.json; 'unknown' for a run that has only a log and checkpoints. */
  status: RunRecord['status'] | 'unknown';
  /** ISO 8601: run.json's updated_at, else the newest checkpoint's created_at, else the log's mtime. */
  updatedAt: string;
  hasCheckpoint: boolean;
  hasLog: boolean;
}

/** A run looked at while searching, and why it was not chosen. */
export interface ExaminedRun {
  runId: string;
  workflowPath: string | null;
  /** null for a resumable run. */
  skipped: string | null;
  /** Set when it was skipped because a live process owns it. */
  owner?: OwnerStatus;
}

/**
 * The newest unfinished run of the workflow file at `workflowPath` (compared after resolving
 * symlinks) under `<home>/runs`: run.json status not `completed`, most recently updated first; runs
 * with only a log and checkpoints count too. Null when there is none.
 */
export async function findResumableRun(
  workflowPath: string,
  options: { home?: string; env?: Record<string, string | undefined> } = {},
): Promise<ResumableRun | null> {
  return (await searchRuns(workflowPath, resolveHome(options))).found;
}

export async function findResumableRunOrThrow(workflowPath: string, home: string): Promise<ResumableRun> {
  const { found, examined, total } = await searchRuns(workflowPath, home);
  if (found) return found;
  // Its newest unfinished run is being run by another process: say so (exit code 3), rather than
  // "nothing to resume".
  const owned = examined.find((run) => run.owner);
  if (owned?.owner) throw new RunOwnedError(owned.runId, owned.owner);
  const target = resolve(workflowPath);
  const mine = examined.filter((run) => run.workflowPath !== null);
  const details = mine.length
    ? `; ${mine.length} used it: ${mine.map((run) => `${run.runId} (${run.skipped})`).join(', ')}`
    : '; none used it';
  throw new ResumeError(
    'CONDUCTOR_RESUME_NOTHING',
    `nothing to resume for workflow ${target}: looked at ${total} run(s) under ${resolve(home, 'runs')}${details}. ` +
      'See saved checkpoints with `conductor checkpoint list`, resume one with `conductor resume --from <checkpoint>`, ' +
      'or start the workflow again with `conductor run`.',
  );
}

async function searchRuns(
  workflowPath: string,
  home: string,
): Promise<{ found: ResumableRun | null; examined: ExaminedRun[]; total: number }> {
  const target = await canonical(workflowPath);
  const runIds = await listRunIds(home);
  const candidates: ResumableRun[] = [];
  const examined: ExaminedRun[] = [];
  const seen = new Map<string, string>();
  for (const runId of runIds) {
    const info = await describeRun(runId, home);
    if (!info.workflowPath) continue;
    let path = seen.get(info.workflowPath);
    if (path === undefined) {
      path = await canonical(info.workflowPath);
      seen.set(info.workflowPath, path);
    }
    if (path !== target) continue;
    if (info.status === 'completed') {
      examined.push({ runId, workflowPath: info.workflowPath, skipped: 'completed' });
    } else if (!info.hasCheckpoint && !info.hasLog) {
      examined.push({ runId, workflowPath: info.workflowPath, skipped: 'no checkpoint and no events' });
    } else {
      candidates.push(info);
    }
  }
  candidates.sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
  for (const candidate of candidates) {
    const owner = await readOwner(candidate.runId, { home }).catch(() => null);
    if (owner && (owner.state === 'alive' || owner.state === 'unknown')) {
      const where = owner.thisProcess ? 'this process' : `process ${owner.claim.owner.pid}`;
      examined.push({
        runId: candidate.runId,
        workflowPath: candidate.workflowPath,
        skipped: `running in ${where}`,
        owner,
      });
      continue;
    }
    const why = await whyNotResumable(candidate, home);
    examined.push({ runId: candidate.runId, workflowPath: candidate.workflowPath, skipped: why });
    if (why === null) return { found: candidate, examined, total: runIds.length };
  }
  return { found: null, examined, total: runIds.length };
}

async function describeRun(
  runId: string,
  home: string,
): Promise<ResumableRun & { workflowPath: string | null }> {
  const record = await readRunRecordQuietly(runId, home);
  const { checkpoints } = await listCheckpoints({ home, runId }).catch(() => ({ checkpoints: [] }));
  const newest = checkpoints[0];
  const logPath = eventLogPath(runId, home);
  const logStat = await stat(logPath).catch(() => null);
  const hasLog = logStat !== null && logStat.size > 0;
  let workflowPath = record?.workflow_path ?? newest?.workflow_path ?? null;
  if (!workflowPath && hasLog) {
    for await (const event of fromJsonl(logPath)) {
      if (event.type === 'workflow_started' && typeof event.data.yaml_source === 'string') {
        workflowPath = event.data.yaml_source;
      }
      break;
    }
  }
  const updatedAt =
    record?.updated_at ??
    newest?.created_at ??
    (logStat ? logStat.mtime.toISOString() : new Date(0).toISOString());
  return {
    runId,
    workflowPath,
    status: record?.status ?? 'unknown',
    updatedAt,
    hasCheckpoint: checkpoints.length > 0,
    hasLog,
  } as ResumableRun & { workflowPath: string | null };
}

/** Null when the run can be resumed, else why not (for the "looked at" list). */
async function whyNotResumable(run: ResumableRun, home: string): Promise<string | null> {
  if (run.hasLog) {
    const logPath = eventLogPath(run.runId, home);
    const last = await lastSeqOf(logPath).catch(() => 0);
    for await (const event of fromJsonl(logPath, { afterSeq: Math.max(0, last - 1) })) {
      if (event.type === 'workflow_completed') return 'completed';
    }
  }
  return null;
}
