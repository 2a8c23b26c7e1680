import type { Attempt, RunState, StepState, UsageTotals } from '@conductor/events';
import { type Edge, MarkerType, type Node } from '@xyflow/react';
import { formatDuration, usageCost } from './format';
import { edgeLabel, type Layout } from './graphLayout';
import { STATUS_LABEL } from './Icon';
import {
  findGroup,
  type GroupView,
  stepKeyIn,
  stepsAt,
  type ViewPath,
  waitingInside,
  workflowStatusAt,
} from './workflowView';

/**
 * The graph panel's nodes and edges: the layout (where things are) joined with the projection (how
 * far they got). Pure, so the graph's statuses are tested without a browser.
 */

export interface StepNodeData extends Record<string, unknown> {
  name: string;
  /** The projection's key of the step (`review/draft` inside a sub-workflow). */
  stepKey: string;
  kind: 'step' | 'end';
  type: string | null;
  status: string;
  attempts: number;
  synthetic: boolean;
  selected: boolean;
  /** A parallel group's member, drawn inside the group. */
  member: boolean;
  /** A `type: workflow` step: the name of the child workflow once it started. */
  subworkflow: { name: string | null } | null;
  /** Gates waiting inside this step's sub-workflow. */
  waitingInside: number;
  /** What every attempt cost (a sub-workflow's calls included); null when it called no model or cost $0. */
  cost: string | null;
  /** How long the latest attempt took, once it finished ("1.2s"); null before. */
  duration: string | null;
  onSelect: (key: string) => void;
}

export interface GroupNodeData extends Record<string, unknown> {
  group: GroupView;
  selected: boolean;
  onSelect: (key: string) => void;
}

export type StepFlowNode = Node<StepNodeData, 'step'>;
export type ParallelFlowNode = Node<GroupNodeData, 'parallel'>;
export type ForEachFlowNode = Node<GroupNodeData, 'forEach'>;
export type FlowNode = StepFlowNode | ParallelFlowNode | ForEachFlowNode;

export interface RouteEdgeData extends Record<string, unknown> {
  points: Array<{ x: number; y: number }>;
  label: { x: number; y: number } | null;
  text: string;
  implicit: boolean;
}

export type RouteFlowEdge = Edge<RouteEdgeData, 'route'>;

export interface NodeSelection {
  selected: string | null;
  onSelect: (key: string) => void;
}

/** The layout's nodes, coloured by the state of the workflow at `path`. */
export function flowNodes(
  layout: Layout,
  state: RunState,
  path: ViewPath,
  { selected, onSelect }: NodeSelection,
): FlowNode[] {
  const finished = workflowStatusAt(state, path) === 'completed';
  return layout.nodes.map((node): FlowNode => {
    const stepKey = stepKeyIn(path, node.id);
    const base = {
      id: node.id,
      position: { x: node.x, y: node.y },
      width: node.width,
      height: node.height,
      draggable: false,
      selectable: false,
    };
    if (node.kind === 'group') {
      const group = findGroup(state, stepKey);
      if (group) {
        const data = { group, selected: selected === stepKey, onSelect };
        return node.groupKind === 'parallel'
          ? { ...base, type: 'parallel', data, zIndex: 0 }
          : { ...base, type: 'forEach', data };
      }
    }
    const step: StepState | undefined = state.steps[stepKey];
    const latest = step?.attempts[step.attempts.length - 1];
    const type = step?.type ?? node.type;
    const isWorkflow = type === 'workflow' || state.subworkflows[stepKey] !== undefined;
    return {
      ...base,
      type: 'step',
      ...(node.parent ? { parentId: node.parent, extent: 'parent' as const, zIndex: 1 } : {}),
      data: {
        name: node.id,
        stepKey,
        kind: node.kind === 'end' ? 'end' : 'step',
        type,
        status: node.kind === 'end' ? (finished ? 'completed' : 'pending') : (step?.status ?? 'pending'),
        attempts: step?.attempt_count ?? 0,
        synthetic: latest?.synthetic ?? false,
        selected: selected === stepKey,
        member: node.parent !== undefined,
        subworkflow: isWorkflow ? { name: state.subworkflows[stepKey]?.graph.name ?? null } : null,
        waitingInside: isWorkflow ? waitingInside(state, stepKey).length : 0,
        cost: step ? nodeCost(step.usage) : null,
        duration: attemptDuration(latest),
        onSelect,
      },
    };
  });
}

/** How long an attempt took, once finished: its recorded elapsed time, else its end less its start. */
export function attemptDuration(attempt: Attempt | undefined): string | null {
  if (!attempt || attempt.finished_at === null) return null;
  const seconds =
    attempt.elapsed ?? (attempt.started_at !== null ? attempt.finished_at - attempt.started_at : null);
  return seconds === null ? null : formatDuration(seconds);
}

