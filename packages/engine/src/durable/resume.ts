import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type Checkpoint,
  type CheckpointSummary,
  hashWorkflowSource,
  listCheckpoints,
  loadCheckpoint,
  migrateCheckpoint,
} from '@conductor/checkpoint';
import {
  assertRunId,
  EventLogNotFoundError,
  eventLogPath,
  lastSeqOf,
  readEventLog,
  type SkippedLine,
} from '@conductor/event-log';
import { type ConductorEvent, nowSeconds } from '@conductor/events';
import { synthesizeHistory } from '@conductor/replay';
import {
  canonicalPath as canonical,
  listRunIds,
  type OwnerStatus,
  RunOwnedError,
  type RunRecord,
  readOwner,
  runDir,
} from '@conductor/run-folder';
import type { GateResolver } from '../gates/broker.js';
import { resolveMaxOutputChars } from '../outputs/limits.js';
import { createOutputStore } from '../outputs/store.js';
import type { MockResponsesInput } from '../providers/mock.js';
import type { OpenAIProviderOptions } from '../providers/openai.js';
import type { Provider } from '../providers/types.js';
import { type ExecutorHooks, executeFrom } from '../run/executor.js';
import { launchRun, prepareProviders, type WorkflowRun, workflowOutline } from '../run/run-workflow.js';
import { runnableSteps } from '../run/runnable.js';
import type { StepExecutors } from '../steps/types.js';
import type { RenderBudget } from '../template/index.js';
import { loadWorkflow } from '../workflow/index.js';
import type { LoadedWorkflow } from '../workflow/types.js';
import { stateFromCheckpoint } from './checkpoint-state.js';
import { errnoCode, ResumeError } from './errors.js';
import { resolveHome } from './home.js';
import { createLateBus } from './late-bus.js';
import { missingStartError, rewoundWarning, SKIPS_KEPT, skippedLinesWarning } from './log-damage.js';
import { createChildTracker, stopOrphans, type UnfinishedChild } from './orphans.js';
import { createRunRecorder, readRunRecordQuietly } from './recorder.js';
import { createResumeFold, type ResumeStateFromEvents } from './resume-state.js';

export interface ResumeOptions {
  /** A checkpoint file to continue from. */
  from?: string;
  /**
   * Without `from` and `runId`: the workflow whose newest unfinished run to continue. With them: the
   * workflow to continue with (when its file moved, or to try a fixed copy); default the run's own file.
   */
  workflow?: string | LoadedWorkflow;
  /** The run to continue (its newest checkpoint and its event log). */
  runId?: string;
  /** `$CONDUCTOR_HOME`. Default: `CONDUCTOR_HOME` from `env`, then process.env, else ~/.conductor. */
  home?: string;
  /** The environment for `OPENAI_*` and script steps. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Aborting it stops the run (status `interrupted`, with a checkpoint), like `run.stop()`. */
  signal?: AbortSignal;
  provider?: string | Provider;
  mockResponses?: string | MockResponsesInput;
  openai?: Omit<OpenAIProviderOptions, 'env'>;
  /** Unix seconds. Default: the wall clock. */
  clock?: () => number;
  hooks?: ExecutorHooks;
  executors?: StepExecutors;
  /** `false`: write no checkpoints for this generation. */
  checkpoints?: boolean;
  /** Answers human gates, as in `runWorkflow` (a run stopped at a gate presents it again). */
  gates?: GateResolver;
  /** Answer every gate with its first option at once. */
  skipGates?: boolean;
  /**
   * Continue even though the workflow's `name` is not the one the run was started with (a renamed
   * workflow). Without it such a resume is refused (CONDUCTOR_RESUME_OTHER_WORKFLOW): a checkpoint of
   * one workflow must not run in another whose step names happen to match.
   */
  forceWorkflow?: boolean;
  /** The output cap for this generation, as in `runWorkflow` (default `CONDUCTOR_MAX_OUTPUT_CHARS`, else 50000). */
  maxOutputChars?: number;
  /** Bounds on each template render, as in `runWorkflow`. */
  renderBudget?: Partial<RenderBudget>;
}

