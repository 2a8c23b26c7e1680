/**
 * The one interface every model provider implements. The engine builds the request (rendered prompt,
 * JSON Schema of the step's `output:`), streams text through `onText`, and parses/validates the answer
 * itself, so a provider only talks to its backend.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
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
  temperature?: number;
  maxTokens?: number;
  /** Aborts the request (interrupt, run timeout). A provider rejects promptly once it fires. */
  signal: AbortSignal;
  /** Called before each transport-level retry (HTTP 429/5xx, network errors). */
  onRetry?: (retry: ProviderRetry) => void;
}

export interface CompletionResult {
  /** The whole answer text (the concatenation of every chunk passed to `onText`). */
  text: string;
  /** The model that answered, as the backend names it. */
  model: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export interface Provider {
  readonly name: string;
  /** Whether every agent step needs a model name (checked before the run starts). */
  readonly requiresModel: boolean;
  complete(request: CompletionRequest, onText: (chunk: string) => void): Promise<CompletionResult>;
}
