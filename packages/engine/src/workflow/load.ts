import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { type CheckOptions, checkWorkflow } from './check.js';
import type { Env } from './env.js';
import { WorkflowError, type WorkflowErrorCode, type WorkflowIssue } from './errors.js';
import { Locator, type YamlPath } from './locate.js';
import { maxWorkflowBytes, readWorkflowFile, readWorkflowFileSync, tooLarge } from './read.js';
import type { LoadedWorkflow } from './types.js';

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

function toValidation(
  source: string,
  path: string | undefined,
  env: Env | undefined,
  options: CheckOptions = {},
): WorkflowValidation {
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
  const { issues, definition, code } = checkWorkflow(source, file, env ?? process.env, [], options);
  if (definition) {
    const workflow: LoadedWorkflow = { definition, source, hash: sha256(source) };
    if (file !== undefined) workflow.path = file;
    return { ok: true, workflow, issues };
  }
  return { ok: false, errors: issues.filter((issue) => issue.severity === 'error'), issues, code };
}

/** What `validate` checks beyond loading: providers this version does not have are errors there. */
const VALIDATE: CheckOptions = { providers: true };

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
    return toValidation(source, path, options.env, VALIDATE);
  }
  if (typeof input === 'string') return toValidation(input, options.path, options.env, VALIDATE);
  return toValidation(input.source, input.path ?? options.path, options.env, VALIDATE);
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
  return toValidation(source, path, options.env, VALIDATE);
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
