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
