import { describeError, StepFailure } from '../steps/errors.js';
import type { StepContext } from '../steps/types.js';
import type { FailureMode } from '../workflow/types.js';

export const DEFAULT_FAILURE_MODE: FailureMode = 'fail_fast';

/** A member's or item's failure as templates read it (`<group>.errors.<name>`). */
export interface GroupError {
  error_type: string;
  message: string;
}

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
  if (reason === 'interrupted') return { error_type: 'Interrupted', message: 'stopped by the user' };
  if (reason === 'timeout')
    return { error_type: 'TimeoutError', message: 'the workflow timeout was reached' };
  if (cancelled.aborted) return { error_type: 'Cancelled', message: String(cancelled.reason ?? 'cancelled') };
  const { errorType, message } = describeError(error);
  return { error_type: errorType, message };
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