/** The layout's edges, labelled with their conditions. */
export function flowEdges(layout: Layout): RouteFlowEdge[] {
  return layout.edges.map((edge) => ({
    id: edge.id,
    source: edge.source,
    target: edge.target,
    type: 'route',
    selectable: false,
    focusable: false,
    zIndex: 2,
    markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: 'var(--edge)' },
    data: {
      points: edge.points,
      label: edge.label,
      text: edgeLabel(edge.conditions, edge.source),
      implicit: edge.implicit,
    },
  }));
}

/** The node to keep in view: the run's current step at the root, the active child step elsewhere. */
export function currentIn(state: RunState, path: ViewPath): string | null {
  if (path.length === 0) return state.run.current_step;
  const active = stepsAt(state, path).find((s) => s.status === 'running' || s.status === 'waiting');
  return active?.name ?? null;
}

/** A smooth path through dagre's routing points. */
export function smoothPath(points: ReadonlyArray<{ x: number; y: number }>): string {
  const [first, ...rest] = points;
  if (!first) return '';
  let d = `M ${first.x} ${first.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i] as { x: number; y: number };
    const next = rest[i + 1] as { x: number; y: number };
    d += ` Q ${p.x} ${p.y} ${(p.x + next.x) / 2} ${(p.y + next.y) / 2}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L ${last.x} ${last.y}`;
  return d;
}

/** What a screen reader says of a step node (its status, attempts, what is inside). */
export function stepNodeLabel(data: StepNodeData): string {
  const { name, attempts, subworkflow, waitingInside: waiting, cost } = data;
  return `${name}: ${statusLabel(data.status)}${attempts > 1 ? `, ${attempts} attempts` : ''}${
    subworkflow ? ', sub-workflow' : ''
  }${waiting > 0 ? ', a gate inside is waiting' : ''}${cost ? `, cost ${cost}` : ''}. Show details`;
}

export function statusLabel(status: string): string {
  return STATUS_LABEL[status as keyof typeof STATUS_LABEL] ?? status;
}

/** "4/6 done · 1 failed · 1 running", or why there is nothing to count yet. */
export function groupCountsText(group: GroupView): string {
  if (group.state === null && group.completed + group.failed + group.running === 0) {
    if (group.status === 'skipped') return 'Skipped';
    return group.kind === 'for_each' ? 'Not started' : `${group.total} members · not started`;
  }
  const parts = [`${group.completed}/${group.total} done`];
  if (group.failed > 0) parts.push(`${group.failed} failed`);
  if (group.running > 0) parts.push(`${group.running} running`);
  return parts.join(' · ');
}

/** A group's name and kind: "research, parallel group". */
function groupName(group: GroupView): string {
  return `${group.name}, ${group.kind === 'parallel' ? 'parallel group' : 'for-each group'}`;
}

/** What a screen reader says of a group node: name, kind, status, counts and cost. */
export function groupLabel(group: GroupView): string {
  const cost = groupCost(group);
  return `${groupName(group)}, ${statusLabel(group.status)}: ${groupCountsText(group)}${cost ? `, cost ${cost}` : ''}. Show details`;
}

/** What a group's members or items cost, or null when none called a model (or all were free). */
export function groupCost(group: GroupView): string | null {
  return group.state ? nodeCost(group.state.usage) : null;
}

/**
 * A node's cost: what its calls cost, unless nothing (a free or mock model), which a graph of such runs would
 * repeat on every node; the details and the run's total still say $0.00.
 */
function nodeCost(usage: UsageTotals): string | null {
  return usage.cost_usd === 0 && usage.unpriced === 0 ? null : usageCost(usage);
}

/** Below this zoom a whole-graph fit is unreadable: keep this zoom and let the panel scroll instead. */
export const MIN_FIT_ZOOM = 0.72;
export const FIT_PAD = 16;

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/**
 * The viewport that fits a drawing of `bounds` into a pane: centred and at most 1:1, or, when a whole
 * fit would be smaller than MIN_FIT_ZOOM, top-aligned at a readable zoom (the pane then scrolls).
 */
export function fitViewport(
  bounds: { width: number; height: number },
  pane: { width: number; height: number },
): Viewport | null {
  const width = pane.width - 2 * FIT_PAD;
  const height = pane.height - 2 * FIT_PAD;
  if (bounds.width === 0 || width <= 0 || height <= 0) return null;
  const whole = Math.min(1, width / bounds.width, height / bounds.height);
  const fits = whole >= MIN_FIT_ZOOM;
  const zoom = fits ? whole : Math.max(MIN_FIT_ZOOM, Math.min(1, width / bounds.width));
  return {
    x: FIT_PAD + (width - bounds.width * zoom) / 2,
    y: fits ? FIT_PAD + (height - bounds.height * zoom) / 2 : FIT_PAD,
    zoom,
  };
}

/**
 * How far to scroll the viewport vertically so a node spanning `top`..`bottom` (screen pixels) shows
 * in a pane `paneHeight` high; 0 when it already does.
 */
export function scrollToShow(top: number, bottom: number, paneHeight: number): number {
  if (top >= 0 && bottom <= paneHeight) return 0;
  return top < 0 ? FIT_PAD - top : paneHeight - FIT_PAD - bottom;
}
