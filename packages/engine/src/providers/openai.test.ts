import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderConfigError, ProviderError } from './errors.js';
import { createOpenAIProvider, retryAfterMs } from './openai.js';
import type { CompletionRequest, ProviderRetry } from './types.js';

interface Seen {
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  url: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, seen: Seen, index: number) => void;

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A local OpenAI-compatible server; each request is handled by the next handler (the last repeats). */
async function serve(...handlers: Handler[]): Promise<{ baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const entry: Seen = { body: raw ? JSON.parse(raw) : {}, headers: req.headers, url: req.url ?? '' };
      seen.push(entry);
      const handler = handlers[Math.min(seen.length - 1, handlers.length - 1)] as Handler;
      handler(req, res, entry, seen.length - 1);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, seen };
}

function streamAnswer(deltas: string[], options: { model?: string; usage?: boolean } = {}): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const model = options.model ?? 'gpt-test-2025';
    for (const delta of deltas) {
      res.write(`data: ${JSON.stringify({ model, choices: [{ index: 0, delta: { content: delta } }] })}\n\n`);
    }
    if (options.usage !== false) {
      res.write(
        `data: ${JSON.stringify({ model, choices: [], usage: { prompt_tokens: 12, completion_tokens: 5 } })}\n\n`,
      );
    }
    res.end('data: [DONE]\n\n');
  };
}

function fail(status: number, message: string, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: { message, type: 'test_error' } }));
  };
}

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

