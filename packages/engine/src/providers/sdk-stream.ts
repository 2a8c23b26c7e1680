/**
 * The AI SDK side of a provider (`streamText`), loaded with the first request so that loading the engine
 * (`conductor validate`, `status`...) does not load the SDK. One request per `complete`, streamed, with the
 * tools carried over the wire and never run. The SDK's own retries are off (`maxRetries: 0`): the loop here
 * retries, so each retry is told to the engine first (an `agent_retry` event) and waits as the original does.
 */
import { streamText, wrapLanguageModel } from 'ai';
import { abortError, sleep } from './abort.js';
import { ProviderConfigError } from './errors.js';
import type { Redact } from './redact.js';
import { classifyFailure, policyRetries, retryDelayMs } from './retry.js';
import type { CompletionRequest, CompletionResult, ReasoningPart, RetryPolicy, ToolCall } from './types.js';
import { toModelMessages, toolCallOf, toToolSet } from './wire.js';

type FinishReason = NonNullable<CompletionResult['finishReason']>;

export type LanguageModel = Parameters<typeof wrapLanguageModel>[0]['model'];
export type ModelFactory = (modelId: string) => LanguageModel;
type StreamOptions = Parameters<typeof streamText>[0];

export interface SdkProviderOptions {
  name: string;
  /** Where requests go, for messages (never with a secret in it). */
  endpoint: string;
  /** Loads the SDK provider package and makes its model for a model id. */
  languageModel(): Promise<ModelFactory>;
  /** The model when neither the step nor `runtime.default_model` names one. */
  defaultModel: string;
  /** Each request's time limit, in seconds. */
  timeoutSeconds: number;
  /** How failed requests are retried when the step sets no `retry`. */
  retry: RetryPolicy;
  redact: Redact;
  /**
   * The request's settings as this API takes them: sampling (caps, defaults), the reasoning effort, the
   * SDK's provider options. Throws ProviderConfigError for what this API cannot do (not retried).
   */
  settings?(request: CompletionRequest, modelId: string): RequestSettings;
}

export interface RequestSettings {
  temperature?: number;
  maxOutputTokens?: number;
  providerOptions?: StreamOptions['providerOptions'];
}

const FINISH_REASONS: ReadonlySet<string> = new Set(['stop', 'tool-calls', 'length', 'content-filter']);

