import type { WorkflowIssue } from '../errors.js';
import type { Locator, YamlPath } from '../locate.js';
import { PROVIDER_FIELDS } from '../provider-names.js';
import { isPlainObject } from '../raw.js';
import { PROVIDER_ONLY_FIELDS, PROVIDER_ONLY_REASONS } from '../schema-provider-only.js';

const RUNTIME_KEYS = [
  'default_context_tier',
  'skills',
  'skill_injection',
  'skill_discovery',
  'plugin_sources',
  'plugins',
];
const STEP_KEYS = ['context_tier', 'session_key', 'skills', 'plugins', 'sandbox'];

/**
 * One warning per provider-only key the workflow uses (at its first use): it is accepted, as the original's
 * files have it, but no provider here reads it.
 */
export function providerOnlyIssues(data: unknown, locator: Locator): WorkflowIssue[] {
  const issues: WorkflowIssue[] = [];
  const warned = new Set<string>();
  const warn = (key: string, path: YamlPath) => {
    if (warned.has(key)) return;
    warned.add(key);
    issues.push(
      locator.issue(
        'warning',
        path,
        `"${key}" has no effect in this version of conductor: ${PROVIDER_ONLY_REASONS[key] ?? 'it belongs to a provider this version does not have'}`,
        {
          key: true,
          hint: 'It is accepted so that files written for the original conductor load unchanged.',
        },
      ),
    );
  };
  if (!isPlainObject(data)) return issues;
  const settings = isPlainObject(data.workflow) ? data.workflow : {};
  const runtime = isPlainObject(settings.runtime) ? settings.runtime : {};
  for (const key of RUNTIME_KEYS) {
    if (runtime[key] !== undefined) warn(key, ['workflow', 'runtime', key]);
  }
  // Under a provider this version has, such a field is an error (checkProviderSettings), not a warning.
  const mappingName = isPlainObject(runtime.provider) ? runtime.provider.name : undefined;
  if (
    isPlainObject(runtime.provider) &&
    !(typeof mappingName === 'string' && mappingName in PROVIDER_FIELDS)
  ) {
    for (const key of Object.keys(runtime.provider)) {
      if (Object.hasOwn(PROVIDER_ONLY_FIELDS, key)) warn(key, ['workflow', 'runtime', 'provider', key]);
    }
  }
  const steps: [YamlPath, unknown][] = [];
  if (Array.isArray(data.agents)) {
    for (const [index, step] of data.agents.entries()) steps.push([['agents', index], step]);
  }
  if (Array.isArray(data.for_each)) {
    data.for_each.forEach((group, index) => {
      if (isPlainObject(group)) steps.push([['for_each', index, 'agent'], group.agent]);
    });
  }
  for (const [path, step] of steps) {
    if (!isPlainObject(step)) continue;
    for (const key of STEP_KEYS) if (step[key] !== undefined) warn(key, [...path, key]);
  }
  return issues;
}
