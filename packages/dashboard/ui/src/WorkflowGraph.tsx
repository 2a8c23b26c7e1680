import type { RunState } from '@conductor/events';
import { ReactFlow, ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/base.css';
import { type ReactNode, useMemo, useState } from 'react';
import { Breadcrumb } from './Breadcrumb';
import { edgeTypes, nodeTypes } from './GraphNodes';
import { ViewportKeeper, ZoomButtons } from './GraphViewport';
import { graphSourceAt, layoutGraph, layoutKey } from './graphLayout';
import { currentIn, type FlowNode, flowEdges, flowNodes, type RouteFlowEdge } from './graphModel';
import { completedText, nodeCounts } from './runFacts';
import { pathKey, type ViewPath } from './workflowView';

interface WorkflowGraphProps {
  state: RunState;
  /** False until the first state arrived. */
  ready: boolean;
  selected: string | null;
  onSelect: (key: string) => void;
  /** The workflow shown: the root (`[]`) or a sub-workflow by its parent path. */
  path: ViewPath;
  onNavigate: (path: string[]) => void;
  /** Shown next to the title: the switch to the timeline. */
  views?: ReactNode;
}

/** The workflow panel: steps, groups and routes laid out by dagre, coloured by the projection's status. */
export function WorkflowGraph(props: WorkflowGraphProps) {
  const { state, path, onNavigate } = props;
  const flow = useFlowElements(props);
  // The flow's store starts with the nodes when the state is there from the first render: the steps
  // are in the first commit, not in the one after React Flow's own effects.
  const [initial] = useState(() => flow);
  return (
    <ReactFlowProvider {...(initial ? { initialNodes: initial.nodes, initialEdges: initial.edges } : {})}>
      <section
        className="panel graph-panel"
        aria-label={path.length > 0 ? `Sub-workflow ${pathKey(path)}` : 'Workflow'}
      >
        <header className="panel-header">
          <h2 className="panel-title">Workflow</h2>
          {props.views}
          <StepCounts state={state} path={path} />
          <ZoomButtons />
        </header>
        {path.length > 0 ? <Breadcrumb state={state} path={path} onNavigate={onNavigate} /> : null}
        {flow ? <FlowCanvas {...props} flow={flow} /> : <p className="empty graph-empty">Loading the run…</p>}
      </section>
    </ReactFlowProvider>
  );
}

interface FlowElements {
  layout: ReturnType<typeof layoutGraph>;
  /** Stands for the parts of the state the layout depends on. */
  key: string;
  nodes: FlowNode[];
  edges: RouteFlowEdge[];
}

/** The graph's nodes and edges, once the first state arrived. */
function useFlowElements({
  state,
  ready,
  selected,
  onSelect,
  path,
}: WorkflowGraphProps): FlowElements | null {
  const key = layoutKey(state, path);
  // Layout depends on the workflow's shape only: progress re-colours nodes without moving them.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for the parts of `state` that matter.
  const layout = useMemo(() => (ready ? layoutGraph(graphSourceAt(state, path)) : null), [key, ready]);
  const nodes = useMemo(
    () => (layout ? flowNodes(layout, state, path, { selected, onSelect }) : []),
    [layout, state, path, selected, onSelect],
  );
  const edges = useMemo(() => (layout ? flowEdges(layout) : []), [layout]);
  return layout ? { layout, key, nodes, edges } : null;
}

function StepCounts({ state, path }: { state: RunState; path: ViewPath }) {
  return (
    <span className="muted step-counts" data-testid="graph-counts">
      {completedText(nodeCounts(state, path))}
    </span>
  );
}

function FlowCanvas({ state, path, flow }: WorkflowGraphProps & { flow: FlowElements }) {
  const { layout, key, nodes, edges } = flow;
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
        <ViewportKeeper shape={key} bounds={layout} currentStep={currentIn(state, path)} />
      </ReactFlow>
    </div>
  );
}
