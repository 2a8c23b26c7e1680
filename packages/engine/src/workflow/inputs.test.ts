import { describe, expect, it } from 'vitest';
import { DurationError, parseDuration } from './duration.js';
import { InputError, resolveInputs } from './inputs.js';
import { parseWorkflow } from './load.js';

const { definition } = parseWorkflow(
  `workflow:
  name: inputs
  entry_point: a
  input:
    topic: { type: string, description: What to write about }
    count: { type: integer, default: 3 }
    ratio: { type: number, required: false }
    verbose: { type: boolean, required: false }
    tags: { type: array, default: [x] }
    options: { type: object, required: false }
    style: { type: string, required: false }
agents:
  - name: a
    prompt: hi
`,
  { env: {} },
);

function problems(given: Record<string, unknown>): string[] {
  try {
    resolveInputs(definition, given);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('CONDUCTOR_INPUT_INVALID');
    return (error as InputError).problems.map((problem) => problem.message);
  }
  throw new Error('expected an InputError');
}

describe('resolveInputs', () => {
  it('applies defaults and zero values for optional inputs', () => {
    expect(resolveInputs(definition, { topic: 'cats' })).toEqual({
      topic: 'cats',
      count: 3,
      ratio: 0,
      verbose: false,
      tags: ['x'],
      options: {},
      style: '',
    });
  });

  it('reads CLI strings as the declared type', () => {
    const resolved = resolveInputs(definition, {
      topic: 'dogs',
      count: '7',
      ratio: ' 0.25 ',
      verbose: 'yes',
      tags: '["a","b"]',
      options: '{"depth": 2}',
    });
    expect(resolved).toMatchObject({
      topic: 'dogs',
      count: 7,
      ratio: 0.25,
      verbose: true,
      tags: ['a', 'b'],
      options: { depth: 2 },
    });
  });

  it('keeps values that already have the declared type', () => {
    expect(resolveInputs(definition, { topic: 'x', count: 5, verbose: false, tags: [] })).toMatchObject({
      count: 5,
      verbose: false,
      tags: [],
    });
  });

  it('does not share default objects between runs', () => {
    const first = resolveInputs(definition, { topic: 'x' });
    (first.tags as string[]).push('mutated');
    expect(resolveInputs(definition, { topic: 'x' }).tags).toEqual(['x']);
  });

  it('reports missing, unknown and malformed inputs together', () => {
    expect(problems({ count: 'three', verbose: 'maybe', tags: 'a,b', topc: 'x', ratio: '' })).toEqual([
      'unknown input "topc" (given "x"). Did you mean "topic"?',
      'missing required input "topic" (string: What to write about). Pass it with --input topic=<value>',
      'input "count" must be an integer, got "three" (e.g. --input count=3)',
      'input "ratio" must be a number, got "" (e.g. --input ratio=3.5)',
      'input "verbose" must be a boolean (true/false, yes/no, 1/0, on/off), got "maybe" (e.g. --input verbose=true)',
      `input "tags" must be a JSON array, got "a,b" (e.g. --input tags='["a","b"]')`,
    ]);
  });

  it('rejects a non-integer for an integer input and a JSON object for an array', () => {
    expect(problems({ topic: 't', count: '2.5', tags: '{"a": 1}' })).toEqual([
      'input "count" must be an integer, got "2.5" (e.g. --input count=3)',
      `input "tags" must be a JSON array, got "{\\"a\\": 1}" (e.g. --input tags='["a","b"]')`,
    ]);
  });

  it('rejects an integer too large to keep exactly instead of rounding it', () => {
    expect(problems({ topic: 't', count: '99999999999999999999' })).toEqual([
      'input "count" must be an integer between -9007199254740991 and 9007199254740991, got "99999999999999999999" (e.g. --input count=3)',
    ]);
    expect(resolveInputs(definition, { topic: 't', count: '9007199254740991' }).count).toBe(9007199254740991);
  });

  it("passes inputs through when the workflow declares none, reading text as the original's CLI does", () => {
    const bare = parseWorkflow(
      'workflow:\n  name: b\n  entry_point: a\nagents:\n  - name: a\n    prompt: hi\n',
      { env: {} },
    );
    expect(
      resolveInputs(bare.definition, {
        anything: '1',
        ratio: '0.5',
        version: 'v1.2',
        flag: 'true',
        nothing: 'null',
        list: '["a", 2]',
        broken: '[a',
        yes: 'yes',
        big: '1e5',
        given: { kept: true },
      }),
    ).toEqual({
      anything: 1,
      ratio: 0.5,
      version: 'v1.2',
      flag: true,
      nothing: null,
      list: ['a', 2],
      broken: '[a',
      yes: 'yes',
      big: '1e5',
      given: { kept: true },
    });
  });

  it('summarises one problem on one line', () => {
    expect(() => resolveInputs(definition, {})).toThrow(
      /^invalid workflow input: missing required input "topic"/,
    );
  });
});

describe('parseDuration', () => {
  it('reads units and plain seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration(' 30 ')).toBe(30_000);
    expect(parseDuration('10 s')).toBe(10_000);
    expect(parseDuration(3)).toBe(3000);
    expect(parseDuration(0.25)).toBe(250);
  });

  it('rejects anything else with a clear error', () => {
    for (const bad of ['', 'soon', '5 minutes', '-1s', '1d', '1.2.3s', 'ms']) {
      expect(() => parseDuration(bad), bad).toThrow(DurationError);
    }
    expect(() => parseDuration(-2)).toThrow(/0 or more/);
    expect(() => parseDuration('2 hours')).toThrow(
      'duration "2 hours" is not valid: use a number of seconds or a number with a unit',
    );
  });
});
