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
