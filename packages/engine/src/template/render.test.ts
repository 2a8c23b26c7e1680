import { describe, expect, it } from 'vitest';
import {
  analyzeTemplate,
  evaluateCondition,
  evaluateExpression,
  evaluateValue,
  renderTemplate,
  TemplateError,
  templateReferences,
} from './render.js';

const scope = {
  workflow: { name: 'review', input: { topic: 'cats', count: 3, tags: ['a', 'b'] } },
  planner: {
    output: { plan: 'Step 1', steps: ['research', 'write'], score: 7, meta: { ok: true }, note: null },
  },
  context: { iteration: 2 },
};

function catchError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

describe('renderTemplate', () => {
  it('substitutes variables and attributes', () => {
    expect(renderTemplate('Topic: {{ workflow.input.topic }} / {{ planner.output.plan }}', scope)).toBe(
      'Topic: cats / Step 1',
    );
  });

  it('supports if / elif / else', () => {
    const template =
      '{% if context.iteration > 3 %}late{% elif context.iteration == 2 %}second{% else %}early{% endif %}';
    expect(renderTemplate(template, scope)).toBe('second');
    expect(renderTemplate(template, { ...scope, context: { iteration: 9 } })).toBe('late');
    expect(renderTemplate(template, { ...scope, context: { iteration: 1 } })).toBe('early');
  });

  it('supports for loops with loop variables and else', () => {
    expect(
      renderTemplate('{% for s in planner.output.steps %}{{ loop.index }}.{{ s }} {% endfor %}', scope),
    ).toBe('1.research 2.write ');
    expect(renderTemplate('{% for s in [] %}x{% else %}none{% endfor %}', scope)).toBe('none');
  });

  it('supports set', () => {
    expect(renderTemplate('{% set n = workflow.input.count * 2 %}{{ n }}', scope)).toBe('6');
  });

  it('renders objects and arrays as JSON, null as nothing', () => {
    expect(renderTemplate('{{ planner.output.meta }}', scope)).toBe('{"ok": true}');
    expect(renderTemplate('{{ planner.output.steps }}', scope)).toBe('["research", "write"]');
    expect(renderTemplate('[{{ planner.output.note }}]', scope)).toBe('[]');
  });

  it('keeps a trailing newline and whitespace as Jinja does by default', () => {
    expect(renderTemplate('a\n{% if true %}\nb\n{% endif %}\n', {})).toBe('a\n\nb\n\n');
    expect(renderTemplate('{{- " x " -}}  y', {})).toBe(' x y');
  });

  it('applies json and tojson', () => {
    expect(renderTemplate('{{ planner.output.meta | tojson }}', scope)).toBe('{"ok": true}');
    expect(renderTemplate('{{ planner.output.meta | json }}', scope)).toBe('{\n  "ok": true\n}');
    expect(renderTemplate('{{ workflow.input.tags | json(indent=0) }}', scope)).toBe('["a", "b"]');
    expect(renderTemplate('{{ {"b": 1, "a": 2} | tojson(sort_keys=true) }}', scope)).toBe('{"a": 2, "b": 1}');
  });

  it('applies default to undefined and null values', () => {
    expect(renderTemplate('{{ planner.output.missing | default("none") }}', scope)).toBe('none');
    expect(renderTemplate('{{ nothing | default("x") }}', scope)).toBe('x');
    expect(renderTemplate('{{ nothing.deeper.still | d("y") }}', scope)).toBe('y');
    expect(renderTemplate('{{ planner.output.note | default("empty") }}', scope)).toBe('empty');
    expect(renderTemplate('{{ "" | default("blank", true) }}', scope)).toBe('blank');
    expect(renderTemplate('{{ planner.output.plan | default("x") }}', scope)).toBe('Step 1');
  });

  it('applies length, trim, upper, lower and join', () => {
    expect(
      renderTemplate(
        '{{ planner.output.steps | length }} {{ "héllo" | length }} {{ planner.output.meta | length }}',
        scope,
      ),
    ).toBe('2 5 1');
    expect(renderTemplate('[{{ "  pad  " | trim }}]', scope)).toBe('[pad]');
    expect(renderTemplate('{{ workflow.input.topic | upper }} {{ "ABC" | lower }}', scope)).toBe('CATS abc');
    expect(renderTemplate('{{ planner.output.steps | join(", ") }}', scope)).toBe('research, write');
    expect(renderTemplate('{{ [1, {"a": 2}] | join("|") }}', scope)).toBe('1|{"a": 2}');
  });

  it('keeps the library filters', () => {
    expect(renderTemplate('{{ planner.output.steps | first }} {{ [3, 1, 2] | sort | join }}', scope)).toBe(
      'research 123',
    );
  });

  it('reports an undefined variable by name with a suggestion', () => {
    const error = catchError(() =>
      renderTemplate('{{ planer.output.plan }}', scope, { step: 'reviewer', field: 'prompt' }),
    );
    expect(error.code).toBe('CONDUCTOR_TEMPLATE_UNDEFINED');
    expect(error.message).toContain(`undefined variable 'planer' in template of step "reviewer" (prompt)`);
    expect(error.message).toContain("did you mean 'planner'?");
    expect(error.undefinedName).toBe('planer');
  });

  it('reports an undefined attribute with the path and what exists', () => {
    const error = catchError(() => renderTemplate('{{ planner.output.scroe }}', scope));
    expect(error.code).toBe('CONDUCTOR_TEMPLATE_UNDEFINED');
    expect(error.message).toContain("undefined attribute 'scroe' of 'planner.output'");
    expect(error.message).toContain("did you mean 'score'?");
    const other = catchError(() => renderTemplate('{{ planner.output.zzzzzz }}', scope));
    expect(other.message).toContain("'planner.output' has: plan, steps, score, meta, note");
  });

  it('includes file, line and column in messages', () => {
    const error = catchError(() =>
      renderTemplate('{{ nope }}', scope, {
        file: 'flows/a.yaml',
        line: 12,
        column: 7,
        step: 'x',
        field: 'prompt',
      }),
    );
    expect(error.message).toMatch(
      /^flows\/a\.yaml:12:7: undefined variable 'nope' in template of step "x" \(prompt\)/,
    );
  });

  it('treats undefined as an error in comparisons, filters, loops and arithmetic', () => {
    expect(catchError(() => renderTemplate('{{ missing > 3 }}', scope)).code).toBe(
      'CONDUCTOR_TEMPLATE_UNDEFINED',
    );
    expect(catchError(() => renderTemplate('{{ missing | upper }}', scope)).code).toBe(
      'CONDUCTOR_TEMPLATE_UNDEFINED',
    );
    expect(
      catchError(() => renderTemplate('{% for x in planner.output.nope %}{% endfor %}', scope)).message,
    ).toContain("undefined attribute 'nope' of 'planner.output'");
    expect(catchError(() => renderTemplate('{{ -missing }}', scope)).code).toBe(
      'CONDUCTOR_TEMPLATE_UNDEFINED',
    );
    expect(catchError(() => renderTemplate('{{ range(missing) }}', scope)).code).toBe(
      'CONDUCTOR_TEMPLATE_UNDEFINED',
    );
  });

  it('lets is defined, is undefined and if work on undefined values', () => {
    expect(
      renderTemplate('{{ planner.output.nope is defined }} {{ planner.output.nope is undefined }}', scope),
    ).toBe('false true');
    expect(renderTemplate('{{ nothing.at.all is defined }} {{ planner is defined }}', scope)).toBe(
      'false true',
    );
    expect(renderTemplate('{% if planner.output.nope %}yes{% else %}no{% endif %}', scope)).toBe('no');
    expect(renderTemplate('{% if not nothing %}absent{% endif %}', scope)).toBe('absent');
    expect(renderTemplate('{{ nothing or "fallback" }}', scope)).toBe('fallback');
  });

  it('reports attributes of null and of scalars clearly', () => {
    expect(catchError(() => renderTemplate('{{ planner.output.note.text }}', scope)).message).toContain(
      "'planner.output.note' is null",
    );
    expect(catchError(() => renderTemplate('{{ planner.output.plan.text }}', scope)).message).toContain(
      "'planner.output.plan' is a string, which has no attribute 'text'",
    );
  });

  it('reports syntax errors with the syntax code', () => {
    for (const bad of ['{{ a.b ', '{% if a %}x', '{{ a b }}', '{% raw %}x{% endraw %}']) {
      expect(catchError(() => renderTemplate(bad, { a: { b: 1 } })).code).toBe('CONDUCTOR_TEMPLATE_SYNTAX');
    }
    expect(catchError(() => renderTemplate('{% if a %}x', { a: 1 })).message).toContain('{% endif %}');
  });

  it('reports unknown filters with a suggestion', () => {
    const error = catchError(() => renderTemplate('{{ planner.output | jsn }}', scope));
    expect(error.code).toBe('CONDUCTOR_TEMPLATE_EVAL');
    expect(error.message).toContain("unknown filter 'jsn'; did you mean 'json'?");
  });

  it('compares lists and objects by value', () => {
    expect(
      renderTemplate(
        '{{ workflow.input.tags == ["a", "b"] }} {{ planner.output.meta != {"ok": true} }}',
        scope,
      ),
    ).toBe('true false');
  });

  it('cannot call functions that are not part of the scope', () => {
    expect(catchError(() => renderTemplate('{{ workflow.input.topic.__class__ }}', scope)).code).toBe(
      'CONDUCTOR_TEMPLATE_UNDEFINED',
    );
    // Functions in a scope are dropped, so a template cannot call back into JavaScript.
    expect(catchError(() => renderTemplate('{{ fn() }}', { fn: () => 'ran' })).message).toContain(
      "undefined variable 'fn'",
    );
  });
});

