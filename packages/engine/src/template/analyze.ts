import type { TemplateLocation } from './errors.js';
import type { Node } from './library.js';
import { BUILTIN_NAMES } from './missing.js';
import { OUTPUT, parseExpression, parseTemplate } from './parse.js';

/** What a template reads, found without evaluating it. */
export interface TemplateAnalysis {
  /** Top-level names it reads (not loop variables, not names it sets, not builtins), in order of first use. */
  references: string[];
  /**
   * The static attribute chains it reads, from a top-level name: `review.output.score` is
   * `['review', 'output', 'score']`; a chain stops at the first dynamic part (`a[b]`) or method call.
   */
  paths: string[][];
  /** Filter names used (`x | json` → `json`). */
  filters: string[];
  /** Test names used (`x is defined` → `defined`). */
  tests: string[];
}

export type TemplateMode = 'template' | 'expression' | 'auto';

/** Whether a string uses template syntax, which decides how `when` and `auto` mode read it. */
export const looksLikeTemplate = (source: string): boolean => /\{\{|\{%|\{#/.test(source);

function staticPath(node: Node): string[] | undefined {
  if (node.type === 'Identifier') return [node.value as string];
  if (node.type !== 'MemberExpression') return undefined;
  const object = staticPath(node.object as Node);
  if (!object) return undefined;
  const property = node.property as Node;
  if (!node.computed) return [...object, String(property.value)];
  if (property.type === 'StringLiteral' || property.type === 'IntegerLiteral')
    return [...object, String(property.value)];
  return undefined;
}

/** Nodes whose only reads are their children, in these fields, in order (a list field: every item). */
const CHILDREN: Readonly<Record<string, readonly string[]>> = {
  Program: ['body'],
  [OUTPUT]: ['inner'],
  If: ['test', 'body', 'alternate'],
  BinaryExpression: ['left', 'right'],
  UnaryExpression: ['argument'],
  SelectExpression: ['lhs', 'test'],
  Ternary: ['trueExpr', 'condition', 'falseExpr'],
  ArrayLiteral: ['value'],
  TupleLiteral: ['value'],
  KeywordArgumentExpression: ['value'],
  SpreadExpression: ['argument'],
  KeywordSpreadExpression: ['argument'],
  SliceExpression: ['start', 'stop', 'step'],
};

function assignedNames(target: Node, into: Set<string>): void {
  if (target.type === 'Identifier') into.add(target.value as string);
  else if (target.type === 'TupleLiteral' || target.type === 'ArrayLiteral') {
    for (const item of target.value as Node[]) assignedNames(item, into);
  }
}

function parameterName(parameter: Node): string | undefined {
  if (parameter.type === 'Identifier') return parameter.value as string;
  if (parameter.type === 'KeywordArgumentExpression') return (parameter.key as Node).value as string;
  return undefined;
}

/**
 * Analyzes a template (`mode: 'template'`, the default), a bare expression (`'expression'`), or either
 * (`'auto'`: a template when it contains `{{`, `{%` or `{#`). Throws CONDUCTOR_TEMPLATE_SYNTAX.
 */
export function analyzeTemplate(
  source: string,
  options: { mode?: TemplateMode; location?: TemplateLocation } = {},
): TemplateAnalysis {
  const mode = options.mode ?? 'template';
  const asTemplate = mode === 'template' || (mode === 'auto' && looksLikeTemplate(source));
  const root: Node = asTemplate
    ? (parseTemplate(source, options.location) as unknown as Node)
    : parseExpression(source, options.location);

  const assigned = new Set<string>();
  const loads: string[] = [];
  const paths: string[][] = [];
  const filters = new Set<string>();
  const tests = new Set<string>();

  const visitAll = (nodes: unknown): void => {
    if (Array.isArray(nodes)) for (const node of nodes) visit(node as Node | undefined);
  };

  const visitFilter = (filter: Node): void => {
    if (filter.type === 'Identifier') filters.add(filter.value as string);
    else if (filter.type === 'CallExpression') {
      const callee = filter.callee as Node;
      if (callee.type === 'Identifier') filters.add(callee.value as string);
      visitAll(filter.args);
    }
  };

  const record = (path: string[]): void => {
    const [first] = path;
    if (first === undefined) return;
    loads.push(first);
    paths.push(path);
  };

  /** A macro's or call block's parameters are names it sets; their defaults are reads. */
  const visitParameters = (parameters: Node[]): void => {
    for (const parameter of parameters) {
      const name = parameterName(parameter);
      if (name !== undefined) assigned.add(name);
      if (parameter.type === 'KeywordArgumentExpression') visit(parameter.value as Node);
    }
  };

  function visit(node: Node | undefined): void {
    if (!node || typeof node !== 'object') return;
    const children = CHILDREN[node.type];
    if (children) {
      for (const field of children) {
        const child = node[field];
        if (Array.isArray(child)) visitAll(child);
        else visit(child as Node | undefined);
      }
      return;
    }
    switch (node.type) {
      case 'For':
        assignedNames(node.loopvar as Node, assigned);
        visit(node.iterable as Node);
        visitAll(node.body);
        visitAll(node.defaultBlock);
        return;
      case 'Set': {
        const assignee = node.assignee as Node;
        if (assignee.type === 'MemberExpression') visit(assignee.object as Node);
        else assignedNames(assignee, assigned);
        visit(node.value as Node | undefined);
        visitAll(node.body);
        return;
      }
      case 'Macro':
        assigned.add((node.name as Node).value as string);
        visitParameters(node.args as Node[]);
        visitAll(node.body);
        return;
      case 'CallStatement':
        visit(node.call as Node);
        visitParameters((node.callerArgs as Node[] | null) ?? []);
        visitAll(node.body);
        return;
      case 'FilterStatement':
        visitAll(node.body);
        visitFilter(node.filter as Node);
        return;
      case 'Identifier':
        record([node.value as string]);
        return;
      case 'MemberExpression': {
        const path = staticPath(node);
        if (path) {
          record(path);
          return;
        }
        visit(node.object as Node);
        if (node.computed) visit(node.property as Node);
        return;
      }
      case 'CallExpression': {
        const callee = node.callee as Node;
        const path = callee.type === 'MemberExpression' ? staticPath(callee) : undefined;
        // `x.output.items()`: the method name is not data.
        if (path) record(path.slice(0, -1));
        else visit(callee);
        visitAll(node.args);
        return;
      }
      case 'FilterExpression':
        visit(node.operand as Node);
        visitFilter(node.filter as Node);
        return;
      case 'TestExpression':
        visit(node.operand as Node);
        tests.add((node.test as Node).value as string);
        return;
      case 'ObjectLiteral':
        for (const [key, value] of node.value as Map<Node, Node>) {
          visit(key);
          visit(value);
        }
        return;
      default:
        // Literals, comments, break/continue.
        return;
    }
  }

  visit(root);
  const isFree = (name: string) => !assigned.has(name) && !BUILTIN_NAMES.has(name);
  return {
    references: [...new Set(loads.filter(isFree))],
    paths: paths.filter((path) => isFree(path[0] ?? '')),
    filters: [...filters],
    tests: [...tests],
  };
}
