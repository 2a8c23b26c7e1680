import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type Checkpoint,
  type CheckpointSummary,
  listCheckpoints,
  loadCheckpoint,
  migrateCheckpoint,
} from '@conductor/checkpoint';
import { assertRunId, eventLogPath, type SkippedLine } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { historyForResume, type ResumeHistory } from '@conductor/replay';
import { errnoCode, type RunRecord, runDir } from '@conductor/run-folder';
import { type HomeOptions, resolveHome } from '../run/home.js';
import type { LoadedWorkflow } from '../workflow/types.js';
import { stateFromCheckpoint } from './checkpoint-state.js';
import { ResumeError } from './errors.js';
import { findResumableRunOrThrow } from './find-run.js';
import { missingStartError, rewoundWarning, SKIPS_KEPT, skippedLinesWarning } from './log-damage.js';
import { createChildTracker, type UnfinishedChild } from './orphans.js';
import { readRunRecordQuietly } from './recorder.js';
import { createResumeFold, type ResumeStateFromEvents } from './resume-state.js';

/** Which run a resume continues: a checkpoint file, a run id, or a workflow (its newest unfinished run). */
export interface ResumeTarget extends HomeOptions {
  /** A checkpoint file to continue from. */
  from?: string;
  /** The run to continue (its newest checkpoint and its event log). */
  runId?: string;
  /**
   * Without `from` and `runId`: the workflow whose newest unfinished run to continue. With them: the
   * workflow to continue with (when its file moved, or to try a fixed copy); default the run's own file.
   */
  workflow?: string | LoadedWorkflow;
}

/** Where a resume continues, and what it was decided from. */
export interface ResumePlan {
  runId: string;
  /** The checkpoint the state starts from (null: rebuilt from the event log alone). */
  checkpoint: Checkpoint | null;
  checkpointPath: string | null;
  record: RunRecord | null;
  /**
   * The run's earlier history (@conductor/replay's plan): its own log, the original conductor's log to
   * import, or a summary made up from the checkpoint.
   */
  history: ResumeHistory;
  state: ResumeStateFromEvents;
  /** Child processes (scripts) the log shows started and never ended: stopped before the run goes on. */
  unfinishedChildren: UnfinishedChild[];
  warnings: string[];
}

/**
 * Decides which run to continue and from what state, reading only: the checkpoint (`from`, else the
 * run's newest), the run's record, and its history (its event log, the original conductor's log of a
 * v1 checkpoint, or the checkpoint alone). Rejects with a coded error when there is nothing to continue.
 */
export async function planResume(
  options: ResumeTarget,
  home: string = resolveHome(options),
): Promise<ResumePlan> {
  const warnings: string[] = [];
  const { runId, checkpoint, checkpointPath } = await checkpointOfTarget(options, home, warnings);

  const record = await readRunRecordQuietly(runId, home);
  const logPath = eventLogPath(runId, home);
  if (record?.status === 'completed') throw completedError(runId, logPath);

  const history = await historyForResume(checkpoint, { logPath });
  if (!history) {
    throw new ResumeError(
      'CONDUCTOR_RESUME_NOTHING',
      `run ${runId} has no checkpoint and no event log with events (looked in ${logPath} and ` +
        `${resolve(home, 'runs', runId, 'checkpoints')}). Start the workflow again with \`conductor run\`.`,
    );
  }
  if (history.source === 'synthetic') {
    warnings.push(
      `the event log of run ${runId} (${checkpoint?.event_log_path ?? logPath}) is missing or empty; ` +
        'its earlier steps are summarized from the checkpoint (marked synthetic)',
    );
  }

  const base = checkpoint
    ? { ...stateFromCheckpoint(checkpoint), lastSeq: checkpoint.last_seq, generation: checkpoint.generation }
    : undefined;
  const fold = createResumeFold(base);
  const children = createChildTracker();
  // Damage, children and a lost start are looked for in the run's own log only.
  const own = history.source === 'log' && !history.imported;
  let skipped = 0;
  // The first damaged lines, to name them; and the first event, for a log that lost its start.
  const skips: SkippedLine[] = [];
  let first: ConductorEvent | null = null;
  const onSkip = (skip: SkippedLine) => {
    skipped += 1;
    if (skips.length < SKIPS_KEPT) skips.push(skip);
  };
  for await (const event of history.sinceCheckpoint({ onSkip })) {
    fold.apply(event);
    if (!own) continue;
    first ??= event;
    children.apply(event);
  }

  const state = fold.result();
  if (state.rewound) warnings.push(rewoundWarning(logPath, state.rewound, skips, skipped));
  else if (skipped > 0) warnings.push(skippedLinesWarning(logPath, skips, skipped));
  if (state.status === 'completed') throw completedError(runId, logPath);
  if (state.status === 'empty' && (skipped > 0 || first !== null)) {
    throw missingStartError(runId, logPath, skips, first);
  }
  if (state.status === 'empty') {
    throw new ResumeError(
      'CONDUCTOR_RESUME_NOTHING',
      `the event log ${logPath} of run ${runId} holds no workflow_started and the run has no checkpoint: ` +
        'there is no state to continue from. Start the workflow again with `conductor run`.',
    );
  }
  return {
    runId,
    checkpoint,
    checkpointPath,
    record,
    history,
    state,
    unfinishedChildren: children.result(),
    warnings,
  };
}

