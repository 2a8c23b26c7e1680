import * as v from 'valibot';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { type Env, substituteDocumentEnv } from './env.js';
import { sortIssues, type WorkflowErrorCode, type WorkflowIssue } from './errors.js';
import { resolveFileTags } from './file-tags.js';
import { Locator, type YamlPath } from './locate.js';
import { schemaOutputIsDefinition, WorkflowSchema } from './schema.js';
import { schemaIssue, unknownKeys } from './schema-issues.js';
import { semanticIssues } from './semantic/index.js';
import { providerOnlyIssues } from './semantic/provider-only.js';
import { unavailableProviderIssues } from './semantic/providers.js';
import { shellScriptIssues } from './shell-check.js';
import { stepTypeIssues } from './step-types.js';
import { type InheritedRuntime, inheritRuntime, subworkflowIssues } from './subworkflows.js';
import type { WorkflowDefinition } from './types.js';

function yamlMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

export interface CheckOptions {
  /**
   * Report providers this version does not have (copilot...) as errors: `validate` does; loading for a
   * run does not, because `--provider` or a provider a script registers may stand in for them.
   */
  providers?: boolean;
  /** A sub-workflow's check: the settings it inherits from the workflows that run it. */
  inherited?: InheritedRuntime | undefined;
}

export interface CheckedWorkflow {
  issues: WorkflowIssue[];
  definition: WorkflowDefinition | undefined;
  code: WorkflowErrorCode;
}

/**
 * Every problem of a workflow's source: YAML, `${VAR}` substitution, unknown keys, the schema, semantic
 * checks, shell scripts and sub-workflows (checked in turn, `stack` holding the files that lead here).
 */
export function checkWorkflow(
  source: string,
  file: string | undefined,
  env: Env,
  stack: readonly string[] = [],
  options: CheckOptions = {},
): CheckedWorkflow {
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
    ...doc.warnings
      .filter((w) => !(w.code === 'TAG_RESOLVE_FAILED' && /!file\b/.test(w.message)))
      .map((w) => located('warning', `YAML: ${yamlMessage(w.message)}`, w.pos[0])),
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

  const issues: WorkflowIssue[] = [...yamlIssues, ...resolveFileTags(doc.contents, file, locator)];
  issues.push(...substituteDocumentEnv(doc, env, locator));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    issues.push(located('error', `YAML: ${(error as Error).message}`, 0));
    return { issues, definition: undefined, code: 'CONDUCTOR_WORKFLOW_YAML' };
  }

  inheritRuntime(data, options.inherited);
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
  issues.push(...providerOnlyIssues(data, locator));
  if (options.providers) issues.push(...unavailableProviderIssues(data, locator));
  const checkChild = (
    childSource: string,
    childFile: string | undefined,
    childEnv: Env,
    chain: readonly string[],
    inherited: InheritedRuntime,
  ) => checkWorkflow(childSource, childFile, childEnv, chain, { ...options, inherited });
  issues.push(...subworkflowIssues(data, file, locator, env, stack, checkChild, options.inherited));

  // A value whose !file failed is reported once, at the tag, not again as the wrong type.
  const failedTags = new Set(
    issues.filter((issue) => issue.message.startsWith('!file ')).map((issue) => issue.path.join('.')),
  );
  const sorted = sortIssues(
    issues.filter((issue) => issue.message.startsWith('!file ') || !failedTags.has(issue.path.join('.'))),
  );
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
