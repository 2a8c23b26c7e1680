// The groups concern: parallel and for_each groups, counted by their members and items. Items are not
// steps (a group may have thousands): each group keeps only its recent and failed items.
import { itemOutput } from '../bounded.js';
import type { EventKind } from '../kinds.js';
import type { EventData, EventOf } from '../vocabulary.js';
import { errorOf, type FoldContext, keepRecent, type Reducers, stepKeyOf, updateGroup } from './context.js';
import { emptyUsage, type GroupState, type ItemState, MAX_ITEMS_KEPT, type RunState } from './state.js';
import { continuesAttempt, type StepStartType } from './steps.js';

/**
 * Whether an event is a for_each item's own step event (`agent_started` of `each[3]`...): it carries the
 * item's group and index, and is about the item's step, not the group or the item itself. Such events
 * are counted in the group (by its item events), never as steps.
 */
export function isItemStepEvent(data: Record<string, unknown>, kind: EventKind): boolean {
  return (
    typeof data.group_name === 'string' &&
    typeof data.index === 'number' &&
    kind.subject !== 'group' &&
    kind.subject !== 'item'
  );
}

/** An item's step event: while the item's step starts, its group is what is running. */
export function itemStep(state: RunState, kind: EventKind, ctx: FoldContext, group: string): RunState {
  return ctx.atRoot && kind.stepType !== null && kind.phase === 'started' && state.run.current_step !== group
    ? { ...state, run: { ...state.run, current_step: group } }
    : state;
}

function startGroup(
  state: RunState,
  event: EventOf<'parallel_started' | 'for_each_started'>,
  ctx: FoldContext,
) {
  const { group_name: name } = event.data;
  const key = stepKeyOf(name, ctx.path);
  const forEach = event.type === 'for_each_started' ? event.data : null;
  const group: GroupState = {
    key,
    name,
    kind: forEach ? 'for_each' : 'parallel',
    status: 'running',
    total: event.type === 'parallel_started' ? event.data.agents.length : (forEach?.item_count ?? 0),
    running: 0,
    completed: 0,
    failed: 0,
    started_at: event.timestamp,
    finished_at: null,
    failure_mode: event.data.failure_mode ?? null,
    max_concurrent: forEach?.max_concurrent ?? null,
    recent_items: [],
    failed_items: [],
    usage: state.groups[key]?.usage ?? emptyUsage(),
  };
  return { ...state, groups: { ...state.groups, [key]: group } };
}

/** A parallel member starting (a retry after a resume continues the same attempt: not counted twice). */
function memberStarted(state: RunState, event: EventOf<StepStartType>, ctx: FoldContext): RunState {
  const group = event.data.group_name;
  if (!group || continuesAttempt(ctx.before, event, ctx)) return state;
  if (state.groups[stepKeyOf(group, ctx.path)]?.kind !== 'parallel') return state;
  return updateGroup(state, ctx, group, (g) => ({ running: g.running + 1 }));
}

function itemKey(data: { item_key?: unknown }): string | null {
  return data.item_key === undefined || data.item_key === null ? null : String(data.item_key);
}

function itemEnded(
  state: RunState,
  event: EventOf<'for_each_item_completed' | 'for_each_item_failed'>,
  ctx: FoldContext,
): RunState {
  const failed = event.type === 'for_each_item_failed';
  const { data } = event;
  return updateGroup(state, ctx, data.group_name, (g) => {
    const started = g.recent_items.find((item) => item.index === data.index);
    const item: ItemState = {
      index: data.index,
      key: itemKey(data),
      status: failed ? 'failed' : 'completed',
      started_at: started?.started_at ?? null,
      finished_at: event.timestamp,
      elapsed: data.elapsed ?? null,
      ...(event.type === 'for_each_item_completed' ? itemOutput(event.data.output) : {}),
      error: event.type === 'for_each_item_failed' ? errorOf(event.data) : null,
    };
    return {
      running: Math.max(0, g.running - 1),
      completed: g.completed + (failed ? 0 : 1),
      failed: g.failed + (failed ? 1 : 0),
      recent_items: keepRecent(g.recent_items, item),
      failed_items:
        failed && g.failed_items.length < MAX_ITEMS_KEPT ? [...g.failed_items, item] : g.failed_items,
    };
  });
}

function endGroup(
  state: RunState,
  event: { timestamp: number; data: EventData<'parallel_completed' | 'for_each_completed'> },
  ctx: FoldContext,
): RunState {
  const { success_count, failure_count } = event.data;
  return updateGroup(state, ctx, event.data.group_name, () => ({
    running: 0,
    completed: success_count,
    failed: failure_count,
    status: success_count === 0 && failure_count > 0 ? 'failed' : 'completed',
    finished_at: event.timestamp,
  }));
}

export const groupReducers: Reducers = {
  agent_started: memberStarted,
  script_started: memberStarted,
  set_started: memberStarted,
  wait_started: memberStarted,
  subworkflow_started: memberStarted,

  parallel_started: startGroup,
  for_each_started: startGroup,
  for_each_item_started: (state, event, ctx) =>
    updateGroup(state, ctx, event.data.group_name, (g) => ({
      running: g.running + 1,
      recent_items: keepRecent(g.recent_items, {
        index: event.data.index,
        key: itemKey(event.data),
        status: 'running',
        started_at: event.timestamp,
        finished_at: null,
        elapsed: null,
        error: null,
      }),
    })),
  for_each_item_completed: itemEnded,
  for_each_item_failed: itemEnded,
  parallel_agent_completed: (state, event, ctx) =>
    updateGroup(state, ctx, event.data.group_name, (g) => ({
      running: Math.max(0, g.running - 1),
      completed: g.completed + 1,
    })),
  parallel_agent_failed: (state, event, ctx) =>
    updateGroup(state, ctx, event.data.group_name, (g) => ({
      running: Math.max(0, g.running - 1),
      failed: g.failed + 1,
    })),
  parallel_completed: endGroup,
  for_each_completed: endGroup,
};
