import { resolve } from 'node:path';
import { conductorHome } from '@conductor/run-folder';

export interface HomeOptions {
  /** `$CONDUCTOR_HOME` to use. Default: `CONDUCTOR_HOME` from `env`, then from process.env, else ~/.conductor. */
  home?: string;
  env?: Record<string, string | undefined>;
}

/**
 * The Conductor home a run writes under. `env` is looked at first, then process.env, so a caller
 * that passes a small `env` (to keep API keys away from scripts) still honours the user's home.
 */
export function resolveHome(options: HomeOptions = {}): string {
  if (options.home) return resolve(options.home);
  return conductorHome({ CONDUCTOR_HOME: options.env?.CONDUCTOR_HOME || process.env.CONDUCTOR_HOME });
}
