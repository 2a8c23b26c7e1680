/** A run id that cannot name a folder under `runs/`. */
export class RunIdError extends Error {
  readonly code = 'CONDUCTOR_RUN_ID';
  readonly runId: string;
  constructor(runId: string) {
    super(
      `run id ${JSON.stringify(runId)} is not valid: use 1 to 64 characters from A-Z, a-z, 0-9, "_" and "-"`,
    );
    this.name = 'RunIdError';
    this.runId = runId;
  }
}

/** run.json is missing, unreadable or is not a run record. */
export class RunRecordError extends Error {
  readonly code:
    | 'CONDUCTOR_RUN_RECORD_NOT_FOUND'
    | 'CONDUCTOR_RUN_RECORD_INVALID'
    | 'CONDUCTOR_RUN_RECORD_IO';
  readonly path: string;
  constructor(
    code: RunRecordError['code'],
    path: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'RunRecordError';
    this.code = code;
    this.path = path;
  }
}

/** Reading or writing a run's claim failed in the file system. */
export class ClaimIoError extends Error {
  readonly code = 'CONDUCTOR_CLAIM_IO';
  readonly path: string;
  constructor(action: string, path: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`could not ${action} ${path}: ${reason}. Check that the run folder is writable.`, { cause });
    this.name = 'ClaimIoError';
    this.path = path;
  }
}

/** The errno code of a Node.js system error (`ENOENT`, ...), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}
