import type { TemplateLocation } from '../template/errors.js';
import { describeError } from './errors.js';
import type { StepContext } from './types.js';

/** The `error_type` and message a step reports, preferring the run's stop reason over the abort it caused. */
export function failureOf(
  error: unknown,
  ctx: Pick<StepContext, 'stopReason'>,
): { errorType: string; message: string } {
  const reason = ctx.stopReason();
  if (reason === 'interrupted') return { errorType: 'Interrupted', message: 'stopped by the user' };
  if (reason === 'timeout') return { errorType: 'TimeoutError', message: 'the workflow timeout was reached' };
  return describeError(error);
}

/** Seconds rounded to the millisecond, for event payloads. */
export function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** Where a step's template comes from, for error messages (`file: ... in template of step "x" (prompt)`). */
export function templateAt(ctx: Pick<StepContext, 'workflow' | 'step'>, field: string): TemplateLocation {
  return { file: ctx.workflow.path, step: ctx.step.name, field };
}
