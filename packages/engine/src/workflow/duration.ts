/** A duration that cannot be read. */
export class DurationError extends Error {
  override name = 'DurationError';
  readonly code = 'CONDUCTOR_DURATION_INVALID';
}

const DURATION = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?\s*$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds in a duration: `"500ms"`, `"2s"`, `"1.5m"`, `"1h"`, `"30"` or `30` (seconds). Whitespace around
 * the number and unit is allowed, as in the original conductor. Bounds (more than 0, at most 24h for `wait`)
 * are the caller's policy.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new DurationError(`duration ${value} is not valid: use a number of seconds of 0 or more`);
    }
    return value * 1000;
  }
  if (typeof value !== 'string') {
    throw new DurationError(
      `duration must be a number of seconds or a string like "2s", not ${typeof value}`,
    );
  }
  const match = DURATION.exec(value);
  if (!match) {
    throw new DurationError(
      `duration "${value}" is not valid: use a number of seconds or a number with a unit, e.g. "500ms", "2s", "1.5m", "1h"`,
    );
  }
  return Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1000);
}
