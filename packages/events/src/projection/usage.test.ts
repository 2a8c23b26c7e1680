import { describe, expect, it } from 'vitest';
import { applyEvent, projectEvents } from '../projection.js';
import { eventMaker } from './test-helpers.js';

const call = (cost: number | null, input = 100, output = 10) => ({
  tokens: input + output,
  input_tokens: input,
  output_tokens: output,
  cache_read_tokens: 40,
  cache_write_tokens: 0,
  cost_usd: cost,
});

describe('usage totals', () => {
  it('sums every attempt of a step, the failed ones that spent too, and the run', () => {
    const ev = eventMaker();
    const state = projectEvents([
      ev('workflow_started', {
        name: 'w',
        entry_point: 'draft',
        agents: [{ name: 'draft' }, { name: 'check' }],
      }),
      ev('agent_started', { agent_name: 'draft' }),
      ev('agent_failed', {
        agent_name: 'draft',
        error_type: 'OutputValidationError',
        model: 'm',
        ...call(0.5),
      }),
      ev('agent_started', { agent_name: 'draft' }),
      ev('agent_completed', { agent_name: 'draft', model: 'm', output: {}, ...call(0.25) }),
      ev('agent_started', { agent_name: 'check' }),
      ev('agent_failed', { agent_name: 'check', error_type: 'ProviderError' }),
    ]);
    const draft = state.steps.draft;
    expect(draft?.attempts.map((a) => [a.status, a.cost_usd, a.cache_read_tokens])).toEqual([
      ['failed', 0.5, 40],
      ['completed', 0.25, 40],
    ]);
    expect(draft?.usage).toEqual({
      attempts: 2,
      tokens: 220,
      input_tokens: 200,
      output_tokens: 20,
      cache_read_tokens: 80,
      cache_write_tokens: 0,
      cost_usd: 0.75,
      unpriced: 0,
    });
    // A failure before any call spent nothing and is not counted.
    expect(state.steps.check?.usage.attempts).toBe(0);
    expect(state.run.usage).toMatchObject({ attempts: 2, tokens: 220, cost_usd: 0.75 });
    expect(state.run.totals).toEqual({ tokens: 220, input_tokens: 200, output_tokens: 20, cost_usd: 0.75 });
  });

  it('keeps cost null while nothing is priced, and counts the attempts left out of a partial cost', () => {
    const ev = eventMaker();
    const unpriced = projectEvents([
      ev('agent_started', { agent_name: 'a' }),
      ev('agent_completed', { agent_name: 'a', ...call(null) }),
    ]);
    expect(unpriced.run.usage).toMatchObject({ cost_usd: null, unpriced: 1, tokens: 110 });
    const partial = [
      ev('agent_started', { agent_name: 'b' }),
      ev('agent_completed', { agent_name: 'b', ...call(0.1) }),
    ].reduce(applyEvent, unpriced);
    expect(partial.run.usage).toMatchObject({ cost_usd: 0.1, unpriced: 1, attempts: 2 });
  });

  it("counts for_each items (not steps) in their group and the run, and a sub-workflow's agents in the step that ran it", () => {
    const ev = eventMaker();
    const item = (index: number) => ({ group_name: 'each', index, item_key: index });
    const state = projectEvents([
      ev('workflow_started', {
        name: 'w',
        entry_point: 'each',
        agents: [{ name: 'review', type: 'workflow' }],
      }),
      ev('for_each_started', { group_name: 'each', item_count: 2 }),
      ev('agent_started', { agent_name: 'each[0]', ...item(0) }),
      ev('agent_completed', { agent_name: 'each[0]', ...item(0), ...call(0.5) }),
      ev('agent_started', { agent_name: 'each[1]', ...item(1) }),
      ev('agent_failed', { agent_name: 'each[1]', ...item(1), error_type: 'X', ...call(0.25) }),
      ev('for_each_completed', { group_name: 'each', success_count: 1, failure_count: 1 }),
      ev('subworkflow_started', { agent_name: 'review', workflow: 'child.yaml' }),
      ev('agent_started', { agent_name: 'inner', subworkflow_path: ['review'] }),
      ev('agent_completed', { agent_name: 'inner', subworkflow_path: ['review'], ...call(1) }),
      ev('subworkflow_completed', { agent_name: 'review', output: {} }),
    ]);
    expect(state.groups.each?.usage).toMatchObject({ attempts: 2, cost_usd: 0.75, tokens: 220 });
    expect(state.steps['each[0]']).toBeUndefined();
    expect(state.steps['review/inner']?.usage.cost_usd).toBe(1);
    expect(state.steps.review?.usage).toMatchObject({ attempts: 1, cost_usd: 1 });
    expect(state.run.usage).toMatchObject({ attempts: 3, cost_usd: 1.75, tokens: 330 });
  });

  it('keeps a step’s totals beyond the attempts it keeps, and sums a parallel group’s members', () => {
    const ev = eventMaker();
    const events = [ev('parallel_started', { group_name: 'team', agents: ['x', 'y'] })];
    for (let i = 0; i < 30; i++) {
      events.push(ev('agent_started', { agent_name: 'x', group_name: 'team' }));
      events.push(ev('agent_completed', { agent_name: 'x', group_name: 'team', ...call(0.5) }));
    }
    const state = projectEvents(events);
    expect(state.steps.x?.attempts).toHaveLength(20);
    expect(state.steps.x?.usage).toMatchObject({ attempts: 30, cost_usd: 15 });
    expect(state.groups.team?.usage.cost_usd).toBe(15);
  });

  it('keeps the last budget_exceeded of the root run', () => {
    const ev = eventMaker();
    const state = projectEvents([
      ev('budget_exceeded', { agent_name: 'a', total_cost_usd: 1.5, budget_usd: 1, budget_mode: 'audit' }),
      ev('budget_exceeded', { agent_name: 'b', total_cost_usd: 2.5, budget_usd: 1, budget_mode: 'audit' }),
      ev('budget_exceeded', {
        agent_name: 'inner',
        subworkflow_path: ['p'],
        total_cost_usd: 9,
        budget_usd: 1,
        budget_mode: 'enforce',
      }),
    ]);
    expect(state.run.budget_exceeded).toEqual({
      agent_name: 'b',
      total_cost_usd: 2.5,
      budget_usd: 1,
      budget_mode: 'audit',
      seq: 2,
    });
  });

  it("counts a validator's calls in the step's usage and in the row `<step> (validator)` too", () => {
    const ev = eventMaker();
    const state = projectEvents([
      ev('workflow_started', { name: 'w', entry_point: 'review', agents: [{ name: 'review' }] }),
      ev('agent_started', { agent_name: 'review' }),
      ev('agent_completed', {
        agent_name: 'review',
        model: 'm',
        tokens: 165,
        input_tokens: 150,
        output_tokens: 15,
        cost_usd: 0.3,
        calls: [
          { model: 'm', input_tokens: 100, output_tokens: 10, cost_usd: 0.2 },
          { model: 'v', input_tokens: 50, output_tokens: 5, cost_usd: 0.1, row: 'review (validator)' },
        ],
        output: {},
      }),
    ]);
    const review = state.steps.review;
    expect(review?.usage).toMatchObject({ attempts: 1, tokens: 165, cost_usd: 0.3 });
    expect(review?.usage_rows).toEqual({
      'review (validator)': {
        attempts: 1,
        tokens: 55,
        input_tokens: 50,
        output_tokens: 5,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        cost_usd: 0.1,
        unpriced: 0,
      },
    });
    expect(state.run.usage.cost_usd).toBe(0.3);
  });
});
