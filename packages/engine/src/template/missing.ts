// Undefined values that remember what was looked up, and the errors that name them.
import { TemplateError, type TemplateLocation } from './errors.js';
import { type Environment, type Node, UndefinedValue, type Value } from './library.js';
import { closestName } from './suggest.js';

/** What a failed lookup looked for, so using it can be reported by name. */
export interface MissingInfo {
  /** The expression that is undefined, e.g. `planer` or `review.output.scroe`. */
  expression: string;
  kind: 'variable' | 'attribute';
  /** The attribute or variable name that was not found. */
  name: string;
  /** For attributes: the expression it was looked up on, and what that is. */
  owner?: string;
  ownerKind?: string;
  /** Names that did exist there, for "did you mean". */
  candidates: string[];
}

export class MissingValue extends UndefinedValue {
  readonly missing: MissingInfo;
  constructor(missing: MissingInfo) {
    super();
    this.missing = missing;
  }
}

export const isUndefinedValue = (value: Value): boolean => value.type === 'UndefinedValue';

/** Names the interpreter defines itself; they are never reported as template inputs or suggested. */
export const BUILTIN_NAMES: ReadonlySet<string> = new Set([
  'true',
  'false',
  'none',
  'True',
  'False',
  'None',
  'range',
  'namespace',
  'loop',
  'caller',
  'varargs',
  'kwargs',
]);

/** A readable rendering of a (member) expression, for messages: `review.output.score`, `items[0]`. */
export function describeExpression(node: Node): string {
  switch (node.type) {
    case 'Identifier':
      return node.value as string;
    case 'MemberExpression': {
      const object = describeExpression(node.object as Node);
      const property = node.property as Node;
      if (!node.computed) return `${object}.${String(property.value)}`;
      if (property.type === 'StringLiteral') return `${object}[${JSON.stringify(property.value)}]`;
      if (property.type === 'IntegerLiteral') return `${object}[${String(property.value)}]`;
      return `${object}[...]`;
    }
    case 'CallExpression':
      return `${describeExpression(node.callee as Node)}(...)`;
    case 'StringLiteral':
      return JSON.stringify(node.value);
    case 'IntegerLiteral':
    case 'FloatLiteral':
      return String(node.value);
    default:
      return 'expression';
  }
}

/** The variables visible in `environment` and its parents, for "did you mean". */
export function visibleNames(environment: Environment): string[] {
  const names: string[] = [];
  for (let env: Environment | undefined = environment; env; env = env.parent) {
    for (const name of env.variables.keys()) {
      if (!BUILTIN_NAMES.has(name) && !name.startsWith('\u0000')) names.push(name);
    }
  }
  return names;
}

/** The error for using a missing value: what was missing, where, and what might have been meant. */
export function undefinedError(missing: MissingInfo, location: TemplateLocation | undefined): TemplateError {
  let detail: string;
  let hint: string | undefined;
  const suggestion = closestName(missing.name, missing.candidates);
  if (missing.kind === 'variable') {
    detail = `undefined variable '${missing.name}'`;
  } else if (missing.ownerKind === 'null') {
    detail = `'${missing.owner}' is null, so '${missing.expression}' is undefined`;
  } else if (missing.ownerKind !== undefined && missing.ownerKind !== 'an object') {
    detail = `'${missing.owner}' is ${missing.ownerKind}, which has no attribute '${missing.name}'`;
  } else {
    detail = `undefined attribute '${missing.name}' of '${missing.owner}'`;
  }
  if (suggestion !== undefined) {
    hint = `did you mean '${suggestion}'?`;
  } else if (
    missing.kind === 'attribute' &&
    missing.candidates.length > 0 &&
    missing.ownerKind === 'an object'
  ) {
    const shown = missing.candidates.slice(0, 12);
    hint = `'${missing.owner}' has: ${shown.join(', ')}${missing.candidates.length > shown.length ? ', ...' : ''}`;
  }
  hint = [hint, "use '| default(...)' or 'is defined' if it may be missing"].filter(Boolean).join('; ');
  return new TemplateError('CONDUCTOR_TEMPLATE_UNDEFINED', detail, {
    location,
    hint,
    undefinedName: missing.expression,
  });
}

/** The error for using an undefined value as a result (e.g. `evaluateExpression('planer')`). */
export function undefinedResultError(value: Value, location: TemplateLocation | undefined): TemplateError {
  const missing =
    value instanceof MissingValue
      ? value.missing
      : { expression: 'value', kind: 'variable' as const, name: 'value', candidates: [] };
  return undefinedError(missing, location);
}
