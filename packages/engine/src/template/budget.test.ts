import { describe, expect, it } from 'vitest';
import { RenderBudgetError } from './budget.js';
import { evaluateExpression, renderTemplate, TemplateError } from './render.js';
import { createTemplateRenderer } from './renderer.js';

// Renders that move to a worker use the built engine's render-worker.js (`pnpm test` builds first).

/** A loop of n × n iterations that prints nothing: seconds of interpreter time for n in the thousands. */
const nested = (n: number) => `{% for i in range(${n}) %}{% for j in range(${n}) %}{% endfor %}{% endfor %}`;
const where = { file: 'flow.yaml', step: 'report', field: 'prompt' };

/** A renderer's result as a promise, also when it failed at once (on the main thread, a busy machine). */
const settle = <T>(render: () => T | Promise<T>): Promise<T> => Promise.resolve().then(render);

function budgetError(fn: () => unknown): RenderBudgetError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RenderBudgetError) return error;
    throw error;
  }
  throw new Error('expected a RenderBudgetError');
}

describe('the render budget', () => {
  it('refuses range(10**9) before building it, naming the step and the template', () => {
    const error = budgetError(() => renderTemplate('{% for i in range(10**9) %}x{% endfor %}', {}, where));
    expect(error.code).toBe('CONDUCTOR_TEMPLATE_BUDGET');
    expect(error.message).toMatch(
      /^flow\.yaml: range\(1000000000\) would build a list of 1,000,000,000 items, more than the render budget of 1,000,000 in template of step "report" \(prompt\); /,
    );
  });

  it('ends a render that runs past its time, with the budget in the message', () => {
    const error = budgetError(() => renderTemplate(nested(3000), {}, where, { budget: { seconds: 0.3 } }));
    expect(error.errorType).toBe('TemplateError');
    expect(error.message).toContain(
      'the template ran past its render budget of 0.3 s in template of step "report"',
    );
  });

  it('bounds what a render prints, over all its {{ }}', () => {
    const text = 'x'.repeat(100);
    const template = '{% for i in range(1000) %}{{ text }}{% endfor %}';
    expect(renderTemplate(template, { text }, where, { budget: { maxChars: 100_000 } })).toHaveLength(
      100_000,
    );
    const error = budgetError(() =>
      renderTemplate(template, { text }, where, { budget: { maxChars: 99_999 } }),
    );
    expect(error.detail).toBe('the template printed more than its render budget of 99,999 characters');
  });

  it('stops a string that doubles at every step before it fills the memory', () => {
    const template =
      "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}";
    const error = budgetError(() => renderTemplate(template, {}, where));
    expect(error.detail).toMatch(
      /^the template built a string of 67,108,864 characters, more than the render budget of 33,554,432$/,
    );
  });

  it('stops a list that doubles at every step', () => {
    const template =
      '{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | length }}';
    const error = budgetError(() => evaluateExpression(template, {}, where));
    expect(error.detail).toBe(
      'the template built a list of 1,048,576 items, more than the render budget of 1,000,000',
    );
  });

  it('lets lists read from the scope be longer than the budget: only built ones count', () => {
    const items = Array.from({ length: 2_000 }, (_, i) => i);
    expect(evaluateExpression('{{ items | length }}', { items }, where, { budget: { maxItems: 10 } })).toBe(
      2_000,
    );
  });
});

describe('createTemplateRenderer', () => {
  it('returns a quick render at once, not as a promise', () => {
    const templates = createTemplateRenderer();
    expect(templates.renderTemplate('Hello {{ who }}', { who: 'you' }, where)).toBe('Hello you');
    expect(templates.evaluateCondition('n > 2', { n: 3 }, where)).toBe(true);
  });

  it('finishes a render past its main-thread slice in a worker, with the same result', async () => {
    const templates = createTemplateRenderer({ sliceSeconds: 0.001 });
    const template = '{% for i in range(300) %}{% for j in range(300) %}{% endfor %}{{ i % 10 }}{% endfor %}';
    const expected = renderTemplate(template, {});
    const rendered = templates.renderTemplate(template, {}, where);
    expect(rendered).toBeInstanceOf(Promise);
    expect(await rendered).toBe(expected);
    expect(await templates.evaluateValue({ list: ['{{ n * 2 }}', template] }, { n: 21 }, where)).toEqual({
      list: [42, expected],
    });
  });

  it('reports a worker render error as the same TemplateError, naming the template', async () => {
    const templates = createTemplateRenderer({ sliceSeconds: 0.001 });
    const rendered = templates.renderTemplate(`${nested(300)}{{ nope }}`, { none: 1 }, where);
    await expect(rendered).rejects.toBeInstanceOf(TemplateError);
    await expect(rendered).rejects.toMatchObject({
      code: 'CONDUCTOR_TEMPLATE_UNDEFINED',
      message: expect.stringContaining(`undefined variable 'nope' in template of step "report" (prompt)`),
    });
  });

  it('ends a worker render at its budget', async () => {
    const templates = createTemplateRenderer({ sliceSeconds: 0.05, budget: { seconds: 0.5 } });
    await expect(settle(() => templates.renderTemplate(nested(5000), {}, where))).rejects.toMatchObject({
      code: 'CONDUCTOR_TEMPLATE_BUDGET',
      errorType: 'TemplateError',
      detail: 'the template ran past its render budget of 0.5 s',
    });
  });

  it("lowers the budget to the run's time left, and then reports a TimeoutError", async () => {
    const templates = createTemplateRenderer({
      sliceSeconds: 0.05,
      runTimeout: { timeoutSeconds: 2, secondsLeft: () => 0.5 },
    });
    const error = await settle(() => templates.renderTemplate(nested(5000), {}, where)).catch((e) => e);
    expect(error).toBeInstanceOf(RenderBudgetError);
    expect(error).toMatchObject({ errorType: 'TimeoutError' });
    expect(error.message).toContain(
      'the run\'s timeout (limits.timeout_seconds: 2) ran out while the template was rendering in template of step "report" (prompt)',
    );
  });

  it('ends a worker render when the signal aborts (Ctrl-C, the run timeout)', async () => {
    const controller = new AbortController();
    const templates = createTemplateRenderer({ sliceSeconds: 0.05, signal: controller.signal });
    const rendered = templates.renderTemplate(nested(5000), {}, where);
    expect(rendered).toBeInstanceOf(Promise);
    controller.abort();
    await expect(rendered).rejects.toMatchObject({ code: 'CONDUCTOR_TEMPLATE_STOPPED', location: where });
  });
});
