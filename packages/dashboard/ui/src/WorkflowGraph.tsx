import type { RunState, StepState } from '@conductor/events';
import {
  BaseEdge,
  type Edge,
  EdgeLabelRenderer,
  type EdgeProps,
  Handle,
  MarkerType,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
} from '@xyflow/react';
import '@xyflow/react/dist/base.css';
import { memo, useCallback, useEffect, useMemo, useRef } from 'react';
import { END, edgeLabel, graphSourceAt, layoutGraph, layoutKey, truncate } from './graphLayout';
import { Icon, STATUS_LABEL, StatusIcon } from './Icon';
import {
  findGroup,
  type GroupView,
  graphAt,
  pathKey,
  stepKeyIn,
  stepsAt,
  type ViewPath,
  waitingInside,
  workflowStatusAt,
} from './workflowView';

interface StepNodeData extends Record<string, unknown> {
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
  onSelect: (key: string) => void;
}

interface GroupNodeData extends Record<string, unknown> {
  group: GroupView;
  selected: boolean;
  onSelect: (key: string) => void;
}

type StepFlowNode = Node<StepNodeData, 'step'>;
type ParallelFlowNode = Node<GroupNodeData, 'parallel'>;
type ForEachFlowNode = Node<GroupNodeData, 'forEach'>;
type FlowNode = StepFlowNode | ParallelFlowNode | ForEachFlowNode;

interface RouteEdgeData extends Record<string, unknown> {
  points: Array<{ x: number; y: number }>;
  label: { x: number; y: number } | null;
  text: string;
  implicit: boolean;
}

type RouteFlowEdge = Edge<RouteEdgeData, 'route'>;

interface WorkflowGraphProps {
  state: RunState;
  /** False until the first state arrived. */
  ready: boolean;
  selected: string | null;
  onSelect: (key: string) => void;
  /** The workflow shown: the root (`[]`) or a sub-workflow by its parent path. */
  path: ViewPath;
  onNavigate: (path: string[]) => void;
}

/** The workflow panel: steps, groups and routes laid out by dagre, coloured by the projection's status. */
export function WorkflowGraph(props: WorkflowGraphProps) {
  const { state, path, onNavigate } = props;
  return (
    <ReactFlowProvider>
      <section className="panel graph-panel" aria-label="Workflow">
        <header className="panel-header">
          <h2 className="panel-title">Workflow</h2>
          <StepCounts state={state} path={path} />
          <ZoomButtons />
        </header>
        {path.length > 0 ? <Breadcrumb state={state} path={path} onNavigate={onNavigate} /> : null}
        {props.ready ? <FlowCanvas {...props} /> : <p className="empty graph-empty">Loading the run…</p>}
      </section>
    </ReactFlowProvider>
  );
}

function StepCounts({ state, path }: { state: RunState; path: ViewPath }) {
  const steps = stepsAt(state, path);
  const done = steps.filter((s) => s.status === 'completed').length;
  return (
    <span className="muted step-counts">
      {done}/{steps.length} completed
    </span>
  );
}

/** Where the panel is: the root workflow › each parent step, each one a way back. */
function Breadcrumb({
  state,
  path,
  onNavigate,
}: {
  state: RunState;
  path: ViewPath;
  onNavigate: (path: string[]) => void;
}) {
  const rootName = state.graph?.name ?? state.run.name ?? 'workflow';
  const childName = graphAt(state, path)?.name ?? null;
  const status = workflowStatusAt(state, path);
  const statusLabel = status.charAt(0).toUpperCase() + status.slice(1);
  return (
    <nav className="breadcrumb" data-testid="breadcrumb" aria-label="Sub-workflow path">
      <ol>
        <li className="crumb-root">
          <button
            type="button"
            className="crumb"
            data-testid="breadcrumb-item"
            data-path=""
            onClick={() => onNavigate([])}
            title={`Back to ${rootName}`}
          >
            <Icon name="up" className="crumb-icon" />
            <span className="crumb-text">{rootName}</span>
          </button>
        </li>
        {path.map((segment, i) => {
          const here = path.slice(0, i + 1);
          const last = i === path.length - 1;
          return (
            <li key={pathKey(here)} className={last ? 'crumb-last' : undefined}>
              <Icon name="chevron" className="crumb-sep" />
              {last ? (
                <span
                  className="crumb is-current"
                  aria-current="page"
                  title={childName ? `${segment}: runs ${childName}` : segment}
                >
                  <span className="crumb-text">{segment}</span>
                </span>
              ) : (
                <button
                  type="button"
                  className="crumb"
                  data-testid="breadcrumb-item"
                  data-path={pathKey(here)}
                  onClick={() => onNavigate(here)}
                  title={`Back to ${pathKey(here)}`}
                >
                  <span className="crumb-text">{segment}</span>
                </button>
              )}
            </li>
          );
        })}
      </ol>
      <span
        className={`crumb-status status-${status}`}
        data-testid="subworkflow-status"
        data-status={status}
        title={`${childName ?? 'Sub-workflow'}: ${statusLabel}`}
      >
        <StatusIcon status={status} />
        <span className="crumb-status-label">{statusLabel}</span>
      </span>
    </nav>
  );
}

