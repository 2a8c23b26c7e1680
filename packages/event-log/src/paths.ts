import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunIdError } from './errors.js';

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `$CONDUCTOR_HOME`, or `~/.conductor` when it is unset or empty. Always absolute. */
export function conductorHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.CONDUCTOR_HOME;
  return home ? resolve(home) : join(homedir(), '.conductor');
}

/** Whether `runId` can name a run folder: 1 to 64 of `A-Za-z0-9_-` (no dots, so no `..`). */
export function isValidRunId(runId: string): boolean {
  return RUN_ID.test(runId);
}

/** Throws {@link RunIdError} unless `runId` is valid; returns it. */
export function assertRunId(runId: string): string {
  if (!isValidRunId(runId)) throw new RunIdError(runId);
  return runId;
}

/** `<home>/runs/<runId>` */
export function runDir(runId: string, home: string = conductorHome()): string {
  return join(home, 'runs', assertRunId(runId));
}

/** `<home>/runs/<runId>/events.jsonl` */
export function eventLogPath(runId: string, home?: string): string {
  return join(runDir(runId, home), 'events.jsonl');
}
