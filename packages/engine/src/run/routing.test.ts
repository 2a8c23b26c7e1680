import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { evaluateCondition } from '../template/render.js';
import { find, typesOf, workflowOf } from '../testing/support.js';
import type { StepDefinition } from '../workflow/types.js';
import { routeScope } from './scope.js';

const set = (name: string, value: unknown, routes?: StepDefinition['routes']): StepDefinition => ({
  name,
  type: 'set',
  value,
  ...(routes ? { routes } : {}),
});

async function run(steps: StepDefinition[], extra: Parameters<typeof workflowOf>[2] = {}) {
  const handle = runWorkflow(workflowOf(steps, {}, extra), { inputs: {} });
  const events = [];
  for await (const event of handle.events) events.push(event);
  return { result: await handle, events };
}

describe('routing', () => {
  it('reads an output field named __proto__ as a field, never as a prototype', () => {
    const output = JSON.parse('{"__proto__": {"polluted": 1}, "plain": 2}') as Record<string, unknown>;
    const scope = routeScope({ workflow: {} }, output, 'plain == 2');
    expect(Object.getPrototypeOf(scope)).toBe(Object.prototype);
    expect(Object.hasOwn(scope, '__proto__')).toBe(true);
    expect((scope as { polluted?: unknown }).polluted).toBeUndefined();
    expect(scope.plain).toBe(2);
    expect(scope.output).toBe(output);
    expect(evaluateCondition('__proto__.polluted == 1 and plain == 2', scope)).toBe(true);
  });

  it('takes the first matching route, with bare expressions over the output fields', async () => {
    const { result, events } = await run([
      set('review', { score: 9, approved: true }, [
        { to: 'low', when: 'score < 5' },
        { to: 'great', when: 'score >= 8 and approved' },
        { to: 'fine', when: 'score >= 5' },
      ]),
      set('low', 'low'),
      set('great', 'great'),
      set('fine', 'fine'),
    ]);
    expect(result.status).toBe('completed');
    expect(result.output).toBe('great');
    const routes = events.filter((e) => e.type === 'route_taken').map((e) => e.data);
    expect(routes).toEqual([
      { from_agent: 'review', to_agent: 'great' },
      { from_agent: 'great', to_agent: '$end' },
    ]);
  });

  it('evaluates templated conditions against the step outputs and `output`', async () => {
    const { result } = await run([
      set('review', { score: 3 }, [
        { to: 'high', when: '{{ review.output.score > 5 }}' },
        { to: 'low', when: '{{ output.score <= 5 }}' },
      ]),
      set('high', 'high'),
      set('low', 'low'),
    ]);
    expect(result.output).toBe('low');
  });

  it('always takes a route without when', async () => {
    const { result } = await run([
      set('a', 1, [{ to: 'b' }, { to: 'c', when: 'true' }]),
      set('b', 'b'),
      set('c', 'c'),
    ]);
    expect(result.output).toBe('b');
  });

  it('ends at $end when a step has no routes; the final output is the last step output', async () => {
    const { result, events } = await run([set('only', { answer: 42 })]);
    expect(result).toMatchObject({ status: 'completed', output: { answer: 42 }, iterations: 1 });
    expect(find(events, 'route_taken').data).toEqual({ from_agent: 'only', to_agent: '$end' });
    expect(find(events, 'workflow_completed').data).toMatchObject({ output: { answer: 42 } });
  });

  it('fails with the step and its conditions when no route matches', async () => {
    const { result, events } = await run([
      set('review', { score: 6 }, [
        { to: 'a', when: 'score > 8' },
        { to: 'b', when: '{{ output.score < 2 }}' },
      ]),
      set('a', 1),
      set('b', 2),
    ]);
    expect(result.status).toBe('failed');
    expect(result.error?.type).toBe('NoMatchingRoute');
    expect(result.error?.step).toBe('review');
    expect(result.error?.message).toContain('no route of step "review" matched');
    expect(result.error?.message).toContain('when: score > 8');
    expect(result.error?.message).toContain('when: {{ output.score < 2 }}');
    expect(typesOf(events).at(-1)).toBe('workflow_failed');
    expect(find(events, 'workflow_failed').data).toMatchObject({
      error_type: 'NoMatchingRoute',
      agent_name: 'review',
    });
  });

  it('renders the top-level output at $end, keeping native types for single expressions', async () => {
    const { result } = await run([set('calc', { n: 7, items: ['x', 'y'] })], {
      output: {
        total: '{{ calc.output.n * 2 }}',
        text: 'n={{ calc.output.n }}',
        items: '{{ calc.output.items }}',
      },
    });
    expect(result.output).toEqual({ total: 14, text: 'n=7', items: ['x', 'y'] });
  });

  it("lays the route's output mapping over the workflow output (as the original does)", async () => {
    const { result, events } = await run(
      [set('calc', { n: 7 }, [{ to: '$end', output: { via: 'route {{ output.n }}', n: 'from route' } }])],
      {
        output: { total: '{{ calc.output.n }}', n: '{{ missing.output }}', text: '{{ calc.output.n }}.5' },
      },
    );
    expect(result.output).toEqual({ total: 7, text: 7.5, via: 'route 7', n: 'from route' });
    expect(find(events, 'workflow_completed').data.output).toEqual(result.output);
  });

  it('reports a condition that cannot be evaluated, naming the step and route', async () => {
    const { result } = await run([set('a', { x: 1 }, [{ to: '$end', when: '{{ missing_step.output.x }}' }])]);
    expect(result.status).toBe('failed');
    expect(result.error?.type).toBe('TemplateError');
    expect(result.error?.message).toContain('step "a", route 1');
  });
});
