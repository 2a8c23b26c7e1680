import { BaseEdge, EdgeLabelRenderer, type EdgeProps, Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import { END, truncate } from './graphLayout';
import {
  type ForEachFlowNode,
  groupCost,
  groupCountsText,
  groupLabel,
  type ParallelFlowNode,
  type RouteFlowEdge,
  type StepFlowNode,
  smoothPath,
  statusLabel,
  stepNodeLabel,
} from './graphModel';
import { Icon, StatusIcon } from './Icon';
import type { GroupView } from './workflowView';

/** How the graph draws its nodes and edges (React Flow's node and edge types). */

const handles = (
  <>
    <Handle type="target" position={Position.Top} isConnectable={false} className="node-handle" />
    <Handle type="source" position={Position.Bottom} isConnectable={false} className="node-handle" />
  </>
);

const StepNode = memo(function StepNode({ data }: NodeProps<StepFlowNode>) {
  const { name, stepKey, kind, status, attempts, type, selected, synthetic, member, onSelect } = data;
  const { subworkflow, waitingInside: waiting, cost, duration } = data;
  const label = statusLabel(status);
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
      aria-label={stepNodeLabel(data)}
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
        {duration ? (
          <span
            className="node-duration mono"
            data-testid="node-duration"
            title="Duration of the latest attempt"
          >
            {duration}
          </span>
        ) : null}
        {cost ? (
          <span className="node-cost" data-testid="node-cost" title="Cost of every attempt">
            {cost}
          </span>
        ) : null}
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

/** A group's first line: status, name, and its kind. */
function GroupTop({ group }: { group: GroupView }) {
  return (
    <span className="group-top">
      <StatusIcon status={group.status} />
      <span className="group-name" title={group.name}>
        {group.name}
      </span>
      <span className="group-kind">
        <Icon name="group" className="badge-icon" />
        {group.kind === 'parallel' ? 'parallel' : 'for each'}
      </span>
    </span>
  );
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
        <GroupTop group={group} />
        <span className="group-bottom">
          <GroupProgress group={group} />
          <span className="group-counts">{groupCountsText(group)}</span>
          <GroupCost group={group} />
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
      <GroupTop group={group} />
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
        <GroupCost group={group} />
      </span>
    </button>
  );
});

function GroupCost({ group }: { group: GroupView }) {
  const cost = groupCost(group);
  return cost ? (
    <span className="node-cost" data-testid="node-cost" title="Cost of its members or items">
      {cost}
    </span>
  ) : null;
}

function RouteEdge({ id, data, markerEnd, sourceX, sourceY, targetX, targetY }: EdgeProps<RouteFlowEdge>) {
  const points = data?.points.length
    ? data.points
    : [
        { x: sourceX, y: sourceY },
        { x: targetX, y: targetY },
      ];
  const text = data?.text ?? '';
  return (
    <>
      <BaseEdge
        id={id}
        path={smoothPath(points)}
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

export const nodeTypes = { step: StepNode, parallel: ParallelNode, forEach: ForEachNode };
export const edgeTypes = { route: RouteEdge };
