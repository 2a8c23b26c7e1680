import { describe, expect, it } from 'vitest';
import type { WorkflowIssue } from './errors.js';
import { parseWorkflow, validateWorkflow } from './load.js';

/** Issues as `line:column severity message` for compact assertions. */
function issuesOf(source: string): string[] {
  return validateWorkflow(source, { env: {} }).issues.map(
    (issue: WorkflowIssue) => `${issue.line}:${issue.column} ${issue.severity} ${issue.message}`,
  );
}

const withOutput = (output: string, extra = '') => `workflow:
  name: test
  entry_point: a
agents:
  - name: a
    prompt: hi
    output:
${output}${extra}`;

describe('output fields at load time', () => {
  it('accepts every constraint of the original on the types it fits', () => {
    const source =
      withOutput(`      code: { type: string, pattern: "^(?P<area>[A-Z]{3})-\\\\d+$", minLength: 5, maxLength: 12 }
      score: { type: number, minimum: 0, maximum: 10, nullable: true }
      level: { type: integer, enum: [1, 2, 3] }
      verdict: { type: string, enum: [pass, fail], description: the decision }
      items:
        type: array
        items:
          type: object
          properties:
            line: { type: integer, minimum: 1 }
            note: { type: string, required: false, nullable: true }
`);
    expect(issuesOf(source)).toEqual([]);
    const loaded = parseWorkflow(source, { env: {} });
    expect(loaded.definition.agents[0]).toMatchObject({
      output: {
        code: { pattern: '^(?P<area>[A-Z]{3})-\\d+$', minLength: 5, maxLength: 12 },
        score: { minimum: 0, maximum: 10, nullable: true },
      },
    });
  });

  it('reports each key on a type it does not fit, at the key', () => {
    expect(
      issuesOf(
        withOutput(`      a: { type: string, minimum: 1 }
      b: { type: number, maxLength: 3 }
      c: { type: number, pattern: "x" }
      d: { type: array, enum: [x] }
      e: { type: object, properties: { f: { type: boolean, minLength: 1 } } }
`),
      ),
    ).toEqual([
      '8:35 error output field "a": minimum applies only to number and integer fields (it is a string)',
      '9:37 error output field "b": maxLength applies only to string fields (it is a number)',
      '10:35 error output field "c": pattern applies only to string fields (it is a number)',
      '11:31 error output field "d": enum applies only to string, number, integer or boolean fields (it is an array)',
      '12:71 error output field "e.properties.f": minLength applies only to string fields (it is a boolean)',
    ]);
  });

  it('reports a pattern that does not compile, with RE2 named in the hint', () => {
    const result = validateWorkflow(
      withOutput(`      a: { type: string, pattern: "(?=lookahead)" }
      b: { type: string, pattern: "unclosed(" }
`),
      { env: {} },
    );
    expect(result.issues.map((i) => `${i.line}:${i.column} ${i.message}`)).toEqual([
      '8:35 output field "a": pattern does not compile: invalid or unsupported Perl syntax: `(?=`',
      '9:35 output field "b": pattern does not compile: missing closing ): `unclosed(`',
    ]);
    expect(result.issues[0]?.hint).toContain('RE2');
  });

  it('reports enum values of another type, an empty enum and null in an enum', () => {
    const result = validateWorkflow(
      withOutput(`      a: { type: integer, enum: [1, 2.5, "3"] }
      b: { type: string, enum: [] }
      c: { type: string, enum: [x, null] }
`),
      { env: {} },
    );
    expect(result.issues.map((i) => `${i.line}:${i.column} ${i.message}`)).toEqual([
      '8:37 output field "a": enum value 2.5 is not an integer',
      '8:42 output field "a": enum value "3" is not an integer',
      '9:32 step "a": enum must list at least one value',
      '10:36 step "a" (output.c.enum[1]) must be a string or a number or true or false, not empty',
    ]);
    expect(result.issues[3]?.hint).toBe(
      'enum cannot list null: remove it and set nullable: true on the field.',
    );
  });

  it('refuses required: false at the top of output (only inside properties), and impossible bounds', () => {
    expect(
      issuesOf(
        withOutput(`      a: { type: string, required: false }
      b: { type: number, minimum: 5, maximum: 1 }
      c: { type: string, minLength: 4, maxLength: 2 }
      d: { type: integer, minLength: -1 }
`),
      ),
    ).toEqual([
      '8:36 error output field "a" is at the top of output: it cannot be optional (required: false)',
      '9:35 error output field "b": minimum 5 is greater than maximum 1',
      '10:37 error output field "c": minLength 4 is greater than maxLength 2',
      '11:38 error step "a": minLength must not be negative (got -1)',
      '11:38 error output field "d": minLength applies only to string fields (it is an integer)',
    ]);
  });

  it("checks a for-each body's and a workflow step's output too", () => {
    const source = `workflow:
  name: test
  entry_point: each
  input:
    xs: { type: array }
agents:
  - name: child
    type: workflow
    workflow: ./child.yaml
    output:
      n: { type: string, minimum: 1 }
for_each:
  - name: each
    type: for_each
    source: workflow.input.xs
    as: x
    agent:
      prompt: hi
      output:
        k: { type: integer, required: false }
    routes: [{ to: child }]
`;
    const messages = validateWorkflow(source, { env: {} }).issues.map((i) => i.message);
    expect(messages).toContain(
      'output field "n": minimum applies only to number and integer fields (it is a string)',
    );
    expect(messages).toContain(
      'output field "k" is at the top of output: it cannot be optional (required: false)',
    );
  });
});

