import { DEFAULT_MAX_OUTPUT_CHARS, MIN_MAX_OUTPUT_CHARS } from './store.js';

/** A cap on output size that cannot be used (RunOptions.maxOutputChars, CONDUCTOR_MAX_OUTPUT_CHARS). */
export class OutputCapError extends Error {
  readonly code = 'CONDUCTOR_OUTPUT_CAP';
  constructor(message: string) {
    super(message);
    this.name = 'OutputCapError';
  }
}

/**
 * The run's cap on a text's characters: `maxOutputChars` when given, else `CONDUCTOR_MAX_OUTPUT_CHARS`
 * from `env`, else {@link DEFAULT_MAX_OUTPUT_CHARS}. Throws {@link OutputCapError} for a value that is
 * not an integer of at least {@link MIN_MAX_OUTPUT_CHARS}.
 */
export function resolveMaxOutputChars(
  maxOutputChars: number | undefined,
  env: Record<string, string | undefined>,
): number {
  const fromEnv = env.CONDUCTOR_MAX_OUTPUT_CHARS;
  if (maxOutputChars === undefined && (fromEnv === undefined || fromEnv.trim() === '')) {
    return DEFAULT_MAX_OUTPUT_CHARS;
  }
  const source = maxOutputChars !== undefined ? 'maxOutputChars' : `CONDUCTOR_MAX_OUTPUT_CHARS="${fromEnv}"`;
  const value = maxOutputChars ?? (/^\s*\d+\s*$/.test(fromEnv ?? '') ? Number(fromEnv) : Number.NaN);
  if (!Number.isSafeInteger(value) || value < MIN_MAX_OUTPUT_CHARS) {
    throw new OutputCapError(
      `${source} is not a usable output cap: give a whole number of characters, at least ${MIN_MAX_OUTPUT_CHARS} ` +
        `(default ${DEFAULT_MAX_OUTPUT_CHARS}).`,
    );
  }
  return value;
}
