/**
 * The original format's `!file PATH` tag: on any scalar, the path relative to the file that holds the tag.
 * A target that parses to a mapping or a list is inlined as YAML (its own `!file` tags resolved relative to
 * it); anything else is inlined as its raw text. Text inlined into `prompt` or `system_prompt` may use
 * `{% include 'partial' %}`, resolved relative to that text's file (the original's Jinja loader), here
 * expanded once at load time.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, Scalar } from 'yaml';
import type { WorkflowIssue } from './errors.js';
import type { Locator, YamlPath } from './locate.js';

/** How deep `!file` targets and includes may nest (a cycle is caught before; this bounds a long chain). */
const MAX_INCLUDE_DEPTH = 20;
const INCLUDE = /\{%-?\s*include\s+(?:"([^"]+)"|'([^']+)')\s*(?:ignore missing\s*)?-?%\}/g;

interface Where {
  /** The issue's position: the `!file` tag in the workflow file. */
  path: YamlPath;
  locator: Locator;
}

class FileTagError extends Error {}

function readText(target: string, chain: readonly string[]): string {
  if (chain.includes(target)) {
    throw new FileTagError(`!file ${target} includes itself (${[...chain, target].join(' -> ')})`);
  }
  if (chain.length > MAX_INCLUDE_DEPTH) {
    throw new FileTagError(`!file files nest more than ${MAX_INCLUDE_DEPTH} deep at ${target}`);
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileTagError(
      code === 'ENOENT'
        ? `!file ${target} does not exist`
        : `!file ${target} cannot be read (${code ?? (error as Error).message})`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FileTagError(`!file ${target} is not UTF-8 text`);
  }
}

/** Expands `{% include 'x' %}` in text read from `file`, relative to its folder, recursively. */
export function expandIncludes(text: string, file: string, chain: readonly string[]): string {
  return text.replace(INCLUDE, (_whole, double: string | undefined, single: string | undefined) => {
    const target = resolve(dirname(file), (double ?? single) as string);
    const nextChain = [...chain, file];
    return expandIncludes(readText(target, nextChain), target, nextChain);
  });
}

/** Whether a YAML path is a prompt whose `!file` text may use `{% include %}`. */
const includeAllowed = (path: YamlPath) => {
  const last = path.at(-1);
  return last === 'prompt' || last === 'system_prompt';
};

/** Gives every node of an inlined tree the tag's range, so issues inside it point at the `!file` tag. */
function relocate(node: unknown, range: Node['range']): void {
  if (!node || typeof node !== 'object') return;
  (node as { range?: Node['range'] }).range = range;
  if (isMap(node)) {
    for (const pair of node.items) {
      relocate(pair.key, range);
      relocate(pair.value, range);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) relocate(item, range);
  }
}

function resolveTag(scalar: Scalar, from: string, chain: readonly string[], where: Where): unknown {
  const name = String(scalar.value ?? '').trim();
  if (name === '') throw new FileTagError('!file needs a path');
  const target = resolve(dirname(from), name);
  const nextChain = [...chain, from];
  const text = readText(target, nextChain);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true });
  if (doc.errors.length === 0 && (isMap(doc.contents) || isSeq(doc.contents))) {
    const contents = doc.contents as Node;
    replaceTags(contents, target, nextChain, where);
    relocate(contents, scalar.range);
    return contents;
  }
  const expanded = includeAllowed(where.path) ? expandIncludes(text, target, nextChain) : text;
  const replacement = new Scalar(expanded);
  replacement.range = scalar.range;
  return replacement;
}

function replaceTags(node: unknown, from: string, chain: readonly string[], where: Where): void {
  const visit = (child: unknown, path: YamlPath): unknown => {
    if (isScalar(child) && child.tag === '!file') {
      return resolveTag(child, from, chain, { ...where, path });
    }
    replaceTags(child, from, chain, { ...where, path });
    return child;
  };
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      pair.value = visit(pair.value, [...where.path, key]) as typeof pair.value;
    }
  } else if (isSeq(node)) {
    node.items = node.items.map((item, index) => visit(item, [...where.path, index]));
  }
}

/**
 * Replaces every `!file` tag of a workflow document, in place. `file` is the workflow's path (a source without
 * one resolves paths against the current folder). Missing files, cycles and non-UTF-8 files are errors at the
 * tag. Runs before `${VAR}` substitution, which then reaches inlined text too, as in the original.
 */
export function resolveFileTags(
  contents: unknown,
  file: string | undefined,
  locator: Locator,
): WorkflowIssue[] {
  const issues: WorkflowIssue[] = [];
  const from = file ?? resolve('<workflow>');
  const walk = (node: unknown, path: YamlPath): void => {
    const visit = (child: unknown, childPath: YamlPath): unknown => {
      if (isScalar(child) && child.tag === '!file') {
        try {
          return resolveTag(child, from, [], { path: childPath, locator });
        } catch (error) {
          if (!(error instanceof FileTagError)) throw error;
          issues.push(
            locator.issue('error', childPath, error.message, {
              hint: 'A !file path is relative to the file that holds the tag.',
            }),
          );
          return child;
        }
      }
      walk(child, childPath);
      return child;
    };
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        pair.value = visit(pair.value, [...path, key]) as typeof pair.value;
      }
    } else if (isSeq(node)) {
      node.items = node.items.map((item, index) => visit(item, [...path, index]));
    }
  };
  walk(contents, []);
  return issues;
}
