import { type ConductorEvent, projectEvents, validateEventData } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { createLatches, recordEvents } from '../testing/latches.js';
import { find, typesOf, WAIT, workflowOf } from '../testing/support.js';
import { parseWorkflow } from '../workflow/load.js';
import type { ForEachGroup, StepDefinition, WorkflowDefinition } from '../workflow/types.js';

type Group = Omit<ForEachGroup, 'type' | 'name' | 'as' | 'source'> & Partial<ForEachGroup>;

/** A workflow whose entry point is the for-each group `each` over `workflow.input.items`. */
function forEachWorkflow(group: Group, after: StepDefinition[] = []) {
  const steps: StepDefinition[] = after.length > 0 ? after : [{ name: 'unused', type: 'set', value: 0 }];
  const workflow = workflowOf(steps, { entry_point: group.name ?? 'each' });
  const definition: WorkflowDefinition = {
    ...workflow.definition,
    for_each: [{ name: 'each', type: 'for_each', source: 'workflow.input.items', as: 'item', ...group }],
  };
  return { ...workflow, definition };
}

async function run(
  workflow: ReturnType<typeof forEachWorkflow>,
  items: unknown[],
  options: Parameters<typeof runWorkflow>[1] = {},
) {
  const handle = runWorkflow(workflow, { eventLog: false, inputs: { items }, ...options });
  const events: ConductorEvent[] = [];
  for await (const event of handle.events) events.push(event);
  return { result: await handle, events };
}

const itemEvents = (events: ConductorEvent[]) =>
  events
    .filter((e) => e.type.startsWith('for_each_item_'))
    .map((e) => `${e.type.replace('for_each_item_', '')} ${e.data.index}`);

