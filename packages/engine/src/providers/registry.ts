import { AVAILABLE_PROVIDERS_TEXT, unavailableProvider } from '../workflow/provider-names.js';
import { createClaudeProvider } from './claude.js';
import type { ProviderConfig, ProviderFactory } from './config.js';
import { ProviderConfigError } from './errors.js';
import { createMockProvider, type MockResponses } from './mock.js';
import { createOpenAIProvider, type OpenAIProviderOptions } from './openai.js';
import type { Provider } from './types.js';

export interface ProviderFactoryOptions {
  /** Checked scripted answers for `mock` (see loadMockResponses). */
  mockResponses?: MockResponses;
  /** Settings for `openai` from a script; the workflow's `runtime.provider` mapping wins over them. */
  openai?: Omit<OpenAIProviderOptions, 'env'>;
  /** Providers a script registers by name (`RunOptions.providers`); they win over built-in ones. */
  registered?: Readonly<Record<string, ProviderFactory>>;
}

/** Only the fields that are set: a provider's own defaults fill the rest. */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

const builtIn: Record<string, (config: ProviderConfig, options: ProviderFactoryOptions) => Provider> = {
  mock: (_config, options) =>
    createMockProvider(options.mockResponses ? { responses: options.mockResponses } : {}),
  openai: (config, options) =>
    createOpenAIProvider({
      ...options.openai,
      ...defined({
        baseUrl: config.base_url,
        apiKey: config.api_key,
        headers: config.headers,
        timeoutSeconds: config.timeout,
      }),
      env: config.env,
    }),
  claude: (config) =>
    createClaudeProvider({
      ...defined({
        baseUrl: config.base_url,
        apiKey: config.api_key,
        authToken: config.auth_token,
        headers: config.headers,
        timeoutSeconds: config.timeout,
      }),
      env: config.env,
    }),
};

/**
 * Makes a provider from its configuration: a registered one first, then a built-in one. A provider of the
 * original this version lacks (copilot...) and an unknown name throw {@link ProviderConfigError} saying
 * which providers exist and how to choose one; so does a built-in one that cannot be used as configured.
 */
export function createProvider(config: ProviderConfig, options: ProviderFactoryOptions = {}): Provider {
  const registered = options.registered?.[config.name];
  if (registered) return registered(config);
  const unavailable = unavailableProvider(config.name);
  if (unavailable) throw new ProviderConfigError(`${unavailable.message}. ${unavailable.hint}`);
  const factory = builtIn[config.name];
  if (!factory) {
    const own = Object.keys(options.registered ?? {});
    throw new ProviderConfigError(
      `unknown provider "${config.name}": the providers here are ${AVAILABLE_PROVIDERS_TEXT}` +
        `${own.length > 0 ? `, and the registered ${own.join(', ')}` : ''}. ` +
        'Choose one with --provider <name>, or with runtime.provider in the workflow.',
    );
  }
  return factory(config, options);
}
