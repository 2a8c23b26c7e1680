import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConductorEvent } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunOptions, runWorkflow } from '../launch/run-workflow.js';
import { checkMockResponses, createMockProvider, type MockResponsesInput } from '../providers/mock.js';
import type { CompletionRequest, Provider } from '../providers/types.js';
import { FIXTURE_SERVER, startHttpFixture, stdioFixture } from '../testing/mcp/fixture.js';
import { isAlive, nextEvent, ofType, typesOf, workflowOf } from '../testing/support.js';
import type { AgentStep, RuntimeConfig, StepDefinition } from '../workflow/types.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** The mock provider answering from `responses`, recording every request it gets. */
function recordingMock(responses: MockResponsesInput) {
  const mock = createMockProvider({ responses: checkMockResponses(responses, 'test responses') });
  const requests: CompletionRequest[] = [];
  const provider: Provider = {
    name: 'mock',
    requiresModel: false,
    complete: (request, onText) => {
      requests.push({ ...request, messages: structuredClone(request.messages) });
      return mock.complete(request, onText);
    },
  };
  return { provider, requests };
}

async function run(
  steps: StepDefinition[],
  responses: MockResponsesInput,
  runtime: RuntimeConfig = { mcp_servers: { fx: stdioFixture() } },
  options: RunOptions & { path?: string } = {},
) {
  const { provider, requests } = recordingMock(responses);
  // A workflow with a file can be checkpointed (the file itself is not read).
  const path = options.path ?? join(tmpdir(), 'agent-tools.yaml');
  const handle = runWorkflow(workflowOf(steps, { runtime }, { path }), { provider, ...options });
  const events: ConductorEvent[] = [];
  for await (const event of handle.events) events.push(event);
  return { result: await handle, events, requests };
}

const worker = (extra: Partial<AgentStep> = {}): AgentStep => ({
  name: 'worker',
  type: 'agent',
  prompt: 'Use the tools.',
  ...extra,
});

/** The pids of the tool servers a run started, each checked to have exited before the run's last event. */
function serversOf(events: ConductorEvent[]): number[] {
  const spawned = ofType(events, 'child_process_spawned').filter((e) => e.data.kind === 'mcp_server');
  const last = events.findIndex(
    (e) => (e.type === 'workflow_completed' || e.type === 'workflow_failed') && !e.data.subworkflow_path,
  );
  for (const event of spawned) {
    const exited = events.findIndex(
      (e) => e.type === 'child_process_exited' && e.data.pid === event.data.pid,
    );
    expect(exited).toBeGreaterThan(events.indexOf(event));
    expect(exited).toBeLessThan(last);
  }
  return spawned.map((e) => e.data.pid as number);
}