/** One `complete` of a provider over the AI SDK: the request, retried by {@link SdkProviderOptions.retry}. */
export async function completeWithSdk(
  options: SdkProviderOptions,
  languageModel: ModelFactory,
  request: CompletionRequest,
  onText: (chunk: string) => void,
): Promise<CompletionResult> {
  const { endpoint, redact } = options;
  const retry = request.retry ?? options.retry;
  const modelId = request.model ?? options.defaultModel;
  for (let attempt = 1; ; attempt++) {
    const timeout = AbortSignal.timeout(options.timeoutSeconds * 1000);
    const signal = AbortSignal.any([request.signal, timeout]);
    const state = { streamed: false };
    try {
      return await once(request, modelId, signal, state, onText);
    } catch (error) {
      if (request.signal.aborted) throw abortError(request.signal);
      const failure = classifyFailure(error, {
        endpoint,
        redact,
        streamed: state.streamed,
        ...(timeout.aborted ? { timedOutAfter: options.timeoutSeconds } : {}),
      });
      if (!policyRetries(retry, failure) || attempt >= retry.maxAttempts) throw failure.error;
      const delayMs = retryDelayMs(retry, attempt, failure.retryAfterMs);
      request.onRetry?.({
        attempt: attempt + 1,
        maxAttempts: retry.maxAttempts,
        error: failure.error.message,
        delay: delayMs / 1000,
      });
      await sleep(delayMs, request.signal);
    }
  }

  async function once(
    request: CompletionRequest,
    modelId: string,
    signal: AbortSignal,
    state: { streamed: boolean },
    onText: (chunk: string) => void,
  ): Promise<CompletionResult> {
    const { system, messages } = toModelMessages(request.messages);
    if (messages.length === 0) {
      throw new ProviderConfigError(`agent "${request.agent}": a request needs at least one user message`);
    }
    const tools = toToolSet(request.tools);
    const settings = options.settings?.(request, modelId) ?? {
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.maxTokens === undefined ? {} : { maxOutputTokens: request.maxTokens }),
    };
    const result = streamText({
      model: withJsonSchema(languageModel(modelId), request),
      ...(system.length > 0 ? { system } : {}),
      messages,
      ...(tools ? { tools } : {}),
      ...settings,
      maxRetries: 0,
      abortSignal: signal,
      // Errors are read from the stream below; the default handler would print them.
      onError: () => {},
    });

    let text = '';
    const inputs = new Map<string, string>();
    const toolCalls: ToolCall[] = [];
    // Thinking blocks by id, with what the API attached to them (signatures), in the order they began.
    const reasoning = new Map<string, ReasoningPart>();
    const think = (id: string, text: string, metadata: unknown) => {
      const part = reasoning.get(id) ?? { text: '' };
      part.text += text;
      if (metadata && typeof metadata === 'object') {
        const merged = { ...part.providerMetadata };
        for (const [key, value] of Object.entries(metadata as Record<string, Record<string, unknown>>))
          merged[key] = { ...merged[key], ...value };
        part.providerMetadata = merged;
      }
      reasoning.set(id, part);
    };
    let answeredBy: string | undefined;
    let finishReason: FinishReason = 'other';
    let usage: { inputTokens?: number; outputTokens?: number; cacheRead?: number; cacheWrite?: number } = {};
    let unfinished = false;
    for await (const part of result.fullStream) {
      switch (part.type) {
        case 'text-delta':
          if (part.text === '') break;
          text += part.text;
          state.streamed = true;
          onText(part.text);
          break;
        case 'reasoning-start':
        case 'reasoning-end':
          think(part.id, '', part.providerMetadata);
          break;
        case 'reasoning-delta':
          think(part.id, part.text, part.providerMetadata);
          if (part.text !== '') {
            state.streamed = true;
            request.onReasoning?.(part.text);
          }
          break;
        case 'tool-input-delta':
          inputs.set(part.id, (inputs.get(part.id) ?? '') + part.delta);
          break;
        case 'tool-call':
          toolCalls.push(
            toolCallOf(part.toolCallId, part.toolName, inputs.get(part.toolCallId) ?? rawInput(part.input)),
          );
          break;
        case 'finish-step':
          answeredBy = part.response.modelId;
          finishReason = FINISH_REASONS.has(part.finishReason)
            ? (part.finishReason as FinishReason)
            : 'other';
          usage = {
            ...(part.usage.inputTokens === undefined ? {} : { inputTokens: part.usage.inputTokens }),
            ...(part.usage.outputTokens === undefined ? {} : { outputTokens: part.usage.outputTokens }),
            ...positive('cacheRead', part.usage.inputTokenDetails?.cacheReadTokens),
            ...positive('cacheWrite', part.usage.inputTokenDetails?.cacheWriteTokens),
          };
          break;
        case 'error':
          // Some OpenAI-compatible servers end a complete answer without a finish reason.
          if (isMissingFinishReason(part.error)) {
            unfinished = true;
            break;
          }
          throw part.error;
        case 'abort':
          throw abortError(signal);
        default:
          break;
      }
    }
    if (signal.aborted) throw abortError(signal);
    if (unfinished) finishReason = toolCalls.length > 0 ? 'tool-calls' : 'stop';

    const out: CompletionResult = { text, model: answeredBy || modelId, finishReason };
    if (usage.inputTokens !== undefined) out.inputTokens = usage.inputTokens;
    if (usage.outputTokens !== undefined) out.outputTokens = usage.outputTokens;
    if (usage.cacheRead !== undefined) out.cacheReadTokens = usage.cacheRead;
    if (usage.cacheWrite !== undefined) out.cacheWriteTokens = usage.cacheWrite;
    if (reasoning.size > 0) out.reasoning = [...reasoning.values()];
    if (toolCalls.length > 0) out.toolCalls = toolCalls;
    return out;
  }
}

/**
 * Asks for JSON matching the step's schema through the SDK's response format, which each provider sends
 * its own way (OpenAI `response_format: json_schema`; Anthropic a forced `json` tool or its native
 * structured output). Set on the model rather than through `streamText`'s `output`, which would parse
 * the answer (the engine does that, with its repair turns) and hold back text until it parses.
 */
function withJsonSchema(model: LanguageModel, request: CompletionRequest): LanguageModel {
  const schema = request.jsonSchema;
  if (!schema) return model;
  return wrapLanguageModel({
    model,
    middleware: {
      specificationVersion: 'v3',
      transformParams: async ({ params }) => ({
        ...params,
        responseFormat: { type: 'json', schema, name: schemaName(request.agent) },
      }),
    },
  });
}

/** The schema's name on the wire (OpenAI allows letters, digits, `_` and `-`, at most 64). */
function schemaName(agent: string): string {
  return agent.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'output';
}

function isMissingFinishReason(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'AI_InvalidResponseDataError' &&
    error.message.includes('without a finish reason')
  );
}

function rawInput(input: unknown): string {
  if (typeof input === 'string') return input;
  return input === undefined ? '' : JSON.stringify(input);
}

function positive<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return typeof value === 'number' && value > 0 ? ({ [key]: value } as Record<K, number>) : {};
}
