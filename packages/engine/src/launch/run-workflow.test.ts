import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ConductorEvent, createEventBus, projectEvents, validateEventData } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderConfigError } from '../providers/errors.js';
import { executeFrom } from '../run/executor.js';
import { mintRunId } from '../run/run-id.js';
import { type ExecutorState, initialExecutorState } from '../run/state.js';
import { find, typesOf, workflowOf } from '../testing/support.js';
import type { StepDefinition } from '../workflow/types.js';
import { runWorkflow } from './run-workflow.js';

const small: StepDefinition[] = [
  {
    name: 'prepare',
    type: 'set',
    values: { topic: '{{ workflow.input.topic }}' },
    routes: [{ to: 'write' }],
  },
  {
    name: 'write',
    type: 'agent',
    prompt: 'Write about {{ prepare.output.topic }}',
    output: { title: { type: 'string' } },
    routes: [{ to: '$end' }],
  },
];

async function collect(run: ReturnType<typeof runWorkflow>): Promise<ConductorEvent[]> {
  const events: ConductorEvent[] = [];
  for await (const event of run.events) events.push(event);
  return events;
}

describe('runWorkflow', () => {
  it('emits the exact event sequence of a small run, with seq 1..N and valid payloads', async () => {
    const workflow = workflowOf(
      small,
      { runtime: { provider: 'mock', default_model: 'mock-1' }, version: '1.2', metadata: { team: 'a' } },
      { output: { title: '{{ write.output.title }}' } },
    );
    const run = runWorkflow(
      { ...workflow, path: '/tmp/flows/small.yaml' },
      { inputs: { topic: 'owls' }, runId: 'run-1', logFile: '/tmp/log.jsonl' },
    );
    const events = await collect(run);
    const result = await run;

    const types = typesOf(events).filter((t) => t !== 'agent_message');
    expect(types).toEqual([
      'workflow_started',
      'set_started',
      'set_completed',
      'route_taken',
      'agent_started',
      'agent_prompt_rendered',
      'agent_completed',
      'route_taken',
      'workflow_completed',
    ]);
    expect(typesOf(events).filter((t) => t === 'agent_message').length).toBeGreaterThan(0);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    for (const event of events) expect(validateEventData(event.type, event.data)).toEqual({ ok: true });

    expect(find(events, 'workflow_started').data).toEqual({
      name: 'test',
      version: '1.2',
      entry_point: 'prepare',
      agents: [
        { name: 'prepare', type: 'set', model: null, provider: null },
        { name: 'write', type: 'agent', model: 'mock-1', provider: 'mock' },
      ],
      parallel_groups: [],
      for_each_groups: [],
      routes: [
        { from: 'prepare', to: 'write', when: null },
        { from: 'write', to: '$end', when: null },
      ],
      inputs: { topic: 'owls' },
      metadata: { team: 'a' },
      run_id: 'run-1',
      log_file: '/tmp/log.jsonl',
      yaml_source: '/tmp/flows/small.yaml',
    });
    expect(find(events, 'agent_completed').data.output).toEqual({ title: 'write: title (mock)' });
    expect(find(events, 'workflow_completed').data).toMatchObject({
      output: { title: 'write: title (mock)' },
    });
    expect(result).toEqual({
      runId: 'run-1',
      status: 'completed',
      output: { title: 'write: title (mock)' },
      elapsedSeconds: expect.any(Number),
      lastSeq: events.length,
      iterations: 2,
    });

    // The projection (what the dashboard shows) reads the run as completed, step by step.
    const state = projectEvents(events);
    expect(state.run.status).toBe('completed');
    expect(state.steps.prepare?.status).toBe('completed');
    expect(state.steps.write?.attempts[0]?.output).toEqual({ title: 'write: title (mock)' });
  });

  it('exposes runId at once and gives every event to a late reader', async () => {
    const run = runWorkflow(workflowOf([{ name: 'a', type: 'set', value: 1 }]), { env: {} });
    expect(run.runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
    const result = await run.result;
    const events = await collect(run);
    expect(events[0]?.type).toBe('workflow_started');
    expect(events.at(-1)?.seq).toBe(result.lastSeq);
    expect(run.bus.closed).toBe(true);
    expect(() => run.events[Symbol.asyncIterator]()).toThrow(/one loop only/);
  });

  it('emits into a given bus after its last seq and leaves it open', async () => {
    const bus = createEventBus({ lastSeq: 41 });
    const run = runWorkflow(workflowOf([{ name: 'a', type: 'set', value: 1 }]), { bus });
    const events = await collect(run);
    expect(events[0]?.seq).toBe(42);
    expect(bus.closed).toBe(false);
    expect((await run).lastSeq).toBe(bus.lastSeq);
  });

  it('takes the run id from options, then CONDUCTOR_RUN_ID, and rejects invalid ones', () => {
    const wf = workflowOf([{ name: 'a', type: 'set', value: 1 }]);
    expect(runWorkflow(wf, { runId: 'given_1', env: { CONDUCTOR_RUN_ID: 'env-1' } }).runId).toBe('given_1');
    expect(runWorkflow(wf, { env: { CONDUCTOR_RUN_ID: 'env-1' } }).runId).toBe('env-1');
    expect(() => runWorkflow(wf, { env: { CONDUCTOR_RUN_ID: '../etc' } })).toThrow(
      expect.objectContaining({ code: 'CONDUCTOR_RUN_ID' }),
    );
    expect(() => runWorkflow(wf, { runId: 'x'.repeat(65) })).toThrow(/not valid/);
    expect(mintRunId(new Date(2026, 10, 21, 5, 59, 58))).toMatch(/^20261121-055958-[0-9a-f]{6}$/);
  });

  it('rejects a workflow with agent steps but no provider, and names how to choose one', async () => {
    const run = runWorkflow(workflowOf(small), { inputs: { topic: 'x' } });
    const error = await run.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderConfigError);
    expect((error as ProviderConfigError).code).toBe('CONDUCTOR_PROVIDER_CONFIG');
    expect((error as Error).message).toContain('no provider is chosen for agent step "write"');
    // Nothing ran: the event stream is empty and ends with the error.
    const iterator = run.events[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toBe(error);
  });

  it('runs a workflow without agent steps with no provider at all', async () => {
    expect((await runWorkflow(workflowOf([{ name: 'a', type: 'set', value: 1 }]))).status).toBe('completed');
  });

  it('lets options.provider override the workflow provider, and checks openai setup before starting', async () => {
    const wf = workflowOf(small, { runtime: { provider: 'openai' } });
    expect((await runWorkflow(wf, { provider: 'mock', inputs: { topic: 'x' } })).status).toBe('completed');
    const noKey = await runWorkflow(wf, { inputs: { topic: 'x' }, env: {} }).result.catch((e: unknown) => e);
    expect((noKey as Error).message).toContain('OPENAI_API_KEY');
    const unknown = await runWorkflow(workflowOf(small, { runtime: { provider: 'copilot' } }), {
      inputs: { topic: 'x' },
    }).result.catch((e: unknown) => e);
    expect((unknown as Error).message).toContain(
      'the "copilot" provider (the original conductor\'s default, over the GitHub Copilot SDK) is not available',
    );
  });

  it('rejects mock responses for an agent the workflow lacks', async () => {
    const error = await runWorkflow(workflowOf(small, { runtime: { provider: 'mock' } }), {
      inputs: { topic: 'x' },
      mockResponses: { writer: { text: 'x' } },
    }).result.catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      'agent "writer" is not an agent step of this workflow (agent steps: write)',
    );
  });

  it('calls onStepBoundary with committed state before each step, and onFailure before workflow_failed', async () => {
    const boundaries: ExecutorState[] = [];
    const steps: StepDefinition[] = [
      { name: 'one', type: 'set', value: 1, routes: [{ to: 'two' }] },
      { name: 'two', type: 'script', command: 'conductor-missing-command-7' },
    ];
    const run = runWorkflow(workflowOf(steps), {
      hooks: {
        onStepBoundary: (state) => void boundaries.push(structuredClone(state)),
        onFailure: async (state, failure) => ({
          checkpoint_path: `/cp/${state.currentStep}-${failure.type}.json`,
        }),
      },
    });
    const events = await collect(run);
    expect(boundaries.map((s) => [s.currentStep, s.iteration, Object.keys(s.stepOutputs)])).toEqual([
      ['one', 0, []],
      ['two', 1, ['one']],
    ]);
    expect(find(events, 'workflow_failed').data).toMatchObject({
      error_type: 'ScriptNotFound',
      agent_name: 'two',
      stopped_by_user: false,
      checkpoint_path: '/cp/two-ScriptNotFound.json',
    });
  });

  it('continues from a saved state with executeFrom, as a resume will', async () => {
    const steps: StepDefinition[] = [
      { name: 'a', type: 'set', value: 'from a', routes: [{ to: 'b' }] },
      { name: 'b', type: 'set', value: '{{ a.output }} then b #{{ context.iteration }}' },
    ];
    const state: ExecutorState = {
      ...initialExecutorState('a', 1000),
      currentStep: 'b',
      iteration: 1,
      stepOutputs: { a: 'restored a' },
      history: [{ step: 'a', iteration: 1, status: 'completed' }],
      lastOutputStep: 'a',
    };
    const bus = createEventBus({ lastSeq: 10 });
    const result = await executeFrom(state, {
      runId: 'resumed',
      workflow: workflowOf(steps),
      inputs: {},
      bus,
      providerFor: () => {
        throw new Error('no agents here');
      },
    });
    expect(result).toMatchObject({
      status: 'completed',
      output: 'restored a then b #2',
      iterations: 2,
      lastSeq: 14,
    });
    expect(state.currentStep).toBe('b');
  });
});