describe('evaluateExpression', () => {
  it('returns native values for bare expressions', () => {
    expect(evaluateExpression('workflow.input.count + 1', scope)).toBe(4);
    expect(evaluateExpression('planner.output.steps', scope)).toEqual(['research', 'write']);
    expect(evaluateExpression('planner.output.meta', scope)).toEqual({ ok: true });
    expect(evaluateExpression('planner.output.score >= 7', scope)).toBe(true);
    expect(evaluateExpression('planner.output.note', scope)).toBeNull();
    expect(evaluateExpression('7 / 2', scope)).toBe(3.5);
  });

  it('returns native values for a single {{ }} and strings for other templates', () => {
    expect(evaluateExpression('{{ planner.output.steps | length }}', scope)).toBe(2);
    expect(evaluateExpression('  {{ workflow.input.tags }}  ', scope)).toEqual(['a', 'b']);
    expect(evaluateExpression('{{ workflow.input.count }} items', scope)).toBe('3 items');
  });

  it('throws on undefined results', () => {
    const error = catchError(() => evaluateExpression('planner.output.nope', scope));
    expect(error.code).toBe('CONDUCTOR_TEMPLATE_UNDEFINED');
    expect(error.message).toContain("undefined attribute 'nope' of 'planner.output'");
  });

  it('rejects malformed expressions', () => {
    expect(catchError(() => evaluateExpression('a +', scope)).code).toBe('CONDUCTOR_TEMPLATE_SYNTAX');
    expect(catchError(() => evaluateExpression('', scope)).code).toBe('CONDUCTOR_TEMPLATE_SYNTAX');
  });
});