describe('for-each groups', () => {
  it('runs the body per item with the item, _index and _key in scope; outputs in item order, count, events', async () => {
    const { result, events } = await run(
      forEachWorkflow(
        {
          agent: { type: 'set', value: '{{ item.name }}#{{ _index }}/{{ _key }}' },
          routes: [{ to: 'report' }],
        },
        [{ name: 'report', type: 'set', value: '{{ each.outputs | join(",") }} ({{ each.count }})' }],
      ),
      [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
    );
    expect(result.status).toBe('completed');
    expect(result.output).toBe('a#0/0,b#1/1,c#2/2 (3)');
    for (const event of events) expect(validateEventData(event.type, event.data)).toEqual({ ok: true });
    expect(find(events, 'for_each_started').data).toMatchObject({
      group_name: 'each',
      item_count: 3,
      max_concurrent: 10,
      failure_mode: 'fail_fast',
    });
    expect(events.filter((e) => e.type === 'for_each_item_started').map((e) => e.data)).toEqual([
      { group_name: 'each', item_key: '0', index: 0, item_preview: '{"name":"a"}' },
      { group_name: 'each', item_key: '1', index: 1, item_preview: '{"name":"b"}' },
      { group_name: 'each', item_key: '2', index: 2, item_preview: '{"name":"c"}' },
    ]);
    expect(events.filter((e) => e.type === 'for_each_item_completed').map((e) => e.data)).toEqual(
      [0, 1, 2].map((index) => ({
        group_name: 'each',
        item_key: String(index),
        index,
        elapsed: expect.any(Number),
        output: `${'abc'[index]}#${index}/${index}`,
      })),
    );
    // The body's own events name the item: <group>[<index>], with the group fields.
    expect(events.filter((e) => e.type === 'set_completed' && e.data.group_name).map((e) => e.data)).toEqual(
      [0, 1, 2].map((index) =>
        expect.objectContaining({
          agent_name: `each[${index}]`,
          group_name: 'each',
          item_key: String(index),
          index,
        }),
      ),
    );
    expect(find(events, 'for_each_completed').data).toMatchObject({
      group_name: 'each',
      success_count: 3,
      failure_count: 0,
      elapsed: expect.any(Number),
      output: { type: 'for_each', outputs: ['a#0/0', 'b#1/1', 'c#2/2'], errors: {}, count: 3 },
    });
    expect(typesOf(events).slice(-6)).toEqual([
      'for_each_completed',
      'route_taken',
      'set_started',
      'set_completed',
      'route_taken',
      'workflow_completed',
    ]);
    expect(find(events, 'route_taken').data).toEqual({ from_agent: 'each', to_agent: 'report' });

    const state = projectEvents(events);
    expect(state.groups.each).toMatchObject({
      kind: 'for_each',
      status: 'completed',
      total: 3,
      completed: 3,
      running: 0,
    });
    // Items are counted in their group, not made steps (a group may have thousands).
    expect(state.steps['each[1]']).toBeUndefined();
    expect(state.groups.each?.recent_items.find((item) => item.index === 1)).toMatchObject({
      status: 'completed',
    });
  });

  it('key_by makes the outputs a mapping by key, and _key the key', async () => {
    const { result, events } = await run(
      forEachWorkflow({ key_by: 'item.id', agent: { type: 'set', value: '{{ _key }}={{ item.v }}' } }, []),
      [
        { id: 'k1', v: 1 },
        { id: 'k2', v: 2 },
        { v: 3 }, // no id: its key is its index
      ],
    );
    expect(result.output).toEqual({
      type: 'for_each',
      outputs: { k1: 'k1=1', k2: 'k2=2', '2': '2=3' },
      errors: {},
      count: 3,
    });
    expect(events.filter((e) => e.type === 'for_each_item_started').map((e) => e.data.item_key)).toEqual([
      'k1',
      'k2',
      '2',
    ]);
  });

  it('max_concurrent is a sliding window: never more in flight, and the next item starts when any one ends', async () => {
    const latches = createLatches();
    const workflow = forEachWorkflow({ max_concurrent: 2, agent: { type: 'latch' } as never }, []);
    const handle = runWorkflow(workflow, {
      eventLog: false,
      inputs: { items: ['a', 'b', 'c', 'd', 'e'] },
      executors: latches.executors,
    });
    const events = recordEvents(handle.bus);

    await expect.poll(latches.waiting, WAIT).toEqual(expect.arrayContaining(['0', '1']));
    expect(latches.waiting()).toEqual(['0', '1']);
    latches.release('1'); // the second item ends first: the third starts while the first still runs
    await expect.poll(latches.waiting, WAIT).toEqual(expect.arrayContaining(['2']));
    expect(latches.waiting().sort()).toEqual(['0', '2']);
    latches.release('2');
    await expect.poll(latches.waiting, WAIT).toEqual(expect.arrayContaining(['3']));
    latches.release('0');
    await expect.poll(latches.waiting, WAIT).toEqual(expect.arrayContaining(['4']));
    latches.release('3');
    latches.release('4');
    const result = await handle;

    expect(result.status).toBe('completed');
    expect(latches.maxInFlight).toBe(2);
    expect(itemEvents(events)).toEqual([
      'started 0',
      'started 1',
      'completed 1',
      'started 2',
      'completed 2',
      'started 3',
      'completed 0',
      'started 4',
      'completed 3',
      'completed 4',
    ]);
    // In item order whatever the order they ended in.
    expect(result.output).toEqual({
      type: 'for_each',
      outputs: ['done 0', 'done 1', 'done 2', 'done 3', 'done 4'],
      errors: {},
      count: 5,
    });
  });

  it('fail_fast: the first failure cancels the items in flight and starts no more', async () => {
    const latches = createLatches();
    const handle = runWorkflow(
      forEachWorkflow({ max_concurrent: 2, agent: { type: 'latch' } as never }, []),
      {
        eventLog: false,
        inputs: { items: [1, 2, 3, 4] },
        executors: latches.executors,
      },
    );
    const events = recordEvents(handle.bus);
    await expect.poll(latches.waiting, WAIT).toEqual(expect.arrayContaining(['0', '1']));
    latches.fail('1', 'item one broke');
    const result = await handle;
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ type: 'LatchError', step: 'each' });
    expect(result.error?.message).toContain('item 1 (key "1"): item one broke');
    expect(itemEvents(events)).toEqual(['started 0', 'started 1', 'failed 1', 'failed 0']);
    expect(events.filter((e) => e.type === 'for_each_item_failed').map((e) => e.data.error_type)).toEqual([
      'LatchError',
      'Cancelled',
    ]);
    expect(find(events, 'for_each_completed').data).toMatchObject({
      success_count: 0,
      failure_count: 2,
      failed: true,
    });
  });

  it('continue_on_error: failed items are in errors (by key, with exception_type) and left out of outputs; all failing fails the group', async () => {
    const body = {
      type: 'set',
      value: '{% if item == 2 %}{{ nothing.output }}{% endif %}{{ item }}',
    } as const;
    const { result } = await run(
      forEachWorkflow({ failure_mode: 'continue_on_error', agent: body, routes: [{ to: '$end' }] }),
      [1, 2, 3],
    );
    expect(result.status).toBe('completed');
    expect(result.output).toMatchObject({
      type: 'for_each',
      outputs: [1, 3],
      errors: {
        '1': {
          item_key: '1',
          exception_type: 'TemplateError',
          error_type: 'TemplateError',
          index: 1,
          key: '1',
          message: expect.stringContaining('nothing'),
          suggestion: null,
        },
      },
      count: 3,
    });
    const keyed = await run(
      forEachWorkflow({
        failure_mode: 'continue_on_error',
        key_by: '"k" ~ item',
        agent: body,
        routes: [{ to: '$end' }],
      }),
      [1, 2, 3],
    );
    expect(keyed.result.output).toMatchObject({
      outputs: { k1: 1, k3: 3 },
      errors: { k2: { index: 1, key: 'k2', item_key: 'k2' } },
    });

    const all = await run(forEachWorkflow({ failure_mode: 'continue_on_error', agent: body }), [2, 2]);
    expect(all.result.status).toBe('failed');
    expect(all.result.error?.message).toContain('2 of 2 items failed');
  });

  it('all_or_nothing: every item runs, then the group fails when any failed', async () => {
    const body = {
      type: 'set',
      value: '{% if item == 1 %}{{ nothing.output }}{% endif %}{{ item }}',
    } as const;
    const { result, events } = await run(
      forEachWorkflow({ failure_mode: 'all_or_nothing', max_concurrent: 1, agent: body }),
      [1, 2, 3],
    );
    expect(result.status).toBe('failed');
    expect(itemEvents(events)).toEqual([
      'started 0',
      'failed 0',
      'started 1',
      'completed 1',
      'started 2',
      'completed 2',
    ]);
    expect(find(events, 'for_each_completed').data).toMatchObject({ success_count: 2, failure_count: 1 });
  });

  it('an empty list completes at once with [] (or {} with key_by); a source that is not a list fails the run', async () => {
    const empty = await run(
      forEachWorkflow({ agent: { type: 'set', value: 1 }, routes: [{ to: '$end' }] }),
      [],
    );
    expect(empty.result.output).toEqual({ type: 'for_each', outputs: [], errors: {}, count: 0 });
    expect(typesOf(empty.events)).toContain('for_each_completed');
    const keyed = await run(
      forEachWorkflow({ key_by: 'item', agent: { type: 'set', value: 1 }, routes: [{ to: '$end' }] }),
      [],
    );
    expect(keyed.result.output).toEqual({ type: 'for_each', outputs: {}, errors: {}, count: 0 });

    const handle = runWorkflow(forEachWorkflow({ agent: { type: 'set', value: 1 } }), {
      eventLog: false,
      inputs: { items: 'abc' },
    });
    const result = await handle;
    expect(result.error).toMatchObject({ type: 'ForEachSourceError', step: 'each' });
    expect(result.error?.message).toContain('its source "workflow.input.items" is a string, not a list');
  });

  it('runs an agent body per item with the mock provider, answers keyed by the group name', async () => {
    const workflow = parseWorkflow(
      `workflow:
  name: kpis
  entry_point: find
  runtime: { provider: mock }
agents:
  - name: find
    type: set
    value: [{ id: K1 }, { id: K2 }]
    routes:
      - to: analyze
for_each:
  - name: analyze
    type: for_each
    source: find.output
    as: kpi
    key_by: kpi.id
    max_concurrent: 1
    agent:
      prompt: "Analyze {{ kpi.id }}"
      output:
        status: { type: string }
`,
      { env: {} },
    );
    const handle = runWorkflow(workflow, {
      eventLog: false,
      mockResponses: { analyze: [{ output: { status: 'first' } }, { output: { status: 'second' } }] },
    });
    const events: ConductorEvent[] = [];
    for await (const event of handle.events) events.push(event);
    const result = await handle;
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({
      type: 'for_each',
      outputs: { K1: { status: 'first' }, K2: { status: 'second' } },
      errors: {},
      count: 2,
    });
    expect(
      events
        .filter((e) => e.type === 'agent_prompt_rendered')
        .map((e) => [e.data.agent_name, e.data.rendered_prompt]),
    ).toEqual([
      ['analyze[0]', 'Analyze K1'],
      ['analyze[1]', 'Analyze K2'],
    ]);
    const state = projectEvents(events);
    expect(state.groups.analyze?.recent_items.find((item) => item.index === 1)?.output).toEqual({
      status: 'second',
    });
  });

  it('counts as one step against max_iterations', async () => {
    const workflow = forEachWorkflow({
      agent: { type: 'set', value: '{{ item }}' },
      routes: [{ to: '$end' }],
    });
    workflow.definition.workflow.limits = { max_iterations: 1 };
    const { result } = await run(workflow, [1, 2, 3, 4, 5]);
    expect(result.status).toBe('completed');
    expect(result.iterations).toBe(1);
  });
});
