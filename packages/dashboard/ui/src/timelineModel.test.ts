import { type ConductorEvent, projectEvents } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { position, ticks, timelineModel } from './timelineModel';

const WORKFLOW = {
  name: 'tl',
  entry_point: 'fetch',
  agents: [
    { name: 'fetch', type: 'script' },
    { name: 'web', type: 'agent' },
    { name: 'papers', type: 'agent' },
    { name: 'report', type: 'agent' },
  ],
  routes: [],
  parallel_groups: [{ name: 'research', agents: ['web', 'papers'] }],
  for_each_groups: [{ name: 'each', source: 'fetch.output.items' }],
};

const at = (seq: number, timestamp: number, type: string, data: Record<string, unknown> = {}) =>
  ({ seq, type, timestamp, data }) as ConductorEvent;

// fetch 100-102; each item a,b 102-104; research (web, papers) 104-110; report fails at 112;
// down until 200; report again 200-205 (with a tool call at 201), then the run completes.
const events = [
  at(1, 100, 'workflow_started', WORKFLOW),
  at(2, 100, 'script_started', { agent_name: 'fetch' }),
  at(3, 102, 'script_completed', { agent_name: 'fetch', exit_code: 0, elapsed: 2 }),
  at(4, 102, 'for_each_started', { group_name: 'each', item_count: 2 }),
  at(5, 102, 'for_each_item_started', { group_name: 'each', index: 0, item_key: 'a' }),
  at(6, 102, 'for_each_item_started', { group_name: 'each', index: 1, item_key: 'b' }),
  at(7, 103, 'for_each_item_completed', { group_name: 'each', index: 0, item_key: 'a', elapsed: 1 }),
  at(8, 104, 'for_each_item_completed', { group_name: 'each', index: 1, item_key: 'b', elapsed: 2 }),
  at(9, 104, 'for_each_completed', { group_name: 'each', success_count: 2, failure_count: 0 }),
  at(10, 104, 'parallel_started', { group_name: 'research', agents: ['web', 'papers'] }),
  at(11, 104, 'agent_started', { agent_name: 'web', group_name: 'research' }),
  at(12, 104, 'agent_started', { agent_name: 'papers', group_name: 'research' }),
  at(13, 108, 'agent_completed', { agent_name: 'web', group_name: 'research', output: 'w' }),
  at(14, 110, 'agent_completed', { agent_name: 'papers', group_name: 'research', output: 'p' }),
  at(15, 110, 'parallel_completed', { group_name: 'research', success_count: 2, failure_count: 0 }),
  at(16, 110, 'agent_started', { agent_name: 'report' }),
  at(17, 112, 'agent_failed', { agent_name: 'report', error_type: 'X', message: 'rate limited' }),
  at(18, 112, 'workflow_failed', { agent_name: 'report', error_type: 'X', message: 'rate limited' }),
  at(19, 200, 'workflow_resumed', {
    run_id: 'r',
    resumed_at_step: 'report',
    generation: 1,
    history_source: 'log',
  }),
  at(20, 200, 'agent_started', { agent_name: 'report' }),
  at(21, 201, 'agent_tool_start', {
    agent_name: 'report',
    tool_name: 'search',
    call_id: 'c1',
    arguments: {},
  }),
  at(22, 202, 'agent_tool_complete', {
    agent_name: 'report',
    tool_name: 'search',
    call_id: 'c1',
    result: 'ok',
  }),
  at(23, 205, 'agent_completed', { agent_name: 'report', output: 'done' }),
  at(24, 205, 'workflow_completed', { output: 'done', elapsed: 5 }),
];

describe('the timeline', () => {
  const model = timelineModel(projectEvents(events), 999);

  it('puts every attempt on one axis across the resume, and shades the downtime', () => {
    expect(model).toMatchObject({ start: 100, end: 205, wall: 105, active: 17 });
    expect(model?.downtimes).toEqual([{ from: 112, to: 200, generation: 1 }]);
    const report = model?.lanes.find((l) => l.key === 'report');
    expect(report?.bars.map((b) => [b.from, b.to, b.status, b.generation])).toEqual([
      [110, 112, 'failed', 0],
      [200, 205, 'completed', 1],
    ]);
    expect(report?.tools).toEqual([
      expect.objectContaining({ at: 201, name: 'search', status: 'completed' }),
    ]);
    expect(model?.lanes.map((l) => l.key)).toEqual(['fetch', 'each', 'research', 'report']);
  });

  it('puts members and items under their group, items by their key', () => {
    const research = model?.lanes.find((l) => l.key === 'research');
    expect(research?.children.map((c) => [c.key, c.kind])).toEqual([
      ['web', 'member'],
      ['papers', 'member'],
    ]);
    const each = model?.lanes.find((l) => l.key === 'each');
    expect(each?.children.map((c) => c.label)).toEqual(['item 0 (a)', 'item 1 (b)']);
    expect(each?.children[1]?.bars[0]).toMatchObject({ from: 102, to: 104, status: 'completed' });
  });

  it('places times in percent of the axis, with round ticks', () => {
    if (!model) throw new Error('no model');
    expect(position(model, 100)).toBe(0);
    expect(position(model, 205)).toBe(100);
    expect(ticks(model)).toEqual([100, 130, 160, 190]);
  });
});
