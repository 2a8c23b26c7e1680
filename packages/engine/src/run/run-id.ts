import { randomBytes } from 'node:crypto';
import { assertRunId } from '@conductor/event-log';

/** A new run id: local date and time, then 6 random hex digits (`20261121-055958-a1b2c3`). */
export function mintRunId(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${date}-${time}-${randomBytes(3).toString('hex')}`;
}

/**
 * The run id to use: `runId` if given, else `CONDUCTOR_RUN_ID` from `env` when set, else a new one.
 * A given id must match `[A-Za-z0-9_-]{1,64}` (it names the run's folder), else RunIdError
 * (code CONDUCTOR_RUN_ID).
 */
export function resolveRunId(
  runId: string | undefined,
  env: Record<string, string | undefined>,
  now?: Date,
): string {
  if (runId !== undefined) return assertRunId(runId);
  const fromEnv = env.CONDUCTOR_RUN_ID;
  if (fromEnv !== undefined && fromEnv !== '') return assertRunId(fromEnv);
  return mintRunId(now);
}
