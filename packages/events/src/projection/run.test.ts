import { describe, expect, it } from 'vitest';
import { runReducers } from './run.js';
import { eventMaker, foldWith } from './test-helpers.js';

const graph = {
  name: 'review',
  entry_point: 'draft',
  run_id: 'r1',
  agents: [{ name: 'draft', type: 'agent' }],
  routes: [{ from: 'draft', to: '$end' }],
  inputs: { topic: 'owls' },
};

describe('the run reducer', () => {
  it('starts the run with its graph and inputs, and keeps the first start across resumes', () => {
    const ev = eventMaker();
    const state = foldWith(
      [runReducers],
      [
        ev('workflow_started', graph),
        ev('workflow_failed', {
          error_type: 'ProviderError',
          message: 'rate limited',
          checkpoint_path: '/c.json',
        }),
        ev('workflow_resumed', {
          run_id: 'r1',
          resumed_at_step: 'draft',
          generation: 1,
          history_source: 'synthetic',
          checkpoint_path: '/c.json',
        }),
      ],
    );
    expect(state.graph).toMatchObject({ name: 'review', entry_point: 'draft', routes: graph.routes });
    expect(state.run).toMatchObject({
      run_id: 'r1',
      name: 'review',
      status: 'running',
      generation: 1,
      started_at: 1001,
      finished_at: null,
      error: null,
      inputs: { topic: 'owls' },
      checkpoint_path: '/c.json',
      has_synthetic_history: true,
    });
    expect(state.resumes).toEqual([
      {
        generation: 1,
        seq: 3,
        at: 1003,
        stopped_at: 1002,
        checkpoint_path: '/c.json',
        checkpoint_created_at: null,
        resumed_at_step: 'draft',
        history_source: 'synthetic',
      },
    ]);
    // The steps are another concern's: this reducer alone makes none.
    expect(state.steps).toEqual({});
  });

  it('ends the run as failed, interrupted, terminated or completed with its output', () => {
    const ev = eventMaker();
    const end = (event: ReturnType<typeof ev>) =>
      foldWith([runReducers], [ev('workflow_started', graph), event]).run;
    expect(end(ev('workflow_failed', { error_type: 'Interrupted', agent_name: 'draft' }))).toMatchObject({
      status: 'interrupted',
      error: { error_type: 'Interrupted', agent_name: 'draft', stopped_by_user: true },
    });
    expect(
      end(ev('workflow_failed', { error_type: 'X', checkpoint_unavailable_reason: 'disk full' })),
    ).toMatchObject({
      status: 'failed',
      checkpoint_unavailable_reason: 'disk full',
      error: { error_type: 'X', message: null, agent_name: null, stopped_by_user: false },
    });
    expect(
      end(
        ev('workflow_completed', { status: 'failed', termination_reason: 'no data', terminated_by: 'check' }),
      ),
    ).toMatchObject({
      status: 'failed',
      error: { error_type: 'Terminated', message: 'no data', agent_name: 'check' },
    });
    const completed = end(ev('workflow_completed', { output: 'x'.repeat(10_000) }));
    expect(completed).toMatchObject({
      status: 'completed',
      current_step: null,
      error: null,
      output_truncated: true,
    });
    expect(String(completed.output).length).toBeLessThan(5000);
  });

  it('follows the step the run is at, counts routes and sums the tokens of agents', () => {
    const ev = eventMaker();
    const state = foldWith(
      [runReducers],
      [
        ev('workflow_started', graph),
        ev('agent_started', { agent_name: 'draft' }),
        ev('agent_completed', {
          agent_name: 'draft',
          tokens: 10,
          input_tokens: 4,
          output_tokens: 6,
          cost_usd: 0.5,
        }),
        ev('route_taken', { from_agent: 'draft', to_agent: 'draft' }),
        ev('agent_started', { agent_name: 'member', group_name: 'team' }),
        ev('agent_completed', { agent_name: 'member', group_name: 'team', tokens: null, cost_usd: 0.25 }),
        ev('route_taken', { from_agent: 'draft', to_agent: 'draft' }),
        ev('for_each_started', { group_name: 'each', item_count: 3 }),
        ev('checkpoint_saved', { path: '/p.json', trigger: 'periodic' }),
        ev('agent_started', { agent_name: 'inner', subworkflow_path: ['draft'] }),
      ],
    );
    expect(state.run.current_step).toBe('each');
    expect(state.run.totals).toEqual({ tokens: 10, input_tokens: 4, output_tokens: 6, cost_usd: 0.75 });
    expect(state.routes_taken).toEqual({
      'draft->draft': { from: 'draft', to: 'draft', count: 2, last_seq: 7 },
    });
    expect(state.run.checkpoint_path).toBe('/p.json');
  });

  it('leaves the root run alone for a sub-workflow’s own start and end', () => {
    const ev = eventMaker();
    const state = foldWith(
      [runReducers],
      [
        ev('workflow_started', graph),
        ev('workflow_started', { ...graph, name: 'child', subworkflow_path: ['draft'] }),
        ev('workflow_failed', { error_type: 'X', subworkflow_path: ['draft'] }),
      ],
    );
    expect(state.run).toMatchObject({ name: 'review', status: 'running', error: null });
    expect(state.graph?.name).toBe('review');
  });
});
