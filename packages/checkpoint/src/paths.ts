import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { RunIdError } from './errors.js';

// Same rules as @conductor/event-log; duplicated because checkpoint depends on nothing but valibot.
export const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `$CONDUCTOR_HOME`, or `~/.conductor` when it is unset or empty. Always absolute. */
export function conductorHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.CONDUCTOR_HOME;
  return home ? resolve(home) : join(homedir(), '.conductor');
}

/** `<home>/runs/<runId>/checkpoints`. Throws {@link RunIdError} for an id that cannot name a folder. */
export function checkpointDir(runId: string, home: string = conductorHome()): string {
  if (!RUN_ID.test(runId)) throw new RunIdError(runId);
  return join(home, 'runs', runId, 'checkpoints');
}

/** The sha256 hex digest of a workflow file's content, stored as `workflow_hash`. */
export function hashWorkflowSource(source: string | Uint8Array): string {
  return createHash('sha256').update(source).digest('hex');
}
