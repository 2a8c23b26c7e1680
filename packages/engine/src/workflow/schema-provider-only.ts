/**
 * Keys of the original format that only its other providers read (copilot, claude-agent-sdk, hermes, aca):
 * accepted so its files load, and warned about (`providerOnlyIssues`) since they change nothing here.
 */
import * as v from 'valibot';

const names = v.nullable(v.array(v.string()));
const accepted = (what: string) => v.optional(v.pipe(v.unknown(), v.description(what)));

/** `runtime` keys. */
export const runtimeProviderOnlyEntries = {
  default_context_tier: v.optional(
    v.pipe(v.picklist(['default', 'long_context']), v.description('copilot only; no effect here.')),
  ),
  skills: v.optional(
    v.pipe(names, v.description('Skills of the copilot and claude-agent-sdk providers; no effect here.')),
  ),
  skill_injection: accepted('Skill size limits of the original; no effect here.'),
  skill_discovery: accepted('Where the original finds skills; no effect here.'),
  plugin_sources: accepted('copilot and claude-agent-sdk only; no effect here.'),
  plugins: accepted('copilot and claude-agent-sdk only; no effect here.'),
};

/** Agent step keys. */
export const stepProviderOnlyEntries = {
  context_tier: v.optional(v.pipe(v.string(), v.description('copilot only; no effect here.'))),
  session_key: v.optional(v.pipe(v.string(), v.description('claude-agent-sdk only; no effect here.'))),
  skills: v.optional(v.pipe(names, v.description('copilot and claude-agent-sdk skills; no effect here.'))),
  plugins: v.optional(v.pipe(names, v.description('copilot and claude-agent-sdk plugins; no effect here.'))),
  sandbox: accepted('aca only; no effect here.'),
};

/** Fields of the `runtime.provider` mapping that belong to providers this version does not have. */
export const PROVIDER_ONLY_FIELDS: Readonly<Record<string, string>> = {
  bearer_token: 'copilot',
  type: 'copilot',
  wire_api: 'copilot',
  azure: 'copilot',
  runtime_url: 'copilot',
  runtime_token: 'copilot',
  hermes_home: 'hermes',
  hermes_toolsets: 'hermes',
  hermes_skip_memory: 'hermes',
  hermes_skip_context_files: 'hermes',
  pool_endpoint: 'aca',
  api_version: 'aca',
  inner_provider: 'aca',
  identifier_scope: 'aca',
  egress: 'aca',
  lifecycle: 'aca',
  auth: 'aca',
};

export const providerMappingOnlyEntries = Object.fromEntries(
  Object.entries(PROVIDER_ONLY_FIELDS).map(([key, owner]) => [
    key,
    accepted(`${owner} only; no effect here.`),
  ]),
) as Record<keyof typeof PROVIDER_ONLY_FIELDS, ReturnType<typeof accepted>>;

/** Why each key has no effect here, by key. */
export const PROVIDER_ONLY_REASONS: Readonly<Record<string, string>> = {
  default_context_tier: 'it selects a context tier of the copilot provider',
  context_tier: 'it selects a context tier of the copilot provider',
  skills: 'skills are loaded by the copilot and claude-agent-sdk providers',
  skill_injection: 'skills are loaded by the copilot and claude-agent-sdk providers',
  skill_discovery: 'skills are loaded by the copilot and claude-agent-sdk providers',
  plugin_sources: 'plugins belong to the copilot and claude-agent-sdk providers',
  plugins: 'plugins belong to the copilot and claude-agent-sdk providers',
  session_key: 'shared sessions belong to the claude-agent-sdk provider',
  sandbox: 'sandboxes belong to the aca provider',
  ...Object.fromEntries(
    Object.entries(PROVIDER_ONLY_FIELDS).map(([key, owner]) => [key, `it configures the ${owner} provider`]),
  ),
};
