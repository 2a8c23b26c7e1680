import { DEFAULT_MODELS } from '../workflow/provider-names.js';
import { effortProblem } from '../workflow/reasoning.js';
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_SECONDS } from './config.js';
import { ProviderConfigError } from './errors.js';
import { redactor } from './redact.js';
import { createSdkProvider } from './sdk.js';
import type { ModelFactory } from './sdk-stream.js';
import type { Provider } from './types.js';

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** The original's fallback when neither the step nor `runtime.default_model` names a model. */
export const DEFAULT_OPENAI_MODEL = DEFAULT_MODELS.openai as string;

export interface OpenAIProviderOptions {
  /** Default: `OPENAI_BASE_URL`, else https://api.openai.com/v1. */
  baseUrl?: string;
  /** Default: `OPENAI_API_KEY`. Required. */
  apiKey?: string;
  headers?: Record<string, string>;
  /** Where `OPENAI_*` are read from. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Attempts per call including the first (429, 5xx and network errors are retried). Default 4. */
  maxAttempts?: number;
  /** Backoff before the first retry, doubled each time, plus up to 25% jitter. Default 1000. */
  retryBaseDelayMs?: number;
  /** Upper bound for any wait, including a server's Retry-After. Default 60000. */
  retryMaxDelayMs?: number;
  /** Seconds one request may take. Default 600. */
  timeoutSeconds?: number;
  /** The fetch requests go through (tests point the OpenAI API itself at a local server). */
  fetch?: typeof fetch;
}

/**
 * OpenAI's Chat Completions API, and any server that speaks it (Ollama, vLLM, LM Studio, llama.cpp,
 * Azure OpenAI's v1 API). OpenAI itself goes through `@ai-sdk/openai`, which knows its models (reasoning
 * models take `max_completion_tokens` and no temperature); any other base URL through
 * `@ai-sdk/openai-compatible`, which sends what the step asks for and nothing model-specific.
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): Provider {
  const env = options.env ?? process.env;
  const apiKey = options.apiKey ?? env.OPENAI_API_KEY;
  if (!apiKey) {
    throw new ProviderConfigError(
      'the openai provider needs an API key: set OPENAI_API_KEY, or api_key in the runtime.provider mapping. ' +
        'For a local server that ignores keys, any value works, e.g. OPENAI_API_KEY=local.',
    );
  }
  const redact = redactor([apiKey, ...Object.values(options.headers ?? {})]);
  const rawBase = options.baseUrl ?? env.OPENAI_BASE_URL ?? DEFAULT_OPENAI_BASE_URL;
  const baseURL = rawBase.replace(/\/+$/, '');
  try {
    new URL(`${baseURL}/chat/completions`);
  } catch (cause) {
    throw new ProviderConfigError(
      `the openai base URL ${JSON.stringify(redact(rawBase))} is not a valid URL (base_url or OPENAI_BASE_URL)`,
      { cause },
    );
  }
  const headers = options.headers ?? {};
  const fetchFn = options.fetch ?? globalThis.fetch;
  const official = baseURL === DEFAULT_OPENAI_BASE_URL;
  const languageModel = async (): Promise<ModelFactory> => {
    if (official) {
      const { createOpenAI } = await import('@ai-sdk/openai');
      const openai = createOpenAI({ apiKey, baseURL, headers, fetch: fetchFn });
      return (modelId) => openai.chat(modelId);
    }
    const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
    const compatible = createOpenAICompatible({
      name: 'openai',
      baseURL,
      apiKey,
      headers,
      includeUsage: true,
      supportsStructuredOutputs: true,
      fetch: acceptingWholeAnswers(fetchFn),
    });
    return (modelId) => compatible.chatModel(modelId);
  };
  return createSdkProvider({
    name: 'openai',
    endpoint: redact(`${baseURL}/chat/completions`),
    languageModel,
    defaultModel: DEFAULT_OPENAI_MODEL,
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    retry: {
      maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULT_RETRY.maxAttempts),
      baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: options.retryMaxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    },
    redact,
    settings: (request, modelId) => {
      const effort = request.reasoningEffort;
      const problem = effort === undefined ? undefined : effortProblem('openai', effort, modelId);
      if (problem)
        throw new ProviderConfigError(`agent "${request.agent}": ${problem.message}. ${problem.hint}`);
      return {
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        ...(request.maxTokens === undefined ? {} : { maxOutputTokens: request.maxTokens }),
        providerOptions: {
          openai: {
            // A schema is a hint to the model, not a contract the server enforces: strict mode would reject
            // optional fields (`required: false`), and the engine checks the answer and asks again anyway.
            strictJsonSchema: false,
            // Sent as `reasoning_effort` (the SDK leaves it out for OpenAI's models without reasoning).
            ...(effort === undefined ? {} : { reasoningEffort: effort }),
          },
        },
      };
    },
  });
}

interface WholeCompletion {
  id?: string;
  model?: string;
  created?: number;
  usage?: unknown;
  choices?: Array<{
    message?: { content?: unknown; tool_calls?: Array<{ id?: string; function?: unknown }> };
    finish_reason?: string | null;
  }>;
}

/**
 * Some servers ignore `stream: true` and answer with one JSON completion. This turns such an answer into
 * the one-chunk stream it stands for, so the SDK reads it like any other.
 */
function acceptingWholeAnswers(fetchFn: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchFn(input, init);
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || type.includes('text/event-stream') || !type.includes('json')) return response;
    const completion = (await response.json()) as WholeCompletion;
    const choice = completion.choices?.[0];
    const chunk = {
      id: completion.id,
      model: completion.model,
      created: completion.created,
      choices: [
        {
          index: 0,
          delta: {
            role: 'assistant',
            content: choice?.message?.content ?? null,
            ...(choice?.message?.tool_calls
              ? {
                  tool_calls: choice.message.tool_calls.map((call, index) => ({
                    index,
                    id: call.id,
                    type: 'function',
                    function: call.function,
                  })),
                }
              : {}),
          },
          finish_reason: choice?.finish_reason ?? 'stop',
        },
      ],
      usage: completion.usage ?? null,
    };
    return new Response(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`, {
      status: response.status,
      headers: { 'content-type': 'text/event-stream' },
    });
  };
}