/** Where a resume continues, and what it was decided from. */
export interface ResumePlan {
  runId: string;
  /** The checkpoint the state starts from (null: rebuilt from the event log alone). */
  checkpoint: Checkpoint | null;
  checkpointPath: string | null;
  record: RunRecord | null;
  /** `log`: the run's own log (or the original conductor's, imported) holds its history; `synthetic`: made up from the checkpoint. */
  historySource: 'log' | 'synthetic';
  /** The log to import into the run's log first (a v1 checkpoint's own log), or null. */
  importFrom: string | null;
  state: ResumeStateFromEvents;
  /** Child processes (scripts) the log shows started and never ended: stopped before the run goes on. */
  unfinishedChildren: UnfinishedChild[];
  warnings: string[];
}

/**
 * Continues a run that failed, was interrupted or was killed: same run id, same events.jsonl
 * (appended to, seq continuing), the newest known state (the latest checkpoint, then every later
 * event of the log folded on top; the log alone when there is no checkpoint). Emits
 * `workflow_resumed` first, then runs from the step to continue at.
 *
 * `result` rejects, changing nothing on disk, when the run cannot be resumed: CONDUCTOR_CHECKPOINT_*
 * (unreadable checkpoint), CONDUCTOR_RESUME_NOTHING, _WORKFLOW_NOT_FOUND, _COMPLETED, _RUNNING,
 * _UNKNOWN_STEP, or the workflow and provider errors of runWorkflow.
 *
 * `runId` is known at once when `options.runId` or a readable `options.from` is given; when the run
 * is looked up by workflow it is '' until the lookup is done (before the first event).
 */
