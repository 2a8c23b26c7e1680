import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RENDER_BUDGET, RenderMeter, renderLimits } from './budget.js';
import { BAIL, fastOperation } from './fast.js';
import { performOperation, type TemplateOperation } from './operations.js';
import { evaluateCondition, evaluateExpression, evaluateValue } from './render.js';

/** The interpreter's answer (result or error code), bypassing the fast path. */
function slow(operation: TemplateOperation, scope: Record<string, unknown>): unknown {
  const meter = new RenderMeter(renderLimits(DEFAULT_RENDER_BUDGET, Date.now()), undefined);
  try {
    return { value: performOperation(operation, scope, undefined, meter) };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}

const scope: Record<string, unknown> = {
  count: { output: { n: 7, label: 'seven', ok: true, none: null, list: [1, 'a', { b: 2 }], ratio: 0.5 } },
  review: { output: { score: 8, approved: false, notes: '', tags: ['x', 'y'] } },
  context: { iteration: 3, history: ['count', 'review'] },
  workflow: { input: { topic: 'cats', limit: 10 }, name: 'loop' },
  when: new Date('2026-01-01T00:00:00Z'),
  big: 10n,
  fn: () => 1,
  undef: undefined,
  true: 'shadowed',
};

const EXPRESSIONS = [
  'count.output.n',
  'count.output.label',
  'count.output.ok',
  'count.output.none',
  'count.output.list',
  'count.output.list[0]',
  'count.output.list[2]',
  'count.output.list[5]',
  'count.output',
  'count.output.missing',
  'missing',
  'count.output.n < 10',
  'count.output.n >= 7.0',
  'count.output.n > count.output.ratio',
  'count.output.label < "z"',
  'count.output.n == 7',
  'count.output.n == 7.0',
  'count.output.n != "7"',
  'count.output.n == true',
  'count.output.none == none',
  'count.output.list == [1]',
  'review.output.score >= 8 and review.output.approved',
  'review.output.score >= 8 or review.output.approved',
  'review.output.notes or "empty"',
  'review.output.notes and missing',
  'count.output.label and count.output.n',
  'not review.output.approved',
  'not review.output.tags',
  'not missing',
  '-count.output.n',
  '-count.output.label',
  'count.output.n + 1',
  'count.output.n * count.output.ratio',
  'count.output.n - 10',
  'count.output.label + "s"',
  'context.iteration < workflow.input.limit',
  'context["iteration"]',
  'context.history',
  'context.history.length',
  'workflow.input.topic == "cats"',
  'when',
  'when.year',
  'big',
  'big + 1',
  'fn',
  'undef',
  'true',
  'True',
  'none',
  'None',
  'count.output.n | string',
  'count.output.n is defined',
  'count.output.n in [7, 8]',
  'count.output.n / 2',
];

describe('the fast path agrees with the interpreter', () => {
  const operations = (source: string): TemplateOperation[] => [
    { kind: 'expression', source },
    { kind: 'expression', source: `{{ ${source} }}` },
    { kind: 'condition', source },
    { kind: 'condition', source: `{{ ${source} }}` },
    { kind: 'value', value: `{{ ${source} }}` },
    { kind: 'value', value: { a: [`{{ ${source} }}`, 'plain', 3], b: '{not a template}' } },
  ];

  it.each(EXPRESSIONS)('%s', (source) => {
    for (const operation of operations(source)) {
      const fast = fastOperation(operation, scope);
      if (fast === BAIL) continue;
      expect({ operation, result: { value: fast } }).toEqual({ operation, result: slow(operation, scope) });
    }
  });

  it('takes the forms a loop evaluates at every step', () => {
    for (const operation of [
      { kind: 'condition', source: 'context.iteration < 10000' },
      { kind: 'condition', source: '{{ review.output.score >= 8 and not review.output.approved }}' },
      { kind: 'value', value: { n: '{{ context.iteration }}', topic: '{{ workflow.input.topic }}' } },
      { kind: 'expression', source: 'count.output.n + 1' },
    ] satisfies TemplateOperation[]) {
      expect(fastOperation(operation, scope)).not.toBe(BAIL);
    }
  });

  it('leaves errors to the interpreter: a missing name is still named', () => {
    expect(() => evaluateExpression('count.output.nn', scope)).toThrow(/nn/);
    expect(() => evaluateValue('{{ missing }}', scope)).toThrow(/missing/);
    expect(evaluateCondition('missing', scope)).toBe(false);
  });

  it('agrees on random data and random expressions', () => {
    const leaf = fc.oneof(
      fc.integer({ min: -5, max: 5 }),
      fc.double({ noNaN: false }),
      fc.constantFrom('', 'a', 'b', 'no', 'False', ' 0 ', 'yes'),
      fc.boolean(),
      fc.constant(null),
    );
    const data = fc.record({ x: leaf, y: leaf, z: fc.array(leaf, { maxLength: 3 }) });
    const operand = fc.constantFrom('d.x', 'd.y', 'd.z', 'd.z[0]', 'd.w', '1', '2.5', '"a"', 'none', 'true');
    const expression = fc
      .tuple(
        operand,
        fc.constantFrom('<', '<=', '>', '>=', '==', '!=', 'and', 'or', '+', '-', '*'),
        operand,
        fc.boolean(),
      )
      .map(([a, op, b, negate]) => `${negate ? 'not ' : ''}${a} ${op} ${b}`);
    fc.assert(
      fc.property(
        data,
        expression,
        fc.constantFrom('expression', 'condition', 'value'),
        (d, source, kind) => {
          const operation: TemplateOperation =
            kind === 'value' ? { kind, value: `{{ ${source} }}` } : { kind, source };
          const fast = fastOperation(operation, { d });
          if (fast === BAIL) return;
          expect({ source, d, value: fast }).toEqual({ source, d, ...(slow(operation, { d }) as object) });
        },
      ),
      { numRuns: 20000 },
    );
  });
});
