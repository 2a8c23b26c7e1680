import type { RunState, WorkflowGraph } from '@conductor/events';
import dagre from '@dagrejs/dagre';
import { graphAt, pathKey, stepsAt, type ViewPath } from './workflowView';

/** The shape of a workflow (what is drawn where), independent of the run's progress. */
export interface LayoutNode {
  /** The name in its workflow (unique there: steps and groups share one namespace). */
  id: string;
  kind: 'step' | 'group' | 'end';
  /** For groups: parallel or for-each. */
  groupKind?: 'parallel' | 'for_each';
  type: string | null;
  /** A parallel group's member: drawn inside the group, at `x`/`y` relative to it. */
  parent?: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LayoutEdge {
  id: string;
  source: string;
  target: string;
  /** `when` conditions of the routes it stands for ('' for unconditional). */
  conditions: string[];
  /** The step has no routes: it ends the workflow (not a declared route). */
  implicit: boolean;
  points: Array<{ x: number; y: number }>;
  label: { x: number; y: number } | null;
}

export interface Layout {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  /** The whole drawing, edges and labels included (node bounds alone would clip back edges). */
  width: number;
  height: number;
}

export const END = '$end';
const STEP = { width: 208, height: 56 };
const END_SIZE = { width: 96, height: 36 };
const FOR_EACH = { width: 236, height: 108 };
/** A parallel group: a header, then its members in a grid of at most MEMBER_COLUMNS columns. */
export const PARALLEL = { header: 54, pad: 10, gap: 10, member: { width: 172, height: 52 } };
const MEMBER_COLUMNS = 2;
const LABEL_MAX = 26;

export function truncate(text: string, max = LABEL_MAX): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** What the graph panel draws for the workflow at `path`. */
export interface GraphSource {
  graph: WorkflowGraph | null;
  /** Steps of this workflow seen in events (a log without workflow_started still draws them). */
  steps: Array<{ name: string; type: string | null }>;
}

export function graphSourceAt(state: RunState, path: ViewPath): GraphSource {
  return {
    graph: graphAt(state, path),
    steps: stepsAt(state, path).map((s) => ({ name: s.name, type: s.type })),
  };
}

/** A key that changes only when the drawing would: the view, its steps, groups and routes. */
export function layoutKey(state: RunState, path: ViewPath): string {
  const graph = graphAt(state, path);
  return JSON.stringify([
    pathKey(path),
    graph?.agents.map((a) => [a.name, a.type ?? null]),
    graph?.routes,
    graph?.parallel_groups,
    graph?.for_each_groups.map((g) => g.name),
    stepsAt(state, path).map((s) => s.name),
  ]);
}

export function layoutGraph({ graph, steps }: GraphSource): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 32, ranksep: 44, edgesep: 14, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));

  /** Member → its parallel group. */
  const groupOf = new Map<string, string>();
  for (const group of graph?.parallel_groups ?? [])
    for (const member of group.agents) if (!groupOf.has(member)) groupOf.set(member, group.name);

  const nodes = new Map<string, Omit<LayoutNode, 'x' | 'y'>>();
  const members: LayoutNode[] = [];
  const addNode = (node: Omit<LayoutNode, 'x' | 'y'>) => {
    if (!nodes.has(node.id) && !groupOf.has(node.id)) nodes.set(node.id, node);
  };
  const types = new Map((graph?.agents ?? []).map((a) => [a.name, a.type ?? null]));

  if (graph) {
    for (const agent of graph.agents)
      addNode({ id: agent.name, kind: 'step', type: agent.type ?? null, ...STEP });
    for (const group of graph.parallel_groups) {
      const box = parallelBox(group.agents.length);
      addNode({ id: group.name, kind: 'group', groupKind: 'parallel', type: 'parallel', ...box.size });
      group.agents.forEach((member, i) => {
        const at = box.memberAt(i);
        members.push({
          id: member,
          kind: 'step',
          type: types.get(member) ?? null,
          parent: group.name,
          ...at,
          ...PARALLEL.member,
        });
      });
    }
    for (const group of graph.for_each_groups)
      addNode({ id: group.name, kind: 'group', groupKind: 'for_each', type: 'for_each', ...FOR_EACH });
  }
  for (const step of steps) addNode({ id: step.name, kind: 'step', type: step.type, ...STEP });

  const edges = new Map<string, Omit<LayoutEdge, 'points' | 'label'>>();
  const addEdge = (from: string, to: string, when: string | null, implicit = false) => {
    // Routes of members are not taken (the group's are); a route to a member runs into its group.
    if (groupOf.has(from)) return;
    const target = groupOf.get(to) ?? to;
    for (const end of [from, target]) {
      if (end === END) addNode({ id: END, kind: 'end', type: null, ...END_SIZE });
      else addNode({ id: end, kind: 'step', type: null, ...STEP });
    }
    const id = `${from}->${target}`;
    const edge = edges.get(id) ?? { id, source: from, target, conditions: [], implicit };
    edge.conditions.push(when ?? '');
    edges.set(id, edge);
  };
  if (graph) {
    for (const route of graph.routes) addEdge(route.from, route.to, route.when ?? null);
    addNode({ id: END, kind: 'end', type: null, ...END_SIZE });
    // A step or group without routes ends the workflow: draw that too (unless the log carries no routes
    // at all, as some older logs do: then nothing is known about how steps connect).
    const routed = new Set(graph.routes.map((r) => r.from));
    if (graph.routes.length > 0 || nodes.size <= 2)
      for (const node of [...nodes.values()])
        if (node.kind !== 'end' && !routed.has(node.id)) addEdge(node.id, END, null, true);
  }

  for (const node of nodes.values()) g.setNode(node.id, { width: node.width, height: node.height });
  for (const edge of edges.values()) {
    const text = edgeLabel(edge.conditions, edge.source);
    g.setEdge(
      edge.source,
      edge.target,
      text ? { width: Math.min(text.length, LABEL_MAX) * 6.4 + 16, height: 20, labelpos: 'c' } : {},
    );
  }
  dagre.layout(g);
  const size = g.graph() as { width?: number; height?: number };

  return {
    width: size.width ?? 0,
    height: size.height ?? 0,
    // Parents before their members (React Flow needs them first).
    nodes: [
      ...[...nodes.values()].map((node) => {
        const placed = g.node(node.id);
        return { ...node, x: placed.x - node.width / 2, y: placed.y - node.height / 2 };
      }),
      ...members,
    ],
    edges: [...edges.values()].map((edge) => {
      const placed = g.edge(edge.source, edge.target) as {
        points?: Array<{ x: number; y: number }>;
        x?: number;
        y?: number;
      };
      return {
        ...edge,
        points: placed.points ?? [],
        label:
          edgeLabel(edge.conditions, edge.source) && placed.x !== undefined && placed.y !== undefined
            ? { x: placed.x, y: placed.y }
            : null,
      };
    }),
  };
}

