import { type ConductorEvent, projectEvents, type RunState } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { END, graphSourceAt, layoutGraph, layoutKey } from './graphLayout';
import {
  currentIn,
  type FlowNode,
  fitViewport,
  flowEdges,
  flowNodes,
  groupCountsText,
  groupLabel,
  MIN_FIT_ZOOM,
  type StepNodeData,
  scrollToShow,
  smoothPath,
  stepNodeLabel,
} from './graphModel';
import { findGroup, type ViewPath } from './workflowView';

const WORKFLOW = {
  name: 'groups',
  entry_point: 'prepare',
  run_id: 'run-1',
  agents: [
    { name: 'prepare', type: 'set' },
    { name: 'web', type: 'agent' },
    { name: 'papers', type: 'agent' },
    { name: 'review', type: 'workflow' },
    { name: 'approve', type: 'human_gate' },
    { name: 'publish', type: 'set' },
  ],
  routes: [
    { from: 'prepare', to: 'each_item' },
    { from: 'each_item', to: 'web' },
    { from: 'web', to: 'papers' },
    { from: 'research', to: 'review' },
    { from: 'review', to: 'approve' },
    { from: 'approve', to: 'publish', when: "approve.output.value == 'publish'" },
    { from: 'approve', to: 'prepare', when: "approve.output.value == 'redo'" },
  ],
  parallel_groups: [{ name: 'research', agents: ['web', 'papers'] }],
  for_each_groups: [
    { name: 'each_item', source: 'prepare.output.items', agent_type: 'set', max_concurrent: 2 },
  ],
};

const CHILD = {
  name: 'child-review',
  entry_point: 'draft',
  agents: [
    { name: 'draft', type: 'agent' },
    { name: 'confirm', type: 'human_gate' },
  ],
  routes: [{ from: 'draft', to: 'confirm' }],
  subworkflow_path: ['review'],
};

/** A run of WORKFLOW: `steps` names how far it got. */
function stateAfter(...steps: Array<Array<[string, Record<string, unknown>]>>): RunState {
  const events: ConductorEvent[] = [];
  for (const [type, data] of [['workflow_started', WORKFLOW] as const, ...steps.flat()])
    events.push({ seq: events.length + 1, type, timestamp: 1000 + events.length, data: { ...data } });
  return projectEvents(events);
}

const prepared: Array<[string, Record<string, unknown>]> = [
  ['set_started', { agent_name: 'prepare' }],
  ['set_completed', { agent_name: 'prepare', elapsed: 0.1, value_repr: '[k0, k1, k2]' }],
];
const itemsDone: Array<[string, Record<string, unknown>]> = [
  ['for_each_started', { group_name: 'each_item', item_count: 3, max_concurrent: 2 }],
  ['for_each_item_started', { group_name: 'each_item', index: 0, item_key: 'k0' }],
  ['for_each_item_completed', { group_name: 'each_item', index: 0, item_key: 'k0', output: 'k0 done' }],
  ['for_each_item_started', { group_name: 'each_item', index: 1, item_key: 'k1' }],
  ['for_each_item_failed', { group_name: 'each_item', index: 1, item_key: 'k1', error_type: 'X' }],
  ['for_each_item_started', { group_name: 'each_item', index: 2, item_key: 'k2' }],
  ['for_each_item_completed', { group_name: 'each_item', index: 2, item_key: 'k2', output: 'k2 done' }],
  ['for_each_completed', { group_name: 'each_item', success_count: 2, failure_count: 1 }],
];
const researching: Array<[string, Record<string, unknown>]> = [
  ['parallel_started', { group_name: 'research', agents: ['web', 'papers'] }],
  ['agent_started', { agent_name: 'web', group_name: 'research' }],
  ['agent_started', { agent_name: 'papers', group_name: 'research' }],
  ['agent_completed', { agent_name: 'web', group_name: 'research', output: 'found' }],
  ['parallel_agent_completed', { agent_name: 'web', group_name: 'research' }],
];

const none = { selected: null, onSelect: () => {} };

function nodesOf(state: RunState, path: ViewPath = [], selected: string | null = null) {
  const nodes = flowNodes(layoutGraph(graphSourceAt(state, path)), state, path, { ...none, selected });
  return new Map(nodes.map((node) => [node.id, node]));
}

const stepData = (node: FlowNode | undefined) => node?.data as StepNodeData;

