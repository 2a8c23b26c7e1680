import type { RunState, WorkflowGraph } from '@conductor/events';
import dagre from '@dagrejs/dagre';

/** The shape of the workflow (what is drawn where), independent of the run's progress. */
export interface LayoutNode {
  id: string;
  kind: 'step' | 'group' | 'end';
  /** For groups: parallel or for-each. */
  groupKind?: 'parallel' | 'for_each';
  type: string | null;
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
  /** A group's member, not a route. */
  member: boolean;
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
const LABEL_MAX = 26;

export function truncate(text: string, max = LABEL_MAX): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A key that changes only when the drawing would: the graph's steps, groups and routes. */
export function layoutKey(state: RunState): string {
  const roots = state.step_order.filter((key) => state.steps[key]?.subworkflow_path.length === 0);
  return JSON.stringify([
    state.graph?.agents.map((a) => a.name),
    state.graph?.routes,
    state.graph?.parallel_groups,
    state.graph?.for_each_groups,
    roots,
  ]);
}

export function layoutGraph(state: RunState): Layout {
  const graph: WorkflowGraph | null = state.graph;
  const g = new dagre.graphlib.Graph({ multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 32, ranksep: 44, edgesep: 14, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));

  const nodes = new Map<string, Omit<LayoutNode, 'x' | 'y'>>();
  const addNode = (node: Omit<LayoutNode, 'x' | 'y'>) => {
    if (!nodes.has(node.id)) nodes.set(node.id, node);
  };

  if (graph) {
    for (const agent of graph.agents)
      addNode({ id: agent.name, kind: 'step', type: agent.type ?? null, ...STEP });
    for (const group of graph.parallel_groups)
      addNode({ id: group.name, kind: 'group', groupKind: 'parallel', type: 'parallel', ...STEP });
    for (const group of graph.for_each_groups)
      addNode({ id: group.name, kind: 'group', groupKind: 'for_each', type: 'for_each', ...STEP });
  }
  // Steps seen in events but not declared (a log without workflow_started): still drawn.
  for (const key of state.step_order) {
    const step = state.steps[key];
    if (step && step.subworkflow_path.length === 0)
      addNode({ id: key, kind: 'step', type: step.type, ...STEP });
  }

  const edges = new Map<string, Omit<LayoutEdge, 'points' | 'label'>>();
  if (graph) {
    for (const route of graph.routes) {
      for (const end of [route.from, route.to]) {
        if (end === END) addNode({ id: END, kind: 'end', type: null, ...END_SIZE });
        else addNode({ id: end, kind: 'step', type: null, ...STEP });
      }
      const id = `${route.from}->${route.to}`;
      const edge = edges.get(id) ?? {
        id,
        source: route.from,
        target: route.to,
        conditions: [],
        member: false,
      };
      edge.conditions.push(route.when ?? '');
      edges.set(id, edge);
    }
    for (const group of graph.parallel_groups) {
      for (const agent of group.agents) {
        addNode({ id: agent, kind: 'step', type: null, ...STEP });
        const id = `${group.name}=>${agent}`;
        edges.set(id, { id, source: group.name, target: agent, conditions: [], member: true });
      }
    }
    addNode({ id: END, kind: 'end', type: null, ...END_SIZE });
  }

  for (const node of nodes.values()) g.setNode(node.id, { width: node.width, height: node.height });
  for (const edge of edges.values()) {
    const text = edgeLabel(edge.conditions);
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
    nodes: [...nodes.values()].map((node) => {
      const placed = g.node(node.id);
      return { ...node, x: placed.x - node.width / 2, y: placed.y - node.height / 2 };
    }),
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
          edgeLabel(edge.conditions) && placed.x !== undefined && placed.y !== undefined
            ? { x: placed.x, y: placed.y }
            : null,
      };
    }),
  };
}

/** The text on an edge: its conditions, unconditional routes shown as nothing. */
export function edgeLabel(conditions: readonly string[]): string {
  const named = conditions.filter((c) => c.trim() !== '');
  if (named.length === 0) return '';
  return named.length < conditions.length ? `${named.join(' | ')} | else` : named.join(' | ');
}
