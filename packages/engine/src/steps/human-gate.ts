import type { GateChoice } from '../gates/broker.js';
import type { HumanGateStep } from '../workflow/types.js';
import { failureOf, round, templateAt } from './common.js';
import { StepFailure } from './errors.js';
import type { StepContext, StepExecutor, StepResult } from './types.js';

/** What a gate step's output is: `<gate>.output.value`, `.selected` (the same), `.label`, `.additional_input`. */
export interface GateOutput {
  selected: string;
  value: string;
  label: string;
  additional_input: Record<string, string>;
}

/** The options of a gate as answerers and `gate_presented` see them. */
export function gateChoices(step: HumanGateStep): GateChoice[] {
  return step.options.map((option) => ({
    label: option.label,
    value: option.value,
    route: option.route ?? null,
    ...(option.prompt_for === undefined ? {} : { prompt_for: option.prompt_for }),
    ...(option.multiline === undefined ? {} : { multiline: option.multiline }),
    ...(option.description === undefined ? {} : { description: option.description }),
  }));
}

/**
 * The route a gate's answer takes: the chosen option's `route`, or null when it has none (then the
 * step's `routes` decide, with the output in scope).
 */
export function gateRoute(step: HumanGateStep, output: unknown): string | null {
  const value =
    typeof output === 'object' && output !== null ? (output as { value?: unknown }).value : undefined;
  return step.options.find((option) => option.value === value)?.route ?? null;
}

/**
 * Presents the rendered prompt and options (`gate_presented`), waits for the first answer (resolver,
 * `run.answerGate`, `skipGates`) and records it (`gate_resolved`). A stop while waiting fails the step
 * as interrupted: the checkpoint's current step is the gate, and a resume presents it again.
 */
export const executeHumanGate: StepExecutor<HumanGateStep> = async (
  ctx: StepContext<HumanGateStep>,
): Promise<StepResult> => {
  const { step } = ctx;
  const agent_name = step.name;
  const started = ctx.clock();
  let prompt: string;
  try {
    prompt = await ctx.templates.renderTemplate(step.prompt, ctx.scope, templateAt(ctx, 'prompt'));
  } catch (error) {
    const { errorType, message } = failureOf(error, ctx);
    throw new StepFailure(step.name, errorType, `gate "${step.name}": ${message}`, { cause: error });
  }
  const options = gateChoices(step);
  let answered: Awaited<ReturnType<StepContext['askGate']>>;
  try {
    answered = await ctx.askGate({ step: step.name, prompt, options }, () =>
      ctx.emit('gate_presented', {
        agent_name,
        prompt,
        options,
        iteration: ctx.iteration,
      }),
    );
  } catch (error) {
    const { errorType, message } = failureOf(error, ctx);
    throw error instanceof StepFailure
      ? error
      : new StepFailure(step.name, errorType, `gate "${step.name}": ${message}`, { cause: error });
  }
  const { option, additional_input, source } = answered;
  const output: GateOutput = {
    selected: option.value,
    value: option.value,
    label: option.label,
    additional_input,
  };
  ctx.emit('gate_resolved', {
    agent_name,
    selected_option: option.value,
    label: option.label,
    route: option.route,
    additional_input,
    answered_by: source,
    elapsed: round(ctx.clock() - started),
    output,
  });
  return { output };
};
