// An agent step's validator through runWorkflow: against a local server that speaks the OpenAI API (the
// wire the validator's call really takes), and with scripted mock answers under "<step> (validator)".
import type { ConductorEvent } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunOptions, runWorkflow } from '../launch/run-workflow.js';
import type { MockResponsesInput } from '../providers/mock.js';
import { closeModelServers, failWith, openaiStream, serveModel } from '../testing/model-servers.js';
import { find, ofType, typesOf, workflowOf } from '../testing/support.js';
import { parseWorkflow } from '../workflow/load.js';
import type { AgentStep } from '../workflow/types.js';
import { VALIDATOR_OUTPUT_CHARS, VALIDATOR_PROMPT_CHARS } from './agent-validator.js';

afterEach(closeModelServers);

async function collect(run: ReturnType<typeof runWorkflow>) {
  const events: ConductorEvent[] = [];
  for await (const event of run.events) events.push(event);
  return { result: await run, events };
}

const CRITERIA = 'Every finding names a file.';

/** A one-agent workflow on the OpenAI wire, served at `origin`. */
function onServer(origin: string, validator = `{ criteria: "${CRITERIA}" }`, prompt = 'Review the diff.') {
  return parseWorkflow(`workflow:
  name: validated
  entry_point: review
  runtime:
    provider: { name: openai, base_url: "${origin}/v1", api_key: k }
    default_model: gpt-test
agents:
  - name: review
    prompt: ${JSON.stringify(prompt)}
    validator: ${validator}
`);
}

/** The text of the user message a request sent. */
const userText = (body: Record<string, unknown>) =>
  (body.messages as Array<{ role: string; content: unknown }>).find((m) => m.role === 'user')?.content;
const systemText = (body: Record<string, unknown>) =>
  (body.messages as Array<{ role: string; content: unknown }>).find((m) => m.role === 'system')?.content;

describe('validator against a model server', () => {
  it('passes: the answer stands, the call is recorded with its verdict and counted as "<step> (validator)"', async () => {
    const server = await serveModel(
      openaiStream({ deltas: ['src/a.ts: null check missing'] }),
      openaiStream({
        deltas: ['{"passed": true, "issues": []}'],
        model: 'gpt-grader',
        usage: { prompt_tokens: 40, completion_tokens: 8, total_tokens: 48 },
      }),
    );
    const { result, events } = await collect(runWorkflow(onServer(server.origin)));
    expect(result.output).toEqual({ result: 'src/a.ts: null check missing' });
    expect(server.seen).toHaveLength(2);
    const grading = server.seen[1]?.body ?? {};
    expect(systemText(grading)).toContain(CRITERIA);
    expect(userText(grading)).toContain('Review the diff.');
    expect(userText(grading)).toContain('src/a.ts: null check missing');
    // Asked for the verdict's shape on the wire.
    expect(JSON.stringify(grading.response_format)).toContain('"passed"');
    expect(find(events, 'agent_validator_start').data).toMatchObject({
      agent_name: 'review',
      model: 'gpt-test',
    });
    expect(find(events, 'agent_validator_complete').data).toMatchObject({
      agent_name: 'review',
      passed: true,
      issues: [],
      row: 'review (validator)',
      model: 'gpt-grader',
      input_tokens: 40,
      output_tokens: 8,
    });
    expect(typesOf(events)).not.toContain('agent_validation_failed');
    const completed = find(events, 'agent_completed').data;
    expect(completed.calls).toEqual([
      expect.not.objectContaining({ row: expect.anything() }),
      expect.objectContaining({ model: 'gpt-grader', row: 'review (validator)', input_tokens: 40 }),
    ]);
    expect(completed.input_tokens).toBe(12 + 40);
  });

  it('fails, then the step runs once more with the feedback, and that answer is final', async () => {
    const server = await serveModel(
      openaiStream({ deltas: ['null check missing'] }),
      openaiStream({ deltas: ['{"passed": false, "issues": ["name the file"]}'] }),
      openaiStream({ deltas: ['src/a.ts: null check missing'] }),
    );
    const { result, events } = await collect(runWorkflow(onServer(server.origin)));
    expect(result.output).toEqual({ result: 'src/a.ts: null check missing' });
    // One grading only: the re-run's answer is not graded again.
    expect(server.seen).toHaveLength(3);
    const rerun = String(userText(server.seen[2]?.body ?? {}));
    expect(rerun.startsWith('Review the diff.')).toBe(true);
    expect(rerun).toContain('## Validation feedback');
    expect(rerun).toContain('- name the file');
    expect(find(events, 'agent_validation_failed').data).toEqual({
      agent_name: 'review',
      issues: ['name the file'],
      will_retry: true,
    });
    expect(ofType(events, 'agent_prompt_rendered').map((e) => e.data.rerun ?? false)).toEqual([false, true]);
    expect(find(events, 'agent_completed').data.calls).toHaveLength(3);
  });

  it('fails open: an error of the call, or a "passed" that is not true or false, is a pass', async () => {
    const broken = await serveModel(
      openaiStream({ deltas: ['an answer'] }),
      failWith(400, 'the grader model is gone'),
    );
    const first = await collect(runWorkflow(onServer(broken.origin)));
    expect(first.result.status).toBe('completed');
    expect(first.result.output).toEqual({ result: 'an answer' });
    expect(find(first.events, 'agent_validator_complete').data).toMatchObject({
      passed: true,
      errored: true,
      error: expect.stringContaining('the grader model is gone'),
    });

    const unsure = await serveModel(
      openaiStream({ deltas: ['an answer'] }),
      openaiStream({ deltas: ['{"passed": "maybe", "issues": ["?"]}'] }),
    );
    const second = await collect(runWorkflow(onServer(unsure.origin)));
    expect(second.result.output).toEqual({ result: 'an answer' });
    expect(unsure.seen).toHaveLength(2);
    expect(find(second.events, 'agent_validator_complete').data).toMatchObject({
      passed: true,
      issues: [],
      errored: true,
      error: '"passed" is "maybe", not true or false',
    });
  });

  it('reads "passed": "false" as a fail, shows at most 6000 characters of the prompt and 8000 of the answer', async () => {
    const long = 'p'.repeat(VALIDATOR_PROMPT_CHARS + 500);
    const answer = 'a'.repeat(VALIDATOR_OUTPUT_CHARS + 500);
    const server = await serveModel(
      openaiStream({ deltas: [answer] }),
      openaiStream({ deltas: ['{"passed": "false", "issues": "too long"}'] }),
    );
    const { result, events } = await collect(
      runWorkflow(onServer(server.origin, `{ criteria: "${CRITERIA}", max_retries: 0 }`, long)),
    );
    // max_retries 0: reported, not re-run.
    expect(server.seen).toHaveLength(2);
    expect(result.output).toEqual({ result: answer });
    expect(find(events, 'agent_validation_failed').data).toEqual({
      agent_name: 'review',
      issues: ['too long'],
      will_retry: false,
    });
    const shown = String(userText(server.seen[1]?.body ?? {}));
    expect(shown).toContain(`${'p'.repeat(100)}\n…[truncated]`);
    expect(shown.match(/p/g)?.length).toBeLessThan(VALIDATOR_PROMPT_CHARS);
    expect(shown.match(/a/g)?.length).toBeLessThan(VALIDATOR_OUTPUT_CHARS + 20);
  });
});

