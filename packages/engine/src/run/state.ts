/**
 * The executor's whole state, in one JSON-serializable object: a checkpoint is this object (plus the
 * run's inputs and identity), and `executeFrom(state)` continues from it.
 */

export type StepRecordStatus = 'completed' | 'failed' | 'interrupted';

export interface StepRecord {
  step: string;
  /** The run-wide iteration the step ran as (`context.iteration`). */
  iteration: number;
  status: StepRecordStatus;
}

export interface ExecutorState {
  /** The step to run next (at a step boundary), or the one running or failed. Null once the run ended. */
  currentStep: string | null;
  /** Steps executed so far (what `limits.max_iterations` counts). */
  iteration: number;
  /** The latest output of every step that completed. */
  stepOutputs: Record<string, unknown>;
  history: StepRecord[];
  /** The step whose output came last (`context.mode: last_only`, the default final output). */
  lastOutputStep: string | null;
  /** Unix seconds of the run's first start; a resume keeps it. */
  startedAt: number;
}

export function initialExecutorState(entryPoint: string, startedAt: number): ExecutorState {
  return {
    currentStep: entryPoint,
    iteration: 0,
    stepOutputs: {},
    history: [],
    lastOutputStep: null,
    startedAt,
  };
}

/** A deep copy: hooks get a snapshot they may keep, never the live object. */
export function snapshotState(state: ExecutorState): ExecutorState {
  return structuredClone(state);
}
