import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { workflowOf } from '../testing/support.js';
import type { ContextMode, StepDefinition } from '../workflow/types.js';

function steps(last: StepDefinition): StepDefinition[] {
  return [
    { name: 'plan', type: 'set', value: { goal: 'ship', owner: 'ann' }, routes: [{ to: 'draft' }] },
    { name: 'draft', type: 'set', value: 'v1', routes: [{ to: last.name }] },
    last,
  ];
}

async function prompts(mode: ContextMode, last: StepDefinition) {
  const handle = runWorkflow(workflowOf(steps(last), { context: { mode }, runtime: { provider: 'mock' } }), {
    inputs: { topic: 'cats', secret: 's3' },
  });
  const events: ConductorEvent[] = [];
  for await (const event of handle.events) events.push(event);
  const result = await handle;
  return {
    result,
    prompts: events.filter((e) => e.type === 'agent_prompt_rendered').map((e) => e.data.rendered_prompt),
  };
}

describe('context modes (what agent prompts see)', () => {
  it('accumulate (default): every prior output and all inputs', async () => {
    const { prompts: seen } = await prompts('accumulate', {
      name: 'write',
      type: 'agent',
      prompt: '{{ plan.output.goal }} {{ draft.output }} {{ workflow.input.topic }} #{{ context.iteration }}',
    });
    expect(seen).toEqual(['ship v1 cats #3']);
  });

  it('last_only: only the previous step output', async () => {
    const ok = await prompts('last_only', {
      name: 'write',
      type: 'agent',
      prompt: '{{ draft.output }} {{ plan is defined }}',
    });
    expect(ok.prompts).toEqual(['v1 false']);
    const bad = await prompts('last_only', {
      name: 'write',
      type: 'agent',
      prompt: '{{ plan.output.goal }}',
    });
    expect(bad.result.error).toMatchObject({ type: 'TemplateError', step: 'write' });
  });

  it('explicit: only the references in the step input list', async () => {
    const { prompts: seen } = await prompts('explicit', {
      name: 'write',
      type: 'agent',
      input: ['plan.output.goal', 'workflow.input.topic', 'missing.output?'],
      prompt:
        '{{ plan.output.goal }} {{ plan.output.owner is defined }} {{ workflow.input.topic }} {{ workflow.input.secret is defined }} {{ draft is defined }}',
    });
    expect(seen).toEqual(['ship false cats false false']);
  });

  it('explicit: a missing required reference fails the step with ContextError', async () => {
    const { result } = await prompts('explicit', {
      name: 'write',
      type: 'agent',
      input: ['nope.output'],
      prompt: 'x',
    });
    expect(result.error).toMatchObject({ type: 'ContextError', step: 'write' });
    expect(result.error?.message).toContain('declares input "nope.output"');
  });

  it('does not limit what scripts, set steps and routes see', async () => {
    const handle = runWorkflow(
      workflowOf(steps({ name: 'sum', type: 'set', value: '{{ plan.output.goal }}-{{ draft.output }}' }), {
        context: { mode: 'last_only' },
      }),
    );
    expect((await handle).output).toBe('ship-v1');
  });
});
