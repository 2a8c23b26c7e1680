import { UsageError } from './errors.js';

/**
 * The original conductor's `--input.NAME=VALUE` (and `--input.NAME VALUE`) as the `--input NAME=VALUE`
 * the parser knows. Everything after `--` is left alone.
 */
export function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const match = /^--input\.([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      out.push(arg);
      continue;
    }
    const [, name, value] = match;
    if (value !== undefined) {
      out.push('--input', `${name}=${value}`);
    } else if (i + 1 < argv.length) {
      out.push('--input', `${name}=${argv[i + 1]}`);
      i += 1;
    } else {
      throw new UsageError(`--input.${name} has no value: write --input.${name}=VALUE.`);
    }
  }
  return out;
}

/** The global `-q/--quiet` and `-s/--silent` (the original's) cannot be combined. */
export function checkVerbosity(options: { quiet?: boolean; silent?: boolean }): void {
  if (options.quiet && options.silent) {
    throw new UsageError('--quiet and --silent cannot be combined: --silent alone prints only the result.');
  }
}
