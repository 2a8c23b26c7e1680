import { round } from '../steps/common.js';
import { describeError, StepFailure } from '../steps/errors.js';
import type { StepContext, StepResult } from '../steps/types.js';
import type { FailureMode } from '../workflow/types.js';

export const DEFAULT_FAILURE_MODE: FailureMode = 'fail_fast';

/** A member's or item's failure as templates read it (`<group>.errors.<name>`). */
export interface GroupError {
  /** The original's name for the error's type; `error_type` holds the same (this project's events' name). */
  exception_type: string;
  error_type: string;
  message: string;
  /** What to do about it, when known (the original's field; null otherwise). */
  suggestion: string | null;
}

const groupError = (type: string, message: string): GroupError => ({
  exception_type: type,
  error_type: type,
  message,
  suggestion: null,
});

/**
 * Why a member or item ended without output: the run stopped (interrupt, timeout), a sibling failed
 * under fail_fast (`Cancelled`), or its own error.
 */
export function memberFailure(
  error: unknown,
  ctx: Pick<StepContext, 'stopReason'>,
  cancelled: AbortSignal,
): GroupError {
  const reason = ctx.stopReason();
  if (reason === 'interrupted') return groupError('Interrupted', 'stopped by the user');
  if (reason === 'timeout') return groupError('TimeoutError', 'the workflow timeout was reached');
  if (cancelled.aborted) return groupError('Cancelled', String(cancelled.reason ?? 'cancelled'));
  const { errorType, message } = describeError(error);
  return groupError(errorType, message);
}

/** Whether a group with these counts failed under `mode`. */
export function groupFailed(mode: FailureMode, successes: number, failures: number): boolean {
  if (failures === 0) return false;
  return mode === 'continue_on_error' ? successes === 0 : true;
}

/** The run stopped while the group ran: fail the group the way the executor reports a stop. */
export function stoppedFailure(ctx: Pick<StepContext, 'stopReason' | 'step'>): StepFailure | null {
  const reason = ctx.stopReason();
  if (!reason) return null;
  return new StepFailure(
    ctx.step.name,
    reason === 'timeout' ? 'TimeoutError' : 'Interrupted',
    `group "${ctx.step.name}" was stopped`,
  );
}

/** An AbortController that also aborts when `parent` does; `dispose` unhooks it. */
export function linkedController(parent: AbortSignal): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener('abort', onAbort) };
}

/**
 * Counts a group's members or items as they end. Under fail_fast the first failure aborts `signal`, which
 * the others run under; the run's own stop aborts it too.
 */
export interface GroupTally<F> {
  readonly mode: FailureMode;
  readonly signal: AbortSignal;
  readonly successes: number;
  readonly failures: number;
  /** The first failure that was not a cancellation or a stop, as `failed` kept it. */
  readonly first: F | null;
  succeeded(): void;
  /**
   * A member or item ended with `error`: `keep` records its failure (and returns what `first` holds),
   * `emit` reports it, then under fail_fast the others are cancelled with `cancelReason`.
   */
  failed(
    error: unknown,
    handle: { keep(failure: GroupError): F; emit(failure: GroupError): void; cancelReason: string },
  ): void;
  /** Unhooks `signal` from the run's. */
  dispose(): void;
}

export function createGroupTally<F>(
  ctx: Pick<StepContext, 'stopReason' | 'signal'>,
  mode: FailureMode,
): GroupTally<F> {
  const { controller, dispose } = linkedController(ctx.signal);
  let successes = 0;
  let failures = 0;
  let first: F | null = null;
  return {
    mode,
    signal: controller.signal,
    get successes() {
      return successes;
    },
    get failures() {
      return failures;
    },
    get first() {
      return first;
    },
    succeeded() {
      successes++;
    },
    failed(error, handle) {
      const failure = memberFailure(error, ctx, controller.signal);
      failures++;
      const kept = handle.keep(failure);
      handle.emit(failure);
      if (failure.error_type === 'Cancelled' || ctx.stopReason()) return;
      first ??= kept;
      if (mode === 'fail_fast' && !controller.signal.aborted) controller.abort(handle.cancelReason);
    },
    dispose,
  };
}

/**
 * Ends a group: emits its completion event (`parallel_completed`, `for_each_completed`) with the counts and,
 * unless it failed, its output; then fails the step when the run stopped, or with `failure(first)` when the
 * counts fail it under its mode.
 */
export function finishGroup<F>(
  ctx: Pick<StepContext, 'stopReason' | 'step' | 'emit' | 'clock'>,
  tally: GroupTally<F>,
  end: {
    event: 'parallel_completed' | 'for_each_completed';
    started: number;
    output: unknown;
    failure(first: F | null): StepFailure;
  },
): StepResult {
  const failed = ctx.stopReason() !== null || groupFailed(tally.mode, tally.successes, tally.failures);
  ctx.emit(end.event, {
    group_name: ctx.step.name,
    success_count: tally.successes,
    failure_count: tally.failures,
    elapsed: round(ctx.clock() - end.started),
    ...(failed ? { failed: true } : { output: end.output }),
  });
  const stopped = stoppedFailure(ctx);
  if (stopped) throw stopped;
  if (failed) throw end.failure(tally.first);
  return { output: end.output };
}
