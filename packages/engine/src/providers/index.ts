export { MockResponsesError, ProviderConfigError, ProviderError } from './errors.js';
export type {
  LoadMockResponsesOptions,
  MockEntry,
  MockProviderOptions,
  MockResponses,
  MockResponsesInput,
} from './mock.js';
export { checkMockResponses, createMockProvider, loadMockResponses, mockValue } from './mock.js';
export type { OpenAIProviderOptions } from './openai.js';
export { createOpenAIProvider, DEFAULT_OPENAI_BASE_URL } from './openai.js';
export type { ProviderFactoryOptions } from './registry.js';
export { createProvider, PROVIDER_NAMES } from './registry.js';
export type { ServerSentEvent } from './sse.js';
export { parseServerSentEvents } from './sse.js';
export type { ChatMessage, CompletionRequest, CompletionResult, Provider, ProviderRetry } from './types.js';
