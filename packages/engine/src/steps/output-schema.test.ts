import { describe, expect, it } from 'vitest';
import type { OutputSchema } from '../workflow/types.js';
import { outputJsonSchema, outputMismatch, parseJsonAnswer } from './output-schema.js';

const schema: OutputSchema = {
  verdict: { type: 'string', enum: ['pass', 'fail'], description: 'the decision' },
  score: { type: 'integer' },
  issues: {
    type: 'array',
    items: {
      type: 'object',
      properties: { line: { type: 'integer' }, note: { type: 'string', required: false } },
    },
  },
  meta: {
    type: 'object',
    properties: { reviewer: { type: 'string' }, extra: { type: 'boolean', required: false } },
  },
};

describe('outputJsonSchema', () => {
  it('derives a JSON Schema with required root fields, nested items and properties', () => {
    expect(outputJsonSchema(schema)).toEqual({
      type: 'object',
      properties: {
        verdict: { type: 'string', enum: ['pass', 'fail'], description: 'the decision' },
        score: { type: 'integer' },
        issues: {
          type: 'array',
          items: {
            type: 'object',
            properties: { line: { type: 'integer' }, note: { type: 'string' } },
            required: ['line'],
          },
        },
        meta: {
          type: 'object',
          properties: { reviewer: { type: 'string' }, extra: { type: 'boolean' } },
          required: ['reviewer'],
        },
      },
      required: ['verdict', 'score', 'issues', 'meta'],
    });
  });
});

describe('outputMismatch', () => {
  const good = { verdict: 'pass', score: 3, issues: [{ line: 1 }], meta: { reviewer: 'ann' }, more: 'kept' };

  it('accepts conforming output (extra fields allowed, optional nested fields may be absent)', () => {
    expect(outputMismatch(good, schema)).toBeNull();
  });

  it.each([
    [{ ...good, score: undefined }, 'field "score" is missing (expected integer)'],
    [{ ...good, score: 2.5 }, 'field "score" must be an integer, got a number'],
    [{ ...good, verdict: 'maybe' }, 'field "verdict" must be one of "pass", "fail", got "maybe"'],
    [
      { ...good, issues: [{ line: 1 }, { line: 'two' }] },
      'field "issues[1].line" must be an integer, got the string "two"',
    ],
    [{ ...good, issues: [{ note: 'x' }] }, 'field "issues[0].line" is missing (expected integer)'],
    [{ ...good, meta: { reviewer: 5 } }, 'field "meta.reviewer" must be a string, got the number 5'],
    [{ ...good, meta: [] }, 'field "meta" must be an object, got an array'],
    [[1, 2], 'the answer must be a JSON object, got an array'],
  ])('names the first problem: %j', (value, message) => {
    expect(outputMismatch(value, schema)).toBe(message);
  });
});

describe('parseJsonAnswer', () => {
  it('reads plain JSON, fenced JSON and JSON inside prose', () => {
    expect(parseJsonAnswer(' {"a": 1} ')).toEqual({ a: 1 });
    expect(parseJsonAnswer('Here you go:\n```json\n{"a": 2}\n```\nThanks')).toEqual({ a: 2 });
    expect(parseJsonAnswer('```\n{"a": 3}\n```')).toEqual({ a: 3 });
    expect(parseJsonAnswer('The result is {"a": 4}.')).toEqual({ a: 4 });
  });

  it('throws a readable message for text without JSON', () => {
    expect(() => parseJsonAnswer('I cannot do that')).toThrow(/the answer is not valid JSON/);
  });
});

