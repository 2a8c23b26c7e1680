/**
 * What a model call costs (the original's §6): the workflow's `cost.pricing` by exact name, else the
 * built-in table by exact name, else by the longest key K such that the model starts with `K-` (a dated
 * or versioned name: `claude-sonnet-4-5-20250929` is `claude-sonnet-4-5`). A model none of these know has
 * no price: its cost is null, not 0.
 */
import type { ModelPricing, WorkflowDefinition } from './types.js';

const price = (input: number, output: number, cacheRead = 0, cacheWrite = 0): Required<ModelPricing> => ({
  input_per_mtok: input,
  output_per_mtok: output,
  cache_read_per_mtok: cacheRead,
  cache_write_per_mtok: cacheWrite,
});

const each = (names: readonly string[], value: Required<ModelPricing>) =>
  Object.fromEntries(names.map((name) => [name, value]));

/** US dollars per million tokens, as the original's table (input/output, [cache read/write]). */
export const BUILT_IN_PRICING: Readonly<Record<string, Required<ModelPricing>>> = Object.freeze({
  ...each(
    [
      'gpt-4.1',
      'gpt-5.1',
      'gpt-5.2',
      'gpt-5.3',
      'gpt-5.4',
      'gpt-5.5',
      'gpt-5.3-codex',
      'gpt-5.6-sol',
      'gpt-5.6-terra',
      'gpt-5.6-luna',
    ],
    price(2, 8),
  ),
  ...each(['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-5-mini', 'gpt-5.4-mini'], price(0.15, 0.6)),
  'gpt-4o': price(2.5, 10),
  'gpt-4-turbo': price(10, 30),
  'gpt-4': price(30, 60),
  'gpt-3.5-turbo': price(0.5, 1.5),
  ...each(['o1', 'o1-preview'], price(15, 60)),
  'o1-mini': price(3, 12),
  'o3-mini': price(1.1, 4.4),
  ...each(
    [
      'claude-opus-5',
      'claude-opus-4-5',
      'claude-opus-4.5',
      'claude-opus-4.6',
      'claude-opus-4.6-1m',
      'claude-opus-4.7',
      'claude-opus-4.8',
      'opus-4.5',
    ],
    price(5, 25, 0.5, 6.25),
  ),
  ...each(
    [
      'claude-sonnet-5',
      'claude-sonnet-4-5',
      'claude-sonnet-4.5',
      'claude-sonnet-4.6',
      'claude-sonnet-4',
      'sonnet-4.5',
      'claude-3-7-sonnet',
      'claude-3.7-sonnet',
      'claude-3-5-sonnet',
      'claude-3.5-sonnet',
      'claude-3-sonnet',
    ],
    price(3, 15, 0.3, 3.75),
  ),
  ...each(['claude-haiku-4-5', 'claude-haiku-4.5', 'haiku-4.5'], price(1, 5, 0.1, 1.25)),
  ...each(['claude-opus-4', 'claude-3-opus'], price(15, 75, 1.5, 18.75)),
  ...each(['claude-haiku-4', 'claude-3-haiku'], price(0.25, 1.25, 0.03, 0.3)),
  ...each(['claude-3-5-haiku', 'claude-3.5-haiku'], price(0.8, 4, 0.08, 1)),
  'gemini-3.1-pro-preview': price(1.25, 5),
  'gemini-3.5-flash': price(0.3, 2.5),
});

/** Longest first, so `o1-mini-2024` is `o1-mini`, not `o1`. */
const KEYS_LONGEST_FIRST = Object.keys(BUILT_IN_PRICING).sort((a, b) => b.length - a.length);

export interface ResolvedPrice {
  pricing: Required<ModelPricing>;
  /** `workflow` (`cost.pricing`) or `built-in` (the table). */
  source: 'workflow' | 'built-in';
  /** The table's key that matched (the model itself, or the name it extends). */
  key: string;
}

