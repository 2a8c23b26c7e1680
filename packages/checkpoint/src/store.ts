import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { canonicalPath as canonical, writeFileAtomic } from '@conductor/run-folder';
import {
  CheckpointCorruptError,
  CheckpointNotFoundError,
  CheckpointReadError,
  CheckpointWriteError,
  errnoCode,
} from './errors.js';
import { migrateCheckpoint, validateCheckpoint } from './migrate.js';
import { checkpointDir, conductorHome, RUN_ID } from './paths.js';
import type { Checkpoint, CheckpointTrigger } from './schema.js';

export interface SaveCheckpointOptions {
  /** Write exactly here (replacing a file that is there). Default: a new file in `checkpointDir`. */
  path?: string;
  /** Conductor home for the default location. Default `conductorHome()`. */
  home?: string;
}

/**
 * Saves a checkpoint atomically: a temp file in the same folder is written, fsynced and renamed into
 * place, then the folder is fsynced. A crash leaves the old state or the new file, never half a file.
 * The default name `<time>-<trigger>.json` sorts chronologically and never repeats within a process.
 * Returns the path written. The file is readable by its owner only (0600).
 */
export async function saveCheckpoint(
  checkpoint: Checkpoint,
  target: string | SaveCheckpointOptions = {},
): Promise<string> {
  const options = typeof target === 'string' ? { path: target } : target;
  const valid = validateCheckpoint(checkpoint, options.path ?? null);
  const dir = options.path ? dirname(resolve(options.path)) : checkpointDir(valid.run_id, options.home);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new CheckpointWriteError('create the folder for', dir, error);
  }
  const content = `${JSON.stringify(valid, null, 2)}\n`;
  const path = options.path ? resolve(options.path) : await freshPath(dir, valid.trigger);
  try {
    await writeFileAtomic(path, content);
  } catch (error) {
    throw new CheckpointWriteError('save', path, error);
  }
  return path;
}

let lastStampMs = 0;

/** `<ISO time without colons>-<trigger>.json`, a millisecond later than the last name if needed. */
async function freshPath(dir: string, trigger: CheckpointTrigger): Promise<string> {
  for (;;) {
    lastStampMs = Math.max(Date.now(), lastStampMs + 1);
    const stamp = new Date(lastStampMs).toISOString().replaceAll(':', '');
    const path = join(dir, `${stamp}-${trigger}.json`);
    // Another process saving into the same run in the same millisecond: take the next one.
    if (!(await exists(path))) return path;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Reads a checkpoint of any known version and returns it in the current format. Never changes the
 * file. Throws CONDUCTOR_CHECKPOINT_NOT_FOUND, _CORRUPT (with line:column), _INVALID (naming each
 * field) or _VERSION.
 */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CheckpointNotFoundError(path, error);
    throw new CheckpointReadError(path, error);
  }
  return migrateCheckpoint(parseJson(text.replace(/^\uFEFF/, ''), path), path);
}

function parseJson(text: string, file: string): unknown {
  if (text.trim() === '') throw new CheckpointCorruptError(file, 'the file is empty', null, null);
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = (error as Error).message;
    // V8 says "... at position N" for most errors and "Unexpected end of JSON input" at the end.
    const match = /at position (\d+)/.exec(reason);
    const position = match ? Number(match[1]) : /end of JSON input/.test(reason) ? text.length : null;
    if (position === null) throw new CheckpointCorruptError(file, reason, null, null, error);
    const before = text.slice(0, position);
    const line = before.split('\n').length;
    const column = position - before.lastIndexOf('\n');
    throw new CheckpointCorruptError(
      file,
      reason.replace(/ in JSON at position \d+.*$/, ''),
      line,
      column,
      error,
    );
  }
}

/** What a listing shows of a checkpoint. */
export interface CheckpointSummary {
  path: string;
  run_id: string;
  workflow_path: string;
  current_step: string;
  trigger: CheckpointTrigger;
  created_at: string;
  generation: number;
  last_seq: number;
  /** 1 when read from the original conductor's format. */
  migrated_from: 1 | null;
}

/** A checkpoint file a listing could not read, and why. */
export interface UnreadableCheckpoint {
  path: string;
  error: Error & { code?: string };
}

