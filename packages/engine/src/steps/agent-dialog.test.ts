// An agent step's dialog through runWorkflow: the evaluator, the conversation answered through
// `run.answerDialog` (what the dashboard calls) or a resolver (what the terminal is), the re-run with
// the transcript, and every way it does not happen (skipped, not triggered, failed, in a group).
import type { ConductorEvent } from '@conductor/events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DialogRequest } from '../gates/dialog-broker.js';
import { type RunOptions, runWorkflow } from '../launch/run-workflow.js';
import type { MockResponsesInput } from '../providers/mock.js';
import { closeModelServers, openaiStream, serveModel } from '../testing/model-servers.js';
import { find, ofType, typesOf, WAIT, workflowOf } from '../testing/support.js';
import { parseWorkflow } from '../workflow/load.js';
import type { AgentStep, StepDefinition, WorkflowDefinition } from '../workflow/types.js';

afterEach(closeModelServers);

const plan: AgentStep = {
  name: 'plan',
  type: 'agent',
  prompt: 'Plan a trip.',
  output: { itinerary: { type: 'string' } },
  dialog: { trigger_prompt: 'Ask when the dates are unknown.' },
};

const TRIGGERED = {
  output: { trigger: true, reason: 'no dates', question: 'Which dates do you travel?' },
};

function start(
  mockResponses: MockResponsesInput,
  options: RunOptions = {},
  steps: StepDefinition[] = [plan],
) {
  return runWorkflow(workflowOf(steps, { runtime: { provider: 'mock' } }), { mockResponses, ...options });
}

async function collect(run: ReturnType<typeof runWorkflow>) {
  const events: ConductorEvent[] = [];
  for await (const event of run.events) events.push(event);
  return { result: await run, events };
}

/** Waits until the dialog waits for the user, then answers it as the dashboard does. */
async function say(run: ReturnType<typeof runWorkflow>, message: string) {
  await vi.waitFor(() => expect(run.pendingDialogs()).toHaveLength(1), WAIT);
  expect(run.answerDialog('plan', message)).toBe(true);
}

const promptsOf = (events: ConductorEvent[]) =>
  ofType(events, 'agent_prompt_rendered').map((e) => String(e.data.rendered_prompt));

