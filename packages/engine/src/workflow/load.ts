import { createHash } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import * as v from 'valibot';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { closestName } from '../template/suggest.js';
import { type Env, substituteDocumentEnv } from './env.js';
import {
  formatLocation,
  sortIssues,
  WorkflowError,
  type WorkflowErrorCode,
  type WorkflowIssue,
} from './errors.js';
import { Locator, type YamlPath } from './locate.js';
import { maxWorkflowBytes, readWorkflowFile, readWorkflowFileSync, tooLarge } from './read.js';
import {
  INLINE_STEP_TYPES,
  SUPPORTED_STEP_TYPES,
  schemaOutputIsDefinition,
  UNSUPPORTED_STEP_TYPES,
  WorkflowSchema,
} from './schema.js';
import { entryLabel, inWords, schemaIssue, stepLabel, unknownKeys } from './schema-issues.js';
import { semanticIssues } from './semantic.js';
import { shellScriptIssues } from './shell-check.js';
import type { LoadedWorkflow, WorkflowDefinition } from './types.js';

export interface ParseWorkflowOptions {
  /** The file the source came from (for messages, and `LoadedWorkflow.path`). */
  path?: string | undefined;
  /** Variables for `${VAR}` substitution; default `process.env`. */
  env?: Env | undefined;
  /** Called with each warning (e.g. an unreachable step) of a workflow that is otherwise valid. */
  onWarning?: ((issue: WorkflowIssue) => void) | undefined;
}

export type LoadWorkflowOptions = Omit<ParseWorkflowOptions, 'path'>;

export type WorkflowValidation =
  | { ok: true; workflow: LoadedWorkflow /** Warnings only. */; issues: WorkflowIssue[] }
  | {
      ok: false;
      /** The errors, in file order. */
      errors: WorkflowIssue[];
      /** Errors and warnings, in file order. */
      issues: WorkflowIssue[];
      code: WorkflowErrorCode;
    };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function yamlMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Step types this version cannot run, and unknown ones: reported here, and their content is not checked.
 * `skipped` has the indexes of such steps; `skippedInline` the indexes of for-each groups whose body has one.
 */
function stepTypeIssues(
  data: unknown,
  locator: Locator,
): { issues: WorkflowIssue[]; skipped: Set<number>; skippedInline: Set<number> } {
  const issues: WorkflowIssue[] = [];
  const skipped = new Set<number>();
  const skippedInline = new Set<number>();
  const groups = isPlainObject(data) && Array.isArray(data.for_each) ? data.for_each : [];
  groups.forEach((group: unknown, index) => {
    const body = isPlainObject(group) ? group.agent : undefined;
    if (!isPlainObject(body) || typeof body.type !== 'string') return;
    const type = body.type;
    if ((INLINE_STEP_TYPES as readonly string[]).includes(type)) return;
    skippedInline.add(index);
    const path: YamlPath = ['for_each', index, 'agent', 'type'];
    const allowed = `The body of a for-each group is one of: ${INLINE_STEP_TYPES.join(', ')}.`;
    const label = entryLabel(data, 'for_each', index);
    if ((SUPPORTED_STEP_TYPES as readonly string[]).includes(type)) {
      const why =
        type === 'human_gate'
          ? 'gates cannot run once per item (concurrent questions would compete for one person)'
          : 'a terminate step would end the whole run from inside the group';
      issues.push(
        locator.issue(
          'error',
          path,
          `${label}: a ${type} step cannot be the body of a for-each group: ${why}`,
          {
            hint: `${allowed} Route to a ${type} step from the group's routes instead.`,
          },
        ),
      );
    } else {
      const suggestion = closestName(type, INLINE_STEP_TYPES);
      issues.push(
        locator.issue('error', path, `${label} has a body of unknown type "${type}"`, {
          hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}${allowed}`,
        }),
      );
    }
  });
  const agents = isPlainObject(data) && Array.isArray(data.agents) ? data.agents : [];
  agents.forEach((step: unknown, index) => {
    if (!isPlainObject(step) || typeof step.type !== 'string') return;
    const type = step.type;
    if ((SUPPORTED_STEP_TYPES as readonly string[]).includes(type)) return;
    skipped.add(index);
    const path: YamlPath = ['agents', index, 'type'];
    const supported = `Supported step types: ${SUPPORTED_STEP_TYPES.join(', ')}.`;
    if (UNSUPPORTED_STEP_TYPES.has(type)) {
      issues.push(
        locator.issue(
          'error',
          path,
          `${stepLabel(data, index)} has type "${type}", which this version of conductor does not support yet`,
          {
            hint: supported,
          },
        ),
      );
    } else {
      const suggestion = closestName(type, SUPPORTED_STEP_TYPES);
      issues.push(
        locator.issue('error', path, `${stepLabel(data, index)} has unknown type "${type}"`, {
          hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}${supported}`,
        }),
      );
    }
  });
  return { issues, skipped, skippedInline };
}