export interface CheckpointListing {
  /** Newest first. */
  checkpoints: CheckpointSummary[];
  /** Files skipped because they could not be read; never modified. */
  unreadable: UnreadableCheckpoint[];
}

export interface ListCheckpointsOptions {
  home?: string;
  /** Only this run's checkpoints. */
  runId?: string;
}

/** Every checkpoint under `<home>/runs/<run_id>/checkpoints/`, newest first. */
export async function listCheckpoints(options: ListCheckpointsOptions = {}): Promise<CheckpointListing> {
  const home = options.home ?? conductorHome();
  const runIds = options.runId !== undefined ? [options.runId] : await runIdsIn(join(home, 'runs'));
  const listing: CheckpointListing = { checkpoints: [], unreadable: [] };
  for (const runId of runIds) {
    const dir = checkpointDir(runId, home);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') continue;
      throw new CheckpointReadError(dir, error);
    }
    for (const name of names) {
      // Dot files are saves in progress (or left by a crash during one).
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const path = join(dir, name);
      try {
        listing.checkpoints.push(summarize(path, await loadCheckpoint(path)));
      } catch (error) {
        listing.unreadable.push({ path, error: error as Error });
      }
    }
  }
  listing.checkpoints.sort(newestFirst);
  return listing;
}

async function runIdsIn(runsDir: string): Promise<string[]> {
  try {
    const entries = await readdir(runsDir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && RUN_ID.test(e.name)).map((e) => e.name);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw new CheckpointReadError(runsDir, error);
  }
}

function summarize(path: string, checkpoint: Checkpoint): CheckpointSummary {
  return {
    path,
    run_id: checkpoint.run_id,
    workflow_path: checkpoint.workflow_path,
    current_step: checkpoint.current_step,
    trigger: checkpoint.trigger,
    created_at: checkpoint.created_at,
    generation: checkpoint.generation,
    last_seq: checkpoint.last_seq,
    migrated_from: checkpoint.migrated_from ?? null,
  };
}

function newestFirst(a: CheckpointSummary, b: CheckpointSummary): number {
  const byTime = Date.parse(b.created_at) - Date.parse(a.created_at);
  if (byTime !== 0) return byTime;
  return a.path < b.path ? 1 : a.path > b.path ? -1 : 0;
}

/**
 * The newest checkpoint of the workflow at `workflowPath` (compared after resolving symlinks), or
 * null. Unreadable checkpoint files are ignored here; `listCheckpoints` reports them.
 */
export async function latestCheckpointFor(
  workflowPath: string,
  options: { home?: string } = {},
): Promise<CheckpointSummary | null> {
  const target = await canonical(workflowPath);
  const { checkpoints } = await listCheckpoints(options);
  const seen = new Map<string, string>();
  for (const summary of checkpoints) {
    let path = seen.get(summary.workflow_path);
    if (path === undefined) {
      path = await canonical(summary.workflow_path);
      seen.set(summary.workflow_path, path);
    }
    if (path === target) return summary;
  }
  return null;
}

/** Deletes checkpoint files; returns the ones deleted. Files already gone are not an error. */
export async function deleteCheckpoints(paths: readonly string[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const path of paths) {
    try {
      await unlink(path);
      deleted.push(path);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw new CheckpointWriteError('delete', path, error);
    }
  }
  return deleted;
}

export interface PruneCheckpointsOptions {
  /** How many of the newest matching checkpoints to keep. */
  keepLast: number;
  /** Only checkpoints with this trigger are pruned. Default 'periodic'. */
  trigger?: CheckpointTrigger;
  home?: string;
}

/**
 * Deletes all but the newest `keepLast` checkpoints of one run with one trigger (periodic by
 * default), so failure and interrupt checkpoints are never pruned with them. Returns the deleted paths.
 */
export async function pruneCheckpoints(runId: string, options: PruneCheckpointsOptions): Promise<string[]> {
  const { keepLast, trigger = 'periodic', home } = options;
  if (!Number.isSafeInteger(keepLast) || keepLast < 0) {
    throw new RangeError(`keepLast must be an integer >= 0, got ${keepLast}`);
  }
  const { checkpoints } = await listCheckpoints({ home, runId });
  const matching = checkpoints.filter((c) => c.trigger === trigger);
  return deleteCheckpoints(matching.slice(keepLast).map((c) => c.path));
}
