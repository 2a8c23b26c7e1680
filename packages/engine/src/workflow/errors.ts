import { isAbsolute, relative } from 'node:path';

export type WorkflowErrorCode =
  | 'CONDUCTOR_WORKFLOW_INVALID'
  | 'CONDUCTOR_WORKFLOW_NOT_FOUND'
  /** The file is over the size limit (`CONDUCTOR_MAX_WORKFLOW_BYTES`, default 2 MiB); it was not read. */
  | 'CONDUCTOR_WORKFLOW_TOO_LARGE'
  | 'CONDUCTOR_WORKFLOW_YAML';

/** One problem found in a workflow file, located at the YAML node it is about. */
export interface WorkflowIssue {
  severity: 'error' | 'warning';
  message: string;
  /** What to do about it: `Did you mean "review"? Valid targets: review, publish, $end.` */
  hint?: string;
  /** The workflow file, when it has one. */
  file?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  /** The YAML path of the node, e.g. `['agents', 2, 'routes', 0, 'to']`. */
  path: (string | number)[];
}

function displayPath(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** `file:line:column`, relative to `cwd` when the file is inside it. */
export function formatLocation(
  issue: Pick<WorkflowIssue, 'file' | 'line' | 'column'>,
  cwd = process.cwd(),
): string {
  const file = issue.file === undefined ? '<workflow>' : displayPath(issue.file, cwd);
  if (issue.line === undefined) return file;
  return `${file}:${issue.line}${issue.column === undefined ? '' : `:${issue.column}`}`;
}

/**
 * Human lines, one per issue, in file order:
 * `examples/review.yaml:12:7 error: route of step "draft" goes to "reviw", which is not a step. Did you mean "review"? ...`
 */
export function formatIssues(issues: readonly WorkflowIssue[], options: { cwd?: string } = {}): string {
  return sortIssues(issues)
    .map((issue) => {
      const message = /[.!?:]$/.test(issue.message) ? issue.message : `${issue.message}.`;
      return `${formatLocation(issue, options.cwd)} ${issue.severity}: ${message}${issue.hint ? ` ${issue.hint}` : ''}`;
    })
    .join('\n');
}

/** Issues in file order (line, then column); issues without a line last. */
export function sortIssues(issues: readonly WorkflowIssue[]): WorkflowIssue[] {
  const big = Number.MAX_SAFE_INTEGER;
  return [...issues].sort(
    (a, b) =>
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? big) - (b.line ?? big) ||
      (a.column ?? big) - (b.column ?? big),
  );
}

/** A workflow that cannot be used: missing, not YAML, or invalid. `issues` has every problem found. */
export class WorkflowError extends Error {
  override name = 'WorkflowError';
  readonly code: WorkflowErrorCode;
  readonly issues: WorkflowIssue[];

  constructor(
    code: WorkflowErrorCode,
    message: string,
    issues: WorkflowIssue[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.issues = issues;
  }

  /** The error for a list of issues (at least one of them an error). */
  static fromIssues(
    issues: WorkflowIssue[],
    file: string | undefined,
    code: WorkflowErrorCode = 'CONDUCTOR_WORKFLOW_INVALID',
  ): WorkflowError {
    const errors = issues.filter((issue) => issue.severity === 'error');
    const name = file === undefined ? 'the workflow' : `workflow ${formatLocation({ file })}`;
    const what = code === 'CONDUCTOR_WORKFLOW_YAML' ? 'is not valid YAML' : 'is invalid';
    const count = `${errors.length} error${errors.length === 1 ? '' : 's'}`;
    return new WorkflowError(
      code,
      `${name} ${what} (${count}):\n${formatIssues(errors)}`,
      sortIssues(issues),
    );
  }
}
