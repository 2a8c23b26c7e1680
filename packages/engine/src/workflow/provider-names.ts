/**
 * The provider names of the format and which fields of the `runtime.provider` mapping each takes. Kept
 * with the format because validation checks them; the providers themselves live in `providers/`.
 */

/** Built-in providers and the mapping fields each takes besides `name`. */
export const PROVIDER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  openai: ['base_url', 'api_key', 'headers'],
  claude: ['base_url', 'api_key', 'auth_token', 'headers'],
  mock: [],
};

/** The original's model of each provider when neither the step nor `runtime.default_model` names one. */
export const DEFAULT_MODELS: Readonly<Record<string, string>> = {
  openai: 'gpt-5-mini',
  claude: 'claude-3-5-sonnet-latest',
};

export const BUILT_IN_PROVIDERS: readonly string[] = Object.keys(PROVIDER_FIELDS);

/** Providers of the original conductor that this version does not have, with what they are. */
export const UNAVAILABLE_PROVIDERS: Readonly<Record<string, string>> = {
  copilot: "the original conductor's default, over the GitHub Copilot SDK",
  'claude-agent-sdk': 'over the Claude Agent SDK',
  hermes: 'over Hermes',
  aca: 'over Azure Container Apps sandboxes',
};

/** What the providers that exist are, for messages that must say how to choose one. */
export const AVAILABLE_PROVIDERS_TEXT =
  'openai (OpenAI, or any OpenAI-compatible server through base_url: Ollama, vLLM, LM Studio, Azure), ' +
  'claude (the Anthropic API) and mock (scripted answers, offline)';

/**
 * Why `name` cannot run here, and how to choose a provider that can; undefined for names that may run.
 * `message` + " " + `hint` is the whole story.
 */
export function unavailableProvider(name: string): { message: string; hint: string } | undefined {
  const what = UNAVAILABLE_PROVIDERS[name];
  if (what === undefined) return undefined;
  return {
    message: `the "${name}" provider (${what}) is not available in this version of conductor`,
    hint:
      `The providers here are ${AVAILABLE_PROVIDERS_TEXT}. Choose one with --provider <name> on the ` +
      'command line, or with runtime.provider in the workflow ("provider: openai", or ' +
      '"provider: { name: openai, base_url: http://localhost:11434/v1, api_key: local }").',
  };
}
