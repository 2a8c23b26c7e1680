import type { ConductorEvent, ResumeMark } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { type Category, windowOf } from './activity';
import { type ActivityFilter, type Item, itemAt, itemsOf, SIZE, startOf } from './activityItems';

let seq = 0;
const ev = (type: string, data: Record<string, unknown> = {}): ConductorEvent => ({
  seq: ++seq,
  type,
  timestamp: 1000 + seq,
  data,
});

/** A run with a for-each group, a parallel group, a sub-workflow, and a resume at seq 9. */
function run(): ConductorEvent[] {
  seq = 0;
  return [
    ev('workflow_started', { name: 'story', agents: [] }), // 1
    ev('for_each_started', { group_name: 'each', item_count: 1 }), // 2
    ev('set_started', { agent_name: 'each[0]', group_name: 'each', index: 0 }), // 3
    ev('for_each_completed', { group_name: 'each', success_count: 1, failure_count: 0 }), // 4
    ev('agent_started', { agent_name: 'web', group_name: 'research' }), // 5
    ev('agent_message', { agent_name: 'web', group_name: 'research', content: 'searching' }), // 6
    ev('subworkflow_started', { agent_name: 'review' }), // 7
    ev('agent_started', { agent_name: 'draft', subworkflow_path: ['review'] }), // 8
    ev('workflow_resumed', { resumed_at_step: 'draft', generation: 1 }), // 9
    ev('agent_failed', { agent_name: 'draft', subworkflow_path: ['review'], error_type: 'X' }), // 10
  ];
}

const mark = (at: number): ResumeMark => ({
  generation: 1,
  seq: at,
  at: 1000 + at,
  stopped_at: null,
  checkpoint_path: null,
  checkpoint_created_at: null,
  resumed_at_step: 'draft',
  history_source: 'log',
});

const all: ActivityFilter = { step: null, path: null, hidden: new Set() };
const keys = (items: Item[]) => items.map((item) => item.key);

describe('the activity list', () => {
  it('holds every row, a divider before the first event of each resume, and "load older" on top', () => {
    const items = itemsOf(windowOf(run(), true), [mark(9)], all);
    expect(keys(items)).toEqual(['older', '1', '2', '3', '4', '5', '6', '7', '8', 'resume-9', '9', '10']);
  });

  it('draws only the dividers of resumes inside the window, even when their rows are filtered out', () => {
    const window = windowOf(run().slice(4), false); // seqs 5..10
    expect(keys(itemsOf(window, [mark(3), mark(9)], all))).toEqual([
      '5',
      '6',
      '7',
      '8',
      'resume-9',
      '9',
      '10',
    ]);
    const onlyErrors: ActivityFilter = {
      ...all,
      hidden: new Set<Category>(['run', 'step', 'message', 'tool', 'gate', 'group']),
    };
    expect(keys(itemsOf(window, [mark(9)], onlyErrors))).toEqual(['resume-9', '10']);
    expect(keys(itemsOf(windowOf([], false), [mark(9)], all))).toEqual([]);
  });

  it("filtered to a group, shows the group's own rows, its items' and its members'", () => {
    const window = windowOf(run(), false);
    expect(keys(itemsOf(window, [], { ...all, step: 'each' }))).toEqual(['2', '3', '4']);
    expect(keys(itemsOf(window, [], { ...all, step: 'research' }))).toEqual(['5', '6']);
  });

  it("filtered to a sub-workflow step or path, shows the step's rows and everything inside it", () => {
    const window = windowOf(run(), false);
    expect(keys(itemsOf(window, [mark(9)], { ...all, step: 'review' }))).toEqual([
      '7',
      '8',
      'resume-9',
      '10',
    ]);
    expect(keys(itemsOf(window, [], { ...all, path: 'review' }))).toEqual(['8', '10']);
  });

  it('hides the categories switched off', () => {
    const window = windowOf(run(), false);
    const hidden = new Set<Category>(['group', 'run']);
    expect(keys(itemsOf(window, [], { ...all, hidden }))).toEqual(['3', '5', '6', '7', '8', '10']);
  });
});

describe('positions in the list', () => {
  const items = itemsOf(windowOf(run().slice(0, 3), true), [mark(2)], all);
  // older (36), row 1 (30), divider (40), row 2 (30), row 3 (30)

  it('say where an entry starts', () => {
    expect(SIZE).toEqual({ older: 36, divider: 40, row: 30 });
    expect(startOf(items, 'older')).toBe(0);
    expect(startOf(items, '1')).toBe(36);
    expect(startOf(items, '2')).toBe(106);
    expect(startOf(items, '9')).toBeNull();
  });

  it('say which entry is at an offset', () => {
    expect(itemAt(items, 0)).toEqual({ key: 'older', start: 0 });
    expect(itemAt(items, 65)).toEqual({ key: '1', start: 36 });
    expect(itemAt(items, 66)).toEqual({ key: 'resume-2', start: 66 });
    expect(itemAt(items, 165)).toEqual({ key: '3', start: 136 });
    expect(itemAt(items, 166)).toBeNull();
  });
});
