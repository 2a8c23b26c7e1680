import { readdir, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { errnoCode, RunIdError } from './errors.js';

/** What a run id may be: 1 to 64 of `A-Za-z0-9_-`, so it names a folder and never climbs out of one. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** `$CONDUCTOR_HOME`, or `~/.conductor` when it is unset or empty. Always absolute. */
export function conductorHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.CONDUCTOR_HOME;
  return home ? resolve(home) : join(homedir(), '.conductor');
}

/** Whether `runId` can name a run folder: 1 to 64 of `A-Za-z0-9_-` (no dots, so no `..`). */
export function isValidRunId(runId: string): boolean {
  return RUN_ID_PATTERN.test(runId);
}

/** Throws {@link RunIdError} unless `runId` is valid; returns it. */
export function assertRunId(runId: string): string {
  if (!isValidRunId(runId)) throw new RunIdError(runId);
  return runId;
}

/** `<home>/runs/<runId>`: everything of one run. */
export function runDir(runId: string, home: string = conductorHome()): string {
  return join(home, 'runs', assertRunId(runId));
}

/** `<home>/runs/<runId>/events.jsonl`: the run's history. */
export function eventLogPath(runId: string, home?: string): string {
  return join(runDir(runId, home), 'events.jsonl');
}

/** `<home>/runs/<runId>/checkpoints`. */
export function checkpointDir(runId: string, home?: string): string {
  return join(runDir(runId, home), 'checkpoints');
}

/** `<home>/runs/<runId>/run.json`: what the run is, for listings. */
export function runRecordPath(runId: string, home?: string): string {
  return join(runDir(runId, home), 'run.json');
}

/** `<home>/runs/<runId>/claims`: who owns the run, one file per owner in turn. */
export function claimDir(runId: string, home?: string): string {
  return join(runDir(runId, home), 'claims');
}

/** The names of the run folders under `<home>/runs`, in no particular order. */
export async function listRunIds(home: string = conductorHome()): Promise<string[]> {
  try {
    const entries = await readdir(join(home, 'runs'), { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && isValidRunId(e.name)).map((e) => e.name);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
}

/** The real path of `path` when it exists (symlinks and `..` resolved), else `path` resolved. */
export async function canonicalPath(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}
