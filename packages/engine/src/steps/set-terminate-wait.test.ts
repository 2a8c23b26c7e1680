import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { find, nextEvent, typesOf, workflowOf } from '../testing/support.js';
import type { StepDefinition } from '../workflow/types.js';

async function run(
  steps: StepDefinition[],
  inputs: Record<string, unknown> = {},
  output?: Record<string, string>,
) {
  const handle = runWorkflow(workflowOf(steps, {}, output ? { output } : {}), { inputs });
  const events: ConductorEvent[] = [];
  for await (const event of handle.events) events.push(event);
  return { result: await handle, events };
}

describe('set step', () => {
  it('binds a single expression as its native value and reports it', async () => {
    const { result, events } = await run(
      [{ name: 'double', type: 'set', value: '{{ workflow.input.n * 2 }}' }],
      { n: 21 },
    );
    expect(result.output).toBe(42);
    expect(typesOf(events)).toEqual([
      'workflow_started',
      'set_started',
      'set_completed',
      'route_taken',
      'workflow_completed',
    ]);
    expect(find(events, 'set_completed').data).toMatchObject({
      agent_name: 'double',
      output_type: 'number',
      value_repr: '42',
      output: 42,
      output_keys: [],
    });
  });

  it('renders other strings as text and objects and arrays recursively', async () => {
    const { result } = await run(
      [
        {
          name: 'bundle',
          type: 'set',
          value: {
            slug: '{{ workflow.input.org }}/{{ workflow.input.repo }}',
            tags: ['{{ workflow.input.tags }}', 'fixed'],
            n: 3,
            ok: true,
          },
        },
      ],
      { org: 'acme', repo: 'rocket', tags: ['a', 'b'] },
    );
    expect(result.output).toEqual({ slug: 'acme/rocket', tags: [['a', 'b'], 'fixed'], n: 3, ok: true });
  });

  it('binds values as a record, each rendered against the context before the step', async () => {
    const { result, events } = await run(
      [
        { name: 'first', type: 'set', value: 'one', routes: [{ to: 'flags' }] },
        {
          name: 'flags',
          type: 'set',
          values: {
            breaking: "{{ workflow.input.severity in ['high', 'critical'] }}",
            branch: "{{ workflow.input.branch or 'main' }}",
            prev: '{{ first.output }}',
          },
          routes: [{ to: '$end', when: '{{ output.breaking }}' }, { to: 'safe' }],
        },
        { name: 'safe', type: 'set', value: 'safe' },
      ],
      { severity: 'high', branch: '' },
    );
    expect(result.output).toEqual({ breaking: true, branch: 'main', prev: 'one' });
    expect(events.filter((e) => e.type === 'set_completed')[1]?.data).toMatchObject({
      output_type: 'object',
      output_keys: ['branch', 'breaking', 'prev'],
    });
  });

  it('fails with set_failed on an undefined variable', async () => {
    const { result, events } = await run([{ name: 'bad', type: 'set', value: '{{ nowhere.output }}' }]);
    expect(result.status).toBe('failed');
    expect(result.error?.type).toBe('TemplateError');
    expect(find(events, 'set_failed').data).toMatchObject({ agent_name: 'bad', error_type: 'TemplateError' });
    expect(String(find(events, 'set_failed').data.message)).toContain('nowhere');
  });
});

