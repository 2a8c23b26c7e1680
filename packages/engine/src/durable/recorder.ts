import { statSync } from 'node:fs';
import {
  type CheckpointTrigger,
  deleteCheckpoints,
  hashWorkflowSource,
  listCheckpoints,
  pruneCheckpoints,
  saveCheckpoint,
} from '@conductor/checkpoint';
import { EventLogIoError, type EventLogWriter, eventLogPath, openEventLog } from '@conductor/event-log';
import type { ConductorEvent, EventBus } from '@conductor/events';
import {
  claimRun,
  currentProcess,
  errnoCode,
  type RunClaim,
  type RunRecord,
  type RunRecordStatus,
  readRunRecord,
  updateRunRecord,
  writeRunRecord,
} from '@conductor/run-folder';
import type { RunStore } from '@conductor/store';
import {
  DEFAULT_MAX_ITERATIONS,
  type ExecutorHooks,
  type RunFailure,
  type RunResult,
} from '../run/result.js';
import type { ExecutorState } from '../run/state.js';
import { describeError } from '../steps/errors.js';
import type { LoadedWorkflow } from '../workflow/types.js';
import { checkpointOf, triggerOf } from './checkpoint-state.js';
import { RunExistsError } from './errors.js';
import { createSharedStore } from './shared-store.js';

export interface RecorderOptions {
  /** Absolute `$CONDUCTOR_HOME`. */
  home: string;
  /** Write `runs/<id>/events.jsonl` and `run.json`. */
  eventLog: boolean;
  /** Write checkpoints (on failure, interrupt, timeout, iteration limit, and periodic ones). */
  checkpoints: boolean;
  /** Unix seconds. */
  clock: () => number;
  /**
   * A shared store (PostgreSQL) that owns the run across machines: the run is claimed there first,
   * its history copied into `home`, and every event, checkpoint and record written there too. See
   * `shared-store.ts`. Without it the run lives in `home` alone.
   */
  store?: RunStore;
}

export interface RecorderRun {
  runId: string;
  workflow: LoadedWorkflow;
  inputs: Record<string, unknown>;
  /** 0 for a new run, N for the N-th resume. */
  generation: number;
  /** Unix seconds of the run's first start. */
  startedAt: number;
  /** `--metadata`: kept in run.json, merged on top of what earlier generations recorded. */
  metadata?: Readonly<Record<string, string>>;
}

/** What a failed or interrupted run's checkpoint attempt gave: a path, or why there is none. */
type SaveOutcome = { path: string; reason?: undefined } | { path?: undefined; reason: string };

/**
 * Everything that makes a run durable, around one bus: the event log (subscribed at creation, so
 * before any other subscriber the caller adds), `run.json`, and the checkpoint hooks of the executor.
 */
export interface RunRecorder {
  readonly options: RecorderOptions;
  /** The log path once opened, else null (no log, or not opened yet). */
  readonly logPath: string | null;
  /**
   * Makes this process the run's one owner (see `claimRun` of @conductor/run-folder), before anything of
   * the run is read for a resume or written. Rejects with RunOwnedError, writing nothing, while another
   * live process owns it. `finish` lets go of it. Null when the run keeps no files (eventLog: false).
   */
  claim(runId: string, purpose: 'run' | 'resume'): Promise<RunClaim | null>;
  /**
   * Creates and opens the log of a new run. Rejects with RunExistsError, before touching the file,
   * when the run id already has a log (even an empty one: another process may be starting it).
   */
  openNew(runId: string): Promise<void>;
  /** Whether a run with this id exists in the shared store (false without one). */
  inStore(runId: string): Promise<boolean>;
  /** Opens an existing run's log for appending (repairing a truncated last line first). */
  openExisting(runId: string): Promise<EventLogWriter | null>;
  /**
   * Writes events of earlier history (imported or synthesized) straight to the log, not to the bus.
   * Resolves with the seq of the last one written (0 for none, or without a log).
   */
  appendHistory(events: AsyncIterable<ConductorEvent>): Promise<number>;
  /** Records the run in run.json (status running) and arms the hooks. */
  begin(run: RecorderRun, previous?: RunRecord | null): Promise<void>;
  /** The executor hooks: flush at boundaries, periodic and failure checkpoints, cleanup on success. */
  hooks(user?: ExecutorHooks): ExecutorHooks;
  /** Records how the run ended in run.json, stops listening to the bus, fsyncs and closes the log. */
  finish(result: RunResult | null): Promise<void>;
  /**
   * Where the bus's events can be read back while every one of them reaches the log (the same object
   * for as long as that holds), else null: no log, not opened yet, or an append failed.
   */
  replaySource(): ReplaySource | null;
}

