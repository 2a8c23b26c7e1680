/**
 * A provider over the AI SDK. What it is made of is checked when it is created (keys, URLs); the SDK itself
 * is loaded with its first request (`sdk-stream.ts`), so loading the engine stays quick.
 */
import type { ModelFactory, SdkProviderOptions } from './sdk-stream.js';
import type { Provider } from './types.js';

export function createSdkProvider(options: SdkProviderOptions): Provider {
  let models: Promise<ModelFactory> | undefined;
  return {
    name: options.name,
    requiresModel: false,
    async complete(request, onText) {
      models ??= options.languageModel();
      const [{ completeWithSdk }, languageModel] = await Promise.all([import('./sdk-stream.js'), models]);
      // The SDK prints its warnings (a setting a model does not take, dropped) to the console, where
      // they would break into the CLI's progress output. A script that set its own preference keeps it.
      const global = globalThis as { AI_SDK_LOG_WARNINGS?: unknown };
      global.AI_SDK_LOG_WARNINGS ??= false;
      return completeWithSdk(options, languageModel, request, onText);
    },
  };
}
