import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { LoadedWorkflow } from '@conductor/engine';
import { UsageError } from './errors.js';
import type { CliIo } from './io.js';

export interface InstructionFlags {
  instructions?: string[];
  workspaceInstructions?: boolean;
  printLoadedInstructions?: boolean;
}

/** The files the original's `--workspace-instructions` reads in each folder, in its order. */
const WORKSPACE_FILES = ['AGENTS.md', join('.github', 'copilot-instructions.md'), 'CLAUDE.md'];

/**
 * `--workspace-instructions` and `--instructions`: their texts join the workflow's `instructions`, which
 * every agent prompt starts with. The original's order: workspace files, the YAML's, then the files given.
 */
export async function addInstructions(
  io: CliIo,
  workflow: LoadedWorkflow,
  flags: InstructionFlags,
  cwd = process.cwd(),
): Promise<void> {
  const workspace = flags.workspaceInstructions ? await workspaceInstructionFiles(cwd) : [];
  const given = (flags.instructions ?? []).map((path) => resolve(cwd, path));
  const read = async (path: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new UsageError(`--instructions ${path}: ${(error as Error).message}`, { cause: error });
    }
  };
  const before = await Promise.all(workspace.map(read));
  const after = await Promise.all(given.map(read));
  const loaded = [...workspace, ...given];
  if (before.length > 0 || after.length > 0) {
    const settings = workflow.definition.workflow;
    const own = settings.instructions === undefined ? [] : [settings.instructions].flat();
    settings.instructions = [...before, ...own, ...after];
  }
  if (flags.printLoadedInstructions) {
    io.stderr.write(
      loaded.length > 0
        ? `loaded instructions:\n${loaded.map((path) => `  ${relative(cwd, path) || path}`).join('\n')}\n`
        : 'loaded instructions: none\n',
    );
  }
}

/** The workspace's instruction files, from `cwd` up to the git root (the folder holding `.git`). */
export async function workspaceInstructionFiles(cwd: string): Promise<string[]> {
  const folders: string[] = [];
  let dir = resolve(cwd);
  for (;;) {
    folders.push(dir);
    if (existsSync(join(dir, '.git'))) break;
    const parent = dirname(dir);
    if (parent === dir) {
      // No git root: only the current folder, as the original does.
      folders.splice(1);
      break;
    }
    dir = parent;
  }
  const found: string[] = [];
  for (const folder of folders) {
    for (const name of WORKSPACE_FILES) {
      if (existsSync(join(folder, name))) found.push(join(folder, name));
    }
    found.push(...(await appliesEverywhere(join(folder, '.github', 'instructions'))));
  }
  return found;
}

/** `*.instructions.md` files under `dir` whose front matter says `applyTo: "**"`. */
async function appliesEverywhere(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true })).map(String).sort();
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.endsWith('.instructions.md')) continue;
    const path = join(dir, entry);
    const text = await readFile(path, 'utf8').catch(() => '');
    const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1] ?? '';
    if (/^applyTo:\s*["']?\*\*["']?\s*$/m.test(front)) found.push(path);
  }
  return found;
}
