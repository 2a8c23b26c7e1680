/**
 * `limits.budget_usd` (the original's §6): the spend of this workflow's agent calls, its sub-workflows'
 * included, checked after each step. Passing the budget emits `budget_exceeded`, and again each time the
 * spend passes another whole budget; in `enforce` mode the first one fails the run (with a checkpoint,
 * like any failure). Spend is what this execution saw: a resume starts again from $0, as the original.
 * Calls without a price (cost null) add nothing, so a budget over unpriced models is never reached.
 */
import type { ConductorEvent, EventBus } from '@conductor/events';
import { StepFailure } from '../steps/errors.js';
import type { LimitsConfig } from '../workflow/types.js';

export interface BudgetMeter {
  /** US dollars spent so far by this execution (priced calls only). */
  readonly spent: number;
  /** After step `name`: emits `budget_exceeded` when spend passed another whole budget; throws in enforce mode. */
  check(name: string): void;
  close(): void;
}

/** A meter of `bus`'s agent events at `path` and below; null when the workflow sets no budget. */
export function createBudgetMeter(
  bus: EventBus,
  path: readonly string[],
  limits: LimitsConfig | undefined,
): BudgetMeter | null {
  const budget = limits?.budget_usd;
  if (budget === undefined) return null;
  const mode = limits?.budget_mode ?? 'audit';
  let spent = 0;
  /** Whole budgets passed so far (alarms already given). */
  let passed = 0;
  const unsubscribe = bus.subscribe((event: ConductorEvent) => {
    if (event.type !== 'agent_completed' && event.type !== 'agent_failed') return;
    const { cost_usd: cost, subworkflow_path: at } = event.data;
    if (typeof cost === 'number' && cost > 0 && within(at, path)) spent += cost;
  });
  return {
    get spent() {
      return spent;
    },
    check(name) {
      // Budgets strictly passed: $1.50 of a $1 budget is one, $2 still one, $2.01 two.
      // (less a hair, so that float sums like 0.1 + 0.2 do not pass a budget they only reach).
      const now = Math.ceil(spent / budget - 1e-9) - 1;
      if (now <= passed) return;
      passed = now;
      bus.emit('budget_exceeded', {
        agent_name: name,
        total_cost_usd: spent,
        budget_usd: budget,
        budget_mode: mode,
        threshold_usd: now * budget,
      });
      if (mode === 'enforce') {
        throw new StepFailure(
          name,
          'BudgetExceededError',
          `the run spent ${usd(spent)}, over its budget of ${usd(budget)} (limits.budget_usd, budget_mode: enforce), after step "${name}". ` +
            'Resume it to go on with a fresh budget (the spend counts from $0 again), or raise limits.budget_usd.',
          { details: { total_cost_usd: spent, budget_usd: budget } },
        );
      }
    },
    close: unsubscribe,
  };
}

function within(at: unknown, path: readonly string[]): boolean {
  if (path.length === 0) return true;
  return Array.isArray(at) && at.length >= path.length && path.every((name, i) => at[i] === name);
}

function usd(value: number): string {
  return `$${value < 0.01 ? value.toPrecision(2) : value.toFixed(2)}`;
}