describe('openai provider over HTTP', () => {
  it('streams deltas, and sends model, messages, stream options and the bearer key', async () => {
    const { baseUrl, seen } = await serve(streamAnswer(['Hel', 'lo', ' world']));
    const provider = createOpenAIProvider({ baseUrl, apiKey: 'sk-test' });
    const chunks: string[] = [];
    const result = await provider.complete(request({ temperature: 0.2, maxTokens: 100 }), (c) =>
      chunks.push(c),
    );
    expect(chunks).toEqual(['Hel', 'lo', ' world']);
    expect(result).toEqual({ text: 'Hello world', model: 'gpt-test-2025', inputTokens: 12, outputTokens: 5 });
    expect(seen).toHaveLength(1);
    const [first] = seen;
    expect(first?.url).toBe('/v1/chat/completions');
    expect(first?.headers.authorization).toBe('Bearer sk-test');
    expect(first?.body).toEqual({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'review this' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 100,
    });
  });

  it('asks for json_schema output when the step has an output schema', async () => {
    const { baseUrl, seen } = await serve(streamAnswer(['{"score": 9}']));
    const jsonSchema = { type: 'object', properties: { score: { type: 'number' } }, required: ['score'] };
    const result = await createOpenAIProvider({ baseUrl, apiKey: 'k' }).complete(
      request({ agent: 'my agent!', jsonSchema }),
      () => {},
    );
    expect(result.text).toBe('{"score": 9}');
    expect(seen[0]?.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'my_agent_', schema: jsonSchema, strict: false },
    });
  });

  it('reads OPENAI_BASE_URL and OPENAI_API_KEY from the environment', async () => {
    const { baseUrl, seen } = await serve(streamAnswer(['ok']));
    const provider = createOpenAIProvider({
      env: { OPENAI_BASE_URL: `${baseUrl}/`, OPENAI_API_KEY: 'from-env' },
    });
    await provider.complete(request(), () => {});
    expect(seen[0]?.headers.authorization).toBe('Bearer from-env');
  });

  it('retries a 429 after its Retry-After, reporting the retry', async () => {
    const { baseUrl, seen } = await serve(
      fail(429, 'slow down', { 'retry-after': '0' }),
      streamAnswer(['fine']),
    );
    const retries: ProviderRetry[] = [];
    const result = await createOpenAIProvider({ baseUrl, apiKey: 'k' }).complete(
      request({ onRetry: (r) => retries.push(r) }),
      () => {},
    );
    expect(result.text).toBe('fine');
    expect(seen).toHaveLength(2);
    expect(retries).toEqual([
      { attempt: 2, maxAttempts: 4, error: expect.stringContaining('HTTP 429: slow down'), delay: 0 },
    ]);
  });

  it('retries 5xx with backoff and gives up after max attempts with the API message', async () => {
    const { baseUrl, seen } = await serve(fail(500, 'upstream exploded'), fail(503, 'overloaded'));
    const retries: ProviderRetry[] = [];
    const provider = createOpenAIProvider({ baseUrl, apiKey: 'k', retryBaseDelayMs: 1 });
    const error = await provider
      .complete(request({ onRetry: (r) => retries.push(r) }), () => {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(503);
    expect((error as Error).message).toContain('HTTP 503: overloaded');
    expect(seen).toHaveLength(4);
    expect(retries.map((r) => r.attempt)).toEqual([2, 3, 4]);
    expect(retries.every((r) => r.delay > 0 && r.delay < 0.1)).toBe(true);
  });

  it('recovers from a 500 followed by a success', async () => {
    const { baseUrl, seen } = await serve(fail(500, 'blip'), streamAnswer(['back']));
    const result = await createOpenAIProvider({ baseUrl, apiKey: 'k', retryBaseDelayMs: 1 }).complete(
      request(),
      () => {},
    );
    expect(result.text).toBe('back');
    expect(seen).toHaveLength(2);
  });

  it('does not retry a 400 and reports the API error message', async () => {
    const { baseUrl, seen } = await serve(fail(400, "Invalid value for 'model': no such model"));
    const retries: ProviderRetry[] = [];
    const error = await createOpenAIProvider({ baseUrl, apiKey: 'k' })
      .complete(request({ onRetry: (r) => retries.push(r) }), () => {})
      .catch((e: unknown) => e);
    expect((error as ProviderError).status).toBe(400);
    expect((error as Error).message).toContain("HTTP 400: Invalid value for 'model': no such model");
    expect(seen).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('retries a dropped connection', async () => {
    const { baseUrl, seen } = await serve((req) => req.socket.destroy(), streamAnswer(['again']));
    const retries: ProviderRetry[] = [];
    const result = await createOpenAIProvider({ baseUrl, apiKey: 'k', retryBaseDelayMs: 1 }).complete(
      request({ onRetry: (r) => retries.push(r) }),
      () => {},
    );
    expect(result.text).toBe('again');
    expect(seen).toHaveLength(2);
    expect(retries[0]?.error).toContain('request to');
  });

  it('accepts a plain JSON answer from a server that does not stream', async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          model: 'm',
          choices: [{ message: { content: 'whole' } }],
          usage: { prompt_tokens: 1, completion_tokens: 2 },
        }),
      );
    });
    const chunks: string[] = [];
    const result = await createOpenAIProvider({ baseUrl, apiKey: 'k' }).complete(request(), (c) =>
      chunks.push(c),
    );
    expect(result).toEqual({ text: 'whole', model: 'm', inputTokens: 1, outputTokens: 2 });
    expect(chunks).toEqual(['whole']);
  });

  it('aborts a stream in progress when the signal fires', async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'partial' } }] })}\n\n`);
      // ...and never finishes.
    });
    const controller = new AbortController();
    const pending = createOpenAIProvider({ baseUrl, apiKey: 'k' }).complete(
      request({ signal: controller.signal }),
      () => controller.abort(),
    );
    const error = await pending.catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
  });

  it('requires an API key before any request, and a model per request', async () => {
    expect(() => createOpenAIProvider({ env: {} })).toThrow(ProviderConfigError);
    try {
      createOpenAIProvider({ env: {} });
    } catch (error) {
      expect((error as ProviderConfigError).code).toBe('CONDUCTOR_PROVIDER_CONFIG');
      expect((error as Error).message).toContain('OPENAI_API_KEY');
    }
    const provider = createOpenAIProvider({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9/v1' });
    const { model: _model, ...withoutModel } = request();
    await expect(provider.complete(withoutModel, () => {})).rejects.toThrow(/has no model/);
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(
      5000,
    );
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
