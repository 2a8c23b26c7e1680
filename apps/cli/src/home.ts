import { statSync } from 'node:fs';
import { conductorHome } from '@conductor/event-log';
import { UsageError } from './errors.js';

/**
 * `$CONDUCTOR_HOME` (default ~/.conductor), checked before a command reads or writes runs there: a path
 * that is a file (or lies under one) is reported as such, not as an ENOTDIR from deep inside a command.
 */
export function checkedHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = conductorHome(env);
  const named = env.CONDUCTOR_HOME ? `CONDUCTOR_HOME (${home})` : home;
  const fix = env.CONDUCTOR_HOME
    ? 'Point CONDUCTOR_HOME at a directory (it is created when missing), or unset it to use ~/.conductor.'
    : 'Move that file away, or set CONDUCTOR_HOME to a directory.';
  let isDirectory: boolean;
  try {
    isDirectory = statSync(home).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return home; // created on first use
    if (code !== 'ENOTDIR') throw new UsageError(`cannot use ${named}: ${(error as Error).message}. ${fix}`);
    isDirectory = false;
  }
  if (!isDirectory) throw new UsageError(`${named} is not a directory. ${fix}`);
  return home;
}
