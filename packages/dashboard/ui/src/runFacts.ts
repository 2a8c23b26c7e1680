import type { RunState } from '@conductor/events';
import { findGroup, graphAt, stepKeyIn, stepsAt, type ViewPath } from './workflowView';

/**
 * The numbers the page shows of a run, each derived once here: the graph's header, the run panel and the
 * header read them from these functions, so they cannot disagree.
 */

/** How far the nodes of a workflow got: a step or a whole group counts as one. */
export interface NodeCounts {
  total: number;
  completed: number;
  /** Running, or waiting (a gate, a wait step). */
  active: number;
  failed: number;
  skipped: number;
  pending: number;
  /** for_each items running now, over the workflow's for_each groups. */
  itemsRunning: number;
}

/**
 * The workflow at `path` as its graph draws it: its steps (members of a parallel group inside their
 * group) and its groups, each counted once by status. Steps the log has that the graph does not declare
 * count too.
 */
export function nodeCounts(state: RunState, path: ViewPath = []): NodeCounts {
  const graph = graphAt(state, path);
  const members = new Set((graph?.parallel_groups ?? []).flatMap((g) => g.agents));
  const statuses: string[] = [];
  const seen = new Set<string>();
  let itemsRunning = 0;
  for (const agent of graph?.agents ?? []) {
    seen.add(agent.name);
    if (members.has(agent.name)) continue;
    statuses.push(state.steps[stepKeyIn(path, agent.name)]?.status ?? 'pending');
  }
  for (const step of stepsAt(state, path)) {
    if (seen.has(step.name) || members.has(step.name)) continue;
    seen.add(step.name);
    statuses.push(step.status);
  }
  const groupNames = [
    ...(graph?.parallel_groups ?? []).map((g) => g.name),
    ...(graph?.for_each_groups ?? []).map((g) => g.name),
  ];
  // The root's groups the projection knows but no graph declares (a log without its graph).
  if (path.length === 0)
    for (const key of Object.keys(state.groups)) if (!key.includes('/')) groupNames.push(key);
  for (const name of new Set(groupNames)) {
    if (seen.has(name)) continue;
    const group = findGroup(state, stepKeyIn(path, name));
    if (!group) continue;
    statuses.push(group.status);
    if (group.kind === 'for_each') itemsRunning += group.running;
  }
  const count = (...wanted: string[]) => statuses.filter((s) => wanted.includes(s)).length;
  return {
    total: statuses.length,
    completed: count('completed'),
    active: count('running', 'waiting'),
    failed: count('failed'),
    skipped: count('skipped'),
    pending: count('pending'),
    itemsRunning,
  };
}

/** "4/7 completed": the graph header. */
export function completedText(counts: NodeCounts): string {
  return `${counts.completed}/${counts.total} completed`;
}

/** "4 completed · 1 active (3 items running) · 0 failed · 2 pending": the run panel. */
export function countsText(counts: NodeCounts): string {
  const items =
    counts.itemsRunning > 0
      ? ` (${counts.itemsRunning} item${counts.itemsRunning === 1 ? '' : 's'} running)`
      : '';
  const parts = [
    `${counts.completed} completed`,
    `${counts.active} active${items}`,
    `${counts.failed} failed`,
    `${counts.pending} pending`,
  ];
  if (counts.skipped > 0) parts.push(`${counts.skipped} skipped`);
  return parts.join(' · ');
}

/**
 * The step the run is at: a gate waiting for a person comes first (the run waits on it whatever else
 * the log last named), then the step the projection last started.
 */
export function currentStepOf(state: RunState): string | null {
  if (state.run.status !== 'running' && state.run.status !== 'pending') return state.run.current_step;
  const gates = Object.values(state.gates).sort((a, b) => a.seq - b.seq);
  if (gates[0]) return gates[0].step;
  return state.run.current_step;
}