describe('the graph model', () => {
  it("draws steps, groups and a group's members with the projection's statuses", () => {
    const nodes = nodesOf(stateAfter(prepared, itemsDone, researching));
    expect([...nodes.keys()].sort()).toEqual(
      [END, 'approve', 'each_item', 'papers', 'prepare', 'publish', 'research', 'review', 'web'].sort(),
    );
    expect(nodes.get('prepare')).toMatchObject({ type: 'step', data: { status: 'completed', type: 'set' } });
    expect(nodes.get('each_item')).toMatchObject({
      type: 'forEach',
      data: {
        group: { status: 'completed', completed: 2, failed: 1, total: 3, source: 'prepare.output.items' },
      },
    });
    expect(nodes.get('research')).toMatchObject({
      type: 'parallel',
      data: { group: { status: 'running', completed: 1, running: 1, total: 2, members: ['web', 'papers'] } },
    });
    // Members sit inside their group, and only members do.
    expect(nodes.get('web')).toMatchObject({ parentId: 'research', extent: 'parent' });
    expect(stepData(nodes.get('web'))).toMatchObject({ status: 'completed', member: true });
    expect(stepData(nodes.get('papers'))).toMatchObject({ status: 'running', member: true });
    expect(nodes.get('prepare')).not.toHaveProperty('parentId');
    // Not reached yet; the end is pending until the run completes.
    expect(stepData(nodes.get('review'))).toMatchObject({
      status: 'pending',
      subworkflow: { name: null },
      waitingInside: 0,
    });
    expect(stepData(nodes.get(END))).toMatchObject({ kind: 'end', status: 'pending' });
  });

  it('marks the end completed, retries as attempts, summaries as synthetic, and the selection', () => {
    const state = stateAfter(
      [
        ['set_started', { agent_name: 'prepare', synthetic: true }],
        ['set_completed', { agent_name: 'prepare', synthetic: true }],
        ['set_started', { agent_name: 'publish' }],
        ['set_failed', { agent_name: 'publish', error_type: 'X' }],
        ['set_started', { agent_name: 'publish' }],
        ['set_completed', { agent_name: 'publish' }],
      ],
      [['workflow_completed', { elapsed: 3 }]],
    );
    const nodes = nodesOf(state, [], 'publish');
    expect(stepData(nodes.get(END)).status).toBe('completed');
    expect(stepData(nodes.get('prepare'))).toMatchObject({ synthetic: true, attempts: 1, selected: false });
    expect(stepData(nodes.get('publish'))).toMatchObject({ attempts: 2, selected: true, synthetic: false });
    expect(stepNodeLabel(stepData(nodes.get('publish')))).toBe(
      'publish: Completed, 2 attempts. Show details',
    );
  });

  it("shows what each step cost (a sub-workflow's calls on the step that ran it) and what a group's members cost", () => {
    const inside = (type: string, data: Record<string, unknown>): [string, Record<string, unknown>] => [
      type,
      { ...data, subworkflow_path: ['review'] },
    ];
    const state = stateAfter(
      [
        ['parallel_started', { group_name: 'research', agents: ['web', 'papers'] }],
        ['agent_started', { agent_name: 'web', group_name: 'research' }],
        ['agent_completed', { agent_name: 'web', group_name: 'research', tokens: 30, cost_usd: 0.25 }],
        ['agent_started', { agent_name: 'papers', group_name: 'research' }],
        ['agent_completed', { agent_name: 'papers', group_name: 'research', tokens: 30, cost_usd: null }],
        ['parallel_completed', { group_name: 'research', success_count: 2, failure_count: 0 }],
      ],
      [['subworkflow_started', { agent_name: 'review', workflow: 'child.yaml' }]],
      [
        ['workflow_started', CHILD],
        inside('agent_started', { agent_name: 'draft' }),
        inside('agent_completed', { agent_name: 'draft', tokens: 10, cost_usd: 0.004 }),
      ],
    );
    const root = nodesOf(state);
    expect(stepData(root.get('web')).cost).toBe('$0.25');
    expect(stepData(root.get('papers')).cost).toBe('no price');
    expect(stepData(root.get('prepare')).cost).toBeNull();
    expect(stepData(root.get('approve')).cost).toBeNull();
    expect(stepNodeLabel(stepData(root.get('review')))).toBe(
      'review: Running, sub-workflow, cost $0.0040. Show details',
    );
    expect(groupLabel(findGroup(state, 'research') ?? fail())).toBe(
      'research, parallel group, Completed: 2/2 done, cost $0.25+. Show details',
    );
  });

  it('leaves the cost off nodes whose calls cost nothing (a mock or free model)', () => {
    const state = stateAfter([
      ['agent_started', { agent_name: 'web' }],
      ['agent_completed', { agent_name: 'web', tokens: 30, cost_usd: 0 }],
    ]);
    expect(stepData(nodesOf(state).get('web')).cost).toBeNull();
    expect(state.run.usage.cost_usd).toBe(0);
  });

  it("draws a sub-workflow's own steps, and the gate waiting inside it on its parent step", () => {
    const inside = (type: string, data: Record<string, unknown>): [string, Record<string, unknown>] => [
      type,
      { ...data, subworkflow_path: ['review'] },
    ];
    const state = stateAfter(
      [['subworkflow_started', { agent_name: 'review', workflow: 'child.yaml' }]],
      [
        ['workflow_started', CHILD],
        inside('agent_started', { agent_name: 'draft' }),
        inside('agent_completed', { agent_name: 'draft', output: 'a draft' }),
        inside('gate_presented', { agent_name: 'confirm', prompt: 'Continue?', options: [] }),
      ],
    );
    const root = nodesOf(state);
    expect(stepData(root.get('review'))).toMatchObject({
      status: 'running',
      subworkflow: { name: 'child-review' },
      waitingInside: 1,
    });
    expect(stepNodeLabel(stepData(root.get('review')))).toBe(
      'review: Running, sub-workflow, a gate inside is waiting. Show details',
    );
    const child = nodesOf(state, ['review']);
    expect([...child.keys()]).toEqual(['draft', 'confirm', END]);
    expect(stepData(child.get('draft'))).toMatchObject({ stepKey: 'review/draft', status: 'completed' });
    expect(stepData(child.get('confirm'))).toMatchObject({ stepKey: 'review/confirm', status: 'waiting' });
    expect(currentIn(state, ['review'])).toBe('confirm');
    expect(currentIn(state, [])).toBe('review');
  });

  it("routes edges into a member's group, names gate options, and ends unrouted steps", () => {
    const edges = flowEdges(layoutGraph(graphSourceAt(stateAfter(), [])));
    const byId = new Map(edges.map((edge) => [edge.id, edge]));
    expect(byId.get('approve->publish')?.data?.text).toBe('“publish”');
    expect(byId.get('approve->prepare')?.data?.text).toBe('“redo”');
    expect(byId.get('prepare->each_item')?.data).toMatchObject({ text: '', implicit: false });
    // A route to a member runs into its group; a member's own routes are the group's to take.
    expect(byId.has('each_item->research')).toBe(true);
    expect(byId.has('web->papers')).toBe(false);
    expect(byId.get(`publish->${END}`)?.data?.implicit).toBe(true);
    for (const edge of edges) expect(edge.markerEnd).toMatchObject({ type: 'arrowclosed' });
  });

  it('lays out by shape only: progress keeps the layout key, a new step changes it', () => {
    const before = stateAfter();
    const after = stateAfter(prepared, itemsDone);
    expect(layoutKey(after, [])).toBe(layoutKey(before, []));
    const extra = stateAfter([['agent_started', { agent_name: 'late' }]]);
    expect(layoutKey(extra, [])).not.toBe(layoutKey(before, []));
    const layout = layoutGraph(graphSourceAt(before, []));
    const group = layout.nodes.find((n) => n.id === 'research');
    for (const member of layout.nodes.filter((n) => n.parent === 'research')) {
      expect(member.x).toBeGreaterThanOrEqual(0);
      expect(member.y).toBeGreaterThanOrEqual(0);
      expect(member.x + member.width).toBeLessThanOrEqual(group?.width ?? 0);
      expect(member.y + member.height).toBeLessThanOrEqual(group?.height ?? 0);
    }
    // React Flow needs a parent before its members.
    const ids = layout.nodes.map((n) => n.id);
    expect(ids.indexOf('research')).toBeLessThan(ids.indexOf('web'));
  });
});