describe('cost and budget at load time', () => {
  const settings = (limits: string, extra = '') => `workflow:
  name: test
  entry_point: a
  limits:
${limits}${extra}agents:
  - name: a
    model: gpt-4o-2024-08-06
    prompt: hi
    routes: [{ to: b }]
  - name: b
    model: house-model
    prompt: hi
    routes: [{ to: c }]
  - name: c
    model: "{{ workflow.input.m }}"
    prompt: hi
`;

  it('accepts workflow.cost and the budget keys of the original', () => {
    const source = settings(
      '    budget_usd: 2.5\n    budget_mode: enforce\n',
      '  cost:\n    show_summary: false\n    show_per_agent: true\n    pricing:\n      house-model: { input_per_mtok: 1, output_per_mtok: 2, cache_read_per_mtok: 0.1 }\n',
    );
    expect(validateWorkflow(source, { env: {} }).issues).toEqual([]);
    expect(parseWorkflow(source, { env: {} }).definition.workflow).toMatchObject({
      limits: { budget_usd: 2.5, budget_mode: 'enforce' },
      cost: { show_summary: false, pricing: { 'house-model': { input_per_mtok: 1, output_per_mtok: 2 } } },
    });
  });

  it('warns that a budget cannot be enforced over models without a price', () => {
    const result = validateWorkflow(settings('    budget_usd: 1\n'), { env: {} });
    expect(result.ok).toBe(true);
    expect(result.issues.map((i) => `${i.line}:${i.column} ${i.severity} ${i.message}`)).toEqual([
      '5:17 warning limits.budget_usd is $1, but no price is known for model "house-model": their calls cost nothing as far as the budget can tell, so it cannot be enforced for them. Add them to workflow.cost.pricing (input_per_mtok, output_per_mtok).',
    ]);
  });

  it('rejects a budget that is not positive, an unknown mode, and prices without their required keys', () => {
    expect(
      issuesOf(
        settings(
          '    budget_usd: 0\n    budget_mode: strict\n',
          '  cost:\n    pricing:\n      house-model: { input_per_mtok: -1 }\n',
        ),
      ),
    ).toEqual([
      '5:17 error limits.budget_usd must be greater than 0 (got 0)',
      '6:18 error "workflow.limits.budget_mode" must be one of "audit", "enforce", not the string "strict"',
      '9:20 error "workflow.cost.pricing.house-model" is missing the required key "output_per_mtok"',
      '9:38 error input_per_mtok must not be negative (got -1)',
    ]);
  });

  it('warns that budget_mode does nothing without budget_usd', () => {
    expect(issuesOf(settings('    budget_mode: enforce\n'))).toEqual([
      '5:18 warning limits.budget_mode has no effect without limits.budget_usd',
    ]);
  });
});
