import type { SetStep } from '../workflow/types.js';
import { failureOf, round, templateAt } from './common.js';
import { StepFailure } from './errors.js';
import { SetTypeError, typeSetValue } from './set-types.js';
import type { StepContext, StepExecutor, StepResult } from './types.js';
import { jsonSafe, jsonTypeOf, renderValue, valueRepr } from './values.js';

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
    // Awaited only when a render went to a worker: a quick set step starts and completes in one go,
    // so in a group its events are not interleaved with its siblings'.
    if (step.values !== undefined) {
      const values: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(step.values)) {
        const rendered = renderValue(ctx.templates, value, ctx.scope, templateAt(ctx, `values.${key}`));
        values[key] = rendered instanceof Promise ? await rendered : rendered;
      }
      output = values;
    } else if (step.value !== undefined) {
      const rendered = renderValue(ctx.templates, step.value, ctx.scope, templateAt(ctx, 'value'));
      const value = rendered instanceof Promise ? await rendered : rendered;
      try {
        output = jsonSafe(typeSetValue(value, step.output_type));
      } catch (error) {
        if (!(error instanceof SetTypeError)) throw error;
        throw new StepFailure(
          step.name,
          'SetError',
          `set step "${step.name}": the value ${error.message}, as output_type ${step.output_type} requires`,
        );
      }
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
