import { afterEach, describe, expect, it } from 'vitest';
import { closeModelServers, type Handler, openaiStream, serveModel } from '../testing/model-servers.js';
import { createOpenAIProvider } from './openai.js';
import { REDACTED } from './redact.js';
import type { CompletionRequest, ProviderRetry } from './types.js';

afterEach(closeModelServers);

function request(extra: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    agent: 'reviewer',
    model: 'gpt-test',
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
  { name: 'notes__list', description: 'List notes', inputSchema: { type: 'object', properties: {} } },
];

describe('openai tool calls on the wire', () => {
  it('returns the calls the model streamed, then sends their results back for the final answer', async () => {
    const server = await serveModel(
      openaiStream({
        deltas: ['Let me look.'],
        toolCalls: [
          { id: 'call_1', name: 'notes__read', pieces: ['{"pa', 'th": "to', 'do.md"}'] },
          { id: 'call_2', name: 'notes__list', pieces: [] },
        ],
      }),
      openaiStream({ deltas: ['The note says: buy milk.'] }),
    );
    const provider = createOpenAIProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'k' });
    const first = await provider.complete(request({ tools: TOOLS }), () => {});
    expect(first.finishReason).toBe('tool-calls');
    expect(first.text).toBe('Let me look.');
    expect(first.toolCalls).toEqual([
      {
        id: 'call_1',
        name: 'notes__read',
        argumentsText: '{"path": "todo.md"}',
        arguments: { path: 'todo.md' },
      },
      // No arguments at all: the SDK reads them as an empty object.
      { id: 'call_2', name: 'notes__list', argumentsText: '{}', arguments: {} },
    ]);
    expect(server.seen[0]?.body.tools).toEqual([
      {
        type: 'function',
        function: { name: 'notes__read', description: 'Read a note', parameters: TOOLS[0]?.inputSchema },
      },
      {
        type: 'function',
        function: { name: 'notes__list', description: 'List notes', parameters: TOOLS[1]?.inputSchema },
      },
    ]);

    const second = await provider.complete(
      request({
        tools: TOOLS,
        messages: [
          ...request().messages,
          { role: 'assistant', content: first.text, toolCalls: first.toolCalls ?? [] },
          { role: 'tool', toolCallId: 'call_1', toolName: 'notes__read', content: 'buy milk' },
          {
            role: 'tool',
            toolCallId: 'call_2',
            toolName: 'notes__list',
            content: 'disk is gone',
            isError: true,
          },
        ],
      }),
      () => {},
    );
    expect(second).toMatchObject({ text: 'The note says: buy milk.', finishReason: 'stop' });
    expect(second.toolCalls).toBeUndefined();
    expect(server.seen[1]?.body.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'review this' },
      {
        role: 'assistant',
        content: 'Let me look.',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'notes__read', arguments: '{"path":"todo.md"}' },
          },
          { id: 'call_2', type: 'function', function: { name: 'notes__list', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'buy milk' },
      { role: 'tool', tool_call_id: 'call_2', content: 'disk is gone' },
    ]);
  });

  it('reports arguments that are not a JSON object, with what the model sent', async () => {
    const server = await serveModel(
      openaiStream({
        toolCalls: [
          { id: 'call_bad', name: 'notes__read', pieces: ['{"path": "todo.md"'] },
          { id: 'call_list', name: 'notes__read', pieces: ['[1, 2]'] },
        ],
      }),
    );
    const result = await createOpenAIProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'k' }).complete(
      request({ tools: TOOLS }),
      () => {},
    );
    expect(result.toolCalls).toEqual([
      {
        id: 'call_bad',
        name: 'notes__read',
        argumentsText: '{"path": "todo.md"',
        arguments: null,
        argumentsError: expect.stringContaining('the arguments are not valid JSON'),
      },
      {
        id: 'call_list',
        name: 'notes__read',
        argumentsText: '[1, 2]',
        arguments: null,
        argumentsError: 'the arguments are a list, not a JSON object',
      },
    ]);
  });
});

describe('openai secrets', () => {
  it('never puts the API key or a header value in an error or a retry message', async () => {
    const echo: Handler = (req, res) => {
      res.writeHead(req.headers['x-attempt'] ? 401 : 429, {
        'content-type': 'application/json',
        'retry-after': '0',
      });
      res.end(
        JSON.stringify({
          error: {
            message: `Incorrect API key provided: ${req.headers.authorization} (${req.headers['x-secret']})`,
          },
        }),
      );
    };
    const server = await serveModel(echo);
    const retries: ProviderRetry[] = [];
    const error = await createOpenAIProvider({
      baseUrl: `${server.origin}/v1`,
      apiKey: 'sk-live-SECRET-1234',
      headers: { 'x-secret': 'hdr-SECRET-5678' },
      maxAttempts: 2,
    })
      .complete(request({ onRetry: (r) => retries.push(r) }), () => {})
      .catch((e: unknown) => e);
    const messages = [(error as Error).message, ...retries.map((r) => r.error)];
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message).toContain(`Incorrect API key provided: Bearer ${REDACTED} (${REDACTED})`);
      expect(message).not.toMatch(/SECRET/);
    }
  });
});