export function resumeWorkflow(options: ResumeOptions): WorkflowRun {
  const env = options.env ?? process.env;
  const clock = options.clock ?? nowSeconds;
  const home = resolveHome({ home: options.home, env });
  let runId =
    options.runId !== undefined ? assertRunId(options.runId) : options.from ? peekRunId(options.from) : '';
  const bus = createLateBus();
  const recorder = createRunRecorder(bus, {
    home,
    eventLog: true,
    checkpoints: options.checkpoints !== false,
    clock,
  });
  const warnings: string[] = [];

  return launchRun({
    runId: () => runId,
    bus,
    ownsBus: true,
    recorder,
    signal: options.signal,
    warnings,
    gates: options.gates,
    skipGates: options.skipGates,
    async start(signal, started, gates) {
      const maxChars = resolveMaxOutputChars(options.maxOutputChars, env);
      // Which run, read from the options or the newest resumable run of the workflow (nothing written).
      runId = await resumeTarget(options, home);
      // One owner: from here on no other process writes to this run, so the plan below stays true.
      // A second resume of the same run stops here with RunOwnedError, having written nothing.
      await recorder.claim(runId, 'resume');
      // Everything that can refuse the resume happens before anything on disk changes.
      const plan = await planResume(options.from !== undefined ? options : { ...options, runId }, home);
      const { checkpoint, state: resume } = plan;
      const loaded = await workflowFor(options, plan, env);
      const recordedName =
        checkpoint?.workflow_name ?? plan.record?.workflow_name ?? plan.state.workflowName ?? null;
      const name = loaded.definition.workflow.name;
      if (recordedName !== null && recordedName !== name && !options.forceWorkflow) {
        throw new ResumeError(
          'CONDUCTOR_RESUME_OTHER_WORKFLOW',
          `run ${runId} was started with workflow "${recordedName}", but ${loaded.path ?? 'the workflow given'} is workflow "${name}"; ` +
            'a checkpoint of one workflow is not continued in another. Pass the workflow file the run was started with' +
            `${checkpoint?.workflow_path ? ` (${checkpoint.workflow_path})` : ''}, or, if "${name}" is the same workflow renamed, ` +
            'add --force-workflow (resumeWorkflow({ forceWorkflow: true })).',
        );
      }
      const currentHash = loaded.hash || hashWorkflowSource(loaded.source);
      const recordedHash = checkpoint?.workflow_hash ?? plan.record?.workflow_hash ?? null;
      const hashChanged = recordedHash !== null && recordedHash !== currentHash;
      if (hashChanged) {
        plan.warnings.push(
          `the workflow file ${loaded.path ?? '(in memory)'} changed since the run was checkpointed ` +
            `(sha256 ${recordedHash.slice(0, 12)}… then, ${currentHash.slice(0, 12)}… now); continuing with the current file`,
        );
      }
      const state = resume.state;
      const step = state.currentStep;
      if (step === null || !runnableSteps(loaded.definition).has(step)) {
        throw new ResumeError(
          'CONDUCTOR_RESUME_UNKNOWN_STEP',
          `run ${runId} continues at step "${step}", which workflow ${loaded.path ?? '(in memory)'} does not have ` +
            '(was it renamed?). Restore the step, or pass the workflow file the run was started with: ' +
            `conductor resume <workflow.yaml> --run ${runId} (resumeWorkflow({ workflow })).`,
        );
      }
      // max_iterations keeps counting from the restored iteration, under the checkpoint's limit
      // unless the workflow file was changed (e.g. to raise it).
      const workflow =
        checkpoint && !hashChanged ? withMaxIterations(loaded, checkpoint.limits.max_iterations) : loaded;
      const providers = await prepareProviders(workflow, options, env);

      const writer = await recorder.openExisting(runId);
      if (writer?.repaired?.action === 'moved-fragment') {
        plan.warnings.push(
          `the last line of ${writer.path} was cut short (the process was killed while writing it); ` +
            `its ${writer.repaired.bytes} bytes were moved to ${writer.repaired.fragmentPath}`,
        );
      }
      let lastSeq = Math.max(writer?.lastSeq ?? 0, checkpoint?.last_seq ?? 0, resume.lastSeq);
      if (plan.importFrom) {
        const imported = await importEvents(plan.importFrom, writer?.lastSeq ?? 0);
        recorder.appendHistory(imported);
        lastSeq = Math.max(lastSeq, imported.at(-1)?.seq ?? 0);
      } else if (plan.historySource === 'synthetic' && checkpoint) {
        const synthetic = synthesizeHistory(checkpoint, workflowOutline(workflow, providers)).filter(
          (event) => event.seq > (writer?.lastSeq ?? 0),
        );
        recorder.appendHistory(synthetic);
        lastSeq = Math.max(lastSeq, synthetic.at(-1)?.seq ?? 0);
      }
      warnings.push(...plan.warnings);

      const generation =
        Math.max(checkpoint?.generation ?? 0, plan.record?.generation ?? 0, resume.generation) + 1;
      bus.connect({ lastSeq, clock });
      await recorder.begin(
        { runId, workflow, inputs: resume.inputs, generation, startedAt: state.startedAt },
        plan.record,
      );
      bus.emit('workflow_resumed', {
        run_id: runId,
        checkpoint_path: plan.checkpointPath,
        checkpoint_created_at: checkpoint?.created_at ?? null,
        resumed_at_step: step,
        generation,
        history_source: plan.historySource,
        log_file: recorder.logPath,
        state_source: checkpoint ? (resume.folded > 0 ? 'checkpoint+log' : 'checkpoint') : 'log',
        ...(checkpoint?.migrated_from ? { migrated_from: checkpoint.migrated_from } : {}),
        ...(hashChanged ? { workflow_hash_changed: { checkpoint: recordedHash, current: currentHash } } : {}),
        ...(warnings.length > 0 ? { resume_warning: warnings.join('\n') } : {}),
      });
      started({ workflowName: workflow.definition.workflow.name });
      // A script the previous owner left running when it died is stopped before its step runs again.
      const stuck = (await stopOrphans(plan.unfinishedChildren, bus)).filter(
        (o) => o.result === 'survived' || o.result === 'unknown-host',
      );
      for (const { child, result } of stuck) {
        warnings.push(
          `process ${child.leader.pid} of step "${child.agentName}" (${child.kind}) ${result === 'survived' ? 'survived SIGKILL' : `runs on host ${child.leader.host}`} and may still be running`,
        );
      }

      return executeFrom(state, {
        runId,
        workflow,
        inputs: resume.inputs,
        bus,
        providerFor: providers.providerFor,
        signal,
        clock,
        env,
        hooks: recorder.hooks(options.hooks),
        gates,
        subworkflowProviders: providers.forSubworkflow,
        outputs: createOutputStore({ dir: join(runDir(runId, home), 'outputs'), maxChars, generation }),
        ...(options.executors ? { executors: options.executors } : {}),
        ...(options.renderBudget ? { renderBudget: options.renderBudget } : {}),
      });
    },
  });
}