interface Checked {
  issues: WorkflowIssue[];
  definition: WorkflowDefinition | undefined;
  code: WorkflowErrorCode;
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
function subworkflowIssues(
  data: unknown,
  file: string | undefined,
  locator: Locator,
  env: Env,
  stack: readonly string[],
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
    const child = check(source, target, env, chain);
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

function check(source: string, file: string | undefined, env: Env, stack: readonly string[] = []): Checked {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: true, merge: true, uniqueKeys: true });
  const locator = new Locator(doc, lineCounter, source, file);
  const located = (
    severity: WorkflowIssue['severity'],
    message: string,
    offset: number | undefined,
  ): WorkflowIssue => {
    const issue: WorkflowIssue = { severity, message, path: [] };
    if (file !== undefined) issue.file = file;
    if (offset !== undefined) Object.assign(issue, locator.position(offset));
    return issue;
  };

  const yamlIssues = [
    ...doc.errors.map((e) => {
      // An unclosed quote is reported at the end of the file; point at the quote that opens it.
      const quote =
        e.code === 'MISSING_CHAR' ? /Missing closing (["'])quote/.exec(e.message)?.[1] : undefined;
      const opening = quote ? source.lastIndexOf(quote, e.pos[0] - 1) : -1;
      if (quote && opening >= 0) {
        return located(
          'error',
          `YAML syntax error: this quoted string is never closed (missing closing ${quote})`,
          opening,
        );
      }
      return located('error', `YAML syntax error: ${yamlMessage(e.message)}`, e.pos[0]);
    }),
    ...doc.warnings.map((w) => located('warning', `YAML: ${yamlMessage(w.message)}`, w.pos[0])),
  ];
  if (doc.errors.length > 0)
    return { issues: yamlIssues, definition: undefined, code: 'CONDUCTOR_WORKFLOW_YAML' };
  if (doc.contents === null) {
    return {
      issues: [located('error', 'the workflow file is empty', 0)],
      definition: undefined,
      code: 'CONDUCTOR_WORKFLOW_INVALID',
    };
  }
  if (!isMap(doc.contents)) {
    return {
      issues: [
        located(
          'error',
          'a workflow file must be a mapping with "workflow:" and "agents:" sections',
          doc.contents.range?.[0],
        ),
      ],
      definition: undefined,
      code: 'CONDUCTOR_WORKFLOW_INVALID',
    };
  }

  const issues: WorkflowIssue[] = [...yamlIssues, ...substituteDocumentEnv(doc, env, locator)];
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    issues.push(located('error', `YAML: ${(error as Error).message}`, 0));
    return { issues, definition: undefined, code: 'CONDUCTOR_WORKFLOW_YAML' };
  }

  const types = stepTypeIssues(data, locator);
  issues.push(...types.issues);
  const skip = (path: YamlPath) =>
    (path[0] === 'agents' && typeof path[1] === 'number' && types.skipped.has(path[1])) ||
    (path[0] === 'for_each' &&
      typeof path[1] === 'number' &&
      path[2] === 'agent' &&
      types.skippedInline.has(path[1]));
  issues.push(...unknownKeys(WorkflowSchema as never, data, [], data, locator, skip));

  const parsed = v.safeParse(WorkflowSchema, data, { abortEarly: false });
  if (!parsed.success) {
    for (const issue of parsed.issues) {
      const path: YamlPath = (issue.path ?? []).map((item) => (item as { key: string | number }).key);
      if (skip(path)) continue;
      const located = schemaIssue(issue, data, locator);
      if (located) issues.push(located);
    }
  }
  issues.push(...semanticIssues(data, locator, types.skipped, types.skippedInline));
  issues.push(...shellScriptIssues(data, locator));
  issues.push(...subworkflowIssues(data, file, locator, env, stack));

  const sorted = sortIssues(issues);
  const hasErrors = sorted.some((issue) => issue.severity === 'error');
  if (!parsed.success && !hasErrors) {
    // Every schema issue is reported in a friendlier form above; this is a safety net.
    sorted.push(
      located(
        'error',
        `the workflow does not match the format: ${parsed.issues[0]?.message ?? 'invalid'}`,
        0,
      ),
    );
  }
  return {
    issues: sorted,
    definition: parsed.success && !hasErrors ? schemaOutputIsDefinition(parsed.output) : undefined,
    code: 'CONDUCTOR_WORKFLOW_INVALID',
  };
}

function toValidation(source: string, path: string | undefined, env: Env | undefined): WorkflowValidation {
  const file = path === undefined ? undefined : resolve(path);
  // Source given as text is held to the same limit as a file: parsing is what takes the memory.
  try {
    const limit = maxWorkflowBytes(env ?? process.env);
    const bytes = source.length > limit / 4 ? Buffer.byteLength(source, 'utf8') : source.length;
    if (bytes > limit) throw tooLarge(file, bytes, limit);
  } catch (error) {
    if (!(error instanceof WorkflowError)) throw error;
    return { ok: false, errors: error.issues, issues: error.issues, code: error.code };
  }
  const { issues, definition, code } = check(source, file, env ?? process.env);
  if (definition) {
    const workflow: LoadedWorkflow = { definition, source, hash: sha256(source) };
    if (file !== undefined) workflow.path = file;
    return { ok: true, workflow, issues };
  }
  return { ok: false, errors: issues.filter((issue) => issue.severity === 'error'), issues, code };
}

/** A one-line string ending in .yaml or .yml is a path: no workflow source looks like that. */
const looksLikePath = (text: string) => !text.includes('\n') && /\.ya?ml$/i.test(text.trim());

/**
 * Checks a workflow and collects every problem: YAML syntax, `${VAR}` substitution, schema, and semantic checks
 * (entry point, route targets, duplicate names, templates, durations, input defaults), each located at
 * file:line:column. Unreachable steps are warnings. Takes YAML source, a path (a one-line string ending in
 * `.yaml`/`.yml`, read synchronously; `validateWorkflowFile` is the async form), or a loaded workflow or
 * `{ source, path }` to check again.
 */
export function validateWorkflow(
  input: string | LoadedWorkflow | { source: string; path?: string | undefined },
  options: { path?: string | undefined; env?: Env | undefined } = {},
): WorkflowValidation {
  if (typeof input === 'string' && looksLikePath(input)) {
    const path = input.trim();
    let source: string;
    try {
      source = readWorkflowFileSync(path, options.env);
    } catch (error) {
      if (!(error instanceof WorkflowError)) throw error;
      return { ok: false, errors: error.issues, issues: error.issues, code: error.code };
    }
    return toValidation(source, path, options.env);
  }
  if (typeof input === 'string') return toValidation(input, options.path, options.env);
  return toValidation(input.source, input.path ?? options.path, options.env);
}

/** Like `validateWorkflow` for a file; a missing file is reported as an issue (code CONDUCTOR_WORKFLOW_NOT_FOUND). */
export async function validateWorkflowFile(
  path: string,
  options: { env?: Env | undefined } = {},
): Promise<WorkflowValidation> {
  let source: string;
  try {
    source = await readWorkflowFile(path, options.env);
  } catch (error) {
    if (!(error instanceof WorkflowError)) throw error;
    return { ok: false, errors: error.issues, issues: error.issues, code: error.code };
  }
  return toValidation(source, path, options.env);
}

function unwrap(
  validation: WorkflowValidation,
  path: string | undefined,
  onWarning: ParseWorkflowOptions['onWarning'],
): LoadedWorkflow {
  if (!validation.ok) {
    throw WorkflowError.fromIssues(
      validation.issues,
      path === undefined ? undefined : resolve(path),
      validation.code,
    );
  }
  for (const issue of validation.issues) onWarning?.(issue);
  return validation.workflow;
}

/** Parses and validates workflow YAML. Throws `WorkflowError` with every issue when anything is wrong. */
export function parseWorkflow(source: string, options: ParseWorkflowOptions = {}): LoadedWorkflow {
  return unwrap(toValidation(source, options.path, options.env), options.path, options.onWarning);
}

/** Reads, parses and validates a workflow file. Throws `WorkflowError` (NOT_FOUND, YAML or INVALID). */
export async function loadWorkflow(path: string, options: LoadWorkflowOptions = {}): Promise<LoadedWorkflow> {
  const source = await readWorkflowFile(path, options.env);
  return unwrap(toValidation(source, path, options.env), path, options.onWarning);
}

const positionCache = new Map<string, Locator>();

/**
 * The line and column (1-based) of the node at a YAML path of a loaded workflow, e.g.
 * `workflowPosition(loaded, ['agents', 2, 'prompt'])`, so runtime errors can point into the file too.
 * Undefined when the path does not exist.
 */
export function workflowPosition(
  workflow: Pick<LoadedWorkflow, 'source'>,
  path: YamlPath,
): { line: number; column: number } | undefined {
  let locator = positionCache.get(workflow.source);
  if (!locator) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(workflow.source, { lineCounter, merge: true });
    locator = new Locator(doc, lineCounter, workflow.source, undefined);
    if (positionCache.size >= 20) positionCache.clear();
    positionCache.set(workflow.source, locator);
  }
  if (!locator.has(path)) return undefined;
  const offset = locator.offset(path);
  return offset === undefined ? undefined : locator.position(offset);
}
