import type { WorkflowIssue } from '../errors.js';
import type { Locator, YamlPath } from '../locate.js';
import { PROVIDER_FIELDS, unavailableProvider } from '../provider-names.js';
import { asString, isPlainObject as isObject, type Raw } from '../raw.js';
import { PROVIDER_ONLY_FIELDS } from '../schema-provider-only.js';
import type { SemanticContext } from './context.js';

const PROVIDER_PATH: YamlPath = ['workflow', 'runtime', 'provider'];

/**
 * The `runtime.provider` mapping's rules the schema cannot express (§4.1 of the original): a field belongs
 * to the providers that take it, and openai sends no key from the environment to a base_url the workflow
 * names. Names the workflow does not know (a provider a script registers) take any field.
 */
export function checkProviderSettings(ctx: SemanticContext): void {
  const runtime = isObject(ctx.settings.runtime) ? ctx.settings.runtime : undefined;
  const mapping = runtime?.provider;
  if (!isObject(mapping)) return;
  const name = asString(mapping.name);
  const fields = name === undefined ? undefined : PROVIDER_FIELDS[name];
  if (name === undefined || fields === undefined) return;
  for (const key of Object.keys(mapping)) {
    if (key === 'name' || fields.includes(key)) continue;
    const owners = Object.entries(PROVIDER_FIELDS)
      .filter(([, taken]) => taken.includes(key))
      .map(([owner]) => owner);
    const elsewhere = PROVIDER_ONLY_FIELDS[key];
    if (owners.length === 0 && elsewhere !== undefined) owners.push(elsewhere);
    if (owners.length === 0) continue; // an unknown key: the schema reports it
    ctx.error(
      [...PROVIDER_PATH, key],
      `"${key}" applies to the ${owners.join(' and ')} provider, not to ${name}`,
      {
        key: true,
        hint:
          fields.length === 0
            ? `The ${name} provider takes no settings besides its name.`
            : `The ${name} provider takes ${fields.join(', ')}.`,
      },
    );
  }
  if (name === 'openai' && mapping.base_url !== undefined && mapping.api_key === undefined) {
    ctx.error([...PROVIDER_PATH, 'base_url'], 'a base_url set in the workflow needs api_key set there too', {
      key: true,
      hint:
        'OPENAI_API_KEY is not sent to a server the workflow names. Add api_key: any value for a local ' +
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow's own ${VAR} substitution.
        'server that ignores keys, or "${MY_KEY}" to read it from the environment.',
    });
  }
}

/** Where a workflow names providers: `runtime.provider` and every agent step's `provider:`. */
function providerSites(data: Raw): { path: YamlPath; name: string }[] {
  const sites: { path: YamlPath; name: string }[] = [];
  const settings = isObject(data.workflow) ? data.workflow : {};
  const runtime = isObject(settings.runtime) ? settings.runtime : {};
  const provider = runtime.provider;
  if (typeof provider === 'string') sites.push({ path: PROVIDER_PATH, name: provider });
  else if (isObject(provider) && typeof provider.name === 'string')
    sites.push({ path: [...PROVIDER_PATH, 'name'], name: provider.name });
  (Array.isArray(data.agents) ? data.agents : []).forEach((step: unknown, index) => {
    if (isObject(step) && typeof step.provider === 'string')
      sites.push({ path: ['agents', index, 'provider'], name: step.provider });
  });
  (Array.isArray(data.for_each) ? data.for_each : []).forEach((group: unknown, index) => {
    const body = isObject(group) ? group.agent : undefined;
    if (isObject(body) && typeof body.provider === 'string')
      sites.push({ path: ['for_each', index, 'agent', 'provider'], name: body.provider });
  });
  return sites;
}

/**
 * Providers of the original that this version does not have (`copilot`, its default, above all). Only
 * `validate` reports them as errors in the file: a run reports them when it starts, after `--provider`
 * (which replaces them) and the providers a script registers are known.
 */
export function unavailableProviderIssues(data: unknown, locator: Locator): WorkflowIssue[] {
  if (!isObject(data)) return [];
  return providerSites(data).flatMap(({ path, name }) => {
    const unavailable = unavailableProvider(name);
    return unavailable === undefined
      ? []
      : [locator.issue('error', path, unavailable.message, { hint: unavailable.hint })];
  });
}
