// Guards the parts of @huggingface/jinja that library.ts and the strict interpreter use without the
// library documenting them. A new version of the library that changes one fails here, saying what changed,
// instead of making templates misbehave quietly.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ArrayValue,
  BooleanValue,
  Environment,
  FloatValue,
  FunctionValue,
  IntegerValue,
  Interpreter,
  type Node,
  NullValue,
  ObjectValue,
  parse,
  replaceVariables,
  type Statement,
  StringValue,
  tokenize,
  UndefinedValue,
  type Value,
} from './library.js';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>;
};
const pinned = manifest.dependencies['@huggingface/jinja'] as string;
// The library's exports do not include its package.json: read it where pnpm links it for this package.
const installed = (
  JSON.parse(
    readFileSync(new URL('../../node_modules/@huggingface/jinja/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;

/** Fails with a message that says what changed in the library and where Conductor relies on it. */
function expectShape(holds: boolean, what: string): void {
  expect(
    holds,
    `@huggingface/jinja ${installed} changed: ${what}. template/library.ts and template/interpreter.ts rely on it; ` +
      `adapt them, or go back to the version pinned before (${pinned}) in packages/engine/package.json.`,
  ).toBe(true);
}

const parsed = (source: string): Node =>
  parse(tokenize(source, { lstrip_blocks: false, trim_blocks: false })) as unknown as Node;

/** Every node of a tree, depth first. */
function nodesOf(node: unknown, into: Node[] = []): Node[] {
  if (Array.isArray(node)) for (const item of node) nodesOf(item, into);
  else if (node && typeof node === 'object') {
    if (typeof (node as Node).type === 'string') into.push(node as Node);
    for (const value of Object.values(node)) if (value && typeof value === 'object') nodesOf(value, into);
  }
  return into;
}

/** The node types and the fields of each that analyze.ts, parse.ts and interpreter.ts read. */
const NODES: Array<[source: string, type: string, fields: string[]]> = [
  ['{% if a %}x{% else %}y{% endif %}', 'If', ['test', 'body', 'alternate']],
  [
    '{% for i in xs if i %}{{ i }}{% else %}-{% endfor %}',
    'For',
    ['loopvar', 'iterable', 'body', 'defaultBlock'],
  ],
  ['{% for i in xs if i %}{% endfor %}', 'SelectExpression', ['lhs', 'test']],
  ['{% set a = 1 %}', 'Set', ['assignee', 'value']],
  ['{% set b %}t{% endset %}', 'Set', ['assignee', 'body']],
  ['{% macro m(a, b=1) %}{{ a }}{% endmacro %}', 'Macro', ['name', 'args', 'body']],
  [
    '{% macro m() %}{% endmacro %}{% call(x) m() %}b{% endcall %}',
    'CallStatement',
    ['call', 'callerArgs', 'body'],
  ],
  ['{% filter upper %}t{% endfilter %}', 'FilterStatement', ['filter', 'body']],
  ['{{ a.b }}', 'MemberExpression', ['object', 'property', 'computed']],
  ['{{ a[1:2:3] }}', 'SliceExpression', ['start', 'stop', 'step']],
  ['{{ a | f(1, k=2) }}', 'FilterExpression', ['operand', 'filter']],
  ['{{ f(1, k=2) }}', 'CallExpression', ['callee', 'args']],
  ['{{ f(k=2) }}', 'KeywordArgumentExpression', ['key', 'value']],
  ['{{ f(*xs) }}', 'SpreadExpression', ['argument']],
  ['{{ f(**kw) }}', 'KeywordSpreadExpression', ['argument']],
  ['{{ a + b }}', 'BinaryExpression', ['operator', 'left', 'right']],
  ['{{ -a }}', 'UnaryExpression', ['operator', 'argument']],
  ['{{ a is defined }}', 'TestExpression', ['operand', 'negate', 'test']],
  ['{{ a if b else c }}', 'Ternary', ['condition', 'trueExpr', 'falseExpr']],
  ['{{ a }}', 'Identifier', ['value']],
  ['{{ "s" }}', 'StringLiteral', ['value']],
  ['{{ 1 }}', 'IntegerLiteral', ['value']],
  ['{{ 1.5 }}', 'FloatLiteral', ['value']],
  ['{{ [1] }}', 'ArrayLiteral', ['value']],
  ['{{ (1, 2) }}', 'TupleLiteral', ['value']],
  ['{{ {"k": 1} }}', 'ObjectLiteral', ['value']],
];

describe('the parts of @huggingface/jinja that Conductor relies on', () => {
  it('is pinned to one exact version, the one installed', () => {
    expectShape(
      /^\d+\.\d+\.\d+$/.test(pinned),
      `its version in package.json is a range (${pinned}), not one version`,
    );
    expectShape(installed === pinned, `${installed} is installed, but ${pinned} is pinned`);
  });

  it('exports Environment, Interpreter, tokenize and parse', () => {
    for (const [name, value] of Object.entries({ Environment, Interpreter, tokenize, parse })) {
      expectShape(typeof value === 'function', `it no longer exports ${name}`);
    }
  });

  it('has the runtime value classes library.ts recovers, each named by its type', () => {
    const classes = {
      UndefinedValue,
      StringValue,
      IntegerValue,
      FloatValue,
      BooleanValue,
      NullValue,
      ArrayValue,
      ObjectValue,
      FunctionValue,
    };
    const samples: Record<string, unknown> = {
      StringValue: 'text',
      IntegerValue: 3,
      FloatValue: 0.5,
      BooleanValue: true,
      ArrayValue: [],
      ObjectValue: new Map(),
    };
    for (const [name, ValueClass] of Object.entries(classes)) {
      expectShape(ValueClass.name === name, `the value class found for ${name} is ${ValueClass.name}`);
      const value = new ValueClass(samples[name]);
      expectShape(value.type === name, `a ${name} has type "${value.type}"`);
      expectShape(typeof value.__bool__ === 'function', `a ${name} has no __bool__()`);
      if (name in samples)
        expectShape(value.value === samples[name], `a ${name} does not keep its value in .value`);
    }
  });

  it('keeps variables, parents and tests on an Environment as library.ts describes', () => {
    const parent = new Environment();
    const environment = new Environment(parent);
    expectShape(environment.parent === parent, 'an Environment no longer keeps its parent in .parent');
    expectShape(parent.variables instanceof Map, 'an Environment no longer keeps its variables in a Map');
    expectShape(
      parent.tests instanceof Map && parent.tests.has('defined'),
      'an Environment has no tests Map with "defined"',
    );
    const variables = new Map<string, Value>([['x', new StringValue('from the replaced map')]]);
    replaceVariables(environment, variables);
    expectShape(
      environment.lookupVariable('x').value === 'from the replaced map',
      'lookupVariable does not read the variables Map that replaceVariables sets',
    );
    expectShape(
      environment.lookupVariable('missing').type === 'UndefinedValue',
      'looking up a missing variable no longer gives an UndefinedValue',
    );
  });

  it('parses every node type with the fields that are read', () => {
    for (const [source, type, fields] of NODES) {
      const found = nodesOf(parsed(source)).filter((node) => node.type === type);
      expectShape(found.length > 0, `parsing ${source} gives no ${type} node`);
      const node = found.find((candidate) => fields.every((field) => field in candidate));
      const missing = fields.filter((field) => !found.some((candidate) => field in candidate));
      expectShape(node !== undefined, `a ${type} node (from ${source}) has no ${missing.join(', ')}`);
    }
    const operator = nodesOf(parsed('{{ a + b }}')).find((node) => node.type === 'BinaryExpression');
    expectShape(
      (operator?.operator as { value?: unknown } | undefined)?.value === '+',
      "a BinaryExpression's operator no longer carries its text in .value",
    );
    expectShape(
      parsed('x').type === 'Program' && Array.isArray(parsed('x').body),
      'a parse is no Program with a body',
    );
  });

  it('evaluates child nodes through an overridden evaluate', () => {
    const seen: string[] = [];
    class Recording extends Interpreter {
      override evaluate(statement: Statement | undefined, environment: Environment): Value {
        if (statement) seen.push(statement.type);
        return super.evaluate(statement, environment);
      }
    }
    const environment = new Environment();
    environment.set('a', 2);
    const program = parsed('{{ a + 1 }}') as unknown as { body: Node[] };
    const result = new Recording(environment).evaluate(program.body[0], environment);
    expectShape(result.value === 3, `{{ a + 1 }} with a = 2 evaluated to ${String(result.value)}`);
    expectShape(
      seen.includes('Identifier') && seen.includes('IntegerLiteral'),
      `an overridden evaluate saw only ${seen.join(', ')}: children are no longer evaluated through it`,
    );
  });
});
