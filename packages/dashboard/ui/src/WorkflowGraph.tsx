import type { GroupState, RunState, StepState } from '@conductor/events';
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
import { edgeLabel, layoutGraph, layoutKey, truncate } from './graphLayout';
import { Icon, STATUS_LABEL, StatusIcon } from './Icon';

interface StepNodeData extends Record<string, unknown> {
  name: string;
  kind: 'step' | 'group' | 'end';
  type: string | null;
  status: string;
  attempts: number;
  synthetic: boolean;
  selected: boolean;
  group: GroupState | null;
  onSelect: (key: string) => void;
}

type StepFlowNode = Node<StepNodeData, 'step'>;

interface RouteEdgeData extends Record<string, unknown> {
  points: Array<{ x: number; y: number }>;
  label: { x: number; y: number } | null;
  text: string;
  member: boolean;
}

type RouteFlowEdge = Edge<RouteEdgeData, 'route'>;

interface WorkflowGraphProps {
  state: RunState;
  /** False until the first state arrived. */
  ready: boolean;
  selected: string | null;
  onSelect: (key: string) => void;
}

/** The workflow panel: steps and routes laid out by dagre, coloured by the projection's step status. */
export function WorkflowGraph(props: WorkflowGraphProps) {
  return (
    <ReactFlowProvider>
      <section className="panel graph-panel" aria-label="Workflow">
        <header className="panel-header">
          <h2 className="panel-title">Workflow</h2>
          <StepCounts state={props.state} />
          <ZoomButtons />
        </header>
        {props.ready ? <FlowCanvas {...props} /> : <p className="empty graph-empty">Loading the run…</p>}
      </section>
    </ReactFlowProvider>
  );
}

function StepCounts({ state }: { state: RunState }) {
  const steps = state.step_order
    .map((key) => state.steps[key])
    .filter((s) => s !== undefined && s.subworkflow_path.length === 0);
  const done = steps.filter((s) => s?.status === 'completed').length;
  return (
    <span className="muted step-counts">
      {done}/{steps.length} completed
    </span>
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

function FlowCanvas({ state, selected, onSelect }: WorkflowGraphProps) {
  const key = layoutKey(state);
  // Layout depends on the workflow's shape only: progress re-colours nodes without moving them.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the parts of `state` that matter.
  const layout = useMemo(() => layoutGraph(state), [key]);

  const nodes = useMemo<StepFlowNode[]>(
    () =>
      layout.nodes.map((node) => {
        const step: StepState | undefined = state.steps[node.id];
        const group = state.groups[node.id] ?? null;
        const latest = step?.attempts[step.attempts.length - 1];
        return {
          id: node.id,
          type: 'step',
          position: { x: node.x, y: node.y },
          width: node.width,
          height: node.height,
          draggable: false,
          selectable: false,
          data: {
            name: node.id,
            kind: node.kind,
            type: step?.type ?? node.type,
            status: statusOf(node.kind, step, group, state),
            attempts: step?.attempt_count ?? 0,
            synthetic: latest?.synthetic ?? false,
            selected: selected === node.id,
            group,
            onSelect,
          },
        };
      }),
    [layout, state, selected, onSelect],
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
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16, color: 'var(--edge)' },
        data: {
          points: edge.points,
          label: edge.label,
          text: edgeLabel(edge.conditions),
          member: edge.member,
        },
      })),
    [layout],
  );

  return (
    <div className="graph">
      <ReactFlow<StepFlowNode, RouteFlowEdge>
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
        <ViewportKeeper shape={key} bounds={layout} currentStep={state.run.current_step} />
      </ReactFlow>
    </div>
  );
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
    const node = currentStep ? flow.getNode(currentStep) : undefined;
    if (!pane || !node) return;
    const { x, y, zoom } = flow.getViewport();
    const top = node.position.y * zoom + y;
    const bottom = (node.position.y + (node.height ?? 0)) * zoom + y;
    if (top >= 0 && bottom <= pane.clientHeight) return;
    const shift = top < 0 ? PAD - top : pane.clientHeight - PAD - bottom;
    void flow.setViewport({ x, y: y + shift, zoom }, { duration: 300 });
  }, [currentStep, flow]);

  return <span ref={ref} hidden />;
}

function statusOf(
  kind: string,
  step: StepState | undefined,
  group: GroupState | null,
  state: RunState,
): string {
  if (kind === 'end') return state.run.status === 'completed' ? 'completed' : 'pending';
  return step?.status ?? group?.status ?? 'pending';
}

const StepNode = memo(function StepNode({ data }: NodeProps<StepFlowNode>) {
  const { name, kind, status, attempts, type, selected, synthetic, group, onSelect } = data;
  const label = STATUS_LABEL[status as keyof typeof STATUS_LABEL] ?? status;
  const handles = (
    <>
      <Handle type="target" position={Position.Top} isConnectable={false} className="node-handle" />
      <Handle type="source" position={Position.Bottom} isConnectable={false} className="node-handle" />
    </>
  );
  if (kind === 'end') {
    return (
      <div className={`end-node status-${status}`} data-testid="node-$end" data-status={status}>
        {handles}
        <StatusIcon status={status === 'completed' ? 'completed' : 'pending'} />
        End
      </div>
    );
  }
  return (
    <button
      type="button"
      className={`step-node status-${status}${selected ? ' is-selected' : ''}${synthetic ? ' is-synthetic' : ''}`}
      data-testid={`node-${name}`}
      data-status={status}
      data-attempts={attempts}
      aria-pressed={selected}
      aria-label={`${name}: ${label}${attempts > 1 ? `, ${attempts} attempts` : ''}. Show details`}
      onClick={() => onSelect(name)}
    >
      {handles}
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
        <span className="step-node-type">
          {kind === 'group'
            ? group?.kind === 'for_each' || type === 'for_each'
              ? 'for each'
              : 'parallel'
            : (type ?? 'step')}
        </span>
        <span className="step-node-status">
          {group && group.total > 0
            ? `${group.completed}/${group.total} done${group.failed ? `, ${group.failed} failed` : ''}`
            : label}
        </span>
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
        className={data?.member ? 'edge-member' : 'edge-route'}
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

const nodeTypes = { step: StepNode };
const edgeTypes = { route: RouteEdge };
