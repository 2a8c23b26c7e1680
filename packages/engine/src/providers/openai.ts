import { abortError, isAbortError, sleep } from './abort.js';
import { ProviderConfigError, ProviderError } from './errors.js';
import { parseServerSentEvents } from './sse.js';
import type { CompletionRequest, CompletionResult, Provider } from './types.js';

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAIProviderOptions {
  /** Default: `OPENAI_BASE_URL`, else https://api.openai.com/v1. */
  baseUrl?: string;
  /** Default: `OPENAI_API_KEY`. Required. */
  apiKey?: string;
  /** Where `OPENAI_*` are read from. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Attempts per call including the first (429, 5xx and network errors are retried). Default 4. */
  maxAttempts?: number;
  /** Backoff before the first retry, doubled each time, plus up to 25% jitter. Default 1000. */
  retryBaseDelayMs?: number;
  /** Upper bound for any wait, including a server's Retry-After. Default 60000. */
  retryMaxDelayMs?: number;
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

/**
 * Any OpenAI-compatible chat-completions endpoint (OpenAI, Azure OpenAI's v1 API, vLLM, Ollama,
 * LM Studio, llama.cpp server...). Streams with SSE and asks for `json_schema` output when the step
 * declares `output:`.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): Provider {
  const env = options.env ?? process.env;
  const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
  if (!apiKey) {
    throw new ProviderConfigError(
      'the openai provider needs an API key: set OPENAI_API_KEY (or pass openai.apiKey). ' +
        'For a local server that ignores keys, any value works, e.g. OPENAI_API_KEY=local.',
    );
  }
  const rawBase = options.baseUrl ?? env.OPENAI_BASE_URL ?? DEFAULT_OPENAI_BASE_URL;
  let endpoint: string;
  try {
    endpoint = new URL(`${rawBase.replace(/\/+$/, '')}/chat/completions`).toString();
  } catch (cause) {
    throw new ProviderConfigError(
      `the openai base URL ${JSON.stringify(rawBase)} is not a valid URL (OPENAI_BASE_URL)`,
      {
        cause,
      },
    );
  }
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const baseDelay = options.retryBaseDelayMs ?? 1000;
  const maxDelay = options.retryMaxDelayMs ?? 60_000;

  async function complete(
    request: CompletionRequest,
    onText: (chunk: string) => void,
  ): Promise<CompletionResult> {
    if (!request.model) {
      throw new ProviderConfigError(
        `agent "${request.agent}" has no model: set model: on the step or workflow.runtime.default_model`,
      );
    }
    const body: Record<string, unknown> = {
      model: request.model,
      messages: request.messages,
      stream: true,
      stream_options: { include_usage: true },
    };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.jsonSchema) {
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: schemaName(request.agent), schema: request.jsonSchema, strict: false },
      };
    }
    const payload = JSON.stringify(body);

    for (let attempt = 1; ; attempt++) {
      let streamed = false;
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'text/event-stream, application/json',
            authorization: `Bearer ${apiKey}`,
          },
          body: payload,
          signal: request.signal,
        });
        if (!response.ok) {
          const detail = await errorDetail(response);
          const error = new ProviderError(`${endpoint} answered HTTP ${response.status}: ${detail}`, {
            status: response.status,
          });
          if (!isRetryableStatus(response.status) || attempt >= maxAttempts) throw error;
          const delay = retryAfterMs(response.headers.get('retry-after')) ?? backoffMs(attempt, baseDelay);
          await retryWait(request, attempt, error.message, Math.min(delay, maxDelay));
          continue;
        }
        return await readAnswer(response, request, (chunk) => {
          streamed = true;
          onText(chunk);
        });
      } catch (error) {
        if (request.signal.aborted) throw abortError(request.signal);
        if (error instanceof ProviderError || isAbortError(error)) throw error;
        // A network failure: retry, unless text already streamed (a retry would show it twice).
        const message = `request to ${endpoint} failed: ${networkMessage(error)}`;
        if (streamed || attempt >= maxAttempts) throw new ProviderError(message, { cause: error });
        await retryWait(request, attempt, message, Math.min(backoffMs(attempt, baseDelay), maxDelay));
      }
    }
  }

  async function retryWait(
    request: CompletionRequest,
    attempt: number,
    error: string,
    delayMs: number,
  ): Promise<void> {
    request.onRetry?.({ attempt: attempt + 1, maxAttempts, error, delay: delayMs / 1000 });
    await sleep(delayMs, request.signal);
  }

  return { name: 'openai', requiresModel: true, complete };
}

async function readAnswer(
  response: Response,
  request: CompletionRequest,
  onText: (chunk: string) => void,
): Promise<CompletionResult> {
  let model = request.model ?? '';
  let usage: Usage | undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('text/event-stream')) {
    // A server that ignores `stream: true` answers with one JSON completion.
    const json = (await response.json().catch((cause) => {
      throw new ProviderError(
        `the API answered with a body that is neither SSE nor JSON (${type || 'no content-type'})`,
        {
          cause,
        },
      );
    })) as { model?: string; usage?: Usage; choices?: Array<{ message?: { content?: string | null } }> };
    const text = json.choices?.[0]?.message?.content ?? '';
    if (text) onText(text);
    return result(text, json.model ?? model, json.usage);
  }
  if (!response.body) throw new ProviderError('the API answered with an empty stream');

  let text = '';
  for await (const event of parseServerSentEvents(response.body as AsyncIterable<Uint8Array>)) {
    if (event.data === '[DONE]') break;
    let chunk: {
      model?: string;
      usage?: Usage | null;
      error?: { message?: string };
      choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
    };
    try {
      chunk = JSON.parse(event.data);
    } catch (cause) {
      throw new ProviderError(`the API streamed a line that is not JSON: ${event.data.slice(0, 200)}`, {
        cause,
      });
    }
    if (chunk.error)
      throw new ProviderError(`the API reported an error mid-stream: ${chunk.error.message ?? 'unknown'}`);
    if (chunk.model) model = chunk.model;
    if (chunk.usage) usage = chunk.usage;
    const delta = chunk.choices?.[0]?.delta?.content;
    if (delta) {
      text += delta;
      onText(delta);
    }
  }
  return result(text, model, usage);

  function result(answer: string, answeredBy: string, used: Usage | undefined): CompletionResult {
    const out: CompletionResult = { text: answer, model: answeredBy || (request.model ?? 'unknown') };
    if (typeof used?.prompt_tokens === 'number') out.inputTokens = used.prompt_tokens;
    if (typeof used?.completion_tokens === 'number') out.outputTokens = used.completion_tokens;
    return out;
  }
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function backoffMs(attempt: number, base: number): number {
  const exponential = base * 2 ** (attempt - 1);
  return exponential + Math.random() * exponential * 0.25;
}

async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const json = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    if (typeof json.error === 'string') return json.error;
    if (json.error?.message) return json.error.message;
    if (json.message) return json.message;
  } catch {
    // not JSON: show the start of the body
  }
  return text.trim().slice(0, 500) || response.statusText || 'no error message';
}

function networkMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

function schemaName(agent: string): string {
  const name = agent.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return name || 'output';
}
