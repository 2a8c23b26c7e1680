// What runWorkflow and resumeWorkflow share: the recorder and handle around a bus, and the executor
// call that runs the steps. They differ only in where the state, inputs and history come from.
import { join } from 'node:path';
import { type EventBus, nowSeconds } from '@conductor/events';
import { runDir } from '@conductor/run-folder';
import { createRunRecorder, type RunRecorder } from '../durable/recorder.js';
import type { GateBroker } from '../gates/broker.js';
import { createOutputStore } from '../outputs/store.js';
import { executeFrom } from '../run/executor.js';
import type { PreparedProviders } from '../run/providers.js';
import type { RunResult } from '../run/result.js';
import type { ExecutorState } from '../run/state.js';
import type { LoadedWorkflow } from '../workflow/types.js';
import { type LaunchOptions, launchRun, type StartedInfo, type WorkflowRun } from './handle.js';
import type { ExecutionOptions } from './options.js';

/** The environment and clock of a run, from its options. */
export function runEnvironment(options: ExecutionOptions) {
  return { env: options.env ?? process.env, clock: options.clock ?? nowSeconds };
}

/** What a run's `start` is given. */
export interface RunStart {
  /** Aborts when the caller's signal does or `stop()` is called. */
  signal: AbortSignal;
  /** To call right after the run's first event. */
  started: (info: StartedInfo) => void;
  recorder: RunRecorder;
  /** Runs the steps from `run.state` to the end, on this run's bus, recorder, signal and gates. */
  execute(run: Omit<ExecuteRun, 'bus' | 'recorder' | 'signal' | 'gates'>): Promise<RunResult>;
}

/**
 * Starts a run on `bus`: the recorder subscribes to it first (so whoever else listens sees only logged
 * events), then the handle runs `start`.
 */
export function startRun(
  options: ExecutionOptions,
  run: Pick<LaunchOptions, 'runId' | 'bus' | 'ownsBus' | 'warnings'> & {
    home: string;
    eventLog: boolean;
    /** Starts the run (see `LaunchOptions.start`), writing through `recorder`. */
    start(start: RunStart): Promise<RunResult>;
  },
): WorkflowRun {
  const { clock } = runEnvironment(options);
  const recorder = createRunRecorder(run.bus, {
    home: run.home,
    eventLog: run.eventLog,
    checkpoints: options.checkpoints !== false,
    clock,
    ...(options.store ? { store: options.store } : {}),
  });
  return launchRun({
    runId: run.runId,
    bus: run.bus,
    ownsBus: run.ownsBus,
    recorder,
    signal: options.signal,
    warnings: run.warnings,
    gates: options.gates,
    skipGates: options.skipGates,
    dialogs: options.dialogs,
    skipDialogs: options.skipDialogs,
    start: (signal, started, gates) =>
      run.start({
        signal,
        started,
        recorder,
        execute: (execution) => executeRun({ ...execution, bus: run.bus, recorder, signal, gates }, options),
      }),
  });
}

interface ExecuteRun {
  runId: string;
  workflow: LoadedWorkflow;
  inputs: Record<string, unknown>;
  /** Where to start: a fresh state, or the one a resume restored. */
  state: ExecutorState;
  /** 0 for a new run, N for the N-th resume (names its spilled outputs). */
  generation: number;
  bus: EventBus;
  providers: PreparedProviders;
  recorder: RunRecorder;
  signal: AbortSignal;
  gates: GateBroker;
  /** The output cap, resolved (and so checked) before the run wrote anything. */
  maxChars: number;
}

/** Runs the steps from `run.state` to the end, with the run's hooks, output store and options. */
function executeRun(run: ExecuteRun, options: ExecutionOptions): Promise<RunResult> {
  const { env, clock } = runEnvironment(options);
  const { runId, recorder, providers } = run;
  return executeFrom(run.state, {
    runId,
    workflow: run.workflow,
    inputs: run.inputs,
    bus: run.bus,
    providerFor: providers.providerFor,
    signal: run.signal,
    clock,
    env,
    hooks: recorder.hooks(options.hooks),
    gates: run.gates,
    subworkflowProviders: providers.forSubworkflow,
    outputs: createOutputStore({
      dir: join(runDir(runId, recorder.options.home), 'outputs'),
      maxChars: run.maxChars,
      generation: run.generation,
    }),
    ...(options.executors ? { executors: options.executors } : {}),
    ...(options.renderBudget ? { renderBudget: options.renderBudget } : {}),
  });
}