describe('evaluateValue', () => {
  it('evaluates nested YAML values, keeping types for single expressions', () => {
    expect(
      evaluateValue(
        {
          n: '{{ workflow.input.count }}',
          s: 'x-{{ workflow.input.topic }}',
          plain: 'hi',
          k: 5,
          l: ['{{ planner.output.meta }}'],
        },
        scope,
      ),
    ).toEqual({ n: 3, s: 'x-cats', plain: 'hi', k: 5, l: [{ ok: true }] });
  });
});

describe('evaluateCondition', () => {
  const routeScope = { ...scope, score: 8, approved: true, done: false, kind: 'b' };

  it('evaluates bare expressions with Python truthiness', () => {
    expect(evaluateCondition('score >= 8 and approved', routeScope)).toBe(true);
    expect(evaluateCondition('score > 8 or not approved', routeScope)).toBe(false);
    expect(evaluateCondition('not done', routeScope)).toBe(true);
    expect(evaluateCondition("kind in ['a', 'b']", routeScope)).toBe(true);
    expect(evaluateCondition("kind not in ['a', 'b']", routeScope)).toBe(false);
    expect(evaluateCondition('planner.output.steps', routeScope)).toBe(true);
    expect(evaluateCondition('[]', routeScope)).toBe(false);
    expect(evaluateCondition('{}', routeScope)).toBe(false);
    expect(evaluateCondition('""', routeScope)).toBe(false);
    expect(evaluateCondition('0', routeScope)).toBe(false);
  });

  it('treats an undefined name in a bare expression as false, like {% if %}', () => {
    expect(evaluateCondition('needs_revision', routeScope)).toBe(false);
    expect(evaluateCondition('planner.output.nope is defined', routeScope)).toBe(false);
  });

  it('evaluates templates through their rendered text', () => {
    expect(evaluateCondition('{{ planner.output.score >= 7 }}', routeScope)).toBe(true);
    expect(evaluateCondition('{{ planner.output.score > 7 }}', routeScope)).toBe(false);
    expect(evaluateCondition('{% if approved %}yes{% endif %}', routeScope)).toBe(true);
    expect(evaluateCondition('{% if done %}yes{% endif %}', routeScope)).toBe(false);
    expect(evaluateCondition('{{ "False" }}', routeScope)).toBe(false);
    expect(evaluateCondition('{{ "none" }}', routeScope)).toBe(false);
  });

  it('reports undefined names in templated conditions', () => {
    expect(catchError(() => evaluateCondition('{{ reviw.output.ok }}', routeScope)).code).toBe(
      'CONDUCTOR_TEMPLATE_UNDEFINED',
    );
  });

  it('cannot reach JavaScript internals', () => {
    expect(evaluateCondition('score.constructor', routeScope)).toBe(false);
    expect(
      catchError(() => evaluateCondition('{{ score.constructor.constructor("return 1")() }}', routeScope))
        .code,
    ).toBe('CONDUCTOR_TEMPLATE_UNDEFINED');
  });
});

