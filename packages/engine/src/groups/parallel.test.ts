import { type ConductorEvent, projectEvents, validateEventData } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { find, typesOf, workflowOf } from '../testing/support.js';
import type { FailureMode, ParallelGroup, StepDefinition, WorkflowDefinition } from '../workflow/types.js';

function groupWorkflow(
  members: StepDefinition[],
  group: Omit<ParallelGroup, 'agents'> & { agents?: string[] },
  after: StepDefinition[] = [],
) {
  const workflow = workflowOf([...members, ...after], { entry_point: group.name });
  const definition: WorkflowDefinition = {
    ...workflow.definition,
    parallel: [{ agents: members.map((m) => m.name), ...group }],
  };
  return { ...workflow, definition };
}

async function run(
  workflow: ReturnType<typeof groupWorkflow>,
  options: Parameters<typeof runWorkflow>[1] = {},
) {
  const handle = runWorkflow(workflow, { eventLog: false, ...options });
  const events: ConductorEvent[] = [];
  for await (const event of handle.events) events.push(event);
  return { result: await handle, events };
}

const ok = (name: string, value: unknown): StepDefinition => ({ name, type: 'set', value });
/** A member that fails when it renders: it reads a step that never ran. */
const broken = (name: string): StepDefinition => ({ name, type: 'set', value: '{{ nothing.output }}' });
/** A member that runs until it is cancelled. */
const slow = (name: string): StepDefinition => ({ name, type: 'wait', duration: '1h' });

