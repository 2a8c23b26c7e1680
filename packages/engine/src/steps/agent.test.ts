import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { type RunOptions, runWorkflow } from '../launch/run-workflow.js';
import type { Provider } from '../providers/types.js';
import { find, nextEvent, typesOf, workflowOf } from '../testing/support.js';
import type { AgentStep, StepDefinition, WorkflowSettings } from '../workflow/types.js';

const reviewer: AgentStep = {
  name: 'reviewer',
  type: 'agent',
  system_prompt: 'You review {{ workflow.input.kind }}.',
  prompt: 'Review: {{ workflow.input.text }}',
  output: { score: { type: 'integer' }, verdict: { type: 'string', enum: ['pass', 'fail'] } },
};

async function run(
  steps: StepDefinition[],
  options: RunOptions = {},
  settings: Partial<WorkflowSettings> = {},
) {
  const handle = runWorkflow(workflowOf(steps, { runtime: { provider: 'mock' }, ...settings }), {
    inputs: { kind: 'essays', text: 'hello' },
    ...options,
  });
  const events: ConductorEvent[] = [];
  for await (const event of handle.events) events.push(event);
  return { result: await handle, events };
}

describe('agent step', () => {
  it('renders prompts, streams messages and completes with schema-conforming output', async () => {
    const { result, events } = await run([reviewer], {}, { instructions: ['Be kind.', 'Be brief.'] });
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({ score: 1, verdict: 'pass' });
    const types = typesOf(events);
    expect(types.slice(0, 3)).toEqual(['workflow_started', 'agent_started', 'agent_prompt_rendered']);
    expect(types.filter((t) => t === 'agent_message').length).toBeGreaterThan(1);
    expect(types.slice(-3)).toEqual(['agent_completed', 'route_taken', 'workflow_completed']);
    expect(find(events, 'agent_started').data).toEqual({
      agent_name: 'reviewer',
      iteration: 1,
      agent_type: 'agent',
    });
    expect(find(events, 'agent_prompt_rendered').data).toEqual({
      agent_name: 'reviewer',
      // The original's preamble: one <workspace_instructions> block, its texts joined with `---` lines.
      rendered_prompt: expect.stringMatching(
        /^<workspace_instructions>\n.+\n\nBe kind\.\n\n---\n\nBe brief\.\n<\/workspace_instructions>\n\nReview: hello$/,
      ),
      system_prompt: 'You review essays.',
    });
    const streamed = events
      .filter((e) => e.type === 'agent_message')
      .map((e) => e.data.content)
      .join('');
    expect(JSON.parse(streamed)).toEqual({ score: 1, verdict: 'pass' });
    const completed = find(events, 'agent_completed').data;
    expect(completed).toMatchObject({
      agent_name: 'reviewer',
      model: 'mock',
      cost_usd: 0,
      output: { score: 1, verdict: 'pass' },
    });
    expect(completed.tokens).toBe((completed.input_tokens as number) + (completed.output_tokens as number));
  });

  it('without output: makes the answer text the result', async () => {
    const { result } = await run([{ name: 'writer', type: 'agent', prompt: 'Write.' }], {
      mockResponses: { writer: { text: 'A fine essay.' } },
    });
    expect(result.output).toEqual({ result: 'A fine essay.' });
  });

  it('accepts a fenced JSON answer', async () => {
    const { result } = await run([reviewer], {
      mockResponses: { reviewer: { text: '```json\n{"score": 8, "verdict": "pass"}\n```' } },
    });
    expect(result.output).toEqual({ score: 8, verdict: 'pass' });
  });

  it('retries with a correction when the answer does not match, then succeeds', async () => {
    const { result, events } = await run([reviewer], {
      mockResponses: {
        reviewer: [
          { output: { score: 'high', verdict: 'pass' } },
          { text: 'not json' },
          { output: { score: 9, verdict: 'fail' } },
        ],
      },
    });
    expect(result.output).toEqual({ score: 9, verdict: 'fail' });
    const retries = events.filter((e) => e.type === 'agent_retry').map((e) => e.data);
    expect(retries).toEqual([
      expect.objectContaining({
        agent_name: 'reviewer',
        attempt: 2,
        max_attempts: 3,
        delay: 0,
        error: expect.stringContaining('field "score" must be an integer'),
      }),
      expect.objectContaining({
        agent_name: 'reviewer',
        attempt: 3,
        max_attempts: 3,
        error: expect.stringContaining('not valid JSON'),
      }),
    ]);
  });

  it('fails with OutputValidationError naming the field once max_parse_retries are used up', async () => {
    const { result, events } = await run([{ ...reviewer, max_parse_retries: 1 }], {
      mockResponses: { reviewer: { output: { score: 3, verdict: 'maybe' } } },
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ type: 'OutputValidationError', step: 'reviewer' });
    const failed = find(events, 'agent_failed').data;
    expect(failed).toMatchObject({ agent_name: 'reviewer', error_type: 'OutputValidationError' });
    expect(failed.message).toContain('field "verdict" must be one of "pass", "fail"');
    expect(failed.message).toContain('after 2 attempts');
    expect(events.filter((e) => e.type === 'agent_retry')).toHaveLength(1);
  });

  it('sums tokens and cost over the correction turns, and a failed step reports what it spent', async () => {
    const pricing = { 'gpt-4o': { input_per_mtok: 2, output_per_mtok: 10 } };
    const usage = { input_tokens: 1000, output_tokens: 100, cache_read_tokens: 200 };
    const { events } = await run(
      [{ ...reviewer, model: 'gpt-4o', max_parse_retries: 1 }],
      {
        mockResponses: {
          reviewer: [
            { output: { score: 'x', verdict: 'pass' }, usage },
            { output: { score: 'y', verdict: 'pass' }, usage },
          ],
        },
      },
      { runtime: { provider: 'mock' }, cost: { pricing } },
    );
    const failed = find(events, 'agent_failed').data;
    expect(failed).toMatchObject({
      error_type: 'OutputValidationError',
      model: 'gpt-4o',
      tokens: 2200,
      input_tokens: 2000,
      output_tokens: 200,
      cache_read_tokens: 400,
      cache_write_tokens: null,
      cost_usd: expect.closeTo(0.006, 12),
    });
    expect(failed.calls).toEqual([
      {
        model: 'gpt-4o',
        input_tokens: 1000,
        output_tokens: 100,
        cache_read_tokens: 200,
        cache_write_tokens: null,
        cost_usd: expect.closeTo(0.003, 12),
      },
      {
        model: 'gpt-4o',
        input_tokens: 1000,
        output_tokens: 100,
        cache_read_tokens: 200,
        cache_write_tokens: null,
        cost_usd: expect.closeTo(0.003, 12),
      },
    ]);
  });

  it('fails with ProviderError on a scripted error', async () => {
    const { result, events } = await run([reviewer], {
      mockResponses: { reviewer: { error: 'rate limited forever' } },
    });
    expect(result.error).toMatchObject({ type: 'ProviderError', step: 'reviewer' });
    expect(find(events, 'agent_failed').data).toMatchObject({
      error_type: 'ProviderError',
      message: expect.stringContaining('rate limited forever'),
    });
  });

  it('sends the correction turn to the provider on a retry', async () => {
    const requests: Parameters<Provider['complete']>[0][] = [];
    const answers = ['{"score": "x", "verdict": "pass"}', '{"score": 2, "verdict": "pass"}'];
    const provider: Provider = {
      name: 'scripted',
      requiresModel: false,
      async complete(request, onText) {
        requests.push(request);
        const text = answers[requests.length - 1] ?? '';
        onText(text);
        return { text, model: 'm' };
      },
    };
    const { result, events } = await run([reviewer], { provider });
    expect(result.output).toEqual({ score: 2, verdict: 'pass' });
    expect(requests[0]?.jsonSchema).toMatchObject({ type: 'object', required: ['score', 'verdict'] });
    expect(requests[0]?.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(requests[1]?.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(requests[1]?.messages[3]?.content).toContain('field "score" must be an integer');
    // A provider without usage reports null tokens.
    expect(find(events, 'agent_completed').data).toMatchObject({
      tokens: null,
      input_tokens: null,
      cost_usd: null,
    });
  });

  it('is interrupted mid-request through the abort signal', async () => {
    const provider: Provider = {
      name: 'hanging',
      requiresModel: false,
      complete: (request) =>
        new Promise((_resolve, reject) => {
          request.signal.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          );
        }),
    };
    const handle = runWorkflow(workflowOf([reviewer]), { provider, inputs: { kind: 'k', text: 't' } });
    await nextEvent(handle.bus, 'agent_prompt_rendered');
    handle.stop();
    const result = await handle;
    expect(result).toMatchObject({ status: 'interrupted', error: { type: 'Interrupted', step: 'reviewer' } });
  });
});
