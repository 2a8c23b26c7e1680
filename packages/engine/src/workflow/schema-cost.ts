/** The valibot schemas of `workflow.cost` and the budget keys of `workflow.limits` (the original's §6). */
import * as v from 'valibot';

const price = (what: string) =>
  v.pipe(
    v.number(),
    v.minValue(0, `${what} must not be negative`),
    v.description(`${what}: US dollars per million tokens.`),
  );

export const ModelPricingSchema = v.strictObject({
  input_per_mtok: price('input_per_mtok'),
  output_per_mtok: price('output_per_mtok'),
  cache_read_per_mtok: v.optional(price('cache_read_per_mtok')),
  cache_write_per_mtok: v.optional(price('cache_write_per_mtok')),
});

export const CostSchema = v.strictObject({
  show_summary: v.optional(
    v.pipe(v.boolean(), v.description('Print tokens and cost per step at the end of a run (default true).')),
  ),
  show_per_agent: v.optional(v.pipe(v.boolean(), v.description('Accepted for the original format; unused.'))),
  pricing: v.optional(
    v.pipe(
      v.record(v.string(), ModelPricingSchema),
      v.description(
        'Prices by exact model name (as the provider reports it); they win over the built-in price table.',
      ),
    ),
  ),
});

/** `limits.budget_usd` and `limits.budget_mode`. */
export const budgetEntries = {
  budget_usd: v.optional(
    v.pipe(
      v.number(),
      v.gtValue(0, 'limits.budget_usd must be greater than 0'),
      v.description(
        'Spend in US dollars after which budget_exceeded is emitted, checked after each step (priced models only).',
      ),
    ),
  ),
  budget_mode: v.optional(
    v.pipe(
      v.picklist(['audit', 'enforce']),
      v.description('audit (default): warn only. enforce: fail the run with a checkpoint (resumable).'),
    ),
  ),
};