describe('parallel groups', () => {
  it('runs the members, stores <group>.outputs.<member>, takes the group routes, in this event order', async () => {
    const { result, events } = await run(
      groupWorkflow(
        [ok('web', { hits: 3 }), ok('papers', '{{ workflow.input.topic }} papers')],
        { name: 'research', routes: [{ to: 'sum' }] },
        [
          {
            name: 'sum',
            type: 'set',
            value:
              '{{ research.outputs.web.hits }} / {{ research.outputs.papers }} / {{ research.errors | length }}',
          },
        ],
      ),
      { inputs: { topic: 'owls' } },
    );
    expect(result.status).toBe('completed');
    expect(result.output).toBe('3 / owls papers / 0');
    expect(typesOf(events)).toEqual([
      'workflow_started',
      'parallel_started',
      'set_started',
      'set_completed',
      'set_started',
      'set_completed',
      'parallel_agent_completed',
      'parallel_agent_completed',
      'parallel_completed',
      'route_taken',
      'set_started',
      'set_completed',
      'route_taken',
      'workflow_completed',
    ]);
    for (const event of events) expect(validateEventData(event.type, event.data)).toEqual({ ok: true });
    expect(find(events, 'parallel_started').data).toMatchObject({
      group_name: 'research',
      agents: ['web', 'papers'],
      failure_mode: 'fail_fast',
    });
    const members = events.filter((e) => e.type === 'set_started' && e.data.group_name === 'research');
    expect(members.map((e) => e.data.agent_name)).toEqual(['web', 'papers']);
    const completed = events.filter((e) => e.type === 'parallel_agent_completed');
    expect(completed.map((e) => [e.data.agent_name, e.data.output])).toEqual([
      ['web', { hits: 3 }],
      ['papers', 'owls papers'],
    ]);
    expect(typeof completed[0]?.data.elapsed).toBe('number');
    expect(find(events, 'parallel_completed').data).toMatchObject({
      group_name: 'research',
      success_count: 2,
      failure_count: 0,
      output: { type: 'parallel', outputs: { web: { hits: 3 }, papers: 'owls papers' }, errors: {} },
    });
    expect(find(events, 'route_taken').data).toEqual({ from_agent: 'research', to_agent: 'sum' });

    const state = projectEvents(events);
    expect(state.groups.research).toMatchObject({
      kind: 'parallel',
      status: 'completed',
      total: 2,
      completed: 2,
    });
    expect(state.steps.web?.status).toBe('completed');
  });

  it('fail_fast: the first failure cancels the members still running and fails the run with its error', async () => {
    const { result, events } = await run(
      groupWorkflow([slow('crawl'), broken('bad'), ok('never_cancelled', 1)], { name: 'g' }),
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ type: 'TemplateError', step: 'g' });
    expect(result.error?.message).toContain('parallel group "g" failed (failure_mode: fail_fast)');
    const failed = events.filter((e) => e.type === 'parallel_agent_failed').map((e) => e.data);
    expect(failed).toEqual([
      expect.objectContaining({ group_name: 'g', agent_name: 'bad', error_type: 'TemplateError' }),
      expect.objectContaining({ group_name: 'g', agent_name: 'crawl', error_type: 'Cancelled' }),
    ]);
    expect(find(events, 'wait_completed').data).toMatchObject({ agent_name: 'crawl', interrupted: true });
    expect(find(events, 'parallel_completed').data).toMatchObject({
      success_count: 1,
      failure_count: 2,
      failed: true,
    });
    expect(find(events, 'workflow_failed').data).toMatchObject({
      error_type: 'TemplateError',
      agent_name: 'g',
    });
  });

  it('continue_on_error: goes on with <group>.errors.<member> when one member failed, fails when all did', async () => {
    const partial = await run(
      groupWorkflow(
        [ok('good', 'fine'), broken('bad')],
        { name: 'g', failure_mode: 'continue_on_error', routes: [{ to: 'report' }] },
        [
          {
            name: 'report',
            type: 'set',
            value: '{{ g.errors.bad.error_type }}: {{ g.outputs.good }} {{ g.outputs.bad is defined }}',
          },
        ],
      ),
    );
    expect(partial.result.status).toBe('completed');
    expect(partial.result.output).toBe('TemplateError: fine false');
    expect(find(partial.events, 'parallel_agent_failed').data).toMatchObject({
      agent_name: 'bad',
      error_type: 'TemplateError',
      message: expect.stringContaining('nothing'),
    });

    const all = await run(
      groupWorkflow([broken('a'), broken('b')], { name: 'g', failure_mode: 'continue_on_error' }),
    );
    expect(all.result.status).toBe('failed');
    expect(all.result.error?.message).toContain('2 of 2 members failed');
  });

  it('all_or_nothing: runs every member to the end, then fails when any failed', async () => {
    const { result, events } = await run(
      groupWorkflow([broken('bad'), ok('good', 1), ok('also_good', 2)], {
        name: 'g',
        failure_mode: 'all_or_nothing',
      }),
    );
    expect(result.status).toBe('failed');
    expect(events.filter((e) => e.type === 'parallel_agent_completed').map((e) => e.data.agent_name)).toEqual(
      ['good', 'also_good'],
    );
    expect(find(events, 'parallel_completed').data).toMatchObject({ success_count: 2, failure_count: 1 });
    expect(result.error?.message).toContain('failure_mode: all_or_nothing');
  });

  it.each<[FailureMode, string]>([
    ['fail_fast', 'failed'],
    ['continue_on_error', 'completed'],
    ['all_or_nothing', 'failed'],
  ])('%s with one failed member of two: the run %s', async (mode, status) => {
    const { result } = await run(
      groupWorkflow([ok('good', 1), broken('bad')], { name: 'g', failure_mode: mode }),
    );
    expect(result.status).toBe(status);
  });

  it('runs members against the context before the group: siblings do not see each other', async () => {
    const { result } = await run(
      groupWorkflow([ok('a', 1), { name: 'b', type: 'set', value: '{{ a is defined }}' }], {
        name: 'g',
        routes: [{ to: '$end' }],
      }),
    );
    expect(result.output).toEqual({ type: 'parallel', outputs: { a: 1, b: false }, errors: {} });
  });

  it('an interrupt stops the members and fails the group as interrupted', async () => {
    const handle = runWorkflow(groupWorkflow([slow('a'), slow('b')], { name: 'g' }), { eventLog: false });
    const events: ConductorEvent[] = [];
    for await (const event of handle.events) {
      events.push(event);
      if (event.type === 'wait_started' && event.data.agent_name === 'b') handle.stop();
    }
    const result = await handle;
    expect(result.status).toBe('interrupted');
    expect(events.filter((e) => e.type === 'parallel_agent_failed').map((e) => e.data.error_type)).toEqual([
      'Interrupted',
      'Interrupted',
    ]);
  });
});
