// Agent steps against local servers that speak the OpenAI and Anthropic APIs, through runWorkflow: the
// mapping form, environment fallbacks, --provider, per-step providers, registered providers, retries,
// the repair turn, and secrets kept out of everything a run writes.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConductorEvent } from '@conductor/events';
import { afterEach, describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import type { ProviderConfig } from '../providers/config.js';
import { ProviderConfigError } from '../providers/errors.js';
import {
  anthropicStream,
  closeModelServers,
  failWith,
  openaiStream,
  serveModel,
} from '../testing/model-servers.js';
import { ofType, find as one } from '../testing/support.js';
import { parseWorkflow } from '../workflow/load.js';

afterEach(closeModelServers);

async function collect(run: ReturnType<typeof runWorkflow>): Promise<ConductorEvent[]> {
  const events: ConductorEvent[] = [];
  for await (const event of run.events) events.push(event);
  return events;
}

/** A one-agent workflow under `runtime:` (given indented as its body), with `step` lines added to the agent. */
function workflow(runtime: string, step = '', path?: string) {
  const source = `workflow:
  name: providers
  entry_point: write
  runtime:
${runtime}
agents:
  - name: write
    prompt: Name a bird.
${step}`;
  // A workflow with a file can be resumed, so a failed run of it gets a checkpoint.
  if (path !== undefined) writeFileSync(path, source);
  return parseWorkflow(source, { path });
}

/** Every file under a folder, as text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [{ path, text: readFileSync(path, 'utf8') }];
  });
}

describe('openai in a run', () => {
  it('takes base_url, api_key and headers from the mapping, and streams the answer as agent_message', async () => {
    const server = await serveModel(openaiStream({ deltas: ['An ', 'owl.'], model: 'gpt-x-0613' }));
    const run = runWorkflow(
      workflow(`    provider:
      name: openai
      base_url: ${server.origin}/v1
      api_key: sk-from-yaml
      headers: { x-team: owls }
    default_model: gpt-x`),
      { env: { OPENAI_API_KEY: 'sk-from-env', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } },
    );
    const events = await collect(run);
    expect((await run).output).toEqual({ result: 'An owl.' });
    expect(ofType(events, 'agent_message').map((e) => e.data.content)).toEqual(['An ', 'owl.']);
    expect(one(events, 'agent_completed').data).toMatchObject({
      model: 'gpt-x-0613',
      input_tokens: 12,
      output_tokens: 5,
    });
    expect(one(events, 'workflow_started').data.agents).toEqual([
      { name: 'write', type: 'agent', model: 'gpt-x', provider: 'openai' },
    ]);
    expect(server.seen[0]?.headers.authorization).toBe('Bearer sk-from-yaml');
    expect(server.seen[0]?.headers['x-team']).toBe('owls');
    expect(server.seen[0]?.body.model).toBe('gpt-x');
  });

  it('retries a 429 and a 503 with agent_retry events, then fails a 400 with the API message', async () => {
    const server = await serveModel(
      failWith(429, 'too many', { 'retry-after': '0' }),
      failWith(503, 'busy', { 'retry-after': '0' }),
      openaiStream({ deltas: ['A wren.'] }),
    );
    const run = runWorkflow(workflow('    provider: openai'), {
      env: { OPENAI_BASE_URL: `${server.origin}/v1`, OPENAI_API_KEY: 'k' },
    });
    const events = await collect(run);
    expect((await run).output).toEqual({ result: 'A wren.' });
    expect(ofType(events, 'agent_retry').map((e) => e.data)).toEqual([
      expect.objectContaining({
        attempt: 2,
        max_attempts: 4,
        delay: 0,
        reason: 'provider',
        error: expect.stringContaining('HTTP 429: too many'),
      }),
      expect.objectContaining({
        attempt: 3,
        max_attempts: 4,
        delay: 0,
        reason: 'provider',
        error: expect.stringContaining('HTTP 503: busy'),
      }),
    ]);

    const bad = await serveModel(failWith(400, 'model "nope" does not exist'));
    const failed = runWorkflow(workflow('    provider: openai\n    default_model: nope'), {
      env: { OPENAI_BASE_URL: `${bad.origin}/v1`, OPENAI_API_KEY: 'k' },
    });
    const failedEvents = await collect(failed);
    expect((await failed).status).toBe('failed');
    expect(ofType(failedEvents, 'agent_retry')).toEqual([]);
    expect(one(failedEvents, 'agent_failed').data).toMatchObject({
      error_type: 'ProviderError',
      message: `${bad.origin}/v1/chat/completions answered HTTP 400: model "nope" does not exist`,
    });
  });

  it('lets --provider replace the whole mapping with just the name (the environment then applies)', async () => {
    const named = await serveModel(openaiStream({ deltas: ['from the mapping'] }));
    const fromEnv = await serveModel(openaiStream({ deltas: ['from the environment'] }));
    const run = runWorkflow(
      workflow(`    provider: { name: openai, base_url: "${named.origin}/v1", api_key: a }`),
      { provider: 'openai', env: { OPENAI_BASE_URL: `${fromEnv.origin}/v1`, OPENAI_API_KEY: 'b' } },
    );
    expect((await run).output).toEqual({ result: 'from the environment' });
    expect(named.seen).toHaveLength(0);
    expect(fromEnv.seen[0]?.headers.authorization).toBe('Bearer b');
  });

  it('gives each request runtime.timeout seconds', async () => {
    const server = await serveModel(() => {
      // Never answers.
    });
    const run = runWorkflow(workflow('    provider: openai\n    timeout: 0.2'), {
      env: { OPENAI_BASE_URL: `${server.origin}/v1`, OPENAI_API_KEY: 'k' },
      openai: { maxAttempts: 1 },
    });
    const events = await collect(run);
    expect(one(events, 'agent_failed').data.message).toBe(
      `request to ${server.origin}/v1/chat/completions timed out after 0.2s (runtime.timeout)`,
    );
  });
});

describe('claude in a run', () => {
  it('reaches ANTHROPIC_BASE_URL, and repairs an answer that misses the output schema', async () => {
    const server = await serveModel(
      anthropicStream({ toolUses: [{ id: 't1', name: 'json', pieces: ['{"bird": 3}'] }] }),
      anthropicStream({ toolUses: [{ id: 't2', name: 'json', pieces: ['{"bird": ', '"owl"}'] }] }),
    );
    const run = runWorkflow(workflow('    provider: claude', '    output:\n      bird: { type: string }\n'), {
      env: { ANTHROPIC_BASE_URL: server.origin, ANTHROPIC_API_KEY: 'sk-ant' },
    });
    const events = await collect(run);
    expect((await run).output).toEqual({ bird: 'owl' });
    expect(one(events, 'agent_retry').data).toMatchObject({
      attempt: 2,
      reason: 'output_validation',
      error: expect.stringContaining('bird'),
    });
    expect(
      ofType(events, 'agent_message')
        .map((e) => e.data.content)
        .join(''),
    ).toBe('{"bird": 3}{"bird": "owl"}');
    expect(server.seen.map((seen) => seen.url)).toEqual(['/v1/messages', '/v1/messages']);
    expect(server.seen[0]?.body.model).toBe('claude-3-5-sonnet-latest');
    const repair = server.seen[1]?.body.messages as { role: string; content: { text?: string }[] }[];
    expect(repair.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(repair[1]?.content[0]?.text).toBe('{"bird": 3}');
    expect(repair[2]?.content[0]?.text).toContain('Your answer was rejected');
    expect(one(events, 'agent_completed').data).toMatchObject({ input_tokens: 40, output_tokens: 30 });
  });

  it("gives a step's own provider: its own instance, next to the workflow's provider", async () => {
    const openai = await serveModel(openaiStream({ deltas: ['draft'] }));
    const anthropic = await serveModel(anthropicStream({ text: ['reviewed'] }));
    const run = runWorkflow(
      parseWorkflow(`workflow:
  name: two
  entry_point: draft
  runtime:
    provider: { name: openai, base_url: "${openai.origin}/v1", api_key: k }
agents:
  - name: draft
    prompt: Draft.
    routes: [{ to: review }]
  - name: review
    provider: claude
    prompt: "Review {{ draft.output.result }}."
`),
      { env: { ANTHROPIC_BASE_URL: anthropic.origin, ANTHROPIC_API_KEY: 'sk-ant' } },
    );
    const events = await collect(run);
    expect((await run).output).toEqual({ result: 'reviewed' });
    expect(one(events, 'workflow_started').data.agents).toMatchObject([
      { name: 'draft', provider: 'openai' },
      { name: 'review', provider: 'claude' },
    ]);
    expect(openai.seen).toHaveLength(1);
    expect(anthropic.seen[0]?.body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Review draft.' }] },
    ]);
  });
});

describe('providers a script registers', () => {
  it('resolves runtime.provider to the registered factory, with the mapping, runtime.timeout and env', async () => {
    const configs: ProviderConfig[] = [];
    const run = runWorkflow(
      workflow(
        '    provider: { name: echo, base_url: "https://echo.test", auth_token: t1 }\n    timeout: 30',
      ),
      {
        env: { ECHO_MODE: 'loud' },
        providers: {
          echo: (config) => {
            configs.push(config);
            return {
              name: 'echo',
              requiresModel: false,
              async complete(request, onText) {
                const text = `${config.env.ECHO_MODE}: ${request.messages.at(-1)?.content}`;
                onText(text);
                return { text, model: 'echo-1' };
              },
            };
          },
        },
      },
    );
    expect((await run).output).toEqual({ result: 'loud: Name a bird.' });
    expect(configs).toEqual([
      {
        name: 'echo',
        base_url: 'https://echo.test',
        auth_token: 't1',
        timeout: 30,
        env: { ECHO_MODE: 'loud' },
      },
    ]);
  });

  it('stands in for a provider of the original this version lacks, which is otherwise refused up front', async () => {
    const refused = await runWorkflow(workflow('    provider: copilot')).result.catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderConfigError);
    expect((refused as Error).message).toMatch(
      /^the "copilot" provider .* is not available in this version of conductor\. The providers here are openai .*, claude .* and mock .*\. Choose one with --provider <name> on the command line, or with runtime.provider in the workflow/,
    );
    const run = runWorkflow(workflow('    provider: copilot'), {
      providers: {
        copilot: () => ({
          name: 'copilot',
          requiresModel: false,
          complete: async () => ({ text: 'mine', model: 'm' }),
        }),
      },
    });
    expect((await run).output).toEqual({ result: 'mine' });
  });
});

describe('secrets in a run', () => {
  it('appear in no event, checkpoint, run.json or other file of the run', async () => {
    const key = 'sk-live-TOPSECRET-0042';
    const echo = (status: number) =>
      ((req, res) => {
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end(
          JSON.stringify({
            error: { message: `bad key ${req.headers.authorization} / ${req.headers['x-key']}` },
          }),
        );
      }) satisfies Parameters<typeof serveModel>[0];
    const server = await serveModel(echo(429), echo(401));
    const run = runWorkflow(
      workflow(
        `    provider:
      name: openai
      base_url: ${server.origin}/v1
      api_key: ${key}
      headers: { x-key: hdr-TOPSECRET-0043 }`,
        '',
        join(mkdtempSync(join(tmpdir(), 'conductor-secrets-')), 'secret.yaml'),
      ),
    );
    const events = await collect(run);
    const result = await run;
    expect(result.status).toBe('failed');
    expect(one(events, 'agent_retry').data.error).toContain('bad key Bearer [redacted] / [redacted]');
    expect(one(events, 'agent_failed').data.message).toContain(
      'HTTP 401: bad key Bearer [redacted] / [redacted]',
    );
    const home = process.env.CONDUCTOR_HOME as string;
    const files = filesUnder(join(home, 'runs', result.runId));
    expect(files.map((file) => file.path.split('/').at(-1))).toEqual(
      expect.arrayContaining(['events.jsonl', 'run.json']),
    );
    expect(files.some((file) => file.path.includes('checkpoints'))).toBe(true);
    for (const file of files) expect(file.text, file.path).not.toContain('TOPSECRET');
  });
});
