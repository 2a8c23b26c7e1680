import { eventLogPath } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { readLog, tempSpace, writeWorkflow } from '../testing/durable.js';
import { FIXTURE_SERVER } from '../testing/mcp/fixture.js';
import { claudeApi, type ModelApi, openaiApi } from '../testing/model-apis.js';
import {
  anthropicStream,
  closeModelServers,
  failWith,
  type Handler,
  openaiStream,
  serveModel,
} from '../testing/model-servers.js';
import { ofType } from '../testing/support.js';

// The original's agent keys on the wire: retry (§3.4), reasoning and runtime.default_reasoning_effort
// (§3.5), output_mode (§3.3), max_parse_recovery_attempts and a templated model, against local servers
// that speak each API.

afterEach(closeModelServers);

const workflow = (api: ModelApi, runtime: string, step: string) => `workflow:
  name: keys
  entry_point: work
  input:
    level: { type: string, default: low }
    model: { type: string, default: claude-sonnet-4-5 }
  runtime:
    provider: ${api.provider}
${runtime}agents:
  - name: work
    prompt: Think about it.
${step}`;

async function runAgainst(api: ModelApi, yaml: string, handlers: Handler[], inputs = {}) {
  const server = await serveModel(...handlers);
  const { home, dir } = await tempSpace();
  const path = await writeWorkflow(dir, 'keys.yaml', yaml);
  const run = runWorkflow(path, { home, inputs, env: { ...process.env, ...api.env(server) } });
  const result = await run;
  const { events } = await readLog(eventLogPath(run.runId, home));
  return { result, events, server };
}

const dataOf = (events: ConductorEvent[], type: string) => ofType(events, type).map((e) => e.data);

describe('retry', () => {
  it('retries as many times as max_attempts says, then fails with the last error', async () => {
    const { result, events, server } = await runAgainst(
      openaiApi,
      workflow(openaiApi, '', '    retry: { max_attempts: 2, delay_seconds: 0 }\n'),
      [failWith(503, 'overloaded')],
    );
    expect(result).toMatchObject({ status: 'failed', error: { step: 'work' } });
    expect(result.error?.message).toContain('HTTP 503: overloaded');
    expect(server.seen).toHaveLength(2);
    expect(dataOf(events, 'agent_retry')).toEqual([
      expect.objectContaining({ attempt: 2, max_attempts: 2, delay: 0, reason: 'provider' }),
    ]);
  });

  it('does not retry when the step sets retry without max_attempts (the original default is 1)', async () => {
    const { result, server } = await runAgainst(
      claudeApi,
      workflow(claudeApi, '', '    retry: { delay_seconds: 0 }\n'),
      [failWith(500, 'boom'), claudeApi.text(['never'])],
    );
    expect(result).toMatchObject({ status: 'failed' });
    expect(server.seen).toHaveLength(1);
  });

  it('retries only what retry_on lists: a 408 counts as a timeout, a 429 as a provider error', async () => {
    const timeouts = '    retry: { max_attempts: 3, delay_seconds: 0, retry_on: [timeout] }\n';
    const retried = await runAgainst(openaiApi, workflow(openaiApi, '', timeouts), [
      failWith(408, 'request timeout'),
      openaiApi.text(['Done.']),
    ]);
    expect(retried.result).toMatchObject({ status: 'completed', output: { result: 'Done.' } });
    expect(retried.server.seen).toHaveLength(2);

    const refused = await runAgainst(openaiApi, workflow(openaiApi, '', timeouts), [
      failWith(429, 'slow down', { 'retry-after': '0' }),
      openaiApi.text(['never']),
    ]);
    expect(refused.result).toMatchObject({ status: 'failed' });
    expect(refused.result.error?.message).toContain('HTTP 429: slow down');
    expect(refused.server.seen).toHaveLength(1);
  });

  it('counts correction turns with max_parse_recovery_attempts', async () => {
    const { result, server } = await runAgainst(
      openaiApi,
      workflow(
        openaiApi,
        '',
        '    retry: { max_parse_recovery_attempts: 0 }\n    output:\n      score: { type: integer }\n',
      ),
      [openaiApi.json({ score: 'high' }), openaiApi.json({ score: 9 })],
    );
    expect(result).toMatchObject({ status: 'failed', error: { type: 'OutputValidationError' } });
    expect(result.error?.message).toContain('after 1 attempt');
    expect(server.seen).toHaveLength(1);
  });
});