function ZoomButtons() {
  const flow = useReactFlow();
  return (
    <fieldset className="zoom-buttons">
      <legend className="visually-hidden">Zoom</legend>
      <button
        type="button"
        className="icon-button"
        onClick={() => void flow.zoomOut({ duration: 150 })}
        aria-label="Zoom out"
      >
        <Icon name="minus" />
      </button>
      <button
        type="button"
        className="icon-button"
        onClick={() => void flow.zoomIn({ duration: 150 })}
        aria-label="Zoom in"
      >
        <Icon name="plus" />
      </button>
      <button
        type="button"
        className="icon-button"
        onClick={() => window.dispatchEvent(new Event(REFIT))}
        aria-label="Fit the graph"
      >
        <Icon name="fit" />
      </button>
    </fieldset>
  );
}

const REFIT = 'conductor:refit-graph';

function FlowCanvas({ state, selected, onSelect, path }: WorkflowGraphProps) {
  const key = layoutKey(state, path);
  // Layout depends on the workflow's shape only: progress re-colours nodes without moving them.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the parts of `state` that matter.
  const layout = useMemo(() => layoutGraph(graphSourceAt(state, path)), [key]);
  const finished = workflowStatusAt(state, path) === 'completed';

  const nodes = useMemo<FlowNode[]>(
    () =>
      layout.nodes.map((node): FlowNode => {
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
            onSelect,
          },
        };
      }),
    [layout, state, selected, onSelect, path, finished],
  );

  const edges = useMemo<RouteFlowEdge[]>(
    () =>
      layout.edges.map((edge) => ({
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
      })),
    [layout],
  );

  const current = currentIn(state, path);
  return (
    <div
      className="graph"
      data-testid={path.length > 0 ? 'subworkflow-graph' : 'workflow-graph'}
      data-path={pathKey(path)}
    >
      <ReactFlow<FlowNode, RouteFlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        nodesFocusable={false}
        edgesFocusable={false}
        elementsSelectable={false}
        panOnScroll
        zoomOnScroll={false}
        minZoom={0.2}
        maxZoom={2}
        colorMode="dark"
      >
        <ViewportKeeper shape={key} bounds={layout} currentStep={current} />
      </ReactFlow>
    </div>
  );
}

/** The node to keep in view: the run's current step at the root, the active child step elsewhere. */
function currentIn(state: RunState, path: ViewPath): string | null {
  if (path.length === 0) return state.run.current_step;
  const active = stepsAt(state, path).find((s) => s.status === 'running' || s.status === 'waiting');
  return active?.name ?? null;
}

/** Below this zoom a whole-graph fit is unreadable: keep this zoom and let the panel scroll instead. */
const MIN_FIT_ZOOM = 0.72;
const PAD = 16;

/**
 * Fits the graph when its shape or the panel's size changes (top-aligned and scrollable when a full fit
 * would be too small to read), and brings the current step into view when it changes.
 */
