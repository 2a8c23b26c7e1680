import { describe, expect, it } from 'vitest';
import { OLDER_OUTPUT_CHARS_KEPT } from '../bounded.js';
import { groupReducers } from './groups.js';
import { runReducers } from './run.js';
import { MAX_ITEMS_KEPT } from './state.js';
import { stepReducers } from './steps.js';
import { eventMaker, foldWith } from './test-helpers.js';

describe('the groups reducer', () => {
  it('counts a parallel group’s members as they start and end, once each', () => {
    const ev = eventMaker();
    const state = foldWith(
      [groupReducers],
      [
        ev('parallel_started', {
          group_name: 'team',
          agents: ['a', 'b', 'c'],
          failure_mode: 'continue_on_error',
        }),
        ev('agent_started', { agent_name: 'a', group_name: 'team' }),
        ev('agent_started', { agent_name: 'b', group_name: 'team' }),
        ev('parallel_agent_completed', { group_name: 'team', agent_name: 'a' }),
        ev('parallel_agent_failed', { group_name: 'team', agent_name: 'b' }),
      ],
    );
    expect(state.groups.team).toMatchObject({
      key: 'team',
      kind: 'parallel',
      status: 'running',
      total: 3,
      running: 0,
      completed: 1,
      failed: 1,
      failure_mode: 'continue_on_error',
      max_concurrent: null,
      started_at: 1001,
    });
  });

  it('does not count a member twice when its script_started continues the attempt its agent_started began', () => {
    const ev = eventMaker();
    const state = foldWith(
      [stepReducers, groupReducers],
      [
        ev('parallel_started', { group_name: 'team', agents: ['lint'] }),
        ev('agent_started', { agent_name: 'lint', group_name: 'team', agent_type: 'script' }),
        ev('script_started', { agent_name: 'lint', group_name: 'team' }),
      ],
    );
    expect(state.groups.team?.running).toBe(1);
  });

  it('keeps a for_each group’s recent and failed items, bounded, with their outputs’ heads', () => {
    const ev = eventMaker();
    const events = [ev('for_each_started', { group_name: 'each', item_count: 100, max_concurrent: 5 })];
    for (let index = 0; index < 100; index++) {
      events.push(ev('for_each_item_started', { group_name: 'each', index, item_key: `k${index}` }));
      events.push(
        index % 2 === 0
          ? ev('for_each_item_failed', {
              group_name: 'each',
              index,
              item_key: `k${index}`,
              error_type: 'Boom',
            })
          : ev('for_each_item_completed', {
              group_name: 'each',
              index,
              elapsed: 1,
              output: 'o'.repeat(5000),
            }),
      );
    }
    events.push(
      ev('for_each_completed', { group_name: 'each', success_count: 50, failure_count: 50, elapsed: 9 }),
    );
    const group = foldWith([groupReducers], events).groups.each;
    expect(group).toMatchObject({
      kind: 'for_each',
      status: 'completed',
      total: 100,
      completed: 50,
      failed: 50,
    });
    expect(group?.max_concurrent).toBe(5);
    expect(group?.recent_items).toHaveLength(MAX_ITEMS_KEPT);
    expect(group?.failed_items).toHaveLength(MAX_ITEMS_KEPT);
    expect(group?.failed_items[0]).toMatchObject({
      index: 0,
      key: 'k0',
      status: 'failed',
      error: { error_type: 'Boom' },
    });
    const last = group?.recent_items.at(-1);
    expect(last).toMatchObject({
      index: 99,
      status: 'completed',
      started_at: 1200,
      finished_at: 1201,
      output_truncated: true,
    });
    expect(String(last?.output).length).toBeLessThanOrEqual(OLDER_OUTPUT_CHARS_KEPT);
  });

  it('marks a group failed when none of it succeeded, and keys groups of a sub-workflow by its path', () => {
    const ev = eventMaker();
    const state = foldWith(
      [groupReducers],
      [
        ev('parallel_started', { group_name: 'team', agents: ['a'] }),
        ev('parallel_started', { group_name: 'team', agents: ['a', 'b'], subworkflow_path: ['child'] }),
        ev('parallel_completed', { group_name: 'team', success_count: 0, failure_count: 1 }),
      ],
    );
    expect(state.groups.team).toMatchObject({ status: 'failed', finished_at: 1003, running: 0 });
    expect(state.groups['child/team']).toMatchObject({ name: 'team', total: 2, status: 'running' });
  });

  it('makes the group the current step while one of its items’ steps starts', () => {
    const ev = eventMaker();
    const state = foldWith(
      [runReducers, groupReducers],
      [
        ev('for_each_started', { group_name: 'each', item_count: 1 }),
        ev('agent_started', { agent_name: 'other' }),
        ev('agent_started', { agent_name: 'each[0]', group_name: 'each', index: 0 }),
      ],
    );
    expect(state.run.current_step).toBe('each');
  });
});
