import { afterEach, describe, expect, it } from 'vitest';
import { closeModelServers, failWith, openaiStream, serveModel } from '../testing/model-servers.js';
import { ProviderConfigError, ProviderError } from './errors.js';
import { createOpenAIProvider, DEFAULT_OPENAI_MODEL } from './openai.js';
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

describe('openai provider over HTTP (Chat Completions)', () => {
  it('streams deltas, and sends model, messages, stream options and the bearer key', async () => {
    const server = await serveModel(
      openaiStream({
        deltas: ['Hel', 'lo', ' world'],
        usage: { prompt_tokens: 12, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } },
      }),
    );
    const provider = createOpenAIProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'sk-test' });
    const chunks: string[] = [];
    const result = await provider.complete(request({ temperature: 1.5, maxTokens: 100 }), (c) =>
      chunks.push(c),
    );
    expect(chunks).toEqual(['Hel', 'lo', ' world']);
    expect(result).toEqual({
      text: 'Hello world',
      model: 'gpt-test-2025',
      inputTokens: 12,
      outputTokens: 5,
      cacheReadTokens: 4,
      finishReason: 'stop',
    });
    expect(server.seen).toHaveLength(1);
    const [first] = server.seen;
    expect(first?.url).toBe('/v1/chat/completions');
    expect(first?.headers.authorization).toBe('Bearer sk-test');
    // openai passes any temperature up to 2 through (§1.2); other providers cap it at 1.
    expect(first?.body).toEqual({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'review this' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 1.5,
      max_tokens: 100,
    });
  });

  it('asks for json_schema output when the step has an output schema', async () => {
    const server = await serveModel(openaiStream({ deltas: ['{"score": 9}'] }));
    const jsonSchema = { type: 'object', properties: { score: { type: 'number' } }, required: ['score'] };
    const result = await createOpenAIProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'k' }).complete(
      request({ agent: 'my agent!', jsonSchema }),
      () => {},
    );
    expect(result.text).toBe('{"score": 9}');
    expect(server.seen[0]?.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'my_agent_', schema: jsonSchema, strict: false },
    });
  });

  it('reads OPENAI_BASE_URL and OPENAI_API_KEY from the environment, and sends extra headers', async () => {
    const server = await serveModel(openaiStream({ deltas: ['ok'] }));
    const provider = createOpenAIProvider({
      env: { OPENAI_BASE_URL: `${server.origin}/v1/`, OPENAI_API_KEY: 'from-env' },
      headers: { 'x-team': 'owls' },
    });
    await provider.complete(request(), () => {});
    expect(server.seen[0]?.headers.authorization).toBe('Bearer from-env');
    expect(server.seen[0]?.headers['x-team']).toBe('owls');
  });

  it('asks for the original default model when the step names none', async () => {
    const server = await serveModel(openaiStream({ deltas: ['ok'] }));
    const { model: _model, ...withoutModel } = request();
    const provider = createOpenAIProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'k' });
    await provider.complete(withoutModel, () => {});
    expect(server.seen[0]?.body.model).toBe(DEFAULT_OPENAI_MODEL);
  });

  it("talks to OpenAI's own API through its SDK provider (reasoning models take max_completion_tokens)", async () => {
    const server = await serveModel(openaiStream({ deltas: ['ok'] }));
    const urls: string[] = [];
    // OpenAI itself, reached at a local server: only the origin changes.
    const local: typeof fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      urls.push(url);
      return fetch(url.replace('https://api.openai.com', server.origin), init);
    };
    const provider = createOpenAIProvider({ apiKey: 'sk-real', env: {}, fetch: local });
    const result = await provider.complete(request({ model: 'gpt-5-mini', maxTokens: 50 }), () => {});
    expect(result.text).toBe('ok');
    expect(urls).toEqual(['https://api.openai.com/v1/chat/completions']);
    expect(server.seen[0]?.body).toMatchObject({
      model: 'gpt-5-mini',
      max_completion_tokens: 50,
      messages: [
        { role: 'developer', content: 'be brief' },
        { role: 'user', content: 'review this' },
      ],
    });
  });

  it('retries a 429 after its Retry-After, reporting the retry', async () => {
    const server = await serveModel(
      failWith(429, 'slow down', { 'retry-after': '0' }),
      openaiStream({ deltas: ['fine'] }),
    );
    const retries: ProviderRetry[] = [];
    const result = await createOpenAIProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'k' }).complete(
      request({ onRetry: (r) => retries.push(r) }),
      () => {},
    );
    expect(result.text).toBe('fine');
    expect(server.seen).toHaveLength(2);
    expect(retries).toEqual([
      { attempt: 2, maxAttempts: 4, error: expect.stringContaining('HTTP 429: slow down'), delay: 0 },
    ]);
  });

  it('retries 5xx with backoff and gives up after max attempts with the API message', async () => {
    const server = await serveModel(failWith(500, 'upstream exploded'), failWith(503, 'overloaded'));
    const retries: ProviderRetry[] = [];
    const provider = createOpenAIProvider({
      baseUrl: `${server.origin}/v1`,
      apiKey: 'k',
      retryBaseDelayMs: 1,
    });
    const error = await provider
      .complete(request({ onRetry: (r) => retries.push(r) }), () => {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).status).toBe(503);
    expect((error as Error).message).toContain('/v1/chat/completions answered HTTP 503: overloaded');
    expect(server.seen).toHaveLength(4);
    expect(retries.map((r) => r.attempt)).toEqual([2, 3, 4]);
    expect(retries.every((r) => r.delay > 0 && r.delay < 0.1)).toBe(true);
  });

  it('recovers from a 500 followed by a success', async () => {
    const server = await serveModel(failWith(500, 'blip'), openaiStream({ deltas: ['back'] }));
    const result = await createOpenAIProvider({
      baseUrl: `${server.origin}/v1`,
      apiKey: 'k',
      retryBaseDelayMs: 1,
    }).complete(request(), () => {});
    expect(result.text).toBe('back');
    expect(server.seen).toHaveLength(2);
  });

  it('does not retry a 400 and reports the API error message', async () => {
    const server = await serveModel(failWith(400, "Invalid value for 'model': no such model"));
    const retries: ProviderRetry[] = [];
    const error = await createOpenAIProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'k' })
      .complete(request({ onRetry: (r) => retries.push(r) }), () => {})
      .catch((e: unknown) => e);
    expect((error as ProviderError).status).toBe(400);
    expect((error as Error).message).toContain("HTTP 400: Invalid value for 'model': no such model");
    expect(server.seen).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('retries a dropped connection', async () => {
    const server = await serveModel((req) => req.socket.destroy(), openaiStream({ deltas: ['again'] }));
    const retries: ProviderRetry[] = [];
    const result = await createOpenAIProvider({
      baseUrl: `${server.origin}/v1`,
      apiKey: 'k',
      retryBaseDelayMs: 1,
    }).complete(request({ onRetry: (r) => retries.push(r) }), () => {});
    expect(result.text).toBe('again');
    expect(server.seen).toHaveLength(2);
    expect(retries[0]?.error).toContain('request to');
  });

  it('retries an answer that broke off before any text', async () => {
    const server = await serveModel(
      (req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': opening\n\n', () => req.socket.destroy());
      },
      openaiStream({ deltas: ['whole'] }),
    );
    const retries: ProviderRetry[] = [];
    const result = await createOpenAIProvider({
      baseUrl: `${server.origin}/v1`,
      apiKey: 'k',
      retryBaseDelayMs: 1,
    }).complete(request({ onRetry: (r) => retries.push(r) }), () => {});
    expect(result.text).toBe('whole');
    expect(retries.map((r) => r.error)).toEqual([expect.stringContaining('failed: the answer broke off')]);
  });

  it('does not retry once text has streamed (it would show twice)', async () => {
    const server = await serveModel((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ model: 'm', choices: [{ index: 0, delta: { content: 'half' } }] })}\n\n`,
        () => req.socket.destroy(),
      );
    });
    const retries: ProviderRetry[] = [];
    const chunks: string[] = [];
    const error = await createOpenAIProvider({
      baseUrl: `${server.origin}/v1`,
      apiKey: 'k',
      retryBaseDelayMs: 1,
    })
      .complete(request({ onRetry: (r) => retries.push(r) }), (c) => chunks.push(c))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).message).toMatch(
      /^request to http:\S+\/v1\/chat\/completions failed: the answer broke off/,
    );
    expect(chunks).toEqual(['half']);
    expect(retries).toEqual([]);
    expect(server.seen).toHaveLength(1);
  });

  it('retries a request that outlives its timeout, then reports the timeout', async () => {
    const server = await serveModel(() => {
      // Never answers.
    });
    const retries: ProviderRetry[] = [];
    const error = await createOpenAIProvider({
      baseUrl: `${server.origin}/v1`,
      apiKey: 'k',
      timeoutSeconds: 0.2,
      maxAttempts: 2,
      retryBaseDelayMs: 1,
    })
      .complete(request({ onRetry: (r) => retries.push(r) }), () => {})
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('timed out after 0.2s (runtime.timeout)');
    expect(retries).toHaveLength(1);
    expect(server.seen).toHaveLength(2);
  });

  it('accepts a plain JSON answer from a server that does not stream', async () => {
    const server = await serveModel((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          model: 'm',
          choices: [{ message: { content: 'whole' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 2 },
        }),
      );
    });
    const chunks: string[] = [];
    const result = await createOpenAIProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'k' }).complete(
      request(),
      (c) => chunks.push(c),
    );
    expect(result).toEqual({
      text: 'whole',
      model: 'm',
      inputTokens: 1,
      outputTokens: 2,
      finishReason: 'stop',
    });
    expect(chunks).toEqual(['whole']);
  });

  it('accepts a stream that ends without a finish reason', async () => {
    const server = await serveModel(openaiStream({ deltas: ['all', ' here'], finish: null }));
    const result = await createOpenAIProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'k' }).complete(
      request(),
      () => {},
    );
    expect(result).toMatchObject({ text: 'all here', finishReason: 'stop', inputTokens: 12 });
  });

  it('reads a stream sent byte by byte with CRLF line ends and multi-byte characters', async () => {
    const server = await serveModel((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
        `data: ${JSON.stringify({ model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\r\n\r\n`;
      const bytes = Buffer.from(
        `: keep-alive\r\n${chunk({ content: 'héllo ' })}${chunk({ content: '🌍' })}${chunk({}, 'stop')}data: [DONE]\r\n\r\n`,
      );
      let i = 0;
      const next = () => {
        if (i >= bytes.length) return void res.end();
        res.write(bytes.subarray(i, i + 1), next);
        i++;
      };
      next();
    });
    const result = await createOpenAIProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'k' }).complete(
      request(),
      () => {},
    );
    expect(result.text).toBe('héllo 🌍');
  });

  it('aborts a stream in progress when the signal fires', async () => {
    const server = await serveModel((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'partial' } }] })}\n\n`);
      // ...and never finishes.
    });
    const controller = new AbortController();
    const pending = createOpenAIProvider({ baseUrl: `${server.origin}/v1`, apiKey: 'k' }).complete(
      request({ signal: controller.signal }),
      () => controller.abort(),
    );
    const error = await pending.catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
  });

  it('requires an API key before any request, and a valid base URL', () => {
    expect(() => createOpenAIProvider({ env: {} })).toThrow(ProviderConfigError);
    expect(() => createOpenAIProvider({ env: {} })).toThrow(/OPENAI_API_KEY/);
    expect(() => createOpenAIProvider({ apiKey: 'k', baseUrl: 'not a url' })).toThrow(/is not a valid URL/);
  });
});
