import { describe, expect, it } from 'vitest';
import { BUILT_IN_PRICING, budgetWarningFor, costOf, pricingFor } from './pricing.js';
import type { WorkflowDefinition } from './types.js';

describe('pricingFor', () => {
  it('finds a model of the built-in table by its exact name', () => {
    expect(pricingFor('gpt-4o')).toEqual({
      source: 'built-in',
      key: 'gpt-4o',
      pricing: { input_per_mtok: 2.5, output_per_mtok: 10, cache_read_per_mtok: 0, cache_write_per_mtok: 0 },
    });
    expect(pricingFor('claude-haiku-4.5')?.pricing).toEqual({
      input_per_mtok: 1,
      output_per_mtok: 5,
      cache_read_per_mtok: 0.1,
      cache_write_per_mtok: 1.25,
    });
  });

  it('takes a dated or versioned name as the longest key it extends with "-"', () => {
    expect(pricingFor('claude-sonnet-4-5-20250929')?.key).toBe('claude-sonnet-4-5');
    expect(pricingFor('claude-sonnet-4-20250514')?.key).toBe('claude-sonnet-4');
    expect(pricingFor('gpt-4o-mini-2024-07-18')?.key).toBe('gpt-4o-mini');
    expect(pricingFor('gpt-4o-2024-08-06')?.key).toBe('gpt-4o');
    expect(pricingFor('o1-mini-2024-09-12')?.key).toBe('o1-mini');
  });

  it('does not match a name that only shares a prefix without the "-" (another family)', () => {
    expect(pricingFor('claude-opus-4.7high')).toBeNull();
    expect(pricingFor('gpt-4oo')).toBeNull();
    expect(pricingFor('llama3')).toBeNull();
  });

  it("prefers the workflow's cost.pricing, by exact name only, with cache rates defaulting to 0", () => {
    const pricing = {
      'gpt-4o': { input_per_mtok: 1, output_per_mtok: 1 },
      house: { input_per_mtok: 7, output_per_mtok: 9 },
    };
    expect(pricingFor('gpt-4o', pricing)).toMatchObject({
      source: 'workflow',
      pricing: { input_per_mtok: 1 },
    });
    expect(pricingFor('house', pricing)?.pricing).toEqual({
      input_per_mtok: 7,
      output_per_mtok: 9,
      cache_read_per_mtok: 0,
      cache_write_per_mtok: 0,
    });
    // Not a prefix match: a dated gpt-4o falls back to the table.
    expect(pricingFor('gpt-4o-2024-08-06', pricing)?.source).toBe('built-in');
    expect(pricingFor('house-2', pricing)).toBeNull();
  });

  it('holds the rows of the original table', () => {
    const rows: Array<[string, number, number, number, number]> = [
      ['gpt-4.1', 2, 8, 0, 0],
      ['gpt-5.3-codex', 2, 8, 0, 0],
      ['gpt-5-mini', 0.15, 0.6, 0, 0],
      ['gpt-4-turbo', 10, 30, 0, 0],
      ['gpt-3.5-turbo', 0.5, 1.5, 0, 0],
      ['o1-preview', 15, 60, 0, 0],
      ['o3-mini', 1.1, 4.4, 0, 0],
      ['claude-opus-4.6-1m', 5, 25, 0.5, 6.25],
      ['claude-3-7-sonnet', 3, 15, 0.3, 3.75],
      ['claude-opus-4', 15, 75, 1.5, 18.75],
      ['claude-3-haiku', 0.25, 1.25, 0.03, 0.3],
      ['claude-3.5-haiku', 0.8, 4, 0.08, 1],
      ['gemini-3.1-pro-preview', 1.25, 5, 0, 0],
      ['gemini-3.5-flash', 0.3, 2.5, 0, 0],
    ];
    for (const [model, input, output, read, write] of rows) {
      expect(BUILT_IN_PRICING[model], model).toEqual({
        input_per_mtok: input,
        output_per_mtok: output,
        cache_read_per_mtok: read,
        cache_write_per_mtok: write,
      });
    }
  });
});

describe('costOf', () => {
  const sonnet = {
    input_per_mtok: 3,
    output_per_mtok: 15,
    cache_read_per_mtok: 0.3,
    cache_write_per_mtok: 3.75,
  };

  it('prices input and output per million tokens', () => {
    expect(costOf({ input: 1_000_000, output: 1_000_000, cacheRead: 0, cacheWrite: 0 }, sonnet)).toBe(18);
    expect(costOf({ input: 1000, output: 500, cacheRead: 0, cacheWrite: 0 }, sonnet)).toBeCloseTo(0.0105, 12);
  });

  it('takes cached tokens out of the input and prices them at their own rates', () => {
    // 10,000 input of which 6,000 read from the cache and 2,000 written to it; 500 output:
    // (2,000 × 3 + 500 × 15 + 6,000 × 0.3 + 2,000 × 3.75) / 1e6
    expect(costOf({ input: 10_000, output: 500, cacheRead: 6000, cacheWrite: 2000 }, sonnet)).toBeCloseTo(
      0.0228,
      12,
    );
  });

  it('keeps cached tokens priced as input when their rate is 0', () => {
    const gpt4o = { input_per_mtok: 2.5, output_per_mtok: 10 };
    expect(costOf({ input: 10_000, output: 0, cacheRead: 6000, cacheWrite: 0 }, gpt4o)).toBeCloseTo(
      0.025,
      12,
    );
  });

  it('never prices a negative input (cache counts above the input)', () => {
    expect(costOf({ input: 100, output: 0, cacheRead: 300, cacheWrite: 0 }, sonnet)).toBeCloseTo(0.00009, 12);
  });
});

describe('budgetWarningFor', () => {
  const definition = (settings: Partial<WorkflowDefinition['workflow']>): WorkflowDefinition => ({
    workflow: { name: 'w', entry_point: 'a', ...settings },
    agents: [
      { name: 'a', type: 'agent', prompt: '', model: 'gpt-4o' },
      { name: 'b', type: 'agent', prompt: '' },
      { name: 's', type: 'script', command: 'true' },
    ],
  });

  it('names the models without a price when a budget is set, the default model included', () => {
    expect(budgetWarningFor(definition({ runtime: { default_model: 'local' } }))).toBeNull();
    expect(
      budgetWarningFor(definition({ limits: { budget_usd: 1 }, runtime: { default_model: 'local' } })),
    ).toMatch(/no price is known for model "local"/);
    expect(
      budgetWarningFor(
        definition({
          limits: { budget_usd: 1 },
          runtime: { default_model: 'local' },
          cost: { pricing: { local: { input_per_mtok: 0, output_per_mtok: 0 } } },
        }),
      ),
    ).toBeNull();
  });
});