/**
 * The id of the run a resume continues, found without writing anything: the checkpoint's run, the
 * given run (which must have a folder), or the workflow's newest resumable run.
 */
async function resumeTarget(options: ResumeOptions, home: string): Promise<string> {
  if (options.from !== undefined) return (await loadCheckpoint(resolve(options.from))).run_id;
  if (options.runId !== undefined) {
    const runId = assertRunId(options.runId);
    if (!(await exists(runDir(runId, home)))) {
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
  // planResume says what is missing.
  return (await planResume(options, home)).runId;
}

/** The run id of a checkpoint file, read synchronously so `run.runId` is known at once; '' if unreadable. */
function peekRunId(path: string): string {
  try {
    return migrateCheckpoint(JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''))).run_id;
  } catch {
    return '';
  }
}

function withMaxIterations(loaded: LoadedWorkflow, maxIterations: number): LoadedWorkflow {
  const settings = loaded.definition.workflow;
  if (settings.limits?.max_iterations === maxIterations) return loaded;
  return {
    ...loaded,
    definition: {
      ...loaded.definition,
      workflow: { ...settings, limits: { ...settings.limits, max_iterations: maxIterations } },
    },
  };
}

/**
 * Decides which run to continue and from what state, reading only: the checkpoint (`from`, else the
 * run's newest), the run's record, and its event log (or the original conductor's log of a v1
 * checkpoint). Rejects with a coded error when there is nothing to continue.
 */