describe('dialog', () => {
  it('talks with the user until the agent is ready, then runs the step again with the conversation', async () => {
    const run = start({
      plan: [{ output: { itinerary: 'Lyon, some day' } }, { output: { itinerary: 'Lyon on 3 May' } }],
      'plan (dialog evaluator)': TRIGGERED,
      'plan (dialog)': { text: 'Noted: 3 May. [READY_TO_CONTINUE]' },
    });
    const collected = collect(run);
    await say(run, 'The 3rd of May');
    // Blank messages and answers to a step with no dialog are refused.
    expect(run.answerDialog('plan', '  ')).toBe(false);
    expect(run.answerDialog('elsewhere', 'hi')).toBe(false);
    const { result, events } = await collected;
    expect(result.output).toEqual({ itinerary: 'Lyon on 3 May' });
    const dialog = events.filter((e) => e.type.startsWith('dialog_'));
    expect(dialog.map((e) => [e.type, e.data.role ?? null, e.data.content ?? null])).toEqual([
      ['dialog_evaluated', null, null],
      ['dialog_started', null, null],
      ['dialog_message', 'agent', 'Which dates do you travel?'],
      ['dialog_message', 'user', 'The 3rd of May'],
      ['dialog_message', 'agent', 'Noted: 3 May.'],
      ['dialog_completed', null, null],
    ]);
    expect(find(events, 'dialog_evaluated').data).toMatchObject({
      trigger: true,
      reason: 'no dates',
      question: 'Which dates do you travel?',
    });
    expect(find(events, 'dialog_started').data).toMatchObject({
      agent_name: 'plan',
      opening_question: 'Which dates do you travel?',
    });
    const id = find(events, 'dialog_started').data.dialog_id;
    expect(dialog.every((e) => e.type === 'dialog_evaluated' || e.data.dialog_id === id)).toBe(true);
    expect(ofType(events, 'dialog_message')[1]?.data.answered_by).toBe('api');
    expect(find(events, 'dialog_completed').data).toMatchObject({
      turn_count: 3,
      user_dismissed: false,
      agent_proposed_continue: true,
    });
    // The reply streamed as agent_message, marked as the dialog's.
    const streamed = ofType(events, 'agent_message').filter((e) => e.data.dialog_id === id);
    expect(streamed.map((e) => e.data.content).join('')).toBe('Noted: 3 May. [READY_TO_CONTINUE]');
    const [first, rerun] = promptsOf(events);
    expect(rerun).toBe(
      `${first}\n\n## Dialog with the user\n\nAfter your previous answer you talked with the user. Answer the task again, taking the conversation into account:\n\n**plan:** Which dates do you travel?\n**User:** The 3rd of May\n**plan:** Noted: 3 May.`,
    );
    // The evaluator and the replies count in the step's usage.
    expect(find(events, 'agent_completed').data.calls).toHaveLength(4);
  });

  it('goes on for several turns until the user says "done"; "done" alone changes nothing', async () => {
    const run = start({
      plan: [{ output: { itinerary: 'draft' } }, { output: { itinerary: 'final' } }],
      'plan (dialog evaluator)': TRIGGERED,
      'plan (dialog)': [{ text: 'And how many days?' }],
    });
    const collected = collect(run);
    await say(run, 'May');
    await vi.waitFor(() => expect(run.pendingDialogs()[0]?.transcript).toHaveLength(3), WAIT);
    expect(run.pendingDialogs()[0]?.transcript.at(-1)).toEqual({
      role: 'agent',
      content: 'And how many days?',
    });
    await say(run, 'Done.');
    const { result, events } = await collected;
    expect(result.output).toEqual({ itinerary: 'final' });
    expect(find(events, 'dialog_completed').data).toMatchObject({ turn_count: 4, user_dismissed: true });
    expect(promptsOf(events)[1]).toContain('**User:** May\n**plan:** And how many days?\n**User:** Done.');

    const quiet = start({
      plan: [{ output: { itinerary: 'draft' } }, { output: { itinerary: 'never' } }],
      'plan (dialog evaluator)': TRIGGERED,
    });
    const ended = collect(quiet);
    await say(quiet, 'continue');
    const { result: kept, events: keptEvents } = await ended;
    expect(kept.output).toEqual({ itinerary: 'draft' });
    expect(promptsOf(keptEvents)).toHaveLength(1);
  });

  it('takes the first message of the terminal (a resolver) or the dashboard, whichever comes first', async () => {
    const asked: DialogRequest[] = [];
    const run = start(
      {
        plan: [{ output: { itinerary: 'draft' } }, { output: { itinerary: 'final' } }],
        'plan (dialog evaluator)': TRIGGERED,
        'plan (dialog)': { text: 'Thanks!' },
      },
      {
        dialogs: {
          reply: async (request) => {
            asked.push(request);
            // The first turn is the terminal's; the second is left to the dashboard.
            if (asked.length === 1) return 'from the terminal';
            return new Promise<string>((_, reject) =>
              request.signal.addEventListener('abort', () => reject(new Error('answered elsewhere'))),
            );
          },
        },
      },
    );
    const collected = collect(run);
    await vi.waitFor(() => expect(asked).toHaveLength(2), WAIT);
    expect(asked[0]).toMatchObject({ step: 'plan', key: 'plan', question: 'Which dates do you travel?' });
    expect(asked[1]?.transcript.map((m) => m.content)).toEqual([
      'Which dates do you travel?',
      'from the terminal',
      'Thanks!',
    ]);
    await say(run, 'done');
    const { events } = await collected;
    expect(ofType(events, 'dialog_message').map((e) => e.data.answered_by ?? null)).toEqual([
      null,
      'resolver',
      null,
      'api',
    ]);
    expect(asked[1]?.signal.aborted).toBe(true);
  });

  it('is skipped with --skip-gates (no evaluation), and when nobody could answer (a warning event)', async () => {
    const responses = {
      plan: [{ output: { itinerary: 'draft' } }, { output: { itinerary: 'never' } }],
      'plan (dialog evaluator)': TRIGGERED,
    };
    const skipped = await collect(start(responses, { skipGates: true }));
    expect(skipped.result.output).toEqual({ itinerary: 'draft' });
    expect(typesOf(skipped.events).filter((t) => t.startsWith('dialog_'))).toEqual(['dialog_skipped']);
    expect(find(skipped.events, 'dialog_skipped').data).toEqual({ agent_name: 'plan', reason: 'skip_gates' });

    const alone = await collect(start(responses, { skipDialogs: true }));
    expect(alone.result.output).toEqual({ itinerary: 'draft' });
    expect(find(alone.events, 'dialog_skipped').data).toEqual({
      agent_name: 'plan',
      reason: 'no_answerer',
      question: 'Which dates do you travel?',
    });
    expect(typesOf(alone.events)).not.toContain('dialog_started');
  });

  it('opens no dialog when the evaluator says no, fails or does not say; and not inside a group', async () => {
    for (const [evaluator, reason] of [
      [{ output: { trigger: false, reason: 'all clear' } }, 'all clear'],
      [{ error: 'evaluator down' }, 'evaluator down'],
      [{ text: 'hmm, maybe?' }, 'did not parse'],
      [{ output: { trigger: 'perhaps' } }, '"trigger" is "perhaps"'],
    ] as const) {
      const { result, events } = await collect(
        start({ plan: { output: { itinerary: 'draft' } }, 'plan (dialog evaluator)': evaluator }),
      );
      expect(result.output).toEqual({ itinerary: 'draft' });
      expect(find(events, 'dialog_evaluated').data).toMatchObject({
        trigger: false,
        reason: expect.stringContaining(reason),
      });
      expect(typesOf(events)).not.toContain('dialog_started');
    }

    const other: AgentStep = { ...plan, name: 'other', dialog: undefined };
    const definition: WorkflowDefinition = {
      workflow: { name: 'g', entry_point: 'both', runtime: { provider: 'mock' } },
      agents: [plan, other],
      parallel: [{ name: 'both', agents: ['plan', 'other'] }],
    };
    const grouped = await collect(
      runWorkflow(
        { definition, source: '', hash: '' },
        { mockResponses: { 'plan (dialog evaluator)': TRIGGERED } },
      ),
    );
    expect(grouped.result.status).toBe('completed');
    expect(typesOf(grouped.events).filter((t) => t.startsWith('dialog_'))).toEqual([]);
  });

  it('survives a failed reply and a failed re-run, keeping the answer it had', async () => {
    const run = start({
      plan: [{ output: { itinerary: 'draft' } }, { error: 'model went away' }],
      'plan (dialog evaluator)': TRIGGERED,
      'plan (dialog)': [{ error: 'reply lost' }, { text: 'Understood. [READY_TO_CONTINUE]' }],
    });
    const collected = collect(run);
    await say(run, 'May');
    // The next turn says why the reply failed (the terminal shows it), and the user may write again.
    await vi.waitFor(() => expect(run.pendingDialogs()[0]?.error).toContain('reply lost'), WAIT);
    expect(run.pendingDialogs()[0]?.transcript).toHaveLength(2);
    await say(run, 'I said May');
    const { result, events } = await collected;
    expect(result.output).toEqual({ itinerary: 'draft' });
    const failed = ofType(events, 'dialog_message').find((e) => e.data.error === true);
    expect(failed?.data.content).toContain('reply lost');
    expect(find(events, 'agent_rerun_failed').data).toMatchObject({
      cause: 'dialog',
      error_type: 'ProviderError',
    });
  });

  it('stops with the run: a stop while the dialog waits fails the step as interrupted', async () => {
    const run = start({ plan: { output: { itinerary: 'draft' } }, 'plan (dialog evaluator)': TRIGGERED });
    const collected = collect(run);
    await vi.waitFor(() => expect(run.pendingDialogs()).toHaveLength(1), WAIT);
    run.stop();
    const { result, events } = await collected;
    expect(result.status).toBe('interrupted');
    expect(find(events, 'agent_failed').data).toMatchObject({
      agent_name: 'plan',
      error_type: 'Interrupted',
    });
    expect(run.pendingDialogs()).toEqual([]);
  });
});