describe('reasoning effort', () => {
  it('openai: sends the step effort, a rendered template, or the runtime default as reasoning_effort', async () => {
    const own = await runAgainst(openaiApi, workflow(openaiApi, '', '    reasoning: { effort: high }\n'), [
      openaiApi.text(['Hm.']),
    ]);
    expect(own.server.seen[0]?.body.reasoning_effort).toBe('high');

    const rendered = await runAgainst(
      openaiApi,
      workflow(openaiApi, '', '    reasoning: { effort: "{{ workflow.input.level }}" }\n'),
      [openaiApi.text(['Hm.'])],
      { level: 'medium' },
    );
    expect(rendered.server.seen[0]?.body.reasoning_effort).toBe('medium');

    const fallback = await runAgainst(
      openaiApi,
      workflow(openaiApi, '    default_reasoning_effort: low\n', ''),
      [openaiApi.text(['Hm.'])],
    );
    expect(fallback.server.seen[0]?.body.reasoning_effort).toBe('low');
  });

  it('fails the step before any request when a template renders an effort that is no level, or one openai lacks', async () => {
    const step = '    reasoning: { effort: "{{ workflow.input.level }}" }\n';
    const unknown = await runAgainst(openaiApi, workflow(openaiApi, '', step), [openaiApi.text(['x'])], {
      level: 'extreme',
    });
    expect(unknown.result).toMatchObject({ status: 'failed', error: { type: 'ValidationError' } });
    expect(unknown.result.error?.message).toContain('its reasoning.effort is "extreme"');
    expect(unknown.server.seen).toHaveLength(0);

    const claudeOnly = await runAgainst(openaiApi, workflow(openaiApi, '', step), [openaiApi.text(['x'])], {
      level: 'xhigh',
    });
    expect(claudeOnly.result).toMatchObject({ status: 'failed' });
    expect(claudeOnly.result.error?.message).toContain(
      'the openai provider takes reasoning effort low, medium or high, not "xhigh"',
    );
    expect(claudeOnly.server.seen).toHaveLength(0);
  });

  it('claude: turns the effort into a thinking budget, max_tokens budget + 4096 (at most 64000), no temperature', async () => {
    const high = await runAgainst(
      claudeApi,
      workflow(
        claudeApi,
        '    temperature: 0.2\n',
        '    model: "{{ workflow.input.model }}"\n    reasoning: { effort: high }\n',
      ),
      [claudeApi.text(['Hm.'])],
    );
    expect(high.result).toMatchObject({ status: 'completed' });
    const body = high.server.seen[0]?.body;
    expect(body).toMatchObject({
      model: 'claude-sonnet-4-5',
      thinking: { type: 'enabled', budget_tokens: 16384 },
      max_tokens: 16384 + 4096,
    });
    expect(body?.temperature).toBeUndefined();

    const max = await runAgainst(
      claudeApi,
      workflow(claudeApi, '    default_model: claude-sonnet-4-5\n    default_reasoning_effort: max\n', ''),
      [claudeApi.text(['Hm.'])],
    );
    expect(max.server.seen[0]?.body).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 59904 },
      max_tokens: 64000,
    });
  });

  it('claude: refuses an effort on a model without extended thinking', async () => {
    const { result, server } = await runAgainst(
      claudeApi,
      workflow(
        claudeApi,
        '',
        '    model: "{{ \'claude-3-5-haiku-latest\' }}"\n    reasoning: { effort: low }\n',
      ),
      [claudeApi.text(['x'])],
    );
    expect(result).toMatchObject({ status: 'failed' });
    expect(result.error?.message).toContain(
      'reasoning effort "low" needs a Claude model with extended thinking, and "claude-3-5-haiku-latest" has none',
    );
    expect(server.seen).toHaveLength(0);
  });

  it('claude: streams the thinking as agent_reasoning, and sends it back signed with the tool results', async () => {
    const runtime = `    default_model: claude-sonnet-4-5
    mcp_servers:
      fx:
        command: ${JSON.stringify(process.execPath)}
        args: [${JSON.stringify(FIXTURE_SERVER)}]
`;
    const { result, events, server } = await runAgainst(
      claudeApi,
      workflow(claudeApi, runtime, '    reasoning: { effort: low }\n'),
      [
        anthropicStream({
          model: 'claude-sonnet-4-5',
          thinking: { text: ['I should ', 'add them.'], signature: 'sig-123' },
          toolUses: [{ id: 'toolu_1', name: 'fx__add', pieces: ['{"a": 2, "b": 2}'] }],
        }),
        anthropicStream({ model: 'claude-sonnet-4-5', text: ['Four.'] }),
      ],
    );
    expect(result).toMatchObject({ status: 'completed', output: { result: 'Four.' } });
    expect(dataOf(events, 'agent_reasoning').map((d) => d.content)).toEqual(['I should ', 'add them.']);
    const messages = (server.seen[1]?.body.messages ?? []) as Array<{ role: string; content: unknown }>;
    const assistant = messages.find((m) => m.role === 'assistant');
    expect(assistant?.content).toEqual([
      { type: 'thinking', thinking: 'I should add them.', signature: 'sig-123' },
      { type: 'tool_use', id: 'toolu_1', name: 'fx__add', input: { a: 2, b: 2 } },
    ]);
  });
});

describe('output_mode and the model', () => {
  it('raw stores the answer text as {result}, even when it looks like JSON', async () => {
    const { result } = await runAgainst(openaiApi, workflow(openaiApi, '', '    output_mode: raw\n'), [
      openaiStream({ deltas: ['{"score": 9}'] }),
    ]);
    expect(result).toMatchObject({ status: 'completed', output: { result: '{"score": 9}' } });
  });

  it('renders a templated model before asking', async () => {
    const { server } = await runAgainst(
      openaiApi,
      workflow(openaiApi, '', '    model: "{{ workflow.input.model }}"\n'),
      [openaiApi.text(['Hi.'])],
      { model: 'llama3.1:8b' },
    );
    expect(server.seen[0]?.body.model).toBe('llama3.1:8b');
  });
});