describe('agent tool loop', () => {
  it('runs the tools the model asks for, round after round, and structures its final answer', async () => {
    const { result, events, requests } = await run([worker({ output: { sum: { type: 'integer' } } })], {
      worker: [
        {
          text: 'Let me look.',
          tool_calls: [
            { name: 'fx__echo', arguments: { text: 'a' } },
            { name: 'fx__add', arguments: { a: 1, b: 2 } },
          ],
        },
        { tool_calls: [{ name: 'fx__add', arguments: { a: 3, b: 4 } }] },
        { output: { sum: 'seven' } },
        { output: { sum: 7 } },
      ],
    });
    expect(result).toMatchObject({ status: 'completed', output: { sum: 7 } });

    const starts = ofType(events, 'agent_tool_start').map((e) => e.data);
    const completes = ofType(events, 'agent_tool_complete').map((e) => e.data);
    expect(starts).toEqual([
      { agent_name: 'worker', tool_name: 'fx__echo', call_id: 'mock-call-1', arguments: { text: 'a' } },
      { agent_name: 'worker', tool_name: 'fx__add', call_id: 'mock-call-2', arguments: { a: 1, b: 2 } },
      { agent_name: 'worker', tool_name: 'fx__add', call_id: 'mock-call-3', arguments: { a: 3, b: 4 } },
    ]);
    expect(completes.map(({ elapsed, ...rest }) => rest)).toEqual([
      { agent_name: 'worker', tool_name: 'fx__echo', call_id: 'mock-call-1', result: 'a', error: null },
      { agent_name: 'worker', tool_name: 'fx__add', call_id: 'mock-call-2', result: '3', error: null },
      { agent_name: 'worker', tool_name: 'fx__add', call_id: 'mock-call-3', result: '7', error: null },
    ]);
    expect(completes.every((c) => typeof c.elapsed === 'number')).toBe(true);
    // Each start comes before its completion, and the calls of one answer run in order.
    const order = events
      .filter((e) => e.type.startsWith('agent_tool_'))
      .map((e) => `${e.type}:${e.data.call_id}`);
    expect(order).toEqual([
      'agent_tool_start:mock-call-1',
      'agent_tool_complete:mock-call-1',
      'agent_tool_start:mock-call-2',
      'agent_tool_complete:mock-call-2',
      'agent_tool_start:mock-call-3',
      'agent_tool_complete:mock-call-3',
    ]);

    // The model got the tools, then every result as a tool turn; the correction keeps the conversation.
    expect(requests).toHaveLength(4);
    expect(requests[0]?.tools?.map((t) => t.name)).toContain('fx__add');
    expect(requests[1]?.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(requests[1]?.messages[1]).toMatchObject({ role: 'assistant', content: 'Let me look.' });
    expect(requests[1]?.messages.slice(2)).toEqual([
      { role: 'tool', toolCallId: 'mock-call-1', toolName: 'fx__echo', content: 'a' },
      { role: 'tool', toolCallId: 'mock-call-2', toolName: 'fx__add', content: '3' },
    ]);
    expect(requests[3]?.messages.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'tool',
      'assistant',
      'tool',
      'assistant',
      'user',
    ]);
    expect(ofType(events, 'agent_retry')).toHaveLength(1);

    // Usage counts every request of the loop.
    const completed = ofType(events, 'agent_completed')[0]?.data;
    expect(completed?.output_tokens).toBeGreaterThan(Math.ceil('{"sum":7}'.length / 4));

    const pids = serversOf(events);
    expect(pids).toHaveLength(1);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('tells the model about a malformed argument, a tool error and an unknown tool, and goes on', async () => {
    const server = await startHttpFixture();
    closers.push(() => server.close());
    const { result, events, requests } = await run(
      [worker()],
      {
        worker: [
          {
            tool_calls: [
              { name: 'remote__add', arguments: '{"a": 1,' },
              { name: 'remote__add', arguments: '[1, 2]' },
              { name: 'remote__fail', arguments: { message: 'disk full' } },
              { name: 'remote__missing' },
            ],
          },
          { text: 'Nothing worked.' },
        ],
      },
      { mcp_servers: { remote: { type: 'http', url: server.url } } },
    );
    expect(result).toMatchObject({ status: 'completed', output: { result: 'Nothing worked.' } });
    expect(server.calls).toEqual([{ name: 'fail', args: { message: 'disk full' } }]);

    const starts = ofType(events, 'agent_tool_start').map((e) => e.data);
    expect(starts[0]).toMatchObject({
      arguments: '{"a": 1,',
      arguments_error: expect.stringContaining('not valid JSON'),
    });
    expect(starts[1]).toMatchObject({ arguments: '[1, 2]', arguments_error: 'not a JSON object' });
    const completes = ofType(events, 'agent_tool_complete').map((e) => e.data);
    expect(completes.map((c) => c.result)).toEqual([null, null, null, null]);
    expect(completes[0]?.error).toContain('the arguments of this call are not a JSON object');
    expect(completes[2]?.error).toBe('failed: disk full');
    expect(completes[3]?.error).toContain('there is no tool "remote__missing"; the tools are: remote__echo');

    const turns = requests[1]?.messages.filter((m) => m.role === 'tool') ?? [];
    expect(turns).toHaveLength(4);
    expect(turns.every((m) => m.role === 'tool' && m.isError === true)).toBe(true);
    expect(turns[2]?.content).toBe('failed: disk full');
  });

  it('fails at max_agent_iterations with a checkpoint, its servers closed', async () => {
    const looping = { worker: { tool_calls: [{ name: 'fx__echo', arguments: { text: 'again' } }] } };
    const { result, events, requests } = await run([worker({ max_agent_iterations: 3 })], looping);
    expect(result).toMatchObject({
      status: 'failed',
      error: { type: 'MaxAgentIterationsExceeded', step: 'worker' },
    });
    expect(result.error?.message).toContain('made 3 requests to the model, its max_agent_iterations');
    expect(result.checkpointPath).toBeDefined();
    expect(existsSync(result.checkpointPath as string)).toBe(true);
    expect(requests).toHaveLength(3);
    expect(ofType(events, 'agent_tool_complete')).toHaveLength(3);
    expect(ofType(events, 'agent_failed')[0]?.data.error_type).toBe('MaxAgentIterationsExceeded');
    for (const pid of serversOf(events)) expect(isAlive(pid)).toBe(false);

    // Without a step value, runtime.max_agent_iterations holds.
    const fromRuntime = await run([worker()], looping, {
      mcp_servers: { fx: stdioFixture() },
      max_agent_iterations: 2,
    });
    expect(fromRuntime.result.error?.type).toBe('MaxAgentIterationsExceeded');
    expect(fromRuntime.requests).toHaveLength(2);
  });

  it('checks max_session_seconds between requests', async () => {
    let now = 1_000;
    const { result, requests } = await run(
      [worker({ max_session_seconds: 30 })],
      { worker: { tool_calls: [{ name: 'fx__echo', arguments: { text: 'x' } }] } },
      { mcp_servers: { fx: stdioFixture() } },
      // Every reading of the clock is 10 s after the one before.
      { clock: () => (now += 10) },
    );
    expect(result.error).toMatchObject({ type: 'MaxSessionSecondsExceeded', step: 'worker' });
    expect(result.error?.message).toContain('after its max_session_seconds (30)');
    expect(requests.length).toBeGreaterThanOrEqual(1);
    expect(requests.length).toBeLessThan(4);
  });

  it('cancels a step past its timeout_seconds, even in a tool call, and fails it', async () => {
    // A first step starts the run's tool server (servers start once per run), so the 1 s budget is
    // spent in the tool call and not in a server start that takes longer than that on a loaded machine.
    const warm: AgentStep = { name: 'warm', type: 'agent', prompt: 'Add.', routes: [{ to: 'worker' }] };
    const { result, events } = await run([warm, worker({ timeout_seconds: 1 })], {
      warm: [{ tool_calls: [{ name: 'fx__add', arguments: { a: 1, b: 2 } }] }, { text: 'ok' }],
      worker: { tool_calls: [{ name: 'fx__wait' }] },
    });
    expect(result).toMatchObject({ status: 'failed', error: { type: 'AgentTimeout', step: 'worker' } });
    expect(result.checkpointPath).toBeDefined();
    const calls = ofType(events, 'agent_tool_complete').filter((e) => e.data.agent_name === 'worker');
    expect(calls[0]?.data.error).toContain('the call was stopped');
    // The original's agent_timeout, before the step's failure; the step is not retried.
    const timeouts = ofType(events, 'agent_timeout');
    expect(timeouts.map((e) => e.data)).toEqual([
      { agent_name: 'worker', timeout_seconds: 1, elapsed: expect.any(Number) },
    ]);
    expect(events.indexOf(timeouts[0] as ConductorEvent)).toBeLessThan(
      events.findIndex((e) => e.type === 'agent_failed'),
    );
    expect(ofType(events, 'agent_started').filter((e) => e.data.agent_name === 'worker')).toHaveLength(1);
    expect(serversOf(events)).toHaveLength(1);
    for (const pid of serversOf(events)) expect(isAlive(pid)).toBe(false);
  });

  it("the run's timeout stops a tool call and closes the servers", async () => {
    const { provider } = recordingMock({ worker: { tool_calls: [{ name: 'fx__wait' }] } });
    const handle = runWorkflow(
      workflowOf(
        [worker()],
        { runtime: { mcp_servers: { fx: stdioFixture() } }, limits: { timeout_seconds: 1 } },
        { path: join(tmpdir(), 'x.yaml') },
      ),
      { provider },
    );
    const events: ConductorEvent[] = [];
    for await (const event of handle.events) events.push(event);
    const result = await handle;
    expect(result).toMatchObject({ status: 'failed', error: { type: 'TimeoutError' } });
    for (const pid of serversOf(events)) expect(isAlive(pid)).toBe(false);
  });

  it('is stopped in a tool call, and the stop closes its servers before the run ends', async () => {
    const { provider } = recordingMock({ worker: { tool_calls: [{ name: 'fx__wait' }] } });
    const handle = runWorkflow(
      workflowOf(
        [worker()],
        { runtime: { mcp_servers: { fx: stdioFixture() } } },
        { path: join(tmpdir(), 'x.yaml') },
      ),
      { provider },
    );
    const events: ConductorEvent[] = [];
    handle.bus.subscribe((event) => events.push(event));
    await nextEvent(handle.bus, 'agent_tool_start');
    handle.stop();
    const result = await handle;
    expect(result).toMatchObject({ status: 'interrupted', checkpointPath: expect.any(String) });
    const pids = serversOf(events);
    expect(pids).toHaveLength(1);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('caps a long tool result in its event and tells the model where the whole is', async () => {
    const { events, requests, result } = await run(
      [worker()],
      { worker: [{ tool_calls: [{ name: 'fx__big', arguments: { chars: 5000 } }] }, { text: 'ok' }] },
      { mcp_servers: { fx: stdioFixture() }, tool_output: { max_chars: 1000 } },
    );
    expect(result.status).toBe('completed');
    const complete = ofType(events, 'agent_tool_complete')[0]?.data;
    expect(complete?.result).toBe('x'.repeat(500));
    const spills = (complete?.spills ?? {}) as Record<string, { path: string; bytes: number }>;
    const spill = spills.result;
    expect(spill).toMatchObject({ bytes: 5000, head_chars: 500 });
    expect(spill?.path).toContain(join('runs', result.runId, 'outputs'));
    expect(readFileSync(spill?.path as string, 'utf8')).toBe('x'.repeat(5000));
    const turn = requests[1]?.messages.find((m) => m.role === 'tool');
    expect(turn?.content).toBe(
      `${'x'.repeat(1000)}\n\n[output truncated: 5000 chars -> 1000 kept; full output saved to: ${spill?.path}. Read that file for the rest.]`,
    );
  });

  it('starts a server once for the steps that share it, and none for a step with tools: []', async () => {
    const second = worker({ name: 'second', prompt: 'Again.' });
    const { events, requests } = await run(
      [
        worker({ routes: [{ to: 'quiet' }] }),
        { ...worker({ name: 'quiet', tools: [] }), routes: [{ to: 'second' }] },
        second,
      ],
      {
        worker: [{ tool_calls: [{ name: 'fx__echo', arguments: { text: '1' } }] }, { text: 'one' }],
        second: [{ tool_calls: [{ name: 'fx__echo', arguments: { text: '2' } }] }, { text: 'two' }],
      },
    );
    expect(ofType(events, 'child_process_spawned')).toHaveLength(1);
    expect(ofType(events, 'agent_tool_complete').map((e) => e.data.result)).toEqual(['1', '2']);
    const quiet = requests.find((r) => r.agent === 'quiet');
    expect(quiet?.tools).toBeUndefined();
    expect(typesOf(events).at(-1)).toBe('workflow_completed');
  });

  it("runs stdio servers in the agent's working_dir, and fails a step whose working_dir is missing", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'conductor-workdir-')));
    mkdirSync(join(dir, 'data'));
    const path = join(dir, 'flow.yaml');
    const { events } = await run(
      [worker({ working_dir: '{{ workflow.input.folder }}' })],
      { worker: [{ tool_calls: [{ name: 'fx__where' }] }, { text: 'ok' }] },
      undefined,
      { path, inputs: { folder: 'data' } },
    );
    const where = JSON.parse(String(ofType(events, 'agent_tool_complete')[0]?.data.result));
    expect(where.cwd).toBe(join(dir, 'data'));

    const missing = await run([worker({ working_dir: 'nowhere' })], { worker: { text: 'x' } }, undefined, {
      path,
    });
    expect(missing.result.error).toMatchObject({ type: 'WorkingDirError', step: 'worker' });
    expect(missing.result.error?.message).toContain(join(dir, 'nowhere'));
    expect(ofType(missing.events, 'child_process_spawned')).toHaveLength(0);
  });

  it("runs a sub-workflow's own servers in the run's toolbox, closed when the whole run ends", async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'conductor-sub-tools-')));
    writeFileSync(
      join(dir, 'parent.yaml'),
      'workflow:\n  name: parent\n  entry_point: child\nagents:\n  - name: child\n    type: workflow\n    workflow: ./child.yaml\n',
    );
    writeFileSync(
      join(dir, 'child.yaml'),
      `workflow:
  name: child
  entry_point: inner
  runtime:
    mcp_servers:
      fx: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FIXTURE_SERVER)}] }
agents:
  - name: inner
    prompt: Use the tools.
`,
    );
    const { provider } = recordingMock({
      inner: [{ tool_calls: [{ name: 'fx__echo', arguments: { text: 'deep' } }] }, { text: 'ok' }],
    });
    const handle = runWorkflow(join(dir, 'parent.yaml'), { provider });
    const events: ConductorEvent[] = [];
    for await (const event of handle.events) events.push(event);
    expect((await handle).status).toBe('completed');
    const complete = ofType(events, 'agent_tool_complete')[0];
    expect(complete?.data).toMatchObject({
      agent_name: 'inner',
      result: 'deep',
      subworkflow_path: ['child'],
    });
    const pids = serversOf(events);
    expect(pids).toHaveLength(1);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('fails the step with ToolServerError when its server cannot start', async () => {
    const { result, events } = await run(
      [worker()],
      { worker: { text: 'x' } },
      {
        mcp_servers: { fx: { command: 'conductor-no-such-server' } },
      },
    );
    expect(result.error).toMatchObject({ type: 'ToolServerError', step: 'worker' });
    expect(result.error?.message).toContain('could not start: command not found');
    expect(ofType(events, 'agent_failed')[0]?.data.error_type).toBe('ToolServerError');
  });
});