describe('dialog against a model server', () => {
  it('asks the evaluator, streams the reply over the wire, and re-runs with the transcript', async () => {
    const server = await serveModel(
      openaiStream({ deltas: ['A trip to Lyon.'] }),
      openaiStream({ deltas: ['{"trigger": true, "reason": "no dates", "question": "When?"}'] }),
      openaiStream({ deltas: ['Great, ', 'May it is. [READY_TO_CONTINUE]'] }),
      openaiStream({ deltas: ['A trip to Lyon in May.'] }),
    );
    const workflow = parseWorkflow(`workflow:
  name: talk
  entry_point: plan
  runtime:
    provider: { name: openai, base_url: "${server.origin}/v1", api_key: k }
    default_model: gpt-test
agents:
  - name: plan
    prompt: Plan a trip.
    dialog:
      trigger_prompt: Ask when the dates are unknown.
      conversation_prompt: Be brief.
`);
    const run = runWorkflow(workflow);
    const collected = collect(run);
    await say(run, 'In May');
    const { result, events } = await collected;
    expect(result.output).toEqual({ result: 'A trip to Lyon in May.' });
    type Sent = Array<{ role: string; content: string }>;
    const evaluator = server.seen[1]?.body.messages as Sent;
    expect(evaluator[0]?.content).toContain('Ask when the dates are unknown.');
    expect(evaluator[1]?.content).toContain('A trip to Lyon.');
    const talk = server.seen[2]?.body.messages as Sent;
    expect(talk.map((m) => m.role)).toEqual(['system', 'user']);
    expect(talk[0]?.content).toContain('Be brief.');
    expect(talk[0]?.content).toContain('When?');
    expect(talk[1]?.content).toBe('In May');
    expect(server.seen[3]?.body.messages).toEqual([
      expect.objectContaining({ role: 'user', content: expect.stringContaining('**User:** In May') }),
    ]);
    expect(ofType(events, 'dialog_message').at(-1)?.data.content).toBe('Great, May it is.');
  });
});