function ViewportKeeper({
  shape,
  bounds,
  currentStep,
}: {
  shape: string;
  bounds: { width: number; height: number };
  currentStep: string | null;
}) {
  const flow = useReactFlow();
  const ref = useRef<HTMLSpanElement>(null);

  const fit = useCallback(() => {
    const pane = ref.current?.closest('.react-flow');
    if (!pane || bounds.width === 0) return;
    const width = pane.clientWidth - 2 * PAD;
    const height = pane.clientHeight - 2 * PAD;
    if (width <= 0 || height <= 0) return;
    const whole = Math.min(1, width / bounds.width, height / bounds.height);
    const zoom = whole >= MIN_FIT_ZOOM ? whole : Math.max(MIN_FIT_ZOOM, Math.min(1, width / bounds.width));
    const x = PAD + (width - bounds.width * zoom) / 2;
    const y = whole >= MIN_FIT_ZOOM ? PAD + (height - bounds.height * zoom) / 2 : PAD;
    void flow.setViewport({ x, y, zoom });
  }, [flow, bounds]);

  useEffect(() => {
    window.addEventListener(REFIT, fit);
    return () => window.removeEventListener(REFIT, fit);
  }, [fit]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refit whenever the shape changes.
  useEffect(() => {
    const id = requestAnimationFrame(fit);
    return () => cancelAnimationFrame(id);
  }, [shape, fit]);

  useEffect(() => {
    const pane = ref.current?.closest('.react-flow');
    if (!pane) return;
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(fit);
    });
    observer.observe(pane);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame);
    };
  }, [fit]);

  useEffect(() => {
    const pane = ref.current?.closest('.react-flow');
    const node = currentStep ? flow.getInternalNode(currentStep) : undefined;
    if (!pane || !node) return;
    const { x, y, zoom } = flow.getViewport();
    const at = node.internals.positionAbsolute;
    const top = at.y * zoom + y;
    const bottom = (at.y + (node.height ?? 0)) * zoom + y;
    if (top >= 0 && bottom <= pane.clientHeight) return;
    const shift = top < 0 ? PAD - top : pane.clientHeight - PAD - bottom;
    void flow.setViewport({ x, y: y + shift, zoom }, { duration: 300 });
  }, [currentStep, flow]);

  return <span ref={ref} hidden />;
}

const handles = (
  <>
    <Handle type="target" position={Position.Top} isConnectable={false} className="node-handle" />
    <Handle type="source" position={Position.Bottom} isConnectable={false} className="node-handle" />
  </>
);

const StepNode = memo(function StepNode({ data }: NodeProps<StepFlowNode>) {
  const { name, stepKey, kind, status, attempts, type, selected, synthetic, member, onSelect } = data;
  const { subworkflow, waitingInside: waiting } = data;
  const label = STATUS_LABEL[status as keyof typeof STATUS_LABEL] ?? status;
  if (kind === 'end') {
    return (
      <div className={`end-node status-${status}`} data-testid={`node-${END}`} data-status={status}>
        {handles}
        <StatusIcon status={status === 'completed' ? 'completed' : 'pending'} />
        End
      </div>
    );
  }
  return (
    <button
      type="button"
      className={`step-node status-${status}${selected ? ' is-selected' : ''}${synthetic ? ' is-synthetic' : ''}${
        member ? ' is-member' : ''
      }${waiting > 0 ? ' is-waiting-inside' : ''}`}
      data-testid={`node-${name}`}
      data-key={stepKey}
      data-status={status}
      data-attempts={attempts}
      data-subworkflow={subworkflow ? 'true' : undefined}
      data-waiting-inside={waiting > 0 ? waiting : undefined}
      aria-pressed={selected}
      aria-label={`${name}: ${label}${attempts > 1 ? `, ${attempts} attempts` : ''}${
        subworkflow ? ', sub-workflow' : ''
      }${waiting > 0 ? ', a gate inside is waiting' : ''}. Show details`}
      onClick={() => onSelect(stepKey)}
    >
      {member ? null : handles}
      <span className="step-node-top">
        <StatusIcon status={status} />
        <span className="step-node-name" title={name}>
          {name}
        </span>
        {synthetic ? (
          <span className="synthetic-mark" title="Summary rebuilt from the checkpoint">
            summary
          </span>
        ) : null}
        {attempts > 1 ? (
          <span className="attempts" title={`${attempts} attempts`}>
            ×{attempts}
          </span>
        ) : null}
      </span>
      <span className="step-node-bottom">
        {subworkflow ? (
          <span
            className="node-badge"
            data-testid="subworkflow-badge"
            title={subworkflow.name ? `Runs the workflow ${subworkflow.name}` : 'Runs another workflow'}
          >
            sub-workflow
          </span>
        ) : (
          <span className="step-node-type">{type ?? 'step'}</span>
        )}
        {waiting > 0 ? (
          <span className="step-node-status status-waiting" title="A gate inside is waiting for a decision">
            Waiting inside
          </span>
        ) : (
          <span className="step-node-status">{label}</span>
        )}
      </span>
    </button>
  );
});