describe('group counts', () => {
  it('say what is done, failed and running, or why there is nothing yet', () => {
    const idle = stateAfter();
    expect(groupCountsText(findGroup(idle, 'each_item') ?? fail())).toBe('Not started');
    expect(groupCountsText(findGroup(idle, 'research') ?? fail())).toBe('2 members · not started');
    const skipped = stateAfter([['workflow_completed', { elapsed: 1 }]]);
    expect(groupCountsText(findGroup(skipped, 'research') ?? fail())).toBe('Skipped');
    const busy = stateAfter(prepared, itemsDone, researching);
    expect(groupCountsText(findGroup(busy, 'each_item') ?? fail())).toBe('2/3 done · 1 failed');
    expect(groupCountsText(findGroup(busy, 'research') ?? fail())).toBe('1/2 done · 1 running');
    expect(groupLabel(findGroup(busy, 'research') ?? fail())).toBe(
      'research, parallel group, Running: 1/2 done · 1 running. Show details',
    );
  });
});

describe('drawing and the viewport', () => {
  it('draws edges as a smooth path through their points', () => {
    expect(smoothPath([])).toBe('');
    expect(
      smoothPath([
        { x: 0, y: 0 },
        { x: 10, y: 10 },
        { x: 20, y: 0 },
      ]),
    ).toBe('M 0 0 Q 10 10 15 5 L 20 0');
  });

  it('fits a small graph centred at most 1:1, and a tall one top-aligned at a readable zoom', () => {
    expect(fitViewport({ width: 200, height: 100 }, { width: 432, height: 332 })).toEqual({
      x: 116,
      y: 116,
      zoom: 1,
    });
    // A whole fit would be 0.075: too small to read. Narrow enough, it keeps 1:1 and scrolls.
    expect(fitViewport({ width: 400, height: 4000 }, { width: 432, height: 332 })).toEqual({
      x: 16,
      y: 16,
      zoom: 1,
    });
    expect(fitViewport({ width: 1000, height: 4000 }, { width: 432, height: 332 })).toEqual({
      x: -144,
      y: 16,
      zoom: MIN_FIT_ZOOM,
    });
    expect(fitViewport({ width: 0, height: 0 }, { width: 432, height: 332 })).toBeNull();
  });

  it('scrolls just enough to show the current node', () => {
    expect(scrollToShow(10, 60, 300)).toBe(0);
    expect(scrollToShow(-40, 10, 300)).toBe(56);
    expect(scrollToShow(280, 330, 300)).toBe(-46);
  });
});

function fail(): never {
  throw new Error('no such group');
}
