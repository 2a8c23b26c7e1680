import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { WorkflowIssue } from './errors.js';

export type YamlPath = (string | number)[];

export interface IssueOptions {
  hint?: string | undefined;
  /** Point at the key of the last path item instead of its value (unknown keys). */
  key?: boolean;
  /** Point at the first match of this pattern inside the node's source text, when there is one. */
  find?: RegExp | undefined;
  /** Point at this offset of the source (wins over the rest). */
  at?: number | undefined;
}

/** Turns YAML paths into `line:column` positions of the original source and builds located issues. */
export class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
    private readonly source: string,
    readonly file: string | undefined,
  ) {}

  position(offset: number): { line: number; column: number } {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /** The node at `path`, or the nearest ancestor that exists (a value may come from an alias or merge). */
  node(path: YamlPath): Node | undefined {
    for (let length = path.length; length >= 0; length--) {
      const node = length === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, length), true);
      if (node && typeof node === 'object' && 'range' in node && node.range) return node as Node;
    }
    return undefined;
  }

  /** The key node of the last item of `path`, when it is a mapping key. */
  keyNode(path: YamlPath): Node | undefined {
    const key = path.at(-1);
    const parent = this.node(path.slice(0, -1));
    if (!isMap(parent)) return undefined;
    for (const pair of parent.items) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === key) return pair.key;
    }
    return undefined;
  }

  /** Whether `path` resolves to a node itself (not to an ancestor). */
  has(path: YamlPath): boolean {
    return path.length === 0 ? this.doc.contents != null : this.doc.getIn(path, true) !== undefined;
  }

  offset(path: YamlPath, options: IssueOptions = {}): number | undefined {
    if (options.at !== undefined) return options.at;
    const node = (options.key ? this.keyNode(path) : undefined) ?? this.node(path);
    const range = node?.range;
    if (!range) return undefined;
    if (options.find && !options.key) {
      const text = this.source.slice(range[0], range[1]);
      const match = options.find.exec(text);
      if (match) return range[0] + match.index;
    }
    return range[0];
  }

  issue(
    severity: WorkflowIssue['severity'],
    path: YamlPath,
    message: string,
    options: IssueOptions = {},
  ): WorkflowIssue {
    const offset = this.offset(path, options);
    const issue: WorkflowIssue = { severity, message, path };
    if (options.hint) issue.hint = options.hint;
    if (this.file !== undefined) issue.file = this.file;
    if (offset !== undefined) Object.assign(issue, this.position(offset));
    return issue;
  }

  /** The source text of the node at `path` (for finding things inside it). */
  text(path: YamlPath): { text: string; start: number } | undefined {
    const range = this.node(path)?.range;
    return range ? { text: this.source.slice(range[0], range[1]), start: range[0] } : undefined;
  }
}

/** Calls `fn` for every scalar value (not key) of the document, with its path. */
export function forEachScalar(
  node: unknown,
  path: YamlPath,
  fn: (scalar: import('yaml').Scalar, path: YamlPath) => void,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      forEachScalar(pair.value, [...path, typeof key === 'number' ? key : String(key)], fn);
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) forEachScalar(item, [...path, index], fn);
  } else if (isScalar(node)) {
    fn(node, path);
  }
}