/** Done, failed and running as one bar: colour, and the counts next to it say the same. */
export function GroupProgress({ group, className }: { group: GroupView; className?: string }) {
  const { total, completed, failed, running } = group;
  const pct = (n: number) => (total > 0 ? `${Math.min(100, (n / total) * 100)}%` : '0%');
  return (
    <span
      className={`group-progress${className ? ` ${className}` : ''}`}
      role="progressbar"
      aria-label={`${group.name}: ${completed + failed} of ${total} finished`}
      aria-valuemin={0}
      aria-valuemax={Math.max(total, 1)}
      aria-valuenow={completed + failed}
    >
      <span className="bar-completed" style={{ width: pct(completed) }} />
      <span className="bar-failed" style={{ width: pct(failed) }} />
      <span className="bar-running" style={{ width: pct(running) }} />
    </span>
  );
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

function groupAttributes(group: GroupView) {
  return {
    'data-testid': `group-${group.name}`,
    'data-key': group.key,
    'data-kind': group.kind,
    'data-status': group.status,
    'data-completed': group.completed,
    'data-failed': group.failed,
    'data-running': group.running,
    'data-total': group.total,
  };
}

function groupLabel(group: GroupView): string {
  const kind = group.kind === 'parallel' ? 'parallel group' : 'for-each group';
  return `${group.name}, ${kind}: ${groupCountsText(group)}. Show details`;
}

/** A parallel group: a box around its members, with a header that counts them. */
const ParallelNode = memo(function ParallelNode({ data }: NodeProps<ParallelFlowNode>) {
  const { group, selected, onSelect } = data;
  return (
    <div
      className={`group-node parallel-node status-${group.status}${selected ? ' is-selected' : ''}`}
      {...groupAttributes(group)}
    >
      {handles}
      <button
        type="button"
        className="group-header"
        data-testid={`group-${group.name}-header`}
        aria-pressed={selected}
        aria-label={groupLabel(group)}
        onClick={() => onSelect(group.key)}
      >
        <span className="group-top">
          <StatusIcon status={group.status} />
          <span className="group-name" title={group.name}>
            {group.name}
          </span>
          <span className="group-kind">
            <Icon name="group" className="badge-icon" />
            parallel
          </span>
        </span>
        <span className="group-bottom">
          <GroupProgress group={group} />
          <span className="group-counts">{groupCountsText(group)}</span>
        </span>
      </button>
    </div>
  );
});

/** A for-each group: one node, however many items, with what it runs over and its progress. */
const ForEachNode = memo(function ForEachNode({ data }: NodeProps<ForEachFlowNode>) {
  const { group, selected, onSelect } = data;
  return (
    <button
      type="button"
      className={`group-node for-each-node status-${group.status}${selected ? ' is-selected' : ''}`}
      {...groupAttributes(group)}
      aria-pressed={selected}
      aria-label={groupLabel(group)}
      onClick={() => onSelect(group.key)}
    >
      {handles}
      <span className="group-top">
        <StatusIcon status={group.status} />
        <span className="group-name" title={group.name}>
          {group.name}
        </span>
        <span className="group-kind">
          <Icon name="group" className="badge-icon" />
          for each
        </span>
      </span>
      <span
        className="group-source"
        title={`${group.source ? `over ${group.source}` : ''}${
          group.maxConcurrent !== null ? `, ${group.maxConcurrent} at once` : ''
        }`}
      >
        {group.source ? (
          <>
            over <span className="mono">{group.source}</span>
          </>
        ) : (
          'over a list'
        )}
      </span>
      <GroupProgress group={group} className="is-large" />
      <span className="group-bottom">
        <span className="group-counts">{groupCountsText(group)}</span>
      </span>
    </button>
  );
});

function RouteEdge({ id, data, markerEnd, sourceX, sourceY, targetX, targetY }: EdgeProps<RouteFlowEdge>) {
  const points = data?.points.length
    ? data.points
    : [
        { x: sourceX, y: sourceY },
        { x: targetX, y: targetY },
      ];
  const path = smoothPath(points);
  const text = data?.text ?? '';
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        className={data?.implicit ? 'edge-implicit' : 'edge-route'}
      />
      {text && data?.label ? (
        <EdgeLabelRenderer>
          <div
            className="edge-label nodrag nopan"
            title={text}
            style={{ transform: `translate(-50%, -50%) translate(${data.label.x}px, ${data.label.y}px)` }}
          >
            {truncate(text)}
          </div>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
}

/** A smooth path through dagre's routing points. */
function smoothPath(points: Array<{ x: number; y: number }>): string {
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

const nodeTypes = { step: StepNode, parallel: ParallelNode, forEach: ForEachNode };
const edgeTypes = { route: RouteEdge };