const review: AgentStep = {
  name: 'review',
  type: 'agent',
  prompt: 'Review.',
  output: { verdict: { type: 'string' } },
  validator: { criteria: CRITERIA },
};

async function mockRun(
  mockResponses: MockResponsesInput,
  step: AgentStep = review,
  options: RunOptions = {},
) {
  return collect(
    runWorkflow(workflowOf([step], { runtime: { provider: 'mock' } }), { mockResponses, ...options }),
  );
}

describe('validator with the mock provider', () => {
  it('plays answers scripted under "<step> (validator)"; unscripted, the mock passes', async () => {
    const unscripted = await mockRun({ review: { output: { verdict: 'ok' } } });
    expect(find(unscripted.events, 'agent_validator_complete').data).toMatchObject({ passed: true });

    const { result, events } = await mockRun({
      review: [{ output: { verdict: 'vague' } }, { output: { verdict: 'src/a.ts:3' } }],
      'review (validator)': { output: { passed: false, issues: ['name the file'] } },
    });
    expect(result.output).toEqual({ verdict: 'src/a.ts:3' });
    expect(find(events, 'agent_validation_failed').data.issues).toEqual(['name the file']);
    expect(ofType(events, 'agent_validator_complete')).toHaveLength(1);
  });

  it('keeps the first answer when the re-run fails, and says so', async () => {
    const { result, events } = await mockRun({
      review: [{ output: { verdict: 'vague' } }, { error: 'model went away' }],
      'review (validator)': { output: { passed: false, issues: ['be precise'] } },
    });
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({ verdict: 'vague' });
    expect(find(events, 'agent_rerun_failed').data).toMatchObject({
      agent_name: 'review',
      cause: 'validator',
      error_type: 'ProviderError',
      message: expect.stringContaining('model went away'),
    });
  });

  it('fails open on a scripted error, and checks each member of a parallel group', async () => {
    const open = await mockRun({
      review: { output: { verdict: 'ok' } },
      'review (validator)': { error: 'grader down' },
    });
    expect(open.result.output).toEqual({ verdict: 'ok' });
    expect(find(open.events, 'agent_validator_complete').data).toMatchObject({ passed: true, errored: true });

    const other: AgentStep = { ...review, name: 'other' };
    const handle = runWorkflow(
      {
        ...workflowOf([review, other], { runtime: { provider: 'mock' }, entry_point: 'both' }),
        definition: {
          workflow: { name: 'g', entry_point: 'both', runtime: { provider: 'mock' } },
          agents: [review, other],
          parallel: [{ name: 'both', agents: ['review', 'other'] }],
        },
      },
      {
        mockResponses: {
          review: [{ output: { verdict: 'a' } }, { output: { verdict: 'a2' } }],
          other: { output: { verdict: 'b' } },
          'review (validator)': { output: { passed: false, issues: ['again'] } },
        },
      },
    );
    const group = await collect(handle);
    expect(group.result.output).toMatchObject({
      outputs: { review: { verdict: 'a2' }, other: { verdict: 'b' } },
    });
    expect(
      ofType(group.events, 'agent_validator_complete')
        .map((e) => e.data.agent_name)
        .sort(),
    ).toEqual(['other', 'review']);
  });
});
