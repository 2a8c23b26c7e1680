import { parseDuration } from '../workflow/duration.js';
import type { WaitStep } from '../workflow/types.js';
import { round, templateAt } from './common.js';
import { describeError, StepFailure } from './errors.js';
import type { StepContext, StepExecutor, StepResult } from './types.js';

/** The longest pause a wait step accepts (the original's cap). */
const MAX_WAIT_MS = 24 * 60 * 60 * 1000;

/** Pauses for `duration`; an interrupt or the run timeout ends the pause early (`interrupted: true`). */
export const executeWait: StepExecutor<WaitStep> = async (
  ctx: StepContext<WaitStep>,
): Promise<StepResult> => {
  const { step } = ctx;
  const agent_name = step.name;
  let ms: number;
  let reason: string | null;
  try {
    const duration =
      typeof step.duration === 'string' && step.duration.includes('{{')
        ? (await ctx.templates.renderTemplate(step.duration, ctx.scope, templateAt(ctx, 'duration'))).trim()
        : step.duration;
    ms = parseDuration(duration);
    reason =
      step.reason === undefined
        ? null
        : await ctx.templates.renderTemplate(step.reason, ctx.scope, templateAt(ctx, 'reason'));
  } catch (error) {
    const { errorType, message } = describeError(error);
    throw new StepFailure(step.name, errorType, `wait step "${step.name}": ${message}`, { cause: error });
  }
  if (!(ms > 0 && ms <= MAX_WAIT_MS)) {
    throw new StepFailure(
      step.name,
      'WaitError',
      `wait step "${step.name}": the duration must be more than 0 and at most 24h, got ${ms / 1000}s`,
    );
  }

  ctx.emit('wait_started', { agent_name, duration_seconds: ms / 1000, reason, iteration: ctx.iteration });
  const started = ctx.clock();
  const interrupted = await pause(ms, ctx.signal);
  const waited = round(ctx.clock() - started);
  const output = { waited_seconds: waited };
  ctx.emit('wait_completed', { agent_name, waited_seconds: waited, interrupted, output });
  if (interrupted) {
    const stopped = ctx.stopReason() === 'timeout' ? 'TimeoutError' : 'Interrupted';
    throw new StepFailure(step.name, stopped, `wait step "${step.name}" was interrupted after ${waited}s`);
  }
  return { output };
};

/** Resolves true when `signal` ended the pause, false when it ran its course. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
