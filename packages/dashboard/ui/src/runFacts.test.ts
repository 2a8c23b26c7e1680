import { type ConductorEvent, projectEvents, type RunState } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { completedText, countsText, currentStepOf, nodeCounts } from './runFacts';

const WORKFLOW = {
  name: 'groups',
  entry_point: 'prepare',
  run_id: 'run-1',
  agents: [
    { name: 'prepare', type: 'set' },
    { name: 'web', type: 'agent' },
    { name: 'papers', type: 'agent' },
    { name: 'approve', type: 'human_gate' },
    { name: 'publish', type: 'set' },
  ],
  routes: [
    { from: 'prepare', to: 'each_item' },
    { from: 'each_item', to: 'research' },
    { from: 'research', to: 'approve' },
    { from: 'approve', to: 'publish' },
  ],
  parallel_groups: [{ name: 'research', agents: ['web', 'papers'] }],
  for_each_groups: [{ name: 'each_item', source: 'prepare.output.items', agent_type: 'set' }],
};

type Step = [string, Record<string, unknown>];

function stateAfter(...steps: Step[]): RunState {
  const events: ConductorEvent[] = [];
  for (const [type, data] of [['workflow_started', WORKFLOW] as Step, ...steps])
    events.push({ seq: events.length + 1, type, timestamp: 1000 + events.length, data: { ...data } });
  return projectEvents(events);
}

const prepared: Step[] = [
  ['set_started', { agent_name: 'prepare' }],
  ['set_completed', { agent_name: 'prepare', elapsed: 0.1 }],
];
const threeItemsRunning: Step[] = [
  ['for_each_started', { group_name: 'each_item', item_count: 5, max_concurrent: 3 }],
  ['for_each_item_started', { group_name: 'each_item', index: 0, item_key: 'a' }],
  ['for_each_item_started', { group_name: 'each_item', index: 1, item_key: 'b' }],
  ['for_each_item_started', { group_name: 'each_item', index: 2, item_key: 'c' }],
];
const itemsDone: Step[] = [
  ['for_each_item_completed', { group_name: 'each_item', index: 0, item_key: 'a', output: 1 }],
  ['for_each_item_completed', { group_name: 'each_item', index: 1, item_key: 'b', output: 1 }],
  ['for_each_item_completed', { group_name: 'each_item', index: 2, item_key: 'c', output: 1 }],
  ['for_each_completed', { group_name: 'each_item', success_count: 3, failure_count: 0 }],
];
const researched: Step[] = [
  ['parallel_started', { group_name: 'research', agents: ['web', 'papers'] }],
  ['agent_started', { agent_name: 'web', group_name: 'research' }],
  ['agent_started', { agent_name: 'papers', group_name: 'research' }],
  ['agent_completed', { agent_name: 'web', group_name: 'research', output: 'found' }],
  ['parallel_agent_completed', { agent_name: 'web', group_name: 'research' }],
  ['agent_completed', { agent_name: 'papers', group_name: 'research', output: 'found' }],
  ['parallel_agent_completed', { agent_name: 'papers', group_name: 'research' }],
  ['parallel_completed', { group_name: 'research', success_count: 2, failure_count: 0 }],
];
const gateWaiting: Step[] = [
  ['agent_started', { agent_name: 'approve' }],
  [
    'gate_presented',
    { agent_name: 'approve', prompt: 'Ship?', options: [{ label: 'Yes', value: 'yes', route: 'publish' }] },
  ],
];

describe('the counts the graph and the panels share', () => {
  it('counts each node of the graph once: a group as one, its members inside it', () => {
    const counts = nodeCounts(stateAfter(...prepared, ...threeItemsRunning, ...itemsDone, ...researched));
    // prepare, each_item, research, approve, publish: web and papers are research's members.
    expect(counts).toMatchObject({ total: 5, completed: 3, active: 0, pending: 2, failed: 0 });
    expect(completedText(counts)).toBe('3/5 completed');
    expect(countsText(counts)).toBe('3 completed · 0 active · 0 failed · 2 pending');
  });

  it('counts a for_each group with running items as active, and says how many items run', () => {
    const counts = nodeCounts(stateAfter(...prepared, ...threeItemsRunning));
    expect(counts).toMatchObject({ completed: 1, active: 1, itemsRunning: 3 });
    expect(countsText(counts)).toBe('1 completed · 1 active (3 items running) · 0 failed · 3 pending');
  });

  it('names the step a gate waits at as the current step', () => {
    const state = stateAfter(...prepared, ...threeItemsRunning, ...itemsDone, ...researched, ...gateWaiting);
    expect(currentStepOf(state)).toBe('approve');
    expect(nodeCounts(state)).toMatchObject({ active: 1, completed: 3, pending: 1 });
  });
});
