import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventLogPath } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { REDACTED } from '../providers/redact.js';
import { readLog, tempSpace, writeWorkflow } from '../testing/durable.js';
import { FIXTURE_SERVER } from '../testing/mcp/fixture.js';
import { MODEL_APIS, type ModelApi } from '../testing/model-apis.js';
import { closeModelServers, failWith, type Handler, serveModel } from '../testing/model-servers.js';
import { isAlive, ofType } from '../testing/support.js';

// Agent steps through the real providers and the engine's tool loop, against local servers that speak
// each model API (streamed, with tool calls), with the MCP fixture server over stdio: the same cases for
// OpenAI Chat Completions (`openai`) and the Anthropic Messages API (`claude`).

afterEach(closeModelServers);

/** A workflow of agent steps (`steps`, YAML under `agents:`) using the fixture's tools as `fx__*`. */
const toolWorkflow = (api: ModelApi, steps: string, settings = '') => `workflow:
  name: apis
  entry_point: work
  runtime:
    provider: ${api.provider}
    default_model: ${api.model}
    mcp_servers:
      fx:
        command: ${JSON.stringify(process.execPath)}
        args: [${JSON.stringify(FIXTURE_SERVER)}]
${settings}agents:
${steps}`;

const worker = (extra = '') => `  - name: work
    system_prompt: You add numbers with tools.
    prompt: Add 1 and 2, then 3 and 4.
${extra}`;

async function runAgainst(api: ModelApi, yaml: string, handlers: Handler[], key?: string) {
  const server = await serveModel(...handlers);
  const { home, dir } = await tempSpace();
  const path = await writeWorkflow(dir, 'apis.yaml', yaml);
  const run = runWorkflow(path, { home, env: { ...process.env, ...api.env(server, key) } });
  const result = await run;
  const { events } = await readLog(eventLogPath(run.runId, home));
  return { result, events, server, home, runId: run.runId };
}

const dataOf = (events: ConductorEvent[], type: string) => ofType(events, type).map((e) => e.data);

/** The fixture servers a run started, each gone when it ended. */
function expectServersClosed(events: ConductorEvent[]): void {
  const pids = dataOf(events, 'child_process_spawned').map((d) => d.pid as number);
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) expect(isAlive(pid)).toBe(false);
}

