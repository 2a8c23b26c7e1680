/**
 * What a failed request means: the error a step reports (its message free of secrets), and whether to try
 * again. Retried, as in the original: HTTP 408, 429 and 5xx, connection failures and timeouts, but never
 * after text was streamed (a retry would show it twice). Everything else fails at once.
 */
import { APICallError } from 'ai';
import type { RetryCategory } from '../workflow/schema-agent-keys.js';
import { isAbortError } from './abort.js';
import { MAX_RETRY_AFTER_MS } from './config.js';
import { ProviderConfigError, ProviderError } from './errors.js';
import type { Redact } from './redact.js';
import type { RetryPolicy } from './types.js';

export interface Failure {
  error: ProviderError | ProviderConfigError;
  retryable: boolean;
  /**
   * For `retry.retry_on`: `timeout` for a request that timed out, an HTTP 408, or an error that says
   * "timeout" (as the original); `provider_error` for the rest.
   */
  category: RetryCategory;
  /** The server's Retry-After, in ms. */
  retryAfterMs?: number;
}

export interface FailureContext {
  /** Where the request went, for messages. */
  endpoint: string;
  redact: Redact;
  /** Text of this attempt already went to `onText`. */
  streamed: boolean;
  /** Set when the request's own timeout fired: seconds it had. */
  timedOutAfter?: number;
}

/** Error types Anthropic streams (`event: error`) for an overloaded or briefly failing API. */
const TRANSIENT_STREAM_ERRORS = new Set(['overloaded_error', 'api_error', 'rate_limit_error']);

export function classifyFailure(error: unknown, context: FailureContext): Failure {
  const { endpoint, redact, streamed } = context;
  const fail = (
    message: string,
    retryable: boolean,
    extra: { status?: number; retryAfterMs?: number } = {},
  ) => {
    const failure: Failure = {
      error: new ProviderError(redact(message), {
        cause: error,
        ...(extra.status === undefined ? {} : { status: extra.status }),
      }),
      retryable,
      category:
        context.timedOutAfter !== undefined || extra.status === 408 || /timeout/i.test(message)
          ? 'timeout'
          : 'provider_error',
    };
    if (extra.retryAfterMs !== undefined) failure.retryAfterMs = extra.retryAfterMs;
    return failure;
  };
  if (error instanceof ProviderConfigError || error instanceof ProviderError)
    return { error, retryable: false, category: 'provider_error' };
  if (context.timedOutAfter !== undefined) {
    return fail(
      `request to ${endpoint} timed out after ${context.timedOutAfter}s (runtime.timeout)`,
      !streamed,
    );
  }
  if (APICallError.isInstance(error)) {
    const url = error.url || endpoint;
    if (error.statusCode !== undefined && error.statusCode < 300) {
      // The answer began (HTTP 2xx) and then broke off: a connection failure, not an API error.
      const cause = error.cause instanceof Error ? causeMessage(error.cause) : error.message;
      return fail(`request to ${url} failed: the answer broke off (${cause})`, !streamed);
    }
    if (error.statusCode !== undefined) {
      const status = error.statusCode;
      const retryAfter = retryAfterMs(header(error.responseHeaders, 'retry-after'));
      return fail(
        `${url} answered HTTP ${status}: ${errorDetail(error)}`,
        isRetryableStatus(status) && !streamed,
        { status, ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) },
      );
    }
    return fail(`request to ${url} failed: ${causeMessage(error)}`, !streamed);
  }
  if (isNetworkError(error)) return fail(`request to ${endpoint} failed: ${causeMessage(error)}`, !streamed);
  if (error instanceof Error) {
    const readable = ['AI_JSONParseError', 'AI_TypeValidationError', 'AI_InvalidResponseDataError'];
    if (readable.includes(error.name)) {
      return fail(`${endpoint} sent a response that cannot be read: ${error.message}`, false);
    }
    return fail(`request to ${endpoint} failed: ${error.message}`, false);
  }
  // An error object the API streamed: OpenAI's `{ error }` chunk, Anthropic's `event: error`.
  const streamedError = (error ?? {}) as { message?: unknown; type?: unknown; error?: unknown };
  const inner = (typeof streamedError.error === 'object' && streamedError.error) || streamedError;
  const { message, type } = inner as { message?: unknown; type?: unknown };
  return fail(
    `${endpoint} reported an error mid-stream: ${typeof message === 'string' ? message : JSON.stringify(error)}`,
    typeof type === 'string' && TRANSIENT_STREAM_ERRORS.has(type) && !streamed,
  );
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function isNetworkError(error: unknown): error is Error {
  if (!(error instanceof Error) || isAbortError(error)) return false;
  if (error instanceof TypeError) return true; // fetch's "fetch failed", undici's "terminated"
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR)/.test(code);
}

function header(headers: Record<string, string> | undefined, name: string): string | null {
  if (!headers) return null;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return null;
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before attempt `attempt + 1`: the server's Retry-After (up to {@link MAX_RETRY_AFTER_MS}), else
 * the policy's backoff, capped at `maxDelayMs`, plus up to 25% jitter (as the original).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, serverMs?: number): number {
  if (serverMs !== undefined) return Math.min(serverMs, MAX_RETRY_AFTER_MS);
  const backoff = policy.backoff === 'fixed' ? policy.baseDelayMs : policy.baseDelayMs * 2 ** (attempt - 1);
  const capped = Math.min(backoff, policy.maxDelayMs);
  return capped + Math.random() * capped * 0.25;
}

/** Whether a retryable failure is of a kind the policy retries (both, unless `retryOn` says otherwise). */
export function policyRetries(policy: RetryPolicy, failure: Failure): boolean {
  return failure.retryable && (policy.retryOn ?? ['provider_error', 'timeout']).includes(failure.category);
}

/** The API's own words from an error body (`{error: {message}}`, `{error: "..."}`, `{message}`), else its start. */
function errorDetail(error: APICallError): string {
  const body = error.responseBody?.trim() ?? '';
  try {
    const json = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    if (typeof json.error === 'string') return json.error;
    if (json.error?.message) return json.error.message;
    if (json.message) return json.message;
  } catch {
    // not JSON: show the start of the body
  }
  return body.slice(0, 500) || error.message || 'no error message';
}

function causeMessage(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const detail = cause && !error.message.includes(cause.message) ? `: ${cause.message}` : '';
  return `${error.message}${detail}`;
}