/** The run a target names, and the checkpoint to start from (`from`, else the run's newest, if any). */
async function checkpointOfTarget(
  options: ResumeTarget,
  home: string,
  warnings: string[],
): Promise<{ runId: string; checkpoint: Checkpoint | null; checkpointPath: string | null }> {
  if (options.from !== undefined) {
    const checkpointPath = resolve(options.from);
    const checkpoint = await loadCheckpoint(checkpointPath);
    return { runId: checkpoint.run_id, checkpoint, checkpointPath };
  }
  if (options.runId !== undefined) {
    const runId = assertRunId(options.runId);
    return { runId, ...(await newestCheckpoint(runId, home, warnings)) };
  }
  if (options.workflow !== undefined) {
    const path = typeof options.workflow === 'string' ? options.workflow : options.workflow.path;
    if (!path) {
      throw new ResumeError(
        'CONDUCTOR_RESUME_NOTHING',
        'a workflow built in code has no file to look its runs up by; pass runId or from (a checkpoint path).',
      );
    }
    const runId = (await findResumableRunOrThrow(path, home)).runId;
    return { runId, ...(await newestCheckpoint(runId, home, warnings)) };
  }
  throw new ResumeError(
    'CONDUCTOR_RESUME_NOTHING',
    'say which run to resume: from (a checkpoint file), runId, or workflow (its newest unfinished run). ' +
      'List them with `conductor checkpoint list`.',
  );
}

function completedError(runId: string, logPath: string): ResumeError {
  return new ResumeError(
    'CONDUCTOR_RESUME_COMPLETED',
    `run ${runId} already completed (${logPath} ends with workflow_completed); there is nothing to resume. ` +
      'Start the workflow again with `conductor run`.',
  );
}

/** The run's checkpoint with the highest last_seq (the newest on a tie); unreadable ones become warnings. */
async function newestCheckpoint(
  runId: string,
  home: string,
  warnings: string[],
): Promise<{ checkpoint: Checkpoint | null; checkpointPath: string | null }> {
  const { checkpoints, unreadable } = await listCheckpoints({ home, runId });
  for (const bad of unreadable) {
    warnings.push(
      `checkpoint ${bad.path} could not be read and was skipped (${bad.error.code ?? bad.error.message})`,
    );
  }
  const best = checkpoints.reduce<CheckpointSummary | null>(
    (chosen, c) => (chosen === null || c.last_seq > chosen.last_seq ? c : chosen),
    null,
  );
  if (!best) return { checkpoint: null, checkpointPath: null };
  return { checkpoint: await loadCheckpoint(best.path), checkpointPath: best.path };
}

/**
 * The id of the run a resume continues, found without writing anything: the checkpoint's run, the
 * given run (which must have a folder), or the workflow's newest resumable run.
 */
export async function resumeRunId(
  options: ResumeTarget,
  home: string,
  /** Whether a shared store knows a run this home lacks (its history is copied in once claimed). */
  inStore: (runId: string) => Promise<boolean> = async () => false,
): Promise<string> {
  if (options.from !== undefined) return (await loadCheckpoint(resolve(options.from))).run_id;
  if (options.runId !== undefined) {
    const runId = assertRunId(options.runId);
    if (!(await exists(runDir(runId, home))) && !(await inStore(runId))) {
      throw new ResumeError(
        'CONDUCTOR_RESUME_NOTHING',
        `there is no run ${runId} under ${resolve(home, 'runs')}. List runs with \`conductor status --all\`, ` +
          'or check CONDUCTOR_HOME.',
      );
    }
    return runId;
  }
  const path = typeof options.workflow === 'string' ? options.workflow : options.workflow?.path;
  if (path) return (await findResumableRunOrThrow(path, home)).runId;
  // checkpointOfTarget says what is missing.
  return (await checkpointOfTarget(options, home, [])).runId;
}

/** The run id of a checkpoint file, read synchronously so `run.runId` is known at once; '' if unreadable. */
export function peekRunId(path: string): string {
  try {
    return migrateCheckpoint(JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''))).run_id;
  } catch {
    return '';
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return false;
    throw error;
  }
}
