import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCheckpoint } from '@conductor/checkpoint';
import { type ConductorEvent, projectEvents, validateEventData } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import type { GateAnswer, GateRequest } from '../gates/broker.js';
import { resumeWorkflow } from '../launch/resume-workflow.js';
import { runWorkflow } from '../launch/run-workflow.js';
import { tempSpace } from '../testing/durable.js';
import { find, workflowOf } from '../testing/support.js';
import { validateWorkflow } from '../workflow/load.js';
import type { QuestionsStep, StepDefinition } from '../workflow/types.js';

const ask: QuestionsStep = {
  name: 'ask',
  type: 'questions',
  prompt: 'About {{ workflow.input.topic }}',
  allow_abort: true,
  abort_route: 'aborted',
  questions: [
    {
      id: 'tone',
      text: 'Which tone for {{ workflow.input.topic }}?',
      choices: ['formal', 'casual'],
      required: true,
    },
    { text: 'Anything else?', default: 'no' },
    { id: 'length', text: 'How long?', required: true },
  ],
  routes: [{ to: '$end' }],
};
const steps: StepDefinition[] = [ask, { name: 'aborted', type: 'set', value: 'stopped early' }];

async function run(answers: GateAnswer[], options: Parameters<typeof runWorkflow>[1] = {}) {
  const requests: GateRequest[] = [];
  const handle = runWorkflow(workflowOf(steps), {
    eventLog: false,
    inputs: { topic: 'owls' },
    gates: {
      answer: async (request) => {
        requests.push(request);
        const next = answers.shift();
        if (!next) throw new Error('no more answers');
        return next;
      },
    },
    ...options,
  });
  const events: ConductorEvent[] = [];
  for await (const event of handle.events) events.push(event);
  return { result: await handle, events, requests };
}

describe('questions steps', () => {
  it('asks each question as a gate, with back and skip, refuses a required skip, and stores the answers', async () => {
    const { result, events, requests } = await run([
      { value: 'casual' },
      { value: '__back__' },
      { value: 'formal' },
      { value: '__skip__' },
      { value: '__skip__' }, // refused: required without a default
      { value: '__free_text__', additional_input: '  two pages ' },
    ]);
    expect(result.status).toBe('completed');
    expect(requests[0]?.prompt).toContain('About owls');
    expect(requests[0]?.prompt).toContain('Which tone for owls?');
    expect(requests[0]?.options.map((option) => option.value)).toEqual([
      'formal',
      'casual',
      '__free_text__',
      '__skip__',
      '__skip_all__',
      '__abort__',
    ]);
    expect(requests[1]?.options.map((option) => option.value)).toContain('__back__');
    expect(result.output).toEqual({
      answers: { tone: 'formal', q2: 'no', length: 'two pages' },
      items: [
        { id: 'tone', question: 'Which tone for owls?', answer: 'formal', source: 'choice', skipped: false },
        { id: 'q2', question: 'Anything else?', answer: 'no', source: 'default', skipped: true },
        { id: 'length', question: 'How long?', answer: 'two pages', source: 'free_text', skipped: false },
      ],
      transcript:
        'Q1. Which tone for owls?\nA: formal\n\nQ2. Anything else?\nA: no\n\nQ3. How long?\nA: two pages',
      answered_count: 2,
      skipped_count: 1,
      answered_any: true,
      outcome: 'completed',
    });
    expect(find(events, 'questions_presented').data).toMatchObject({
      question_ids: ['tone', 'q2', 'length'],
    });
    expect(find(events, 'questions_answer_rejected').data).toMatchObject({ question_id: 'length' });
    for (const event of events) expect(validateEventData(event.type, event.data)).toMatchObject({ ok: true });
    const state = projectEvents(events);
    expect(state.gates).toEqual({});
    expect(state.run.status).toBe('completed');
  });

  it('goes to abort_route on abort', async () => {
    const { result } = await run([{ value: '__abort__' }]);
    expect(result.output).toBe('stopped early');
  });

  it('with skipGates fills in the defaults at once (skipped_remaining)', async () => {
    const { result, requests } = await run([], { skipGates: true });
    expect(requests).toHaveLength(0);
    expect(result.output).toMatchObject({
      answers: { q2: 'no' },
      outcome: 'skipped_remaining',
      answered_count: 0,
      skipped_count: 3,
    });
  });

  it('keeps each answer: a run stopped at the second question resumes there, with the first answer', async () => {
    const { home, dir } = await tempSpace();
    const path = join(dir, 'ask.yaml');
    await writeFile(
      path,
      `workflow:
  name: ask
  entry_point: ask
agents:
  - name: ask
    type: questions
    questions:
      - { id: tone, text: Which tone?, choices: [formal, casual] }
      - { id: length, text: How long? }
      - { id: colour, text: Which colour? }
`,
    );
    const controller = new AbortController();
    const asked: string[] = [];
    const first = await runWorkflow(path, {
      home,
      signal: controller.signal,
      gates: {
        answer: async (request) => {
          asked.push(request.prompt);
          if (asked.length === 1) return { value: 'casual' };
          controller.abort();
          return new Promise<GateAnswer>(() => {});
        },
      },
    });
    expect(first.status).toBe('interrupted');
    expect(asked[1]).toContain('How long?');
    const checkpoint = await loadCheckpoint(first.checkpointPath as string);
    expect(checkpoint.context).toMatchObject({
      groups: { ask: { completed: { tone: { answer: 'casual', source: 'choice' } } } },
    });

    const again: GateRequest[] = [];
    const answers: GateAnswer[] = [
      { value: '__free_text__', additional_input: 'short' },
      { value: '__skip__' },
    ];
    const resumed = resumeWorkflow({
      runId: first.runId,
      home,
      gates: {
        answer: async (request) => {
          again.push(request);
          return answers.shift() as GateAnswer;
        },
      },
    });
    const events: ConductorEvent[] = [];
    for await (const event of resumed.events) events.push(event);
    const result = await resumed;
    expect(result.status).toBe('completed');
    expect(again.map((request) => request.prompt)).toEqual([
      expect.stringContaining('**Question 2 of 3:** How long?'),
      expect.stringContaining('**Question 3 of 3:** Which colour?'),
    ]);
    expect(find(events, 'questions_presented').data).toMatchObject({ resumed_answers: ['tone'] });
    expect(result.output).toMatchObject({
      answers: { tone: 'casual', length: 'short' },
      answered_count: 2,
      skipped_count: 1,
      outcome: 'completed',
      transcript: 'Q1. Which tone?\nA: casual\n\nQ2. How long?\nA: short\n\nQ3. Which colour?\nA: (skipped)',
    });
  });

  it('validates as a step type; unknown question keys are errors', () => {
    const source = `workflow:
  name: q
  entry_point: ask
agents:
  - name: ask
    type: questions
    questions:
      - text: Why?
        colour: red
`;
    const result = validateWorkflow(source, { env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((issue) => issue.message).join('\n')).toContain('colour');
  });
});
