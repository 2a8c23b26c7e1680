import { afterEach, describe, expect, it } from 'vitest';
import {
  anthropicStream,
  closeModelServers,
  failWith,
  type Handler,
  serveModel,
} from '../testing/model-servers.js';
import { createClaudeProvider, DEFAULT_CLAUDE_MAX_TOKENS, DEFAULT_CLAUDE_MODEL } from './claude.js';
import { ProviderConfigError, ProviderError } from './errors.js';
import { REDACTED } from './redact.js';
import type { CompletionRequest, ProviderRetry } from './types.js';

afterEach(closeModelServers);

function request(extra: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    agent: 'reviewer',
    model: 'claude-3-5-sonnet-latest',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'review this' },
    ],
    signal: new AbortController().signal,
    ...extra,
  };
}

const TOOLS = [
  {
    name: 'notes__read',
    description: 'Read a note',
    inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
];

describe('claude provider over HTTP (Messages API)', () => {
  it('streams text, sends the key, a capped temperature and the default max_tokens, and reads usage', async () => {
    const server = await serveModel(
      anthropicStream({
        text: ['Hel', 'lo'],
        usage: { input_tokens: 20, cache_read_input_tokens: 5, cache_creation_input_tokens: 3 },
        outputTokens: 15,
      }),
    );
    const provider = createClaudeProvider({ baseUrl: server.origin, apiKey: 'sk-ant-test', env: {} });
    const chunks: string[] = [];
    const result = await provider.complete(request({ temperature: 1.5 }), (c) => chunks.push(c));
    expect(chunks).toEqual(['Hel', 'lo']);
    // Input tokens include the cached ones (§6).
    expect(result).toEqual({
      text: 'Hello',
      model: 'claude-test-1',
      inputTokens: 28,
      outputTokens: 15,
      cacheReadTokens: 5,
      cacheWriteTokens: 3,
      finishReason: 'stop',
    });
    const [seen] = server.seen;
    expect(seen?.url).toBe('/v1/messages');
    expect(seen?.headers['x-api-key']).toBe('sk-ant-test');
    expect(seen?.headers['anthropic-version']).toBe('2023-06-01');
    expect(seen?.headers.authorization).toBeUndefined();
    expect(seen?.body).toMatchObject({
      model: 'claude-3-5-sonnet-latest',
      max_tokens: DEFAULT_CLAUDE_MAX_TOKENS,
      temperature: 1,
      stream: true,
      system: [{ type: 'text', text: 'be brief' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'review this' }] }],
    });
  });

  it('reads ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN, and the default model', async () => {
    const server = await serveModel(anthropicStream({ text: ['ok'] }));
    const { model: _model, ...withoutModel } = request();
    await createClaudeProvider({
      env: { ANTHROPIC_BASE_URL: `${server.origin}/`, ANTHROPIC_API_KEY: 'env-key' },
    }).complete(withoutModel, () => {});
    await createClaudeProvider({
      env: { ANTHROPIC_BASE_URL: server.origin, ANTHROPIC_AUTH_TOKEN: 'env-token' },
    }).complete(request({ maxTokens: 300 }), () => {});
    expect(server.seen.map((seen) => seen.url)).toEqual(['/v1/messages', '/v1/messages']);
    expect(server.seen[0]?.headers['x-api-key']).toBe('env-key');
    expect(server.seen[0]?.body.model).toBe(DEFAULT_CLAUDE_MODEL);
    expect(server.seen[1]?.headers.authorization).toBe('Bearer env-token');
    expect(server.seen[1]?.headers['x-api-key']).toBeUndefined();
    expect(server.seen[1]?.body.max_tokens).toBe(300);
  });

  it('ignores the environment keys when the workflow gives one, and sends extra headers', async () => {
    const server = await serveModel(anthropicStream({ text: ['ok'] }));
    await createClaudeProvider({
      baseUrl: `${server.origin}/v1`,
      authToken: 'yaml-token',
      headers: { 'x-gateway': 'team-a' },
      env: { ANTHROPIC_API_KEY: 'env-key', ANTHROPIC_AUTH_TOKEN: 'env-token' },
    }).complete(request(), () => {});
    const [seen] = server.seen;
    expect(seen?.url).toBe('/v1/messages');
    expect(seen?.headers.authorization).toBe('Bearer yaml-token');
    expect(seen?.headers['x-api-key']).toBeUndefined();
    expect(seen?.headers['x-gateway']).toBe('team-a');
  });

  it('requires a key or a token', () => {
    expect(() => createClaudeProvider({ env: {} })).toThrow(ProviderConfigError);
    expect(() => createClaudeProvider({ env: {} })).toThrow(/ANTHROPIC_API_KEY/);
  });

  it('retries a 429 and an overloaded 529, but not a 400', async () => {
    const server = await serveModel(
      failWith(429, 'rate limited', { 'retry-after': '0' }),
      failWith(529, 'Overloaded', { 'retry-after': '0' }),
      anthropicStream({ text: ['done'] }),
    );
    const retries: ProviderRetry[] = [];
    const provider = createClaudeProvider({ baseUrl: server.origin, apiKey: 'k', env: {} });
    const result = await provider.complete(request({ onRetry: (r) => retries.push(r) }), () => {});
    expect(result.text).toBe('done');
    expect(retries.map((r) => [r.attempt, r.error.replace(/^.* answered /, '')])).toEqual([
      [2, 'HTTP 429: rate limited'],
      [3, 'HTTP 529: Overloaded'],
    ]);

    const bad = await serveModel(failWith(400, 'max_tokens: must be at most 64000'));
    const error = await createClaudeProvider({ baseUrl: bad.origin, apiKey: 'k', env: {} })
      .complete(request(), () => {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(
      /\/v1\/messages answered HTTP 400: max_tokens: must be at most 64000$/,
    );
    expect(bad.seen).toHaveLength(1);
  });

  it('retries an overloaded error streamed before any text', async () => {
    const overloaded: Handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`,
      );
    };
    const server = await serveModel(overloaded, anthropicStream({ text: ['fine'] }));
    const retries: ProviderRetry[] = [];
    const result = await createClaudeProvider({
      baseUrl: server.origin,
      apiKey: 'k',
      env: {},
      retryBaseDelayMs: 1,
    }).complete(request({ onRetry: (r) => retries.push(r) }), () => {});
    expect(result.text).toBe('fine');
    // The SDK reads Anthropic's streamed overloaded_error as the 529 it stands for.
    expect(retries[0]?.error).toContain('answered HTTP 529: Overloaded');
  });

  it('asks older models for structured output with a forced json tool and returns its input as the text', async () => {
    const server = await serveModel(
      anthropicStream({ toolUses: [{ id: 'toolu_j', name: 'json', pieces: ['{"score"', ': 9}'] }] }),
    );
    const jsonSchema = { type: 'object', properties: { score: { type: 'number' } }, required: ['score'] };
    const chunks: string[] = [];
    const result = await createClaudeProvider({ baseUrl: server.origin, apiKey: 'k', env: {} }).complete(
      request({ jsonSchema }),
      (c) => chunks.push(c),
    );
    expect(result.text).toBe('{"score": 9}');
    expect(chunks.join('')).toBe('{"score": 9}');
    expect(result.toolCalls).toBeUndefined();
    expect(result.finishReason).toBe('stop');
    expect(server.seen[0]?.body).toMatchObject({
      tools: [{ name: 'json', input_schema: jsonSchema }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
  });

  it('asks newer models for structured output natively', async () => {
    const server = await serveModel(anthropicStream({ text: ['{"score": 7}'] }));
    const jsonSchema = { type: 'object', properties: { score: { type: 'number' } }, required: ['score'] };
    const result = await createClaudeProvider({ baseUrl: server.origin, apiKey: 'k', env: {} }).complete(
      request({ model: 'claude-sonnet-4-5', jsonSchema }),
      () => {},
    );
    expect(result.text).toBe('{"score": 7}');
    expect(server.seen[0]?.body).toMatchObject({
      output_config: {
        format: { type: 'json_schema', schema: { properties: { score: { type: 'number' } } } },
      },
    });
    expect(server.seen[0]?.body.tools).toBeUndefined();
  });
});

describe('claude tool calls on the wire', () => {
  it('returns tool_use blocks as calls, then sends tool_result blocks back for the final answer', async () => {
    const server = await serveModel(
      anthropicStream({
        text: ['Looking.'],
        toolUses: [{ id: 'toolu_1', name: 'notes__read', pieces: ['{"pa', 'th": "todo', '.md"}'] }],
      }),
      anthropicStream({ text: ['It says: buy milk.'] }),
    );
    const provider = createClaudeProvider({ baseUrl: server.origin, apiKey: 'k', env: {} });
    const first = await provider.complete(request({ tools: TOOLS }), () => {});
    expect(first).toMatchObject({
      text: 'Looking.',
      finishReason: 'tool-calls',
      toolCalls: [
        {
          id: 'toolu_1',
          name: 'notes__read',
          argumentsText: '{"path": "todo.md"}',
          arguments: { path: 'todo.md' },
        },
      ],
    });
    expect(server.seen[0]?.body.tools).toEqual([
      {
        name: 'notes__read',
        description: 'Read a note',
        input_schema: TOOLS[0]?.inputSchema,
        eager_input_streaming: true,
      },
    ]);

    const second = await provider.complete(
      request({
        tools: TOOLS,
        messages: [
          ...request().messages,
          { role: 'assistant', content: first.text, toolCalls: first.toolCalls ?? [] },
          { role: 'tool', toolCallId: 'toolu_1', toolName: 'notes__read', content: 'buy milk' },
        ],
      }),
      () => {},
    );
    expect(second.text).toBe('It says: buy milk.');
    expect(server.seen[1]?.body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'review this' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Looking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'notes__read', input: { path: 'todo.md' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'buy milk' }] },
    ]);
  });

  it('marks a tool error as is_error, and reports a malformed input', async () => {
    const server = await serveModel(
      anthropicStream({ toolUses: [{ id: 'toolu_bad', name: 'notes__read', pieces: ['{"path": '] }] }),
      anthropicStream({ text: ['Sorry.'] }),
    );
    const provider = createClaudeProvider({ baseUrl: server.origin, apiKey: 'k', env: {} });
    const first = await provider.complete(request({ tools: TOOLS }), () => {});
    const call = first.toolCalls?.[0];
    expect(call).toMatchObject({ id: 'toolu_bad', argumentsText: '{"path": ', arguments: null });
    expect(call?.argumentsError).toContain('not valid JSON');

    await provider.complete(
      request({
        tools: TOOLS,
        messages: [
          ...request().messages,
          { role: 'assistant', content: '', toolCalls: first.toolCalls ?? [] },
          {
            role: 'tool',
            toolCallId: 'toolu_bad',
            toolName: 'notes__read',
            content: 'the arguments are not valid JSON',
            isError: true,
          },
        ],
      }),
      () => {},
    );
    expect(server.seen[1]?.body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'review this' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_bad', name: 'notes__read', input: {} }] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_bad',
            content: 'the arguments are not valid JSON',
            is_error: true,
          },
        ],
      },
    ]);
  });
});

describe('claude secrets', () => {
  it('never puts the key or the token in an error message', async () => {
    const server = await serveModel((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          type: 'error',
          error: {
            type: 'authentication_error',
            message: `invalid x-api-key ${req.headers['x-api-key']} / ${req.headers.authorization}`,
          },
        }),
      );
    });
    const error = await createClaudeProvider({
      baseUrl: server.origin,
      apiKey: 'sk-ant-SECRET-1',
      authToken: 'tok-SECRET-2',
      env: {},
    })
      .complete(request(), () => {})
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain(`invalid x-api-key ${REDACTED} / Bearer ${REDACTED}`);
    expect((error as Error).message).not.toMatch(/SECRET/);
  });
});
