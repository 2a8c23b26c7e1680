export { RunIdError } from '@conductor/run-folder';

/** One field that did not match the checkpoint schema. */
export interface CheckpointFieldIssue {
  /** Dot path of the field, e.g. `context.step_outputs` or `context.execution_history.2.step`. */
  field: string;
  /** What the field should be, e.g. `Object` or `"failure" | "interrupt"`. */
  expected: string | null;
  /** What was found, e.g. `Array` or `undefined`. */
  received: string | null;
  message: string;
}

/** The checkpoint file does not exist. */
export class CheckpointNotFoundError extends Error {
  readonly code = 'CONDUCTOR_CHECKPOINT_NOT_FOUND';
  readonly file: string;
  constructor(file: string, cause?: unknown) {
    super(
      `checkpoint ${file} does not exist. Check the path; checkpoints are saved under $CONDUCTOR_HOME/runs/<run_id>/checkpoints/.`,
      {
        cause,
      },
    );
    this.name = 'CheckpointNotFoundError';
    this.file = file;
  }
}

/** The checkpoint file is not JSON (cut short, edited by hand, not a checkpoint). */
export class CheckpointCorruptError extends Error {
  readonly code = 'CONDUCTOR_CHECKPOINT_CORRUPT';
  readonly file: string;
  /** 1-based position of the JSON syntax error, when known. */
  readonly line: number | null;
  readonly column: number | null;
  constructor(file: string, reason: string, line: number | null, column: number | null, cause?: unknown) {
    const where = line === null ? file : `${file}:${line}:${column}`;
    super(
      `checkpoint ${where} is not valid JSON: ${reason}. The file was left untouched; ` +
        'resume from an earlier checkpoint or start the workflow again.',
      { cause },
    );
    this.name = 'CheckpointCorruptError';
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

/** The checkpoint is JSON but a field is missing or has the wrong type. */
export class CheckpointInvalidError extends Error {
  readonly code = 'CONDUCTOR_CHECKPOINT_INVALID';
  readonly file: string | null;
  readonly issues: readonly CheckpointFieldIssue[];
  constructor(file: string | null, issues: readonly CheckpointFieldIssue[]) {
    const shown = issues.slice(0, 5).map((issue) => `  - ${describeIssue(issue)}`);
    if (issues.length > 5) shown.push(`  - and ${issues.length - 5} more`);
    super(
      `checkpoint ${file ?? '(in memory)'} is not a valid checkpoint:\n${shown.join('\n')}\n` +
        'The file was left untouched; fix the field or resume from another checkpoint.',
    );
    this.name = 'CheckpointInvalidError';
    this.file = file;
    this.issues = issues;
  }
}

function describeIssue(issue: CheckpointFieldIssue): string {
  if (issue.expected !== null && issue.received !== null) {
    return `${issue.field}: expected ${issue.expected}, got ${issue.received}`;
  }
  return `${issue.field}: ${issue.message}`;
}

/** The checkpoint was written by a conductor whose format this one does not know. */
export class CheckpointVersionError extends Error {
  readonly code = 'CONDUCTOR_CHECKPOINT_VERSION';
  readonly file: string | null;
  readonly version: unknown;
  constructor(file: string | null, version: unknown) {
    super(
      `checkpoint ${file ?? '(in memory)'} has version ${JSON.stringify(version)}; this conductor reads ` +
        'versions 1 and 2. Upgrade conductor to resume it, or start the workflow again.',
    );
    this.name = 'CheckpointVersionError';
    this.file = file;
    this.version = version;
  }
}

/** Reading the checkpoint file failed for another reason than absence (permissions, ...). */
export class CheckpointReadError extends Error {
  readonly code = 'CONDUCTOR_CHECKPOINT_READ';
  readonly file: string;
  constructor(file: string, cause: unknown) {
    super(`could not read checkpoint ${file}: ${reasonOf(cause)}. Check its permissions.`, { cause });
    this.name = 'CheckpointReadError';
    this.file = file;
  }
}

/** Saving or deleting a checkpoint failed in the file system. */
export class CheckpointWriteError extends Error {
  readonly code = 'CONDUCTOR_CHECKPOINT_WRITE';
  readonly file: string;
  constructor(action: string, file: string, cause: unknown) {
    super(
      `could not ${action} checkpoint ${file}: ${reasonOf(cause)}. Check that the folder is writable and the disk has space.`,
      { cause },
    );
    this.name = 'CheckpointWriteError';
    this.file = file;
  }
}

export function reasonOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export { errnoCode } from '@conductor/run-folder';