describe.each(MODEL_APIS)('an agent step over the $provider API', (api) => {
  it('runs a tool loop of several rounds, sending each result back, and structures the final answer', async () => {
    const { result, events, server } = await runAgainst(
      api,
      toolWorkflow(api, worker('    output:\n      sum: { type: integer }\n')),
      [
        api.toolCalls(
          [
            { id: 'call_1', name: 'fx__echo', pieces: ['{"text":', ' "adding"}'] },
            { id: 'call_2', name: 'fx__add', pieces: ['{"a": 1, "b": 2}'] },
          ],
          { text: ['Let me add.'] },
        ),
        api.toolCalls([{ id: 'call_3', name: 'fx__add', pieces: ['{"a": 3,', ' "b": 4}'] }]),
        api.json({ sum: 7 }),
      ],
    );
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: { sum: 7 } });

    expect(dataOf(events, 'agent_tool_start').map((d) => [d.call_id, d.tool_name, d.arguments])).toEqual([
      ['call_1', 'fx__echo', { text: 'adding' }],
      ['call_2', 'fx__add', { a: 1, b: 2 }],
      ['call_3', 'fx__add', { a: 3, b: 4 }],
    ]);
    expect(dataOf(events, 'agent_tool_complete').map((d) => [d.call_id, d.result, d.error])).toEqual([
      ['call_1', 'adding', null],
      ['call_2', '3', null],
      ['call_3', '7', null],
    ]);
    expect(dataOf(events, 'agent_message').map((d) => d.content)).toContain('Let me add.');

    // The model got the tools and the system prompt as a system message, then each round's results.
    expect(server.seen).toHaveLength(3);
    expect(api.tools(server.seen[0] as never)).toEqual(expect.arrayContaining(['fx__echo', 'fx__add']));
    for (const seen of server.seen) expect(api.system(seen)).toBe('You add numbers with tools.');
    expect(api.toolResults(server.seen[1] as never)).toEqual([
      { id: 'call_1', content: 'adding' },
      { id: 'call_2', content: '3' },
    ]);
    expect(api.toolResults(server.seen[2] as never).at(-1)).toEqual({ id: 'call_3', content: '7' });

    // Every request's usage counts, as the server reported it.
    const completed = dataOf(events, 'agent_completed')[0];
    expect(completed?.model).toBe(api.model);
    expect(completed?.calls).toHaveLength(3);
    expectServersClosed(events);
  });

  it('retries a 429 after its Retry-After, then succeeds', async () => {
    const { result, events, server } = await runAgainst(api, toolWorkflow(api, worker()), [
      failWith(429, 'rate limited, slow down', { 'retry-after': '0' }),
      api.text(['Seven.']),
    ]);
    expect(result).toMatchObject({ status: 'completed', output: { result: 'Seven.' } });
    expect(server.seen).toHaveLength(2);
    expect(dataOf(events, 'agent_retry')).toEqual([
      {
        agent_name: 'work',
        attempt: 2,
        max_attempts: 4,
        error: expect.stringContaining('HTTP 429: rate limited, slow down'),
        delay: 0,
        reason: 'provider',
      },
    ]);
  });

  it('answers a malformed tool-call argument with an error the model sees, and goes on', async () => {
    const { result, events, server } = await runAgainst(api, toolWorkflow(api, worker()), [
      api.toolCalls([{ id: 'call_bad', name: 'fx__add', pieces: ['{"a": 1, "b": '] }]),
      api.toolCalls([{ id: 'call_good', name: 'fx__add', pieces: ['{"a": 1, "b": 2}'] }]),
      api.text(['Three.']),
    ]);
    expect(result).toMatchObject({ status: 'completed', output: { result: 'Three.' } });
    const [bad] = dataOf(events, 'agent_tool_start');
    expect(bad).toMatchObject({ call_id: 'call_bad', arguments: '{"a": 1, "b": ' });
    expect(bad?.arguments_error).toContain('not valid JSON');
    expect(dataOf(events, 'agent_tool_complete').map((d) => [d.call_id, d.result])).toEqual([
      ['call_bad', null],
      ['call_good', '3'],
    ]);
    // The malformed call never reached the tool; the model was told what was wrong.
    const [told] = api.toolResults(server.seen[1] as never);
    expect(told?.id).toBe('call_bad');
    expect(told?.content).toContain('are not a JSON object');
    if (api.provider === 'claude') expect(told?.isError).toBe(true);
  });

  it('sends the error of a tool that fails back to the model, which answers anyway', async () => {
    const { result, events, server } = await runAgainst(api, toolWorkflow(api, worker()), [
      api.toolCalls([{ id: 'call_f', name: 'fx__fail', pieces: ['{"message": "disk full"}'] }]),
      api.text(['The tool failed: disk full.']),
    ]);
    expect(result).toMatchObject({ status: 'completed', output: { result: 'The tool failed: disk full.' } });
    expect(dataOf(events, 'agent_tool_complete')).toEqual([
      expect.objectContaining({ call_id: 'call_f', result: null, error: 'failed: disk full' }),
    ]);
    expect(api.toolResults(server.seen[1] as never)).toEqual([
      { id: 'call_f', content: 'failed: disk full', ...(api.provider === 'claude' ? { isError: true } : {}) },
    ]);
  });

  it('fails the step when the model still calls tools at max_agent_iterations', async () => {
    const { result, events, server } = await runAgainst(
      api,
      toolWorkflow(api, worker('    max_agent_iterations: 2\n')),
      [api.toolCalls([{ id: 'call_again', name: 'fx__echo', pieces: ['{"text": "again"}'] }])],
    );
    expect(result).toMatchObject({
      status: 'failed',
      error: { type: 'MaxAgentIterationsExceeded', step: 'work' },
    });
    expect(result.error?.message).toContain('made 2 requests to the model, its max_agent_iterations');
    expect(server.seen).toHaveLength(2);
    expect(dataOf(events, 'agent_tool_complete')).toHaveLength(2);
    expect(dataOf(events, 'agent_failed')[0]).toMatchObject({ error_type: 'MaxAgentIterationsExceeded' });
    expectServersClosed(events);
  });

  it('prices usage as the server reports it, and enforce fails the run over budget with a checkpoint', async () => {
    const usage = { input: 500_000, output: 0 };
    const settings = `  limits:
    budget_usd: 0.75
    budget_mode: enforce
  cost:
    pricing:
      ${api.model}: { input_per_mtok: 1, output_per_mtok: 10 }
`;
    const steps = `${worker('    routes: [{ to: after }]\n')}  - name: after
    prompt: never asked
`;
    const { result, events, server } = await runAgainst(api, toolWorkflow(api, steps, settings), [
      api.toolCalls([{ id: 'call_1', name: 'fx__add', pieces: ['{"a": 1, "b": 2}'] }], { usage }),
      api.text(['Three.'], usage),
    ]);
    expect(result).toMatchObject({
      status: 'failed',
      error: { type: 'BudgetExceededError', step: 'work' },
      checkpointPath: expect.stringContaining('.json'),
    });
    const [completed] = dataOf(events, 'agent_completed');
    expect(completed).toMatchObject({ input_tokens: 1_000_000, output_tokens: 0, cost_usd: 1 });
    expect(completed?.calls).toEqual([
      expect.objectContaining({ model: api.model, input_tokens: 500_000, cost_usd: 0.5 }),
      expect.objectContaining({ model: api.model, input_tokens: 500_000, cost_usd: 0.5 }),
    ]);
    expect(dataOf(events, 'budget_exceeded')).toEqual([
      expect.objectContaining({ total_cost_usd: 1, budget_usd: 0.75, budget_mode: 'enforce' }),
    ]);
    expect(events.some((e) => e.type === 'agent_started' && e.data.agent_name === 'after')).toBe(false);
    expect(server.seen).toHaveLength(2);
  });

  it('keeps the API key out of the log, the checkpoint and run.json when the API echoes it', async () => {
    const key = `sk-${api.provider}-secret-0123456789abcdef`;
    const { result, home, runId } = await runAgainst(
      api,
      toolWorkflow(api, worker()),
      [failWith(401, `Incorrect API key provided: ${key}. You can find your key at the console.`)],
      key,
    );
    expect(result).toMatchObject({ status: 'failed', error: { step: 'work' } });
    expect(result.error?.message).toContain(`Incorrect API key provided: ${REDACTED}`);
    expect(result.error?.message).not.toContain(key);
    const folder = join(home, 'runs', runId);
    const files = await filesUnder(folder);
    expect(files.some((file) => file.includes('checkpoints'))).toBe(true);
    for (const file of files) expect(await readFile(file, 'utf8'), file).not.toContain(key);
    expect(await readFile(join(folder, 'events.jsonl'), 'utf8')).toContain(REDACTED);
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? filesUnder(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]),
    ),
  );
  return nested.flat();
}
