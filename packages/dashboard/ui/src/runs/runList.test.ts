import { describe, expect, it } from 'vitest';
import type { RunListEntry } from '../../../src/runs-protocol';
import { ALL_RUNS, costOf, countByStatus, durationsOf, filterRuns, workflowsOf } from './runList';

const run = (patch: Partial<RunListEntry>): RunListEntry => ({
  run_id: 'r',
  workflow: 'review',
  workflow_path: null,
  status: 'completed',
  started_at: 100,
  finished_at: 110,
  active_seconds: 10,
  wall_seconds: 10,
  resumes: 0,
  step: null,
  gate: null,
  gate_options: [],
  error: null,
  cost_usd: 0,
  owner: null,
  resumable: false,
  why: 'completed',
  deletable: true,
  gate_answerable: false,
  ...patch,
});

const runs = [
  run({ run_id: 'a1', workflow: 'review', status: 'completed' }),
  run({
    run_id: 'b2',
    workflow: 'release',
    status: 'failed',
    step: 'publish',
    error: 'ProviderError: overloaded',
  }),
  run({ run_id: 'c3', workflow: 'release', status: 'running', step: 'build' }),
];

describe('the run list', () => {
  it('filters by status, by workflow, and searches every word in id, workflow, step and error', () => {
    expect(filterRuns(runs, ALL_RUNS).map((r) => r.run_id)).toEqual(['a1', 'b2', 'c3']);
    expect(filterRuns(runs, { ...ALL_RUNS, status: 'failed' }).map((r) => r.run_id)).toEqual(['b2']);
    expect(filterRuns(runs, { ...ALL_RUNS, workflow: 'release' }).map((r) => r.run_id)).toEqual(['b2', 'c3']);
    expect(filterRuns(runs, { ...ALL_RUNS, search: 'OVERLOADED publish' }).map((r) => r.run_id)).toEqual([
      'b2',
    ]);
    expect(filterRuns(runs, { ...ALL_RUNS, search: 'c3' }).map((r) => r.run_id)).toEqual(['c3']);
    expect(filterRuns(runs, { status: 'running', workflow: 'review', search: '' })).toEqual([]);
  });

  it('counts runs by status and lists the workflows once, sorted', () => {
    expect(countByStatus(runs)).toMatchObject({ all: 3, completed: 1, failed: 1, running: 1, died: 0 });
    expect(workflowsOf(runs)).toEqual(['release', 'review']);
  });

  it("shows a running run's times grown by the seconds since the list came; a finished run's not", () => {
    expect(durationsOf(run({ status: 'running', active_seconds: 10, wall_seconds: 70 }), 5)).toEqual({
      active: '15s',
      wall: '1m 15s',
    });
    expect(durationsOf(run({ active_seconds: 13, wall_seconds: 108 }), 5)).toEqual({
      active: '13s',
      wall: '1m 48s',
    });
    expect(durationsOf(run({ active_seconds: null, wall_seconds: null }), 5)).toEqual({
      active: '—',
      wall: '—',
    });
  });

  it('shows cost in dollars, or a dash when nothing was priced', () => {
    expect(costOf(run({ cost_usd: 1.5 }))).toBe('$1.50');
    expect(costOf(run({ cost_usd: 0 }))).toBe('—');
  });
});
