import type { SetStep } from '../workflow/types.js';
import { failureOf, round, templateAt } from './common.js';
import { StepFailure } from './errors.js';
import type { StepContext, StepExecutor, StepResult } from './types.js';
import { jsonTypeOf, renderValue, valueRepr } from './values.js';

/**
 * Binds values into the context: `value` becomes `<step>.output`, `values` becomes
 * `<step>.output.<key>`. Every binding renders against the context before the step.
 */
export const executeSet: StepExecutor<SetStep> = async (ctx: StepContext<SetStep>): Promise<StepResult> => {
  const { step } = ctx;
  const agent_name = step.name;
  const started = ctx.clock();
  const elapsed = () => round(ctx.clock() - started);
  ctx.emit('set_started', { agent_name, iteration: ctx.iteration });
  try {
    let output: unknown;
    if (step.values !== undefined) {
      output = Object.fromEntries(
        Object.entries(step.values).map(([key, value]) => [
          key,
          renderValue(value, ctx.scope, templateAt(ctx, `values.${key}`)),
        ]),
      );
    } else if (step.value !== undefined) {
      output = renderValue(step.value, ctx.scope, templateAt(ctx, 'value'));
    } else {
      throw new StepFailure(step.name, 'SetError', `set step "${step.name}" needs value: or values:`);
    }
    ctx.emit('set_completed', {
      agent_name,
      elapsed: elapsed(),
      output_type: jsonTypeOf(output),
      output_keys:
        typeof output === 'object' && output !== null && !Array.isArray(output)
          ? Object.keys(output).sort()
          : [],
      value_repr: valueRepr(output),
      output,
    });
    return { output };
  } catch (error) {
    const { errorType, message } = failureOf(error, ctx);
    ctx.emit('set_failed', { agent_name, elapsed: elapsed(), error_type: errorType, message });
    throw error instanceof StepFailure
      ? error
      : new StepFailure(step.name, errorType, message, { cause: error });
  }
};
