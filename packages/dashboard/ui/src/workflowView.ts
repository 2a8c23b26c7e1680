import type { GroupState, RunState, StepState, WorkflowGraph } from '@conductor/events';

/**
 * Where the graph panel looks: the root workflow (`[]`) or a sub-workflow by its parent path
 * (`['review']`, `['review', 'inner']`). Everything here reads the projection; nothing folds events.
 */
export type ViewPath = readonly string[];

export const pathKey = (path: ViewPath): string => path.join('/');

/** The projection's step key of `name` in the workflow at `path` (`review/draft`). */
export const stepKeyIn = (path: ViewPath, name: string): string =>
  path.length === 0 ? name : `${pathKey(path)}/${name}`;

/** The graph of the workflow at `path`: the root's, or the sub-workflow's once it started. */
export function graphAt(state: RunState, path: ViewPath): WorkflowGraph | null {
  if (path.length === 0) return state.graph;
  return state.subworkflows[pathKey(path)]?.graph ?? null;
}

/** The status of the workflow at `path` as a whole. */
export function workflowStatusAt(state: RunState, path: ViewPath): string {
  if (path.length === 0) return state.run.status;
  return state.subworkflows[pathKey(path)]?.status ?? 'pending';
}

/** Whether the workflow at `path` is over: steps and groups that never ran will not run any more. */
export function workflowFinishedAt(state: RunState, path: ViewPath): boolean {
  const status = workflowStatusAt(state, path);
  return status !== 'running' && status !== 'pending';
}

/** The steps that belong directly to the workflow at `path` (not to its own sub-workflows). */
export function stepsAt(state: RunState, path: ViewPath): StepState[] {
  const key = pathKey(path);
  const out: StepState[] = [];
  for (const stepKey of state.step_order) {
    const step = state.steps[stepKey];
    if (step && pathKey(step.subworkflow_path) === key && step.subworkflow_path.length === path.length)
      out.push(step);
  }
  return out;
}

/** A step's sub-workflow, if it is a `type: workflow` step that started one. */
export function subworkflowOf(state: RunState, stepKey: string) {
  return state.subworkflows[stepKey] ?? null;
}

/** Whether a step is a sub-workflow step (by its recorded type, or by the graph that declares it). */
export function isSubworkflowStep(state: RunState, stepKey: string): boolean {
  const step = state.steps[stepKey];
  if (step?.type === 'workflow') return true;
  if (state.subworkflows[stepKey]) return true;
  const { path, name } = splitKey(stepKey);
  return graphAt(state, path)?.agents.some((a) => a.name === name && a.type === 'workflow') ?? false;
}

/** Steps waiting for a decision somewhere below `stepKey` (gates inside its sub-workflows). */
export function waitingInside(state: RunState, stepKey: string): StepState[] {
  const prefix = `${stepKey}/`;
  const out: StepState[] = [];
  for (const key of state.step_order) {
    const step = state.steps[key];
    if (step && step.status === 'waiting' && key.startsWith(prefix)) out.push(step);
  }
  return out;
}

export function splitKey(key: string): { path: string[]; name: string } {
  const parts = key.split('/');
  const name = parts.pop() ?? key;
  return { path: parts, name };
}

/** What the dashboard shows of a group: the projection's counts, completed by its declaration. */
export interface GroupView {
  /** The selection key (`name`, or `parent/name` inside a sub-workflow). */
  key: string;
  name: string;
  path: string[];
  kind: 'parallel' | 'for_each';
  status: string;
  total: number;
  completed: number;
  failed: number;
  running: number;
  /** Parallel: the member step names. */
  members: string[];
  /** for_each: the list it runs over (`plan.output.items`). */
  source: string | null;
  /** for_each: how many items run at once, as declared. */
  maxConcurrent: number | null;
  /** for_each: the body's step type. */
  bodyType: string | null;
  state: GroupState | null;
}

interface ForEachDecl {
  name: string;
  source: string;
  agent_type?: string;
  max_concurrent?: number | null;
}

/** The group `key` names, if the graph at its path declares it (or the projection knows it at the root). */
export function findGroup(state: RunState, key: string): GroupView | null {
  const { path, name } = splitKey(key);
  const graph = graphAt(state, path);
  const parallel = graph?.parallel_groups.find((g) => g.name === name);
  if (parallel) return parallelView(state, path, parallel);
  const forEach = graph?.for_each_groups.find((g) => g.name === name) as ForEachDecl | undefined;
  if (forEach) return forEachView(state, path, forEach);
  const known = path.length === 0 ? state.groups[name] : undefined;
  if (!known) return null;
  return known.kind === 'parallel'
    ? parallelView(state, path, { name, agents: [] })
    : forEachView(state, path, { name, source: '' });
}

/** The projection keys groups like steps: the name, prefixed with the sub-workflow path. */
function groupStateOf(state: RunState, path: ViewPath, name: string): GroupState | null {
  return state.groups[stepKeyIn(path, name)] ?? null;
}

function idleStatus(state: RunState, path: ViewPath): string {
  return workflowFinishedAt(state, path) ? 'skipped' : 'pending';
}

export function parallelView(
  state: RunState,
  path: ViewPath,
  decl: { name: string; agents: string[] },
): GroupView {
  const group = groupStateOf(state, path, decl.name);
  const members = decl.agents;
  const memberSteps = members.map((m) => state.steps[stepKeyIn(path, m)]);
  const count = (...statuses: string[]) =>
    memberSteps.filter((s) => s !== undefined && statuses.includes(s.status)).length;
  // The projection counts finished members; the running ones are read from the members' own steps.
  const finished = group !== null && group.status !== 'running';
  const running = finished ? 0 : count('running', 'waiting');
  const completed = group ? group.completed : count('completed');
  const failed = group ? group.failed : count('failed');
  const derived =
    running > 0
      ? 'running'
      : completed + failed === 0
        ? idleStatus(state, path)
        : completed === 0
          ? 'failed'
          : 'completed';
  return {
    key: stepKeyIn(path, decl.name),
    name: decl.name,
    path: [...path],
    kind: 'parallel',
    status: group?.status ?? derived,
    total: Math.max(group?.total ?? 0, members.length),
    completed,
    failed,
    running,
    members,
    source: null,
    maxConcurrent: null,
    bodyType: null,
    state: group,
  };
}

export function forEachView(state: RunState, path: ViewPath, decl: ForEachDecl): GroupView {
  const group = groupStateOf(state, path, decl.name);
  return {
    key: stepKeyIn(path, decl.name),
    name: decl.name,
    path: [...path],
    kind: 'for_each',
    status: group?.status ?? idleStatus(state, path),
    total: group?.total ?? 0,
    completed: group?.completed ?? 0,
    failed: group?.failed ?? 0,
    running: group?.running ?? 0,
    members: [],
    source: decl.source || null,
    maxConcurrent: typeof decl.max_concurrent === 'number' ? decl.max_concurrent : null,
    bodyType: typeof decl.agent_type === 'string' ? decl.agent_type : null,
    state: group,
  };
}

/**
 * "item 3 (k3)" by its key; without a key (the key is just the index), by the start of its value when
 * known ("item 3 (owls of the north…)"), else "item 3".
 */
export function itemLabel(index: number | null, key: string | null, preview: string | null = null): string {
  const at = index === null ? '?' : String(index);
  if (key !== null && key !== at) return `item ${at} (${key})`;
  return preview ? `item ${at} (${preview})` : `item ${at}`;
}