export async function planResume(
  options: Pick<ResumeOptions, 'from' | 'runId' | 'workflow' | 'home' | 'env'>,
  home: string = resolveHome(options),
): Promise<ResumePlan> {
  const warnings: string[] = [];
  let runId: string;
  let checkpoint: Checkpoint | null = null;
  let checkpointPath: string | null = null;

  if (options.from !== undefined) {
    checkpointPath = resolve(options.from);
    checkpoint = await loadCheckpoint(checkpointPath);
    runId = checkpoint.run_id;
  } else if (options.runId !== undefined) {
    runId = assertRunId(options.runId);
    ({ checkpoint, checkpointPath } = await newestCheckpoint(runId, home, warnings));
  } else if (options.workflow !== undefined) {
    const path = typeof options.workflow === 'string' ? options.workflow : options.workflow.path;
    if (!path) {
      throw new ResumeError(
        'CONDUCTOR_RESUME_NOTHING',
        'a workflow built in code has no file to look its runs up by; pass runId or from (a checkpoint path).',
      );
    }
    runId = (await findResumableRunOrThrow(path, home)).runId;
    ({ checkpoint, checkpointPath } = await newestCheckpoint(runId, home, warnings));
  } else {
    throw new ResumeError(
      'CONDUCTOR_RESUME_NOTHING',
      'say which run to resume: from (a checkpoint file), runId, or workflow (its newest unfinished run). ' +
        'List them with `conductor checkpoint list`.',
    );
  }

  const record = await readRunRecordQuietly(runId, home);
  if (record?.status === 'completed') throw completedError(runId, eventLogPath(runId, home));

  const logPath = eventLogPath(runId, home);
  const ownLastSeq = await lastSeqOrNull(logPath);
  const base = checkpoint
    ? { ...stateFromCheckpoint(checkpoint), lastSeq: checkpoint.last_seq, generation: checkpoint.generation }
    : undefined;
  const fold = createResumeFold(base);
  const children = createChildTracker();
  let historySource: ResumePlan['historySource'];
  let importFrom: string | null = null;
  let skipped = 0;
  // The first damaged lines, to name them; and the first event, for a log that lost its start.
  const skips: SkippedLine[] = [];
  let first: ConductorEvent | null = null;

  if (ownLastSeq !== null && ownLastSeq > 0) {
    historySource = 'log';
    const reader = readEventLog(logPath, {
      afterSeq: checkpoint?.last_seq ?? 0,
      onSkip: (skip) => {
        if (skips.length < SKIPS_KEPT) skips.push(skip);
      },
    });
    for await (const event of reader) {
      first ??= event;
      fold.apply(event);
      children.apply(event);
    }
    skipped = reader.skipped;
  } else if (
    checkpoint?.event_log_path &&
    checkpoint.event_log_path !== logPath &&
    ((await lastSeqOrNull(checkpoint.event_log_path)) ?? 0) > 0
  ) {
    // Another log holds the run's history (the original conductor's, in its temp folder): it is
    // copied into this run's log. Its lines carry no seq, so they cannot be matched against the
    // checkpoint: a v1 checkpoint's state is used as it is.
    historySource = 'log';
    importFrom = checkpoint.event_log_path;
    if (checkpoint.migrated_from !== 1) {
      const reader = readEventLog(importFrom, { afterSeq: checkpoint.last_seq });
      for await (const event of reader) fold.apply(event);
    }
  } else if (checkpoint) {
    historySource = 'synthetic';
    warnings.push(
      `the event log of run ${runId} (${checkpoint.event_log_path ?? logPath}) is missing or empty; ` +
        'its earlier steps are summarized from the checkpoint (marked synthetic)',
    );
  } else {
    throw new ResumeError(
      'CONDUCTOR_RESUME_NOTHING',
      `run ${runId} has no checkpoint and no event log with events (looked in ${logPath} and ` +
        `${resolve(home, 'runs', runId, 'checkpoints')}). Start the workflow again with \`conductor run\`.`,
    );
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
  const unfinishedChildren = children.result();
  return {
    runId,
    checkpoint,
    checkpointPath,
    record,
    historySource,
    importFrom,
    state,
    unfinishedChildren,
    warnings,
  };
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

async function workflowFor(
  options: ResumeOptions,
  plan: ResumePlan,
  env: Record<string, string | undefined>,
): Promise<LoadedWorkflow> {
  if (typeof options.workflow === 'object') return options.workflow;
  const path =
    options.workflow ??
    plan.checkpoint?.workflow_path ??
    plan.record?.workflow_path ??
    plan.state.workflowPath;
  if (!path) {
    throw new ResumeError(
      'CONDUCTOR_RESUME_WORKFLOW_NOT_FOUND',
      `run ${plan.runId} does not record its workflow file; pass it: conductor resume <workflow.yaml> --run ${plan.runId} ` +
        '(resumeWorkflow({ workflow })).',
    );
  }
  if (!(await exists(path))) {
    throw new ResumeError(
      'CONDUCTOR_RESUME_WORKFLOW_NOT_FOUND',
      `the workflow file of run ${plan.runId}, ${path}, does not exist. Restore it, or pass the workflow to ` +
        `continue with: conductor resume <workflow.yaml> --run ${plan.runId} (resumeWorkflow({ workflow })).`,
    );
  }
  return loadWorkflow(path, { env });
}

/** Every event of another log, numbered after `after` when it has no seqs of its own that fit. */
async function importEvents(path: string, after: number): Promise<ConductorEvent[]> {
  const events: ConductorEvent[] = [];
  for await (const event of readEventLog(path)) events.push(event);
  const fits = events.every((event) => event.seq > after);
  return fits ? events : events.map((event, i) => ({ ...event, seq: after + i + 1 }));
}

async function lastSeqOrNull(path: string): Promise<number | null> {
  try {
    return await lastSeqOf(path);
  } catch (error) {
    if (error instanceof EventLogNotFoundError) return null;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return false;
    throw error;
  }
}

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

async function findResumableRunOrThrow(workflowPath: string, home: string): Promise<ResumableRun> {
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
    for await (const event of readEventLog(logPath)) {
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
    for await (const event of readEventLog(logPath, { afterSeq: Math.max(0, last - 1) })) {
      if (event.type === 'workflow_completed') return 'completed';
    }
  }
  return null;
}