/** A parallel group's box for `count` members, and where each member sits inside it. */
function parallelBox(count: number) {
  const { header, pad, gap, member } = PARALLEL;
  const columns = Math.max(1, Math.min(MEMBER_COLUMNS, count));
  const rows = Math.max(1, Math.ceil(count / columns));
  const inner = columns * member.width + (columns - 1) * gap;
  const width = Math.max(STEP.width, inner + 2 * pad);
  const height = header + rows * member.height + (rows - 1) * gap + pad;
  const left = (width - inner) / 2;
  return {
    size: { width, height },
    memberAt: (i: number) => ({
      x: left + (i % columns) * (member.width + gap),
      y: header + Math.floor(i / columns) * (member.height + gap),
    }),
  };
}

/**
 * The text on an edge: its conditions, unconditional routes shown as nothing. A gate's option routes
 * (`approve.output.value == 'publish'`) read as the option's value.
 */
export function edgeLabel(conditions: readonly string[], source?: string): string {
  const named = conditions.filter((c) => c.trim() !== '').map((c) => optionOf(c, source) ?? c);
  if (named.length === 0) return '';
  return named.length < conditions.length ? `${named.join(' | ')} | else` : named.join(' | ');
}

function optionOf(condition: string, source: string | undefined): string | null {
  if (!source) return null;
  const prefix = `${source}.output.value == '`;
  if (!condition.startsWith(prefix) || !condition.endsWith("'")) return null;
  const value = condition.slice(prefix.length, -1);
  return value.includes("'") ? null : `“${value}”`;
}
