import { basename, dirname, resolve } from 'node:path';
import { closestName } from '../template/suggest.js';
import type { Env } from './env.js';
import { formatLocation, WorkflowError, type WorkflowIssue } from './errors.js';
import type { Locator, YamlPath } from './locate.js';
import { isPlainObject } from './raw.js';
import { readWorkflowFileSync } from './read.js';
import { inWords } from './schema-issues.js';
import type { WorkflowDefinition } from './types.js';

/**
 * How a file is checked (check.ts's `checkWorkflow`), passed in so that checking a sub-workflow, which
 * checks its own sub-workflows, needs no import back into check.ts.
 */
export type CheckWorkflow = (
  source: string,
  file: string | undefined,
  env: Env,
  stack: readonly string[],
  inherited: InheritedRuntime,
) => { issues: WorkflowIssue[]; definition: WorkflowDefinition | undefined };

/** What a sub-workflow takes from the run when it does not set it itself: the provider and default model. */
export interface InheritedRuntime {
  provider?: unknown;
  default_model?: unknown;
}

/** The provider settings a workflow's children inherit: its own, over those it inherited. */
export function runtimeToInherit(data: unknown, inherited: InheritedRuntime = {}): InheritedRuntime {
  const settings = isPlainObject(data) && isPlainObject(data.workflow) ? data.workflow : {};
  const runtime = isPlainObject(settings.runtime) ? settings.runtime : {};
  const result: InheritedRuntime = { ...inherited };
  if (runtime.provider !== undefined) result.provider = runtime.provider;
  if (runtime.default_model !== undefined) result.default_model = runtime.default_model;
  return result;
}

/** Lays inherited settings under a child's own (its data, before the schema checks). */
export function inheritRuntime(data: unknown, inherited: InheritedRuntime | undefined): void {
  if (!inherited || !isPlainObject(data) || !isPlainObject(data.workflow)) return;
  const settings = data.workflow;
  if (settings.runtime !== undefined && !isPlainObject(settings.runtime)) return;
  const runtime = (settings.runtime ?? {}) as Record<string, unknown>;
  let changed = false;
  for (const key of ['provider', 'default_model'] as const) {
    if (runtime[key] === undefined && inherited[key] !== undefined) {
      runtime[key] = inherited[key];
      changed = true;
    }
  }
  if (changed) settings.runtime = runtime;
}

/** Where a step runs a sub-workflow: its YAML path and the raw step. */
function subworkflowSites(data: unknown): { path: YamlPath; step: Record<string, unknown> }[] {
  if (!isPlainObject(data)) return [];
  const sites: { path: YamlPath; step: Record<string, unknown> }[] = [];
  (Array.isArray(data.agents) ? data.agents : []).forEach((step: unknown, index) => {
    if (isPlainObject(step) && step.type === 'workflow') sites.push({ path: ['agents', index], step });
  });
  (Array.isArray(data.for_each) ? data.for_each : []).forEach((group: unknown, index) => {
    const body = isPlainObject(group) ? group.agent : undefined;
    if (isPlainObject(body) && body.type === 'workflow')
      sites.push({ path: ['for_each', index, 'agent'], step: body });
  });
  return sites;
}

/** The path a `workflow:` reference resolves to: relative to the parent's folder (the cwd without a file). */
export function resolveSubworkflowPath(reference: string, parentFile: string | undefined): string {
  return resolve(parentFile === undefined ? process.cwd() : dirname(parentFile), reference);
}

/**
 * The sub-workflows a file runs must exist, be valid themselves, not lead back to a file that runs
 * them (a cycle), and receive the inputs they declare. `stack` holds the files that lead here.
 */
export function subworkflowIssues(
  data: unknown,
  file: string | undefined,
  locator: Locator,
  env: Env,
  stack: readonly string[],
  check: CheckWorkflow,
  inherited: InheritedRuntime = {},
): WorkflowIssue[] {
  const issues: WorkflowIssue[] = [];
  for (const { path, step } of subworkflowSites(data)) {
    const reference = step.workflow;
    if (typeof reference !== 'string' || reference === '' || reference.includes('{{')) continue;
    if (/^[\w.-]+@/.test(reference) && !/\.ya?ml$/i.test(reference)) continue; // a registry reference: reported already
    const owner = inWords(data, path);
    const at: YamlPath = [...path, 'workflow'];
    const target = resolveSubworkflowPath(reference, file);
    const chain = [...stack, ...(file === undefined ? [] : [file])];
    if (chain.includes(target)) {
      const names = [...chain.slice(chain.indexOf(target)), target].map((f) => basename(f));
      issues.push(
        locator.issue('error', at, `${owner}: sub-workflow cycle: ${names.join(' → ')}`, {
          hint: 'A workflow cannot run itself, directly or through other sub-workflows.',
        }),
      );
      continue;
    }
    let source: string;
    try {
      source = readWorkflowFileSync(target, env);
    } catch (error) {
      const cause = error instanceof WorkflowError ? error.cause : error;
      const code = (cause as NodeJS.ErrnoException | undefined)?.code;
      issues.push(
        locator.issue(
          'error',
          at,
          code === 'ENOENT'
            ? `${owner}: sub-workflow file not found: ${reference} (looked for ${target})`
            : error instanceof WorkflowError && error.code === 'CONDUCTOR_WORKFLOW_TOO_LARGE'
              ? `${owner}: sub-workflow ${reference}: ${error.message}`
              : `${owner}: cannot read sub-workflow ${target}: ${(cause as Error).message}`,
          { hint: 'The path is relative to the folder of this workflow file.' },
        ),
      );
      continue;
    }
    const child = check(source, target, env, chain, runtimeToInherit(data, inherited));
    const errors = child.issues.filter((issue) => issue.severity === 'error');
    if (errors.length > 0) {
      const first = errors[0] as WorkflowIssue;
      issues.push(
        locator.issue(
          'error',
          at,
          `${owner}: sub-workflow ${reference} is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}): ${formatLocation(first)}: ${first.message}`,
          { hint: `Run "conductor validate ${target}" for every problem.` },
        ),
      );
      continue;
    }
    const declared = child.definition?.workflow.input;
    if (declared === undefined) continue;
    const mapping = isPlainObject(step.input_mapping) ? step.input_mapping : undefined;
    if (mapping === undefined) continue;
    for (const key of Object.keys(mapping)) {
      if (Object.hasOwn(declared, key)) continue;
      const suggestion = closestName(key, Object.keys(declared));
      issues.push(
        locator.issue(
          'error',
          [...path, 'input_mapping', key],
          `${owner}: sub-workflow ${reference} has no input "${key}"`,
          {
            key: true,
            hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}Its inputs: ${Object.keys(declared).join(', ') || 'none'}.`,
          },
        ),
      );
    }
    const missing = Object.entries(declared)
      .filter(([name, definition]) => {
        const required =
          definition.required ?? (definition.default === undefined || definition.default === null);
        return required && definition.default == null && !Object.hasOwn(mapping, name);
      })
      .map(([name]) => name);
    if (missing.length > 0) {
      issues.push(
        locator.issue(
          'error',
          [...path, 'input_mapping'],
          `${owner}: sub-workflow ${reference} requires input${missing.length === 1 ? '' : 's'} ${missing.map((m) => `"${m}"`).join(', ')}, which input_mapping does not give`,
          { hint: 'Add them to input_mapping.' },
        ),
      );
    }
  }
  return issues;
}
