import { describe, expect, it } from 'vitest';
import { StepUsage } from './usage.js';

describe('StepUsage', () => {
  it('sums every call of a step and prices each by the model that answered it', () => {
    const usage = new StepUsage();
    usage.add({ text: '', model: 'gpt-4o-2024-08-06', inputTokens: 1000, outputTokens: 100 });
    usage.add({
      text: '',
      model: 'claude-sonnet-4-5-20250929',
      inputTokens: 10_000,
      outputTokens: 500,
      cacheReadTokens: 6000,
      cacheWriteTokens: 2000,
    });
    const fields = usage.fields();
    expect(fields).toMatchObject({
      tokens: 11_600,
      input_tokens: 11_000,
      output_tokens: 600,
      cache_read_tokens: 6000,
      cache_write_tokens: 2000,
    });
    // 1,000 × 2.5 + 100 × 10 = $0.0035, then $0.0228 (the §6 formula).
    expect(fields.calls.map((call) => call.cost_usd)).toEqual([
      expect.closeTo(0.0035, 12),
      expect.closeTo(0.0228, 12),
    ]);
    expect(fields.cost_usd).toBeCloseTo(0.0263, 12);
  });

  it("uses the workflow's price over the provider's figure, and the provider's over the table", () => {
    const usage = new StepUsage({ house: { input_per_mtok: 1, output_per_mtok: 2 } });
    usage.add({ text: '', model: 'house', inputTokens: 1_000_000, outputTokens: 1_000_000, costUsd: 99 });
    usage.add({ text: '', model: 'gpt-4o', inputTokens: 1_000_000, outputTokens: 0, costUsd: 0.5 });
    expect(usage.fields().calls.map((call) => call.cost_usd)).toEqual([3, 0.5]);
  });

  it('leaves cost null when no call has a price, and out of the sum for an unpriced call', () => {
    const unpriced = new StepUsage();
    unpriced.add({ text: '', model: 'llama3', inputTokens: 10, outputTokens: 5 });
    expect(unpriced.fields()).toMatchObject({ tokens: 15, cost_usd: null });
    const mixed = new StepUsage();
    mixed.add({ text: '', model: 'llama3', inputTokens: 10, outputTokens: 5 });
    mixed.add({ text: '', model: 'gpt-4o', inputTokens: 1_000_000, outputTokens: 0 });
    expect(mixed.fields().cost_usd).toBe(2.5);
  });

  it('reports null tokens for a provider that reports no usage', () => {
    const usage = new StepUsage();
    usage.add({ text: '', model: 'gpt-4o' });
    expect(usage.fields()).toMatchObject({ tokens: null, input_tokens: null, cost_usd: null });
  });
});
