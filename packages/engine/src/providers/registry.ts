import { ProviderConfigError } from './errors.js';
import { createMockProvider, type MockResponses } from './mock.js';
import { createOpenAIProvider, type OpenAIProviderOptions } from './openai.js';
import type { Provider } from './types.js';

export interface ProviderFactoryOptions {
  /** Checked scripted answers for `mock` (see loadMockResponses). */
  mockResponses?: MockResponses;
  openai?: Omit<OpenAIProviderOptions, 'env'>;
  env?: Record<string, string | undefined>;
}

const factories: Record<string, (options: ProviderFactoryOptions) => Provider> = {
  mock: (options) => createMockProvider(options.mockResponses ? { responses: options.mockResponses } : {}),
  openai: (options) =>
    createOpenAIProvider({ ...options.openai, ...(options.env ? { env: options.env } : {}) }),
};

/** Names accepted by `runtime.provider`, a step's `provider:` and `RunOptions.provider`. */
export const PROVIDER_NAMES: readonly string[] = Object.keys(factories);

/** Makes a provider by name; unknown names and bad configuration throw {@link ProviderConfigError}. */
export function createProvider(name: string, options: ProviderFactoryOptions = {}): Provider {
  const factory = factories[name];
  if (!factory) {
    throw new ProviderConfigError(
      `unknown provider "${name}": available providers are ${PROVIDER_NAMES.join(', ')}. ` +
        'Workflows written for the original conductor (copilot, claude) can run here with ' +
        '--provider openai against any OpenAI-compatible endpoint, or --provider mock offline.',
    );
  }
  return factory(options);
}