describe('output constraints', () => {
  const constrained: OutputSchema = {
    code: { type: 'string', pattern: '^[A-Z]{3}-\\d+$' },
    title: { type: 'string', minLength: 3, maxLength: 10 },
    score: { type: 'number', minimum: 0, maximum: 10 },
    level: { type: 'integer', enum: [1, 2, 3] },
    note: { type: 'string', nullable: true },
    tags: { type: 'array', items: { type: 'string', maxLength: 4 } },
    meta: {
      type: 'object',
      properties: {
        owner: { type: 'string', pattern: '@' },
        age: { type: 'integer', minimum: 18, required: false },
        alias: { type: 'string', nullable: true, required: false },
      },
    },
  };
  const good = {
    code: 'ABC-12',
    title: 'héllo',
    score: 10,
    level: 2,
    note: null,
    tags: ['a', 'bcd'],
    meta: { owner: 'ann@x' },
  };

  it('accepts values on the bounds (inclusive), null where nullable, optional fields absent', () => {
    expect(outputMismatch(good, constrained)).toBeNull();
    expect(
      outputMismatch(
        { ...good, score: 0, title: 'abc', meta: { owner: '@', age: 18, alias: null } },
        constrained,
      ),
    ).toBeNull();
  });

  it.each([
    [{ code: 'abc-12' }, 'field "code" must match the pattern "^[A-Z]{3}-\\\\d+$", got the string "abc-12"'],
    [{ title: 'ab' }, 'field "title" must be at least 3 characters long, got 2 characters'],
    [{ title: 'abcdefghijk' }, 'field "title" must be at most 10 characters long, got 11 characters'],
    [{ score: -0.5 }, 'field "score" must be at least 0, got -0.5'],
    [{ score: 11 }, 'field "score" must be at most 10, got 11'],
    [{ level: 4 }, 'field "level" must be one of 1, 2, 3, got 4'],
    [{ note: 5 }, 'field "note" must be a string, got the number 5'],
    [{ title: null }, 'field "title" must be a string, got null'],
    [{ tags: ['a', 'toolong'] }, 'field "tags[1]" must be at most 4 characters long, got 7 characters'],
    [{ meta: { owner: 'ann' } }, 'field "meta.owner" must match the pattern "@", got the string "ann"'],
    [{ meta: { owner: '@', age: 17 } }, 'field "meta.age" must be at least 18, got 17'],
    [{ meta: { owner: '@', alias: 3 } }, 'field "meta.alias" must be a string, got the number 3'],
    [{ meta: {} }, 'field "meta.owner" is missing (expected string)'],
  ])('names the field and the rule: %j', (change, message) => {
    expect(outputMismatch({ ...good, ...change }, constrained)).toBe(message);
  });

  it('counts characters as code points, as the original does', () => {
    expect(outputMismatch({ ...good, title: '😀😀😀' }, constrained)).toBeNull();
  });

  it('searches without anchors: a pattern may match anywhere in the value', () => {
    expect(outputMismatch({ ...good, meta: { owner: 'mail me at a@b' } }, constrained)).toBeNull();
  });

  it('lists every problem, so one correction can fix them all', () => {
    expect(outputMismatch({ ...good, code: 'x', score: 99, meta: {} }, constrained)).toBe(
      'field "code" must match the pattern "^[A-Z]{3}-\\\\d+$", got the string "x"; ' +
        'field "score" must be at most 10, got 99; field "meta.owner" is missing (expected string)',
    );
    const many = outputMismatch({ ...good, tags: Array.from({ length: 30 }, () => 'toolong') }, constrained);
    expect(many?.split('; ')).toHaveLength(11);
    expect(many).toMatch(/; and more$/);
  });

  it('cannot be made to hang by a pathological pattern (RE2 matches in linear time)', () => {
    const schema: OutputSchema = { text: { type: 'string', pattern: '^(a+)+$' } };
    expect(outputMismatch({ text: `${'a'.repeat(100_000)}b` }, schema)).toMatch(/must match the pattern/);
  });

  it('sends the constraints in the JSON Schema, nullable as [type, "null"]', () => {
    expect(outputJsonSchema(constrained)).toMatchObject({
      properties: {
        code: { type: 'string', pattern: '^[A-Z]{3}-\\d+$' },
        title: { type: 'string', minLength: 3, maxLength: 10 },
        score: { type: 'number', minimum: 0, maximum: 10 },
        note: { type: ['string', 'null'] },
        meta: { required: ['owner'] },
      },
    });
    expect(outputJsonSchema({ pick: { type: 'string', enum: ['a'], nullable: true } }).properties).toEqual({
      pick: { type: ['string', 'null'], enum: ['a', null] },
    });
  });
});
