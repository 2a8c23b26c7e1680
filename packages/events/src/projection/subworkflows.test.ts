import { describe, expect, it } from 'vitest';
import { subworkflowReducers } from './subworkflows.js';
import { eventMaker, foldWith } from './test-helpers.js';

const child = (path: string[]) => ({
  name: 'child',
  entry_point: 'inner',
  agents: [{ name: 'inner', type: 'agent' }],
  subworkflow_path: path,
});

describe('the sub-workflows reducer', () => {
  it('keeps each sub-workflow’s graph and status by its parent path, at any depth', () => {
    const ev = eventMaker();
    const state = foldWith(
      [subworkflowReducers],
      [
        ev('workflow_started', { name: 'root', entry_point: 'review', agents: [] }),
        ev('workflow_started', child(['review'])),
        ev('workflow_started', child(['review', 'deeper'])),
        ev('workflow_failed', { error_type: 'X', subworkflow_path: ['review', 'deeper'] }),
        ev('workflow_completed', { status: 'failed', subworkflow_path: ['review'] }),
      ],
    );
    expect(Object.keys(state.subworkflows)).toEqual(['review', 'review/deeper']);
    expect(state.subworkflows.review).toMatchObject({
      path: ['review'],
      status: 'failed',
      started_at: 1002,
      finished_at: 1005,
      graph: { name: 'child', entry_point: 'inner', routes: [], parallel_groups: [] },
    });
    expect(state.subworkflows['review/deeper']).toMatchObject({ status: 'failed', finished_at: 1004 });
    // The root run is the run concern's.
    expect(state.run.status).toBe('pending');
  });

  it('completes a sub-workflow, and ignores the end of one it never saw start', () => {
    const ev = eventMaker();
    const state = foldWith(
      [subworkflowReducers],
      [
        ev('workflow_started', child(['a'])),
        ev('workflow_completed', { output: 1, subworkflow_path: ['a'] }),
        ev('workflow_completed', { output: 1, subworkflow_path: ['b'] }),
      ],
    );
    expect(state.subworkflows).toEqual({
      a: expect.objectContaining({ status: 'completed', finished_at: 1002 }),
    });
  });
});