/** Where a run's events can be read back: its log, while every event reaches it. */
export interface ReplaySource {
  readonly path: string;
  /** Writes what the log's writer still buffers, so that reading the file finds every event so far. */
  flush(): void;
}

/** Events that record something outside this process: in the file before the run goes on. */
const FLUSH_AT_ONCE: ReadonlySet<string> = new Set(['child_process_spawned']);

export function createRunRecorder(bus: EventBus, options: RecorderOptions): RunRecorder {
  let writer: EventLogWriter | null = null;
  let logError: unknown = null;
  let run: RecorderRun | null = null;
  let claim: RunClaim | null = null;
  let recorded = false;
  let lastCheckpointPath: string | null = null;
  let checkpointPathChanged = false;
  let consecutiveFailures = 0;
  let periodicSince: { iteration: number | null; at: number } = { iteration: null, at: options.clock() };
  const shared = options.store ? createSharedStore(options.store) : null;
  let replay: ReplaySource | null = null;

  // Subscribed now, before the caller can add listeners. The writer groups a step's events into one
  // write: every line is in the file at each step boundary (a kill -9 loses at most the step in
  // flight), at the latest when the process next waits, and at once for a child process started, so a
  // resume after a crash can always stop it. An append that fails is kept and reported at the next step
  // boundary, so the run ends cleanly (with a checkpoint) instead of an emit throwing inside a step.
  const unsubscribe = options.eventLog
    ? bus.subscribe((event) => {
        if (!writer || writer.closed || logError) return;
        try {
          writer.append(event);
          if (FLUSH_AT_ONCE.has(event.type)) writer.flush();
          shared?.track(event);
        } catch (error) {
          logError = error;
        }
      })
    : () => {};

  async function open(runId: string, exclusive = false): Promise<EventLogWriter> {
    const opened = await openEventLog(eventLogPath(runId, options.home), { buffered: true, exclusive });
    writer = opened;
    replay = {
      path: opened.path,
      flush: () => {
        if (!opened.closed) opened.flush();
      },
    };
    return opened;
  }

  /**
   * Updates run.json, atomically but not durably: it is a convenience, and after a machine dies the
   * claims and the log (fsynced at the end) say what an older run.json does not.
   */
  async function setRecord(patch: Partial<RunRecord>): Promise<void> {
    if (!recorded || !run) return;
    try {
      const next = await updateRunRecord(run.runId, patch, { home: options.home, durable: false });
      await shared?.writeRecord(next);
    } catch {
      // run.json is a convenience for listings and the dashboard; the log and checkpoints are the truth.
    }
  }

  function limitsOf(workflow: LoadedWorkflow) {
    const limits = workflow.definition.workflow.limits ?? {};
    return {
      maxIterations: limits.max_iterations ?? DEFAULT_MAX_ITERATIONS,
      timeoutSeconds: limits.timeout_seconds ?? null,
    };
  }

  async function save(
    state: ExecutorState,
    trigger: CheckpointTrigger,
    failure: RunFailure | null,
  ): Promise<SaveOutcome> {
    if (!run) return { reason: 'the run had not started' };
    if (!options.checkpoints)
      return { reason: 'checkpoints are turned off for this run (checkpoints: false)' };
    const { workflow } = run;
    if (!workflow.path) {
      return { reason: 'the workflow was not loaded from a file, so a checkpoint could not name it' };
    }
    const agentName = failure?.step ?? state.currentStep;
    try {
      // The log is made durable first, so the checkpoint never points past what the disk holds.
      if (writer && !writer.closed && !logError) await writer.sync();
      const { maxIterations, timeoutSeconds } = limitsOf(workflow);
      const checkpoint = checkpointOf({
        state,
        runId: run.runId,
        generation: run.generation,
        workflowPath: workflow.path,
        workflowName: workflow.definition.workflow.name,
        // A workflow built in code may carry no hash; its source is what a resume compares.
        workflowHash: workflow.hash || hashWorkflowSource(workflow.source),
        inputs: run.inputs,
        trigger,
        failure,
        maxIterations,
        timeoutSeconds,
        elapsedSeconds: options.clock() - state.startedAt,
        eventLogPath: writer ? writer.path : null,
        lastSeq: bus.lastSeq,
      });
      const path = await saveCheckpoint(checkpoint, { home: options.home });
      await shared?.saveCheckpoint(checkpoint);
      consecutiveFailures = 0;
      lastCheckpointPath = path;
      checkpointPathChanged = true;
      bus.emit('checkpoint_saved', {
        path,
        agent_name: agentName,
        error_type: failure?.type ?? null,
        trigger,
      });
      await setRecord({ last_checkpoint_path: path });
      return { path };
    } catch (error) {
      consecutiveFailures += 1;
      const { errorType, message } = describeError(error);
      bus.emit('checkpoint_save_failed', {
        agent_name: agentName,
        trigger,
        error_type: errorType,
        message,
        consecutive_failures: consecutiveFailures,
      });
      return { reason: `the checkpoint could not be saved: ${message}` };
    }
  }

  async function periodic(state: ExecutorState): Promise<void> {
    if (!run) return;
    const policy = run.workflow.definition.workflow.runtime?.checkpoint;
    if (periodicSince.iteration === null) periodicSince = { ...periodicSince, iteration: state.iteration };
    // Nothing completed since the last one (the first boundary, or right after a resume).
    if (!policy || state.iteration <= (periodicSince.iteration ?? 0)) return;
    const now = options.clock();
    const due =
      policy.every_agent === true ||
      (typeof policy.every_seconds === 'number' && now - periodicSince.at >= policy.every_seconds);
    if (!due) return;
    periodicSince = { iteration: state.iteration, at: now };
    const saved = await save(state, 'periodic', null);
    if (saved.path && typeof policy.keep_last === 'number') {
      await pruneCheckpoints(run.runId, { keepLast: policy.keep_last, home: options.home }).catch(() => []);
    }
  }

  async function deletePeriodic(): Promise<void> {
    // Only a workflow with a checkpoint policy makes periodic checkpoints (left-overs of a policy since
    // removed are harmless, as below).
    if (!run || !options.checkpoints || !run.workflow.definition.workflow.runtime?.checkpoint) return;
    try {
      const { checkpoints } = await listCheckpoints({ home: options.home, runId: run.runId });
      const periodicOnes = checkpoints.filter((c) => c.trigger === 'periodic');
      if (periodicOnes.length === 0) return;
      await deleteCheckpoints(periodicOnes.map((c) => c.path));
      // run.json must not point at a deleted file: the newest checkpoint left, if any.
      lastCheckpointPath = checkpoints.find((c) => c.trigger !== 'periodic')?.path ?? null;
      checkpointPathChanged = true;
    } catch {
      // Left-over periodic checkpoints of a finished run are harmless.
    }
  }

  return {
    options,
    get logPath() {
      return writer ? writer.path : null;
    },
    async claim(runId, purpose) {
      if (!options.eventLog) return null;
      // The shared store decides ownership across machines, so it is asked first; the local claim
      // then keeps this home's other processes out while its files are brought up to date.
      await shared?.claim(runId, purpose, (error) => {
        logError ??= error;
      });
      try {
        claim = await claimRun(runId, { home: options.home, purpose });
        await shared?.hydrate(claim, options.home);
      } catch (error) {
        await shared?.release().catch(() => {});
        throw error;
      }
      return claim;
    },
    async inStore(runId) {
      return shared ? shared.has(runId) : false;
    },
    async openNew(runId) {
      if (!options.eventLog) return;
      const path = eventLogPath(runId, options.home);
      if (shared && (await shared.has(runId))) throw new RunExistsError(runId, shared.store.location, false);
      // Creating the log exclusively claims the id: of two runs started at once with one id, only one
      // gets it (a check, then an open, would let both append to the same log).
      try {
        await open(runId, true);
      } catch (error) {
        if (!(error instanceof EventLogIoError) || errnoCode(error.cause) !== 'EEXIST') throw error;
        throw new RunExistsError(runId, path, sizeOf(path) === 0);
      }
    },
    async openExisting(runId) {
      if (!options.eventLog) return null;
      return open(runId);
    },
    async appendHistory(events) {
      if (!writer) return 0;
      let last = 0;
      for await (const event of events) {
        writer.append(event);
        shared?.track(event);
        last = event.seq;
      }
      writer.flush();
      return last;
    },
    async begin(started, previous) {
      run = started;
      periodicSince = { iteration: null, at: options.clock() };
      if (!options.eventLog) return;
      const { workflow } = started;
      const now = new Date().toISOString();
      // A dashboard of an earlier process is gone with it; the CLI writes the new one (after the
      // first event, when this record exists).
      const { dashboard: _gone, ...kept } = previous ?? {};
      const record: RunRecord = {
        ...kept,
        run_id: started.runId,
        workflow_path: workflow.path ?? null,
        workflow_name: workflow.definition.workflow.name,
        workflow_hash: workflow.hash || null,
        status: 'running',
        ...processFields(),
        started_at: previous?.started_at ?? new Date(started.startedAt * 1000).toISOString(),
        updated_at: now,
        generation: started.generation,
        event_log_path: writer ? writer.path : null,
        last_checkpoint_path: previous?.last_checkpoint_path ?? null,
        ...(started.metadata
          ? { metadata: { ...(previous?.metadata as object | undefined), ...started.metadata } }
          : {}),
      };
      await writeRunRecord(record, { home: options.home, durable: false });
      await shared?.writeRecord(record);
      recorded = true;
    },
    hooks(user = {}) {
      return {
        async onStepBoundary(state) {
          if (logError) throw logError;
          try {
            if (writer && !writer.closed) writer.flush();
          } catch (error) {
            logError = error;
            throw error;
          }
          // The step's events, in one append; an owner fenced off by a newer one stops here.
          await shared?.flush().catch((error: unknown) => {
            logError = error;
            throw error;
          });
          await periodic(state);
          await user.onStepBoundary?.(state);
        },
        async onFailure(state, failure) {
          const saved = await save(state, triggerOf(failure), failure);
          const extra = saved.path
            ? { checkpoint_path: saved.path }
            : { checkpoint_unavailable_reason: saved.reason };
          return { ...extra, ...((await user.onFailure?.(state, failure)) ?? {}) };
        },
        async onComplete(state, result) {
          await deletePeriodic();
          await user.onComplete?.(state, result);
        },
      };
    },
    replaySource() {
      return writer && !logError ? replay : null;
    },
    async finish(result) {
      unsubscribe();
      const status: RunRecordStatus = result ? result.status : 'failed';
      await setRecord({
        status,
        ...processFields(),
        ...(checkpointPathChanged ? { last_checkpoint_path: lastCheckpointPath } : {}),
      });
      if (writer && !writer.closed) await writer.close().catch(() => {});
      await shared?.release().catch(() => {});
      // A run that never began (refused, invalid) gives its claim up as if it had not been made.
      if (run) await claim?.release().catch(() => {});
      else await claim?.abandon().catch(() => {});
    },
  };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The run's record if it has a readable one, else null (a damaged run.json does not block a resume). */
export async function readRunRecordQuietly(runId: string, home: string): Promise<RunRecord | null> {
  return readRunRecord(runId, { home }).catch(() => null);
}

function processFields(): Pick<RunRecord, 'pid' | 'process_start' | 'host'> {
  const me = currentProcess();
  return { pid: me.pid, process_start: me.start, host: me.host };
}
