import { RETRY_DEFAULTS } from '../workflow/schema-agent-keys.js';
import type { RetrySettings } from '../workflow/types.js';
import type { Provider, RetryPolicy } from './types.js';

/**
 * What a provider is made from: its name, the fields of the `runtime.provider` mapping when the workflow
 * names it that way, `runtime.timeout`, and the run's environment (for `OPENAI_*`, `ANTHROPIC_*`...).
 * `--provider`, a step's `provider:` and the plain string form give only the name.
 */
export interface ProviderConfig {
  name: string;
  base_url?: string;
  api_key?: string;
  auth_token?: string;
  headers?: Record<string, string>;
  /** Seconds one request may take (`runtime.timeout`), when the workflow sets it. */
  timeout?: number;
  env: Record<string, string | undefined>;
}

/** Makes a provider; registered under a name with `RunOptions.providers`, chosen like a built-in one. */
export type ProviderFactory = (config: ProviderConfig) => Provider;

/** `runtime.timeout`'s default for openai and claude, as in the original. */
export const DEFAULT_TIMEOUT_SECONDS = 600;

/**
 * Three retries starting at 1 s, capped at 30 s: what the original's providers do when a step sets no
 * `retry` (its docs say there is no retry then; its code retries).
 */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** The longest wait for a server's Retry-After (the longest `retry.delay_seconds`). */
export const MAX_RETRY_AFTER_MS = 300_000;

/**
 * An agent step's `retry` as the policy a provider follows, the original's defaults filled in: 1 attempt,
 * exponential from 2 s, backoff capped at max(30 s, delay_seconds), both categories retried.
 */
export function retryPolicyOf(settings: RetrySettings): RetryPolicy {
  const delaySeconds = settings.delay_seconds ?? RETRY_DEFAULTS.delay_seconds;
  return {
    maxAttempts: settings.max_attempts ?? RETRY_DEFAULTS.max_attempts,
    baseDelayMs: delaySeconds * 1000,
    maxDelayMs: Math.max(30, delaySeconds) * 1000,
    backoff: settings.backoff ?? RETRY_DEFAULTS.backoff,
    retryOn: settings.retry_on ?? RETRY_DEFAULTS.retry_on,
  };
}
