import { UsageError } from './errors.js';

/** Parses repeated `--input name=value` flags into a record; values stay strings for the engine to coerce. */
export function parseInputFlags(flags: readonly string[]): Record<string, string> {
  // No prototype: `--input __proto__=x` is an input named "__proto__" (reported as unknown), not dropped.
  const inputs: Record<string, string> = Object.create(null);
  for (const flag of flags) {
    const at = flag.indexOf('=');
    if (at <= 0) {
      throw new UsageError(
        `--input "${flag}" is not of the form name=value. Example: --input topic="durable runs"`,
      );
    }
    inputs[flag.slice(0, at)] = flag.slice(at + 1);
  }
  return inputs;
}

export const collect = (value: string, previous: string[]): string[] => [...previous, value];
