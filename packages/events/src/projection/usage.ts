// The usage concern: tokens and cost summed per step (across all its attempts, a sub-workflow's into
// the workflow step that ran it) and per group (its members and items), and the budget's last alarm.
// An attempt's own figures are the steps concern's; the run's totals the run concern's (with addRunUsage).
import type { EventData, EventOf } from '../vocabulary.js';
import { type FoldContext, type Reducers, stepKeyOf } from './context.js';
import { type Attempt, emptyUsage, type RunState, type UsageTotals } from './state.js';

export type UsageData = EventData<'agent_completed'> | EventData<'agent_failed'>;

/** Whether an agent event reports usage (a step that failed before calling the model does not). */
export function hasUsage(data: UsageData): boolean {
  return (
    data.tokens != null ||
    data.input_tokens != null ||
    data.output_tokens != null ||
    data.cost_usd != null ||
    (data.calls?.length ?? 0) > 0
  );
}

/** An attempt's usage fields, as the event reports them. */
export function attemptUsage(data: UsageData): Partial<Attempt> {
  return {
    model: data.model ?? null,
    tokens: data.tokens ?? null,
    input_tokens: data.input_tokens ?? null,
    output_tokens: data.output_tokens ?? null,
    cache_read_tokens: data.cache_read_tokens ?? null,
    cache_write_tokens: data.cache_write_tokens ?? null,
    cost_usd: data.cost_usd ?? null,
  };
}

function added(totals: UsageTotals, data: UsageData): UsageTotals {
  const input = data.input_tokens ?? 0;
  const output = data.output_tokens ?? 0;
  const tokens = data.tokens ?? input + output;
  const cost = data.cost_usd ?? null;
  return {
    attempts: totals.attempts + 1,
    tokens: totals.tokens + tokens,
    input_tokens: totals.input_tokens + input,
    output_tokens: totals.output_tokens + output,
    cache_read_tokens: totals.cache_read_tokens + (data.cache_read_tokens ?? 0),
    cache_write_tokens: totals.cache_write_tokens + (data.cache_write_tokens ?? 0),
    cost_usd: cost === null ? totals.cost_usd : (totals.cost_usd ?? 0) + cost,
    unpriced: totals.unpriced + (cost === null && tokens > 0 ? 1 : 0),
  };
}

/** Adds an agent attempt's usage to the run's totals (the run concern's part). */
export function addRunUsage(state: RunState, data: UsageData): RunState {
  if (!hasUsage(data)) return state;
  const usage = added(state.run.usage, data);
  return {
    ...state,
    run: {
      ...state.run,
      usage,
      totals: {
        tokens: usage.tokens,
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        cost_usd: usage.cost_usd ?? 0,
      },
    },
  };
}

/**
 * Adds an agent attempt's usage to its group (a member's or an item's), to the workflow steps whose
 * sub-workflows it ran in, and, unless it is a for_each item (items are not steps), to its step.
 */
export function addStepUsage(
  state: RunState,
  data: UsageData,
  ctx: FoldContext,
  { item }: { item: boolean },
): RunState {
  if (!hasUsage(data)) return state;
  const steps = { ...state.steps };
  const keys = ctx.path.map((_, i) => ctx.path.slice(0, i + 1).join('/'));
  if (!item) keys.push(stepKeyOf(data.agent_name, ctx.path));
  for (const key of keys) {
    const step = steps[key];
    if (step) steps[key] = { ...step, usage: added(step.usage, data) };
  }
  if (!item) {
    const key = stepKeyOf(data.agent_name, ctx.path);
    const step = steps[key];
    const rows = rowsOf(data);
    if (step && rows.size > 0) {
      const usage_rows = { ...step.usage_rows };
      for (const [row, usage] of rows) usage_rows[row] = added(usage_rows[row] ?? emptyUsage(), usage);
      steps[key] = { ...step, usage_rows };
    }
  }
  let groups = state.groups;
  const groupKey = data.group_name === undefined ? undefined : stepKeyOf(data.group_name, ctx.path);
  const group = groupKey === undefined ? undefined : groups[groupKey];
  if (groupKey !== undefined && group) {
    groups = { ...groups, [groupKey]: { ...group, usage: added(group.usage, data) } };
  }
  return { ...state, steps, groups };
}

/**
 * The calls of an attempt counted in rows of their own (`calls[].row`, e.g. `review (validator)`),
 * summed by row as an attempt's usage.
 */
function rowsOf(data: UsageData): Map<string, UsageData> {
  const rows = new Map<string, UsageData>();
  for (const call of data.calls ?? []) {
    if (call.row === undefined) continue;
    const sum = rows.get(call.row) ?? { agent_name: data.agent_name };
    const plus = (a: number | null | undefined, b: number | null | undefined) =>
      a == null && b == null ? null : (a ?? 0) + (b ?? 0);
    rows.set(call.row, {
      ...sum,
      input_tokens: plus(sum.input_tokens, call.input_tokens),
      output_tokens: plus(sum.output_tokens, call.output_tokens),
      cache_read_tokens: plus(sum.cache_read_tokens, call.cache_read_tokens),
      cache_write_tokens: plus(sum.cache_write_tokens, call.cache_write_tokens),
      cost_usd: plus(sum.cost_usd, call.cost_usd),
    });
  }
  return rows;
}

/** A for_each item's agent event: items are not steps, but their calls cost the group and the run. */
export function addItemUsage(state: RunState, data: UsageData, ctx: FoldContext): RunState {
  return addStepUsage(addRunUsage(state, data), data, ctx, { item: true });
}

const stepUsage = (state: RunState, event: EventOf<'agent_completed' | 'agent_failed'>, ctx: FoldContext) =>
  addStepUsage(state, event.data, ctx, { item: false });

export const usageReducers: Reducers = {
  agent_completed: stepUsage,
  agent_failed: stepUsage,
  budget_exceeded(state, event, ctx) {
    if (!ctx.atRoot) return state;
    const { data } = event;
    return {
      ...state,
      run: {
        ...state.run,
        budget_exceeded: {
          total_cost_usd: data.total_cost_usd,
          budget_usd: data.budget_usd,
          budget_mode: data.budget_mode,
          agent_name: data.agent_name ?? null,
          seq: event.seq,
        },
      },
    };
  },
};
