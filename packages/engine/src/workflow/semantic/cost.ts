/**
 * Cost and budget: a budget over models without a price cannot be enforced (a warning naming them), and
 * a `budget_mode` without `budget_usd` does nothing.
 */
import { looksLikeTemplate } from '../../template/analyze.js';
import { unpricedBudgetWarning } from '../pricing.js';
import { isPlainObject, type Raw } from '../raw.js';
import type { ModelPricing } from '../types.js';
import type { SemanticContext } from './context.js';

export function checkBudget(ctx: SemanticContext): void {
  const limits = isPlainObject(ctx.settings.limits) ? ctx.settings.limits : {};
  const budget = typeof limits.budget_usd === 'number' ? limits.budget_usd : undefined;
  if (budget === undefined) {
    if (limits.budget_mode !== undefined) {
      ctx.warning(
        ['workflow', 'limits', 'budget_mode'],
        'limits.budget_mode has no effect without limits.budget_usd',
        {
          hint: 'Set limits.budget_usd to the spend (US dollars) to watch.',
        },
      );
    }
    return;
  }
  const cost = isPlainObject(ctx.settings.cost) ? ctx.settings.cost : {};
  const pricing = isPlainObject(cost.pricing) ? (cost.pricing as Record<string, ModelPricing>) : undefined;
  const message = unpricedBudgetWarning(budget, declaredModels(ctx), pricing);
  if (message) ctx.warning(['workflow', 'limits', 'budget_usd'], message);
}

/** The models agent steps name (their own, else runtime.default_model), templates left out. */
function declaredModels(ctx: SemanticContext): string[] {
  const runtime = isPlainObject(ctx.settings.runtime) ? ctx.settings.runtime : {};
  const fallback = typeof runtime.default_model === 'string' ? runtime.default_model : undefined;
  const models: string[] = [];
  const add = (step: Raw) => {
    if ((step.type ?? 'agent') !== 'agent') return;
    const model = typeof step.model === 'string' ? step.model : fallback;
    if (model !== undefined && model !== '' && !looksLikeTemplate(model)) models.push(model);
  };
  for (const step of ctx.steps) if (step.checked) add(step.raw);
  for (const group of ctx.groups) {
    if (group.kind === 'for_each' && group.checked && isPlainObject(group.raw.agent)) add(group.raw.agent);
  }
  return models;
}
