import type { GroupProgress } from '../steps/types.js';

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
  /**
   * True when `currentStep` already completed (its output is in `stepOutputs`) but its route was not
   * taken yet: between a step's completion and its `route_taken`, in a checkpoint written because a
   * route's condition failed, or in a state rebuilt from a log that ends there. `executeFrom` then
   * evaluates the step's routes instead of running it again.
   */
  awaitingRoute?: boolean;
  /**
   * Unfinished parallel and for-each groups, by group name: the members (by name) and items (by
   * index) that finished, with their outputs, so a resumed run does not run them again. A group's
   * entry is removed when the group completes. Checkpoints store it as `context.groups`.
   */
  groups?: Record<string, GroupProgress>;
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

/**
 * A deep copy: hooks get a snapshot they may keep, never the live object. The history (one small record
 * per step, thousands in a long loop) is copied record by record, which is many times faster than
 * `structuredClone`; outputs and group progress (user data) are cloned whole.
 */
export function snapshotState(state: ExecutorState): ExecutorState {
  const { history, stepOutputs, groups, ...rest } = state;
  return {
    ...rest,
    stepOutputs: structuredClone(stepOutputs),
    history: history.map((record) => ({ ...record })),
    ...(groups === undefined ? {} : { groups: structuredClone(groups) }),
  };
}