/** The price of `model` from the workflow's `cost.pricing`, else the built-in table; null when unknown. */
export function pricingFor(
  model: string,
  workflowPricing?: Readonly<Record<string, ModelPricing>>,
): ResolvedPrice | null {
  const own = workflowPricing && Object.hasOwn(workflowPricing, model) ? workflowPricing[model] : undefined;
  if (own) return { pricing: complete(own), source: 'workflow', key: model };
  const builtIn = builtInPricing(model);
  return builtIn ? { ...builtIn, source: 'built-in' } : null;
}

function builtInPricing(model: string): { pricing: Required<ModelPricing>; key: string } | null {
  const exact = Object.hasOwn(BUILT_IN_PRICING, model) ? BUILT_IN_PRICING[model] : undefined;
  if (exact) return { pricing: exact, key: model };
  const key = KEYS_LONGEST_FIRST.find((candidate) => model.startsWith(`${candidate}-`));
  const pricing = key === undefined ? undefined : BUILT_IN_PRICING[key];
  return key !== undefined && pricing ? { pricing, key } : null;
}

function complete(pricing: ModelPricing): Required<ModelPricing> {
  return {
    input_per_mtok: pricing.input_per_mtok,
    output_per_mtok: pricing.output_per_mtok,
    cache_read_per_mtok: pricing.cache_read_per_mtok ?? 0,
    cache_write_per_mtok: pricing.cache_write_per_mtok ?? 0,
  };
}

export interface TokenCounts {
  /** Every input token, cached ones included. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * US dollars for one call: cached tokens are taken out of the input and priced at their own rate, unless
 * that rate is 0 (then they stay priced as input):
 * `[max(0, in − cr·[cr_rate>0] − cw·[cw_rate>0])·in_rate + out·out_rate + cr·cr_rate + cw·cw_rate] / 1e6`.
 */
export function costOf(tokens: TokenCounts, pricing: ModelPricing): number {
  const cacheReadRate = pricing.cache_read_per_mtok ?? 0;
  const cacheWriteRate = pricing.cache_write_per_mtok ?? 0;
  const uncached = Math.max(
    0,
    tokens.input - (cacheReadRate > 0 ? tokens.cacheRead : 0) - (cacheWriteRate > 0 ? tokens.cacheWrite : 0),
  );
  return (
    (uncached * pricing.input_per_mtok +
      tokens.output * pricing.output_per_mtok +
      tokens.cacheRead * cacheReadRate +
      tokens.cacheWrite * cacheWriteRate) /
    1e6
  );
}

/**
 * The warning for a budget that cannot be enforced: the models among `models` that have no price (their
 * calls cost null, so the budget never sees them). Null when every one is priced or there is no budget.
 */
export function unpricedBudgetWarning(
  budgetUsd: number | undefined,
  models: Iterable<string>,
  workflowPricing?: Readonly<Record<string, ModelPricing>>,
): string | null {
  if (budgetUsd === undefined) return null;
  const unpriced = [...new Set(models)].filter((model) => pricingFor(model, workflowPricing) === null);
  if (unpriced.length === 0) return null;
  return (
    `limits.budget_usd is $${budgetUsd}, but no price is known for ${unpriced.length === 1 ? 'model' : 'models'} ` +
    `${unpriced.map((m) => `"${m}"`).join(', ')}: their calls cost nothing as far as the budget can tell, so it cannot be enforced for them. ` +
    'Add them to workflow.cost.pricing (input_per_mtok, output_per_mtok).'
  );
}

/** {@link unpricedBudgetWarning} for a loaded workflow: the models its agent steps name (templates aside). */
export function budgetWarningFor(definition: WorkflowDefinition): string | null {
  const settings = definition.workflow;
  if (settings.limits?.budget_usd === undefined) return null;
  const fallback = settings.runtime?.default_model;
  const models: string[] = [];
  const steps: Array<{ type: string; model?: string }> = [
    ...definition.agents,
    ...(definition.for_each ?? []).map((group) => group.agent),
  ];
  for (const step of steps) {
    const model = step.type === 'agent' ? (step.model ?? fallback) : undefined;
    if (model && !/\{\{|\{%/.test(model)) models.push(model);
  }
  return unpricedBudgetWarning(settings.limits.budget_usd, models, settings.cost?.pricing);
}
