/**
 * Warns about templates rendered into the script of `sh -c` / `bash -c` (and kin) without quoting: a value
 * with `;` or `$( )` in it would run as shell code. The original format allows this pattern, so it stays
 * a warning, naming the step and what to write instead (`env:`, or the `shell_quote` filter).
 */
import type { Node } from '../template/library.js';
import { singleExpression } from '../template/parse.js';
import type { WorkflowIssue } from './errors.js';
import type { Locator, YamlPath } from './locate.js';
import { isPlainObject as isObject, type Raw } from './raw.js';
import { entryLabel, stepLabel } from './schema-issues.js';

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'yash', 'fish']);
/** Options of these shells that take the next argument as their value (`-o pipefail`, `--rcfile f`). */
const TAKES_VALUE = /^[-+][A-Za-z]*[oO]$|^--(rcfile|init-file)$/;
/** Last filters whose output cannot carry shell syntax. */
const SAFE_FILTERS = new Set(['shell_quote', 'int', 'float', 'length', 'count', 'abs']);
const OUTPUT = /\{\{-?([\s\S]*?)-?\}\}/g;

/** The index in `args` of the script a shell runs with `-c`, or undefined when `args` runs no `-c` script. */
function scriptIndex(args: unknown[]): number | undefined {
  let inline = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg !== 'string') return undefined;
    if (arg === '--' || !/^[-+]/.test(arg)) return inline ? (arg === '--' ? i + 1 : i) : undefined;
    if (/^-[A-Za-z]*c/.test(arg)) inline = true;
    if (TAKES_VALUE.test(arg)) i++;
  }
  return undefined;
}

/** The filter a `{{ }}` ends with (`x | trim | shell_quote` → `shell_quote`). */
function lastFilter(node: Node): string | undefined {
  if (node.type !== 'FilterExpression') return undefined;
  const filter = node.filter as Node;
  const callee = filter.type === 'CallExpression' ? (filter.callee as Node) : filter;
  return callee.type === 'Identifier' ? (callee.value as string) : undefined;
}

/** Whether `script` is inside single or double quotes at `offset`, outside `{{ }}` (a rough shell lexer). */
function quotedAt(script: string, offset: number): boolean {
  let quote: string | undefined;
  for (let i = 0; i < offset; i++) {
    const c = script[i];
    if (script.startsWith('{{', i)) {
      const end = script.indexOf('}}', i);
      if (end < 0 || end >= offset) break;
      i = end + 1;
    } else if (quote === undefined && c === '\\') i++;
    else if (quote === '"' && c === '\\') i++;
    else if (quote === undefined && (c === "'" || c === '"')) quote = c;
    else if (c === quote) quote = undefined;
  }
  return quote !== undefined;
}

interface Finding {
  text: string;
  /** Quoted with shell_quote, but inside quotes of the script, which undo it. */
  inQuotes: boolean;
}

/** The `{{ }}` of a script that can inject shell code: unquoted values, or quoted ones inside quotes. */
function unsafeOutputs(script: string): Finding[] {
  const findings: Finding[] = [];
  for (const match of script.matchAll(OUTPUT)) {
    let node: Node | undefined;
    try {
      node = singleExpression(match[0]);
    } catch {
      return []; // A syntax error is reported by the template checks.
    }
    if (!node || node.type === 'IntegerLiteral' || node.type === 'FloatLiteral') continue;
    const filter = lastFilter(node);
    const quoted = quotedAt(script, match.index);
    if (filter !== undefined && SAFE_FILTERS.has(filter) && !(filter === 'shell_quote' && quoted)) continue;
    findings.push({ text: match[0], inQuotes: filter === 'shell_quote' });
  }
  return findings;
}

/** `{{ workflow.input.msg }}` → `MSG`: a name for the environment variable to suggest. */
function variableName(output: string): string {
  const path = /^\{\{-?\s*([\w.]+)\s*-?\}\}$/.exec(output)?.[1];
  const last = path?.split('.').pop() ?? '';
  return /^[A-Za-z_]\w*$/.test(last) ? last.toUpperCase() : 'VALUE';
}

function stepIssues(step: Raw, base: YamlPath, label: string, locator: Locator): WorkflowIssue[] {
  if (step.type !== 'script' || typeof step.command !== 'string' || !Array.isArray(step.args)) return [];
  const shell = step.command.trim().split('/').pop() ?? '';
  if (!SHELLS.has(shell)) return [];
  const index = scriptIndex(step.args);
  const script = index === undefined ? undefined : step.args[index];
  if (index === undefined || typeof script !== 'string') return [];
  const findings = unsafeOutputs(script);
  const [first] = findings;
  if (first === undefined) return [];
  const at = `${label} (args[${index}])`;
  const shown = [...new Set(findings.map((f) => f.text))].slice(0, 3).join(', ');
  if (findings.every((f) => f.inQuotes)) {
    return [
      locator.issue(
        'warning',
        [...base, 'args', index],
        `${at} puts ${shown} inside quotes in the script of "${shell} -c", where shell_quote does not protect it: a value with $( ) in it would run as shell code`,
        { hint: 'Remove the quotes around it: shell_quote makes the value one quoted word by itself.' },
      ),
    ];
  }
  const name = variableName(first.text);
  const inner = first.text.replace(/^\{\{-?\s*|\s*-?\}\}$/g, '');
  return [
    locator.issue(
      'warning',
      [...base, 'args', index],
      `${at} renders ${shown} into the script of "${shell} -c" unquoted: a value with ; or $( ) in it would run as shell code`,
      {
        hint: `Pass it in the environment (env: { ${name}: "${first.text}" } and "$${name}" in the script), or write {{ ${inner} | shell_quote }} outside any quotes.`,
      },
    ),
  ];
}

/** Warnings for every script step (and for-each body) that renders a template unquoted into a `-c` script. */
export function shellScriptIssues(data: unknown, locator: Locator): WorkflowIssue[] {
  if (!isObject(data)) return [];
  const issues: WorkflowIssue[] = [];
  const agents = Array.isArray(data.agents) ? data.agents : [];
  agents.forEach((step: unknown, i) => {
    if (isObject(step)) issues.push(...stepIssues(step, ['agents', i], stepLabel(data, i), locator));
  });
  const groups = Array.isArray(data.for_each) ? data.for_each : [];
  groups.forEach((group: unknown, i) => {
    if (isObject(group) && isObject(group.agent)) {
      const label = `${entryLabel(data, 'for_each', i)}'s agent`;
      issues.push(...stepIssues(group.agent, ['for_each', i, 'agent'], label, locator));
    }
  });
  return issues;
}
