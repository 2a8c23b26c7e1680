/**
 * Tokens and cost of one agent step, summed over every model call it made (a tool loop's rounds, the
 * corrections after an answer that did not match `output:`, its validator, its dialog). Each call is priced on its own, by the model
 * that answered it: the workflow's `cost.pricing` first, then the provider's own figure (`costUsd`), then
 * the built-in table; a call none of them prices costs null, and so does a step none of whose calls is.
 */
import type { CompletionResult } from '../providers/types.js';
import { costOf, pricingFor } from '../workflow/pricing.js';
import type { ModelPricing } from '../workflow/types.js';

/** One model call, as `agent_completed.calls` lists it (a type, so it fits the events' loose records). */
export type CallUsage = {
  model: string;
  /** Every input token, cached ones included. */
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  cost_usd: number | null;
  /** The usage row the call counts in when it is not the step's own answer: `<step> (validator)`. */
  row?: string;
};

/** What `agent_completed` and `agent_failed` say of a step's usage. */
export interface UsageFields {
  tokens: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  /** The sum over priced calls; null when no call was priced. */
  cost_usd: number | null;
  calls: CallUsage[];
}

export class StepUsage {
  readonly calls: CallUsage[] = [];

  constructor(private readonly pricing?: Readonly<Record<string, ModelPricing>>) {}

  /**
   * Records one call's answer; returns how it was counted. `row` names the usage row of a call made
   * beside the step's answer (`review (validator)`); it still counts in the step's totals.
   */
  add(answer: CompletionResult, row?: string): CallUsage {
    const call: CallUsage = {
      model: answer.model,
      input_tokens: answer.inputTokens ?? null,
      output_tokens: answer.outputTokens ?? null,
      cache_read_tokens: answer.cacheReadTokens ?? null,
      cache_write_tokens: answer.cacheWriteTokens ?? null,
      cost_usd: this.costOf(answer),
      ...(row === undefined ? {} : { row }),
    };
    this.calls.push(call);
    return call;
  }

  private costOf(answer: CompletionResult): number | null {
    const reported = answer.inputTokens !== undefined || answer.outputTokens !== undefined;
    const tokens = {
      input: answer.inputTokens ?? 0,
      output: answer.outputTokens ?? 0,
      cacheRead: answer.cacheReadTokens ?? 0,
      cacheWrite: answer.cacheWriteTokens ?? 0,
    };
    const price = pricingFor(answer.model, this.pricing);
    if (price?.source === 'workflow' && reported) return costOf(tokens, price.pricing);
    if (answer.costUsd !== undefined) return answer.costUsd;
    return price && reported ? costOf(tokens, price.pricing) : null;
  }

  fields(): UsageFields {
    const sum = (key: keyof Omit<CallUsage, 'model' | 'row'>): number | null =>
      this.calls.reduce<number | null>((total, call) => {
        const value = call[key];
        return value === null ? total : (total ?? 0) + value;
      }, null);
    const input = sum('input_tokens');
    const output = sum('output_tokens');
    return {
      tokens: input === null && output === null ? null : (input ?? 0) + (output ?? 0),
      input_tokens: input,
      output_tokens: output,
      cache_read_tokens: sum('cache_read_tokens'),
      cache_write_tokens: sum('cache_write_tokens'),
      cost_usd: sum('cost_usd'),
      calls: [...this.calls],
    };
  }
}
