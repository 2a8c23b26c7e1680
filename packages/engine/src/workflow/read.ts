import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Env } from './env.js';
import { formatLocation, WorkflowError, type WorkflowIssue } from './errors.js';

/**
 * The largest workflow file loaded, in bytes: 2 MiB. Parsing YAML takes far more memory than the file
 * (about 50 times), and a workflow holds steps and prompts, not data. `CONDUCTOR_MAX_WORKFLOW_BYTES`
 * raises or lowers it.
 */
export const DEFAULT_MAX_WORKFLOW_BYTES = 2 * 1024 * 1024;

/** The limit from `CONDUCTOR_MAX_WORKFLOW_BYTES`, else the default; a value that is not a number is an error. */
export function maxWorkflowBytes(env: Env = process.env): number {
  const raw = env.CONDUCTOR_MAX_WORKFLOW_BYTES;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_WORKFLOW_BYTES;
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    const message = `CONDUCTOR_MAX_WORKFLOW_BYTES="${raw}" is not a size in bytes: give a whole number (default ${DEFAULT_MAX_WORKFLOW_BYTES})`;
    throw new WorkflowError('CONDUCTOR_WORKFLOW_INVALID', message, [
      { severity: 'error', message, path: [] },
    ]);
  }
  return value;
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;

/** The error for a workflow (a file, or source given as text) larger than the limit. */
export function tooLarge(file: string | undefined, bytes: number, limit: number): WorkflowError {
  const what = file === undefined ? 'the workflow source' : `workflow file ${formatLocation({ file })}`;
  const message =
    `${what} is ${bytes.toLocaleString('en-US')} bytes (${mib(bytes)}), over the limit of ` +
    `${limit.toLocaleString('en-US')} bytes (${mib(limit)}) for a workflow. A workflow holds steps and prompts, ` +
    'not data: keep large text in files that steps read (a script step, an input), or raise ' +
    'CONDUCTOR_MAX_WORKFLOW_BYTES.';
  const issue: WorkflowIssue = { severity: 'error', message, path: [] };
  if (file !== undefined) issue.file = file;
  return new WorkflowError('CONDUCTOR_WORKFLOW_TOO_LARGE', message, [issue]);
}

export function readFailure(path: string, error: unknown): WorkflowError {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === 'ENOENT'
      ? `workflow file not found: ${path}`
      : code === 'EISDIR'
        ? `${path} is a directory, not a workflow file`
        : `cannot read workflow file ${path}: ${(error as Error).message}`;
  const issue: WorkflowIssue = { severity: 'error', message, file: resolve(path), path: [] };
  return new WorkflowError('CONDUCTOR_WORKFLOW_NOT_FOUND', message, [issue], { cause: error });
}

/** A folder, or a file over the limit, is refused before it is read. */
function checkSize(path: string, info: { isDirectory(): boolean; size: number }, limit: number): void {
  if (info.isDirectory())
    throw readFailure(path, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
  if (info.size > limit) throw tooLarge(resolve(path), info.size, limit);
}

/** `action()`, its failure reported as reading the workflow file at `path`. */
async function attempt<T>(path: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw readFailure(path, error);
  }
}

function attemptSync<T>(path: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw readFailure(path, error);
  }
}

/**
 * Reads a workflow file as UTF-8. Its size is checked on the open file before it is read, so a huge
 * file is refused without being loaded. Throws WorkflowError: NOT_FOUND, or TOO_LARGE.
 */
export async function readWorkflowFile(path: string, env: Env = process.env): Promise<string> {
  const limit = maxWorkflowBytes(env);
  const handle = await attempt(path, () => open(path, 'r'));
  try {
    checkSize(path, await attempt(path, () => handle.stat()), limit);
    return await attempt(path, () => handle.readFile('utf8'));
  } finally {
    await handle.close();
  }
}

/** {@link readWorkflowFile}, synchronously (validation of a path, sub-workflow files). */
export function readWorkflowFileSync(path: string, env: Env = process.env): string {
  const limit = maxWorkflowBytes(env);
  const fd = attemptSync(path, () => openSync(path, 'r'));
  try {
    checkSize(
      path,
      attemptSync(path, () => fstatSync(fd)),
      limit,
    );
    return attemptSync(path, () => readFileSync(fd, 'utf8'));
  } finally {
    closeSync(fd);
  }
}