describe('terminate step', () => {
  it('ends the run successfully with its output_template and an explicit workflow_completed', async () => {
    const { result, events } = await run(
      [
        {
          name: 'check',
          type: 'set',
          values: { action: 'noop', why: 'up to date' },
          routes: [{ to: 'done', when: "action == 'noop'" }, { to: 'work' }],
        },
        {
          name: 'done',
          type: 'terminate',
          reason: 'nothing to do: {{ check.output.why }}',
          output_template: { skipped: 'true', count: '42', why: '{{ check.output.why }}' },
        },
        { name: 'work', type: 'set', value: 1 },
      ],
      {},
      { never: 'rendered' },
    );
    expect(result).toMatchObject({
      status: 'completed',
      output: { skipped: true, count: 42, why: 'up to date' },
      iterations: 2,
    });
    expect(result.error).toBeUndefined();
    expect(typesOf(events).at(-1)).toBe('workflow_completed');
    expect(find(events, 'workflow_completed').data).toMatchObject({
      output: { skipped: true, count: 42, why: 'up to date' },
      termination_reason: 'nothing to do: up to date',
      terminated_by: 'done',
      status: 'success',
      is_explicit: true,
    });
  });

  it('with status failed makes the run result failed, without calling the failure hook', async () => {
    let failureHookCalls = 0;
    const handle = runWorkflow(
      workflowOf([
        {
          name: 'abort',
          type: 'terminate',
          status: 'failed',
          reason: 'unsafe input',
          output_template: '{{ workflow.input.x }}',
        },
      ]),
      { inputs: { x: [1, 2] }, hooks: { onFailure: () => void failureHookCalls++ } },
    );
    const events: ConductorEvent[] = [];
    for await (const event of handle.events) events.push(event);
    const result = await handle;
    expect(result).toMatchObject({
      status: 'failed',
      output: [1, 2],
      error: { type: 'WorkflowTerminated', message: 'unsafe input', step: 'abort' },
    });
    expect(failureHookCalls).toBe(0);
    expect(find(events, 'workflow_completed').data).toMatchObject({
      status: 'failed',
      is_explicit: true,
      terminated_by: 'abort',
    });
    expect(typesOf(events)).not.toContain('workflow_failed');
  });

  it('without output_template renders the workflow output', async () => {
    const { result } = await run(
      [
        { name: 'v', type: 'set', value: 5, routes: [{ to: 'stop' }] },
        { name: 'stop', type: 'terminate' },
      ],
      {},
      { v: '{{ v.output }}' },
    );
    expect(result.output).toEqual({ v: 5 });
  });
});

describe('wait step', () => {
  it('waits for the duration and outputs the seconds waited', async () => {
    const { result, events } = await run(
      [{ name: 'pause', type: 'wait', duration: '{{ workflow.input.ms }}ms', reason: 'cool {{ "down" }}' }],
      { ms: 20 },
    );
    expect(result.status).toBe('completed');
    expect(find(events, 'wait_started').data).toMatchObject({
      agent_name: 'pause',
      duration_seconds: 0.02,
      reason: 'cool down',
    });
    const completed = find(events, 'wait_completed').data;
    expect(completed).toMatchObject({ agent_name: 'pause', interrupted: false });
    expect(completed.waited_seconds).toBeGreaterThanOrEqual(0.01);
    expect(completed.output).toEqual({ waited_seconds: completed.waited_seconds });
  });

  it('is interrupted by the run signal', async () => {
    const controller = new AbortController();
    const handle = runWorkflow(workflowOf([{ name: 'long', type: 'wait', duration: '1h' }]), {
      signal: controller.signal,
    });
    const events: ConductorEvent[] = [];
    const reading = (async () => {
      for await (const event of handle.events) events.push(event);
    })();
    await nextEvent(handle.bus, 'wait_started');
    controller.abort();
    const result = await handle;
    await reading;
    expect(result).toMatchObject({ status: 'interrupted', error: { type: 'Interrupted', step: 'long' } });
    expect(find(events, 'wait_completed').data).toMatchObject({ agent_name: 'long', interrupted: true });
    expect(find(events, 'workflow_failed').data).toMatchObject({
      error_type: 'Interrupted',
      stopped_by_user: true,
      agent_name: 'long',
    });
  });

  it('rejects a zero duration', async () => {
    const { result } = await run([{ name: 'zero', type: 'wait', duration: 0 }]);
    expect(result.error?.type).toBe('WaitError');
  });
});
