import type { Provider } from './types.js';

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

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** The wait before the first retry, doubled for each next one, plus up to 25% jitter. */
  baseDelayMs: number;
  /** The longest wait, a server's Retry-After included. */
  maxDelayMs: number;
}

/** Three retries starting at 1 s: what the original's providers do when a step sets no `retry`. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000 };