describe('templateReferences', () => {
  it('lists top-level names, not loop variables, set names or builtins', () => {
    const template =
      '{% set total = 0 %}{% for s in planner.output.steps %}{{ s }}{{ loop.index }}{% endfor %}{{ workflow.input.topic }}{{ range(3) }}{{ total }}{{ true }}';
    expect(templateReferences(template)).toEqual(['planner', 'workflow']);
  });

  it('reads bare expressions in expression and auto modes', () => {
    expect(templateReferences('score >= 8 and review.output.ok', { mode: 'expression' })).toEqual([
      'score',
      'review',
    ]);
    expect(templateReferences('score >= 8', { mode: 'auto' })).toEqual(['score']);
    expect(templateReferences('{{ review.output.ok }}', { mode: 'auto' })).toEqual(['review']);
    expect(templateReferences('plain text prompt')).toEqual([]);
  });

  it('finds names in filters arguments, tests, ternaries and literals', () => {
    expect(
      templateReferences(
        '{{ a | default(b) }}{{ c is defined }}{{ d if e else f }}{{ [g, {"k": h}] }}{{ i[j] }}',
      ),
    ).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
  });

  it('reports attribute paths, filters and tests', () => {
    const analysis = analyzeTemplate(
      "{{ review.output.score | json }}{{ x['output'].items() }}{{ y is none }}",
    );
    expect(analysis.paths).toEqual([['review', 'output', 'score'], ['x', 'output'], ['y']]);
    expect(analysis.filters).toEqual(['json']);
    expect(analysis.tests).toEqual(['none']);
  });

  it('throws syntax errors', () => {
    expect(() => templateReferences('{{ a.b')).toThrow(TemplateError);
  });
});
