import { DEFAULT_MODELS } from '../workflow/provider-names.js';
import {
  CLAUDE_ANSWER_HEADROOM,
  CLAUDE_THINKING_BUDGETS,
  CLAUDE_THINKING_MAX_TOKENS,
  effortProblem,
} from '../workflow/reasoning.js';
import type { ReasoningEffort } from '../workflow/schema-agent-keys.js';
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_SECONDS } from './config.js';
import { ProviderConfigError } from './errors.js';
import { redactor } from './redact.js';
import { createSdkProvider } from './sdk.js';
import type { ModelFactory, RequestSettings } from './sdk-stream.js';
import type { Provider } from './types.js';

/** The API root as Anthropic's own SDKs take it (`ANTHROPIC_BASE_URL`): without `/v1`. */
export const DEFAULT_CLAUDE_BASE_URL = 'https://api.anthropic.com';

/** The original's fallback when neither the step nor `runtime.default_model` names a model. */
export const DEFAULT_CLAUDE_MODEL = DEFAULT_MODELS.claude as string;

/** The Messages API requires `max_tokens`; the original sends this when the workflow sets none. */
export const DEFAULT_CLAUDE_MAX_TOKENS = 8192;

export interface ClaudeProviderOptions {
  /** Default: `ANTHROPIC_BASE_URL`, else https://api.anthropic.com. Requests go to `<base>/v1/messages`. */
  baseUrl?: string;
  /** Sent as `x-api-key`. When this or `authToken` is given, the environment's keys are not read. */
  apiKey?: string;
  /** Sent as `Authorization: Bearer` (gateways, proxies). */
  authToken?: string;
  headers?: Record<string, string>;
  /** Where `ANTHROPIC_*` are read from. Default: process.env. */
  env?: Record<string, string | undefined>;
  maxAttempts?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  timeoutSeconds?: number;
  fetch?: typeof fetch;
}

/** Anthropic's Messages API (`claude`), streamed, with tools as `tool_use` / `tool_result` blocks. */
export function createClaudeProvider(options: ClaudeProviderOptions = {}): Provider {
  const env = options.env ?? process.env;
  const fromWorkflow = options.apiKey !== undefined || options.authToken !== undefined;
  const apiKey = fromWorkflow ? options.apiKey : env.ANTHROPIC_API_KEY || undefined;
  const authToken = fromWorkflow ? options.authToken : env.ANTHROPIC_AUTH_TOKEN || undefined;
  if (!apiKey && !authToken) {
    throw new ProviderConfigError(
      'the claude provider needs an API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN for a bearer ' +
        'token), or api_key / auth_token in the runtime.provider mapping.',
    );
  }
  const redact = redactor([apiKey, authToken, ...Object.values(options.headers ?? {})]);
  const rawBase = options.baseUrl ?? (env.ANTHROPIC_BASE_URL || DEFAULT_CLAUDE_BASE_URL);
  const root = rawBase.replace(/\/+$/, '');
  const baseURL = /\/v1$/.test(root) ? root : `${root}/v1`;
  try {
    new URL(`${baseURL}/messages`);
  } catch (cause) {
    throw new ProviderConfigError(
      `the claude base URL ${JSON.stringify(redact(rawBase))} is not a valid URL (base_url or ANTHROPIC_BASE_URL)`,
      { cause },
    );
  }
  const languageModel = async (): Promise<ModelFactory> => {
    const { createAnthropic } = await import('@ai-sdk/anthropic');
    // The SDK takes one of the two; Anthropic's own clients send both when both are set.
    const anthropic = createAnthropic({
      baseURL,
      ...(authToken ? { authToken } : { apiKey }),
      headers: { ...(authToken && apiKey ? { 'x-api-key': apiKey } : {}), ...options.headers },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    return (modelId) => anthropic.messages(modelId);
  };
  return createSdkProvider({
    name: 'claude',
    endpoint: redact(`${baseURL}/messages`),
    languageModel,
    defaultModel: DEFAULT_CLAUDE_MODEL,
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    retry: {
      maxAttempts: Math.max(1, options.maxAttempts ?? DEFAULT_RETRY.maxAttempts),
      baseDelayMs: options.retryBaseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: options.retryMaxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    },
    redact,
    settings: (request, modelId) => {
      const maxTokens = request.maxTokens ?? DEFAULT_CLAUDE_MAX_TOKENS;
      const effort = request.reasoningEffort;
      if (effort === undefined) {
        return {
          // The original caps temperature at 1.0 for every provider but openai (Anthropic's own maximum).
          ...(request.temperature === undefined ? {} : { temperature: Math.min(request.temperature, 1) }),
          maxOutputTokens: maxTokens,
        };
      }
      const problem = effortProblem('claude', effort, modelId);
      if (problem)
        throw new ProviderConfigError(`agent "${request.agent}": ${problem.message}. ${problem.hint}`);
      return { ...thinkingSettings(effort, maxTokens) };
    },
  });
}

/**
 * Extended thinking for an effort, as the original sends it: a budget of tokens, and max_tokens raised to
 * at least the budget plus 4096 for the answer, at most 64000. The API takes no temperature but 1 with
 * thinking, so none is sent. The SDK adds the budget to `maxOutputTokens` itself.
 */
function thinkingSettings(effort: ReasoningEffort, maxTokens: number): RequestSettings {
  const budgetTokens = CLAUDE_THINKING_BUDGETS[effort];
  const total = Math.min(
    Math.max(maxTokens, budgetTokens + CLAUDE_ANSWER_HEADROOM),
    CLAUDE_THINKING_MAX_TOKENS,
  );
  return {
    maxOutputTokens: total - budgetTokens,
    providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens } } },
  };
}