describe('openai provider in a run', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  });

  it('runs an agent step against an OpenAI-compatible server, retrying a 429 with agent_retry', async () => {
    let calls = 0;
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        if (calls === 1) {
          res.writeHead(429, { 'retry-after': '0', 'content-type': 'application/json' });
          res.end('{"error":{"message":"too many"}}');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const delta of ['{"title": ', '"Owls"}'])
          res.write(
            `data: ${JSON.stringify({ model: 'gpt-x', choices: [{ delta: { content: delta } }] })}\n\n`,
          );
        res.end(
          `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 4 } })}\n\ndata: [DONE]\n\n`,
        );
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const run = runWorkflow(
      workflowOf(
        [
          {
            name: 'write',
            type: 'agent',
            model: 'gpt-x',
            prompt: 'Title please',
            output: { title: { type: 'string' } },
          },
        ],
        {
          runtime: { provider: 'openai' },
        },
      ),
      { openai: { baseUrl, apiKey: 'sk-local' }, env: {} },
    );
    const events = await collect(run);
    const result = await run;
    expect(result.output).toEqual({ title: 'Owls' });
    expect(find(events, 'agent_retry').data).toMatchObject({
      agent_name: 'write',
      attempt: 2,
      max_attempts: 4,
      delay: 0,
    });
    expect(find(events, 'agent_completed').data).toMatchObject({
      model: 'gpt-x',
      input_tokens: 10,
      output_tokens: 4,
      tokens: 14,
    });
  });
});
