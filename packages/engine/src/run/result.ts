// How a run ends: its result, its failure, and the hooks that see it end (durable runs plug in there).
import { describeError, StepFailure } from '../steps/errors.js';
import type { StopReason } from '../steps/types.js';
import type { ExecutorState } from './state.js';

/** The original's default for `limits.max_iterations`. */
export const DEFAULT_MAX_ITERATIONS = 10;

export type RunStatus = 'completed' | 'failed' | 'interrupted';

export interface RunFailure {
  /** The `error_type` of `workflow_failed`: `MaxIterationsExceeded`, `TimeoutError`, `Interrupted`, `ScriptFailed`... */
  type: string;
  message: string;
  /** The step where the run stopped, if any. */
  step: string | null;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  /** The final output (`output:` rendered at `$end`, or a terminate step's); null when the run failed otherwise. */
  output: unknown;
  error?: RunFailure;
  elapsedSeconds: number;
  /** The seq of the run's last event. */
  lastSeq: number;
  /** Steps executed, this run and any it resumed. */
  iterations: number;
  /** The checkpoint written when the run failed or was interrupted (`workflow_failed.checkpoint_path`). */
  checkpointPath?: string;
}

/** Fields a failure hook adds to `workflow_failed` (`checkpoint_path`, `checkpoint_unavailable_reason`). */
export type FailureExtras = Record<string, unknown> | undefined;

/** Where durable runs plug in: checkpoints at boundaries and on failure, cleanup on completion. */
export interface ExecutorHooks {
  /**
   * Before each step runs; every earlier output is committed in `state`, `state.currentStep` is about to
   * run. `state` is the live object, valid during the call: copy it (`structuredClone`) to keep it.
   * Copying it here at every step would make long loops quadratic.
   */
  onStepBoundary?(state: Readonly<ExecutorState>): void | Promise<void>;
  /**
   * The run failed or was interrupted (not for a `terminate` with status failed). Runs before
   * `workflow_failed` is emitted; returned fields are added to it (`checkpoint_path`...).
   */
  onFailure?(state: ExecutorState, failure: RunFailure): FailureExtras | Promise<FailureExtras>;
  /** The run reached `$end` or a terminate step; runs before `workflow_completed`. */
  onComplete?(state: ExecutorState, result: RunResult): void | Promise<void>;
}

/** What `workflow_failed` says of a failure: a stop (interrupt, timeout) wins over the error it caused. */
export function describeFailure(
  error: unknown,
  stopReason: StopReason | null,
  currentStep: string | null,
  workflowName: string,
  timeoutSeconds: number | undefined,
): RunFailure {
  const step = error instanceof StepFailure && error.step ? error.step : currentStep;
  const field = stopReason ? renderingField(error) : undefined;
  const where = step
    ? ` during step "${step}"${field ? ` (while rendering its ${field} template)` : ''}`
    : '';
  if (stopReason === 'interrupted') {
    return { type: 'Interrupted', message: `the run was stopped by the user${where}`, step };
  }
  if (stopReason === 'timeout') {
    return {
      type: 'TimeoutError',
      message:
        `workflow "${workflowName}" exceeded its timeout of ${timeoutSeconds}s${where}. ` +
        'Raise workflow.limits.timeout_seconds or make the steps faster.',
      step,
    };
  }
  const { errorType, message } = describeError(error);
  return { type: errorType, message, step };
}

/** The template field a stop cut short (`prompt`, `args[1]`), from the error's cause chain. */
function renderingField(error: unknown): string | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const stopped = cause as Error & { code?: unknown; location?: { field?: string } };
    if (stopped.code === 'CONDUCTOR_TEMPLATE_STOPPED') return stopped.location?.field;
  }
  return undefined;
}
