import type { RunState, UsageTotals } from '@conductor/events';
import { table } from './table.js';

/**
 * The cost summary printed at the end of a run (the original's `cost.show_summary`): tokens and cost of
 * each top-level step that called a model (a sub-workflow's calls in the step that ran it, a for-each
 * group's items in the group), then the total. It reads the projection of the events this process saw:
 * after a resume, the calls of this resume. Null when no step called a model.
 */
export function costSummary(state: RunState): string | null {
  if (state.run.usage.attempts === 0) return null;
  const rows: string[][] = [];
  for (const key of state.step_order) {
    const step = state.steps[key];
    if (!step || step.subworkflow_path.length > 0 || step.usage.attempts === 0) continue;
    const model = step.type === 'workflow' ? 'sub-workflow' : (step.attempts.at(-1)?.model ?? '');
    rows.push(row(step.name, model, step.usage));
  }
  for (const group of Object.values(state.groups)) {
    if (group.kind !== 'for_each' || group.key.includes('/') || group.usage.attempts === 0) continue;
    rows.push(row(group.name, `${group.usage.attempts} items`, group.usage));
  }
  const total = state.run.usage;
  rows.push(row('total', '', total));
  const note =
    total.unpriced > 0
      ? `${total.unpriced} call${total.unpriced === 1 ? '' : 's'} of a model without a price ${total.unpriced === 1 ? 'is' : 'are'} not in the cost: add ${total.unpriced === 1 ? 'it' : 'them'} to workflow.cost.pricing.\n`
      : '';
  return `Usage and cost\n${table(['step', 'model', 'input', 'output', 'cache read/write', 'cost'], rows)}${note}`;
}

function row(name: string, model: string, usage: UsageTotals): string[] {
  return [
    name,
    model,
    count(usage.input_tokens),
    count(usage.output_tokens),
    `${count(usage.cache_read_tokens)}/${count(usage.cache_write_tokens)}`,
    usage.cost_usd === null ? 'no price' : formatUsd(usage.cost_usd),
  ];
}

const count = (n: number): string => n.toLocaleString('en-US');

/** Dollars: cents from $1 up, four decimals below (model calls often cost fractions of a cent). */
export function formatUsd(value: number): string {
  return value < 1 && value > 0 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}
