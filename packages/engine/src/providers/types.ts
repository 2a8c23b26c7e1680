/**
 * The one interface every model provider implements. The engine builds the request (rendered prompt,
 * JSON Schema of the step's `output:`), streams text through `onText`, and parses/validates the answer
 * itself, so a provider only talks to its backend.
 */
import type { ReasoningEffort, RetryCategory } from '../workflow/schema-agent-keys.js';

/**
 * One turn of the conversation a provider sends. An assistant turn that asked for tools carries its
 * `toolCalls`; each is answered by one `tool` turn with the same `toolCallId`, in order.
 */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[]; reasoning?: ReasoningPart[] }
  | {
      role: 'tool';
      toolCallId: string;
      toolName: string;
      /** The tool's result as text (capped by the engine), or the error told to the model. */
      content: string;
      isError?: boolean;
    };

/**
 * A block of the model's thinking, as it sent it. An assistant turn that called tools carries its blocks
 * back with the tool results: Anthropic requires them (with their signatures) to continue the turn.
 */
export interface ReasoningPart {
  text: string;
  /** What the API attached to the block (Anthropic's `signature`, or its `redactedData`). */
  providerMetadata?: Record<string, Record<string, unknown>>;
}

/** A tool the model may call: its wire name (`server__tool` for MCP tools), description and input. */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  inputSchema: Record<string, unknown>;
}

/** A call the model asked for in its answer. */
export interface ToolCall {
  /** The backend's id for the call, echoed in the `tool` turn that answers it. */
  id: string;
  name: string;
  /** The arguments as the model sent them. */
  argumentsText: string;
  /** `argumentsText` parsed, or null when it is not a JSON object (`argumentsError` says why). */
  arguments: Record<string, unknown> | null;
  argumentsError?: string;
}

/** How a provider retries a failed request (`DEFAULT_RETRY`, or a step's `retry` through `retryPolicyOf`). */
export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** The wait before the first retry; `exponential` doubles it for each next one. */
  baseDelayMs: number;
  /** The longest backoff wait, before the jitter (up to 25% more) is added. */
  maxDelayMs: number;
  /** Default exponential. */
  backoff?: 'fixed' | 'exponential';
  /** What is retried: failed requests (`provider_error`), timeouts, or both (the default). */
  retryOn?: readonly RetryCategory[];
}

/** Told to the engine before a provider waits and tries again (becomes an `agent_retry` event). */
export interface ProviderRetry {
  /** The attempt about to be made, 2 for the first retry. */
  attempt: number;
  maxAttempts: number;
  error: string;
  /** Seconds the provider waits before the attempt. */
  delay: number;
}

export interface CompletionRequest {
  /** The step name (providers key scripted answers and messages by it). */
  agent: string;
  /** The model to use; undefined only for providers with `requiresModel: false`. */
  model?: string;
  /** The conversation: system message (if any), the rendered prompt, then correction turns on retries. */
  messages: ChatMessage[];
  /** JSON Schema the answer must match, when the step declares `output:`. */
  jsonSchema?: Record<string, unknown>;
  /**
   * Tools the model may call in this request. The provider only carries them over the wire: it returns
   * the calls the model asked for (`toolCalls`), and the engine runs them and asks again with the
   * results appended as `tool` turns. A provider never runs a tool itself.
   */
  tools?: ToolSpec[];
  temperature?: number;
  maxTokens?: number;
  /**
   * How hard the model thinks (the step's `reasoning.effort`, else `runtime.default_reasoning_effort`).
   * openai sends it as `reasoning_effort` (low, medium, high); claude as a thinking budget.
   */
  reasoningEffort?: ReasoningEffort;
  /**
   * The step's `retry`: how failed requests are retried. Without it the provider's own default (three
   * retries from 1 s). A provider that does not retry ignores it.
   */
  retry?: RetryPolicy;
  /** Aborts the request (interrupt, run timeout). A provider rejects promptly once it fires. */
  signal: AbortSignal;
  /** Called before each transport-level retry (HTTP 429/5xx, network errors). */
  onRetry?: (retry: ProviderRetry) => void;
  /** Called with the model's thinking as it streams (extended thinking, reasoning models). */
  onReasoning?: (chunk: string) => void;
}

export interface CompletionResult {
  /** The whole answer text (the concatenation of every chunk passed to `onText`). */
  text: string;
  /** The model that answered, as the backend names it. */
  model: string;
  inputTokens?: number;
  outputTokens?: number;
  /** Input tokens read from the provider's prompt cache (included in `inputTokens`). */
  cacheReadTokens?: number;
  /** Input tokens written to the provider's prompt cache (included in `inputTokens`). */
  cacheWriteTokens?: number;
  costUsd?: number;
  /** The model's thinking blocks, when it sent any. */
  reasoning?: ReasoningPart[];
  /** Tool calls the model asked for; absent or empty when this is its answer. */
  toolCalls?: ToolCall[];
  /** Why the model stopped: `stop`, `tool-calls`, `length` (max tokens), `content-filter`, `other`. */
  finishReason?: 'stop' | 'tool-calls' | 'length' | 'content-filter' | 'other';
}

export interface Provider {
  readonly name: string;
  /** Whether every agent step needs a model name (checked before the run starts). */
  readonly requiresModel: boolean;
  complete(request: CompletionRequest, onText: (chunk: string) => void): Promise<CompletionResult>;
}
