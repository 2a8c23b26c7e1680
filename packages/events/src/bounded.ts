// What the projection keeps of large values: bounded heads of outputs, prompts and inputs, so the
// state (and /api/state) does not grow with the size of what steps produce.
import { boundValue, spillsOf } from './outputs.js';
import { type Attempt, type ItemState, OLDER_TOOL_CALLS_KEPT, type RunInfo } from './projection/state.js';

type Data = Record<string, unknown>;

/**
 * Characters (as JSON) of a step's latest output kept in the state; older attempts and for_each items
 * keep {@link OLDER_OUTPUT_CHARS_KEPT}. Bigger outputs are cut (`output_truncated`): the whole is in the
 * attempt's completion event (seq `last_seq`) and, for texts over the run's cap, in `spills`.
 */
export const OUTPUT_CHARS_KEPT = 4000;
export const OLDER_OUTPUT_CHARS_KEPT = 500;
/** Characters kept of a rendered prompt, an error message, the run's final output and each input. */
export const TEXT_CHARS_KEPT = 4000;

/** The output fields of an attempt: a bounded copy of `value`, and the texts stored in files. */
export function outputFields(value: unknown, data: Data, maxChars = OUTPUT_CHARS_KEPT): Partial<Attempt> {
  const bounded = boundValue(value, maxChars);
  const spills = spillsOf(data);
  const fields: Partial<Attempt> = {
    output: bounded.value,
    output_truncated: undefined,
    output_size: undefined,
    spills: undefined,
  };
  if (bounded.truncated) {
    fields.output_truncated = true;
    fields.output_size = bounded.size;
  }
  if (Object.keys(spills).length > 0) fields.spills = spills;
  return withoutUndefined(fields);
}

/** An attempt that is no longer the latest keeps a smaller head of its output, and fewer tool calls. */
export function olderAttempt(attempt: Attempt): Attempt {
  const calls =
    attempt.tools && attempt.tools.length > OLDER_TOOL_CALLS_KEPT
      ? { tools: attempt.tools.slice(-OLDER_TOOL_CALLS_KEPT) }
      : {};
  if (attempt.output === undefined) return { ...attempt, ...calls };
  const bounded = boundValue(attempt.output, OLDER_OUTPUT_CHARS_KEPT);
  if (!bounded.truncated) return { ...attempt, ...calls };
  return {
    ...attempt,
    ...calls,
    output: bounded.value,
    output_truncated: true,
    output_size: attempt.output_size ?? bounded.size,
  };
}

function withoutUndefined<T extends object>(value: T): T {
  const copy = { ...value } as Record<string, unknown>;
  for (const key of Object.keys(copy)) if (copy[key] === undefined) delete copy[key];
  return copy as T;
}

/** Replaces the output fields of an attempt (a later completion event replaces an earlier one's). */
export function withOutput(attempt: Attempt, fields: Partial<Attempt>): Attempt {
  const {
    output: _output,
    output_truncated: _truncated,
    output_size: _size,
    spills: _spills,
    ...rest
  } = attempt;
  return { ...rest, ...fields };
}

export function itemOutput(value: unknown): Pick<ItemState, 'output' | 'output_truncated'> {
  const bounded = boundValue(value, OLDER_OUTPUT_CHARS_KEPT);
  return bounded.truncated ? { output: bounded.value, output_truncated: true } : { output: value };
}

export function runOutput(value: unknown): Pick<RunInfo, 'output' | 'output_truncated'> {
  const bounded = boundValue(value, TEXT_CHARS_KEPT);
  return bounded.truncated ? { output: bounded.value, output_truncated: true } : { output: value };
}

/** The inputs, each value bounded (an input may be a whole document). */
export function boundInputs(inputs: unknown): Record<string, unknown> {
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) return {};
  const bounded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inputs)) {
    bounded[key] = boundValue(value, OLDER_OUTPUT_CHARS_KEPT).value;
  }
  return bounded;
}
