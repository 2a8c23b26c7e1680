import { type ConductorEvent, projectEvents, validateEventData } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import type { GateRequest } from '../gates/broker.js';
import { runWorkflow } from '../launch/run-workflow.js';
import { find, typesOf, workflowOf } from '../testing/support.js';
import type { HumanGateStep, StepDefinition } from '../workflow/types.js';

const gate: HumanGateStep = {
  name: 'approve',
  type: 'human_gate',
  prompt: '## Publish {{ workflow.input.title }}?',
  options: [
    { label: 'Publish', value: 'publish', route: 'publish' },
    { label: 'Revise', value: 'revise', route: 'revise', prompt_for: 'feedback' },
    { label: 'Look again', value: 'again' },
  ],
  // Taken only for an option without a route.
  routes: [{ to: 'fallback' }],
};
const after: StepDefinition[] = [
  { name: 'publish', type: 'set', value: 'published' },
  { name: 'revise', type: 'set', value: 'revise: {{ approve.output.additional_input.feedback }}' },
  {
    name: 'fallback',
    type: 'set',
    value: 'fallback after {{ approve.output.value }} ({{ approve.output.label }})',
  },
];
const workflow = workflowOf([gate, ...after]);

async function run(
  options: Parameters<typeof runWorkflow>[1] = {},
  onEvent?: (event: ConductorEvent, handle: ReturnType<typeof runWorkflow>) => void,
) {
  const handle = runWorkflow(workflow, { eventLog: false, inputs: { title: 'Owls' }, ...options });
  const events: ConductorEvent[] = [];
  for await (const event of handle.events) {
    events.push(event);
    onEvent?.(event, handle);
  }
  return { result: await handle, events, handle };
}

describe('human gates', () => {
  it('asks the resolver with the rendered prompt and options, and takes the chosen option route', async () => {
    const requests: GateRequest[] = [];
    const { result, events } = await run({
      gates: {
        answer: async (request) => {
          requests.push(request);
          return { value: 'publish' };
        },
      },
    });
    expect(result.status).toBe('completed');
    expect(result.output).toBe('published');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      step: 'approve',
      key: 'approve',
      subworkflowPath: [],
      runId: result.runId,
      prompt: '## Publish Owls?',
      options: [
        { label: 'Publish', value: 'publish', route: 'publish' },
        { label: 'Revise', value: 'revise', route: 'revise', prompt_for: 'feedback' },
        { label: 'Look again', value: 'again', route: null },
      ],
    });
    expect(requests[0]?.signal.aborted).toBe(true); // told to stop asking once answered
    expect(typesOf(events)).toEqual([
      'workflow_started',
      'gate_presented',
      'gate_resolved',
      'route_taken',
      'set_started',
      'set_completed',
      'route_taken',
      'workflow_completed',
    ]);
    for (const event of events) expect(validateEventData(event.type, event.data)).toEqual({ ok: true });
    expect(find(events, 'gate_presented').data).toMatchObject({
      agent_name: 'approve',
      prompt: '## Publish Owls?',
      options: [
        { label: 'Publish', value: 'publish', route: 'publish' },
        { label: 'Revise', value: 'revise', route: 'revise' },
        { label: 'Look again', value: 'again', route: null },
      ],
    });
    expect(find(events, 'gate_resolved').data).toMatchObject({
      agent_name: 'approve',
      selected_option: 'publish',
      route: 'publish',
      additional_input: {},
      answered_by: 'resolver',
      output: { selected: 'publish', value: 'publish', label: 'Publish', additional_input: {} },
    });
    expect(find(events, 'route_taken').data).toEqual({ from_agent: 'approve', to_agent: 'publish' });
  });

  it('stores the text of prompt_for as additional_input.<name>', async () => {
    const { result, events } = await run({
      gates: { answer: async () => ({ value: 'revise', additional_input: 'shorter please' }) },
    });
    expect(result.output).toBe('revise: shorter please');
    expect(find(events, 'gate_resolved').data.additional_input).toEqual({ feedback: 'shorter please' });
  });

  it("an option without a route leaves the decision to the step's routes", async () => {
    const { result } = await run({ gates: { answer: async () => ({ value: 'again' }) } });
    expect(result.output).toBe('fallback after again (Look again)');
  });

  it('skipGates picks the first option without asking anyone', async () => {
    let asked = false;
    const { result, events } = await run({
      skipGates: true,
      gates: {
        answer: () => {
          asked = true;
          return new Promise(() => {});
        },
      },
    });
    expect(result.output).toBe('published');
    expect(asked).toBe(false);
    expect(find(events, 'gate_resolved').data).toMatchObject({
      selected_option: 'publish',
      answered_by: 'skip',
    });
  });

  it('answerGate answers from outside (even from a gate_presented listener); false when nothing matches', async () => {
    const answers: boolean[] = [];
    let resolverSignal: AbortSignal | undefined;
    const { result, events, handle } = await run(
      {
        gates: {
          answer: (request) => {
            resolverSignal = request.signal;
            return new Promise(() => {}); // a terminal nobody types in
          },
        },
      },
      (event, run) => {
        if (event.type !== 'gate_presented') return;
        answers.push(run.answerGate('nope', 'publish'));
        answers.push(run.answerGate('approve', 'maybe'));
        answers.push(run.answerGate('approve', 'revise', 'from the dashboard'));
        answers.push(run.answerGate('approve', 'publish'));
      },
    );
    expect(answers).toEqual([false, false, true, false]);
    expect(result.output).toBe('revise: from the dashboard');
    expect(resolverSignal?.aborted).toBe(true);
    expect(find(events, 'gate_resolved').data).toMatchObject({
      answered_by: 'api',
      selected_option: 'revise',
    });
    expect(handle.answerGate('approve', 'publish')).toBe(false);
  });

  it('answerGate works without a resolver: the gate waits for it, and the projection shows it pending', async () => {
    const handle = runWorkflow(workflow, { eventLog: false, inputs: { title: 'Owls' } });
    const events: ConductorEvent[] = [];
    for await (const event of handle.events) {
      events.push(event);
      if (event.type === 'gate_presented') {
        expect(projectEvents(events).gate).toMatchObject({ step: 'approve', prompt: '## Publish Owls?' });
        expect(handle.pendingGates()).toEqual([expect.objectContaining({ step: 'approve', key: 'approve' })]);
        queueMicrotask(() => handle.answerGate('approve', 'publish'));
      }
    }
    expect((await handle).output).toBe('published');
    expect(projectEvents(events).gate).toBeNull();
    expect(handle.pendingGates()).toEqual([]);
  });

  it('a resolver answer that is not an option fails the gate step', async () => {
    const { result } = await run({ gates: { answer: async () => ({ value: 'ship-it' }) } });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ type: 'GateAnswerError', step: 'approve' });
    expect(result.error?.message).toContain(
      '"ship-it", which is not one of its options (publish, revise, again)',
    );
  });

  it('a stop while waiting ends the run as interrupted at the gate', async () => {
    const { result, events } = await run({}, (event, handle) => {
      if (event.type === 'gate_presented') handle.stop();
    });
    expect(result.status).toBe('interrupted');
    expect(result.error?.step).toBe('approve');
    expect(typesOf(events)).not.toContain('gate_resolved');
  });
});
