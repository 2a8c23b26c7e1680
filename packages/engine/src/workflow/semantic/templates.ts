import { analyzeTemplate, looksLikeTemplate, type TemplateAnalysis } from '../../template/analyze.js';
import { TemplateError } from '../../template/errors.js';
import { KNOWN_FILTERS, KNOWN_TESTS } from '../../template/filters.js';
import { closestName } from '../../template/suggest.js';
import type { WorkflowIssue } from '../errors.js';
import { list, type SemanticContext } from './context.js';
import type { TemplateSite } from './template-sites.js';

/** What the runtime puts under `workflow` in a template's scope. */
const WORKFLOW_VARIABLES = ['input', 'name', 'description', 'file', 'dir'];
/** What templates may read of a group: `<group>.outputs`, `.errors`, `.count`, or the whole as `.output`. */
const GROUP_MEMBERS = ['outputs', 'errors', 'count', 'output', 'type'];

/** Whether a step's explicit `input` list covers a read of `path` (`review.output.score`). */
function explicitlyListed(inputs: readonly string[], path: readonly string[]): boolean {
  const [root, second, third] = path;
  const field = second === 'output' ? third : second;
  return inputs.some((entry) => {
    const [head, entrySecond, entryThird] = entry.split('.');
    if (head !== root) return false;
    const entryField = entrySecond === 'output' ? entryThird : entrySecond;
    return entryField === undefined || field === undefined || entryField === field;
  });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A template must parse, use known filters and tests, and read only what exists where it is: steps'
 * outputs and declared fields, groups' parts, `workflow.*`, locals.
 */
export function checkTemplate(ctx: SemanticContext, site: TemplateSite): WorkflowIssue[] {
  const { locator, byName, byGroup, targetNames } = ctx;
  const declaredInputs = ctx.inputs ? Object.keys(ctx.inputs) : undefined;
  const found: WorkflowIssue[] = [];
  const where = site.owner ? `${site.owner} (${site.field})` : `"${site.field}"`;
  const isTemplate = !(site.condition || site.expression) || looksLikeTemplate(site.source);
  if (site.condition && site.source.trim() === '') {
    return [
      locator.issue('error', site.path, `${where} is empty`, {
        hint: 'Remove "when:" for a route that always matches, or write a condition.',
      }),
    ];
  }
  let analysis: TemplateAnalysis;
  try {
    analysis = analyzeTemplate(site.source, { mode: isTemplate ? 'template' : 'expression' });
  } catch (cause) {
    if (!(cause instanceof TemplateError)) throw cause;
    return [
      locator.issue('error', site.path, `${cause.detail} in ${where}`, {
        hint: 'Check the {{ }} and {% %} tags.',
      }),
    ];
  }
  const nodeText = locator.text(site.path);
  /** The offset of `pattern` inside the template's tags (or anywhere, for a bare expression). */
  const locate = (pattern: RegExp): number | undefined => {
    if (!nodeText) return undefined;
    const regions: { text: string; index: number }[] = isTemplate
      ? [...nodeText.text.matchAll(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g)].map((m) => ({
          text: m[0],
          index: m.index ?? 0,
        }))
      : [{ text: nodeText.text, index: 0 }];
    for (const region of regions) {
      const match = pattern.exec(region.text);
      if (match) return nodeText.start + region.index + match.index;
    }
    return undefined;
  };
  const nameAt = (path: readonly string[]) =>
    locate(new RegExp(`(?<![\\w.])${path.map(escapeRegExp).join('\\s*\\.\\s*')}(?!\\w)`));
  const report = (
    severity: WorkflowIssue['severity'],
    path: readonly string[],
    message: string,
    hint?: string,
  ) => found.push(locator.issue(severity, site.path, message, { hint, at: nameAt(path) }));

  const unknownNames = [
    { kind: 'filter', used: analysis.filters, known: KNOWN_FILTERS, at: (name: string) => `\\|\\s*${name}` },
    {
      kind: 'test',
      used: analysis.tests,
      known: KNOWN_TESTS,
      at: (name: string) => `\\bis\\s+(not\\s+)?${name}`,
    },
  ];
  for (const { kind, used, known, at } of unknownNames) {
    for (const name of used) {
      if (known.has(name)) continue;
      const suggestion = closestName(name, known);
      found.push(
        locator.issue('error', site.path, `unknown ${kind} "${name}" in ${where}`, {
          hint: suggestion ? `Did you mean "${suggestion}"?` : undefined,
          at: locate(new RegExp(`${at(escapeRegExp(name))}(?!\\w)`)),
        }),
      );
    }
  }

  // The runtime puts the step's output fields at the top level only for bare-expression conditions.
  const currentFields = site.condition && !isTemplate ? site.fields : undefined;
  const ownFields = site.outputAlias ? site.fields : undefined;
  const seen = new Set<string>();
  for (const path of analysis.paths) {
    const key = path.join('.');
    if (seen.has(key)) continue;
    seen.add(key);
    const [root, second, third] = path;
    if (root === undefined) continue;
    if (site.locals?.includes(root)) continue;
    const target = byName.get(root);
    const group = byGroup.get(root);
    if (group && !target) {
      if (second === undefined) continue;
      if (!GROUP_MEMBERS.includes(second)) {
        const suggestion = closestName(second, GROUP_MEMBERS);
        report(
          'error',
          path,
          `${where} reads "${root}.${second}", but ${ctx.groupLabel(group)} has ${group.kind === 'parallel' ? 'outputs and errors' : 'outputs, errors and count'}`,
          `${suggestion ? `Did you mean "${root}.${suggestion}"? ` : ''}A ${group.kind === 'parallel' ? 'member' : 'item'}'s result is "${root}.outputs.${group.kind === 'parallel' ? '<member>' : '<index or key>'}".`,
        );
      } else if (
        group.kind === 'parallel' &&
        (second === 'outputs' || second === 'errors') &&
        third !== undefined
      ) {
        const members = (Array.isArray(group.raw.agents) ? group.raw.agents : []).filter(
          (x): x is string => typeof x === 'string',
        );
        if (!members.includes(third)) {
          const suggestion = closestName(third, members);
          report(
            'warning',
            path,
            `${where} reads "${root}.${second}.${third}", but "${third}" is not a member of ${ctx.groupLabel(group)}`,
            suggestion ? `Did you mean "${suggestion}"?` : `Its members: ${list(members)}.`,
          );
        }
      }
      continue;
    }
    if (target || byGroup.has(root)) {
      if (site.explicitInputs && !explicitlyListed(site.explicitInputs, path)) {
        const wanted =
          third === undefined || second !== 'output' ? `${root}.output` : `${root}.output.${third}`;
        report(
          'warning',
          path,
          `${where} reads "${path.join('.')}", but context.mode is explicit and the step's "input" does not list it`,
          `Add "${wanted}" to the step's input list.`,
        );
      }
      if (!target || second === undefined) continue;
      if (second !== 'output') {
        report(
          'error',
          path,
          `${where} reads "${root}.${second}", but a step's result is "${root}.output"`,
          `Did you mean "${root}.output"?`,
        );
      } else if (third !== undefined && target.fields !== 'dynamic' && !target.fields.has(third)) {
        const suggestion = closestName(third, target.fields);
        report(
          'warning',
          path,
          `${where} reads "${root}.output.${third}", but step "${root}" does not declare a field "${third}"`,
          suggestion ? `Did you mean "${suggestion}"?` : `Its fields: ${list(target.fields)}.`,
        );
      }
      continue;
    }
    if (root === 'workflow') {
      if (second === undefined) continue;
      if (
        site.explicitInputs &&
        second === 'input' &&
        third !== undefined &&
        !site.explicitInputs.includes(`workflow.input.${third}`)
      ) {
        report(
          'warning',
          path,
          `${where} reads "workflow.input.${third}", but context.mode is explicit and the step's "input" does not list it`,
          `Add "workflow.input.${third}" to the step's input list.`,
        );
      }
      if (!WORKFLOW_VARIABLES.includes(second)) {
        const suggestion = closestName(second, WORKFLOW_VARIABLES);
        report(
          'error',
          path,
          `${where} reads "workflow.${second}", which does not exist`,
          `${suggestion ? `Did you mean "workflow.${suggestion}"? ` : ''}"workflow" has: ${WORKFLOW_VARIABLES.join(', ')}.`,
        );
      } else if (
        second === 'input' &&
        third !== undefined &&
        declaredInputs &&
        !declaredInputs.includes(third)
      ) {
        const suggestion = closestName(third, declaredInputs);
        report(
          'error',
          path,
          `${where} reads "workflow.input.${third}", which is not a declared input`,
          suggestion
            ? `Did you mean "${suggestion}"?`
            : declaredInputs.length > 0
              ? `Declared inputs: ${list(declaredInputs)}.`
              : 'Declare it under workflow.input.',
        );
      }
      continue;
    }
    if (root === 'context') continue;
    if (root === 'output' && site.outputAlias) {
      const fields = site.fields;
      if (second !== undefined && fields && fields !== 'dynamic' && !fields.has(second)) {
        const suggestion = closestName(second, fields);
        report(
          'warning',
          path,
          `${where} reads "output.${second}", but this step does not declare a field "${second}"`,
          suggestion ? `Did you mean "${suggestion}"?` : `Its fields: ${list(fields)}.`,
        );
      }
      continue;
    }
    if (currentFields !== undefined && currentFields !== 'dynamic' && currentFields.has(root)) continue;
    // A condition of a step whose output fields are not known may read any of them by name; but
    // `x.output...` is a step reference either way.
    if (currentFields === 'dynamic' && second !== 'output') continue;
    const candidates = [
      ...targetNames,
      ...(site.locals ?? []),
      'workflow',
      'context',
      ...(currentFields && currentFields !== 'dynamic' ? currentFields : []),
      ...(site.outputAlias ? ['output'] : []),
    ];
    const suggestion = closestName(root, candidates);
    const what = second === 'output' ? 'which is not a step' : 'which is neither a step nor a variable';
    const fieldsHint =
      currentFields && currentFields !== 'dynamic'
        ? `This step's output fields: ${list(currentFields)}.`
        : ownFields && ownFields !== 'dynamic' && ownFields.has(root)
          ? `In a {{ }} condition the step's own fields are read as "output.${root}" (or write it without {{ }}).`
          : '';
    const hint = [
      suggestion ? `Did you mean "${suggestion}"?` : `Steps: ${list(targetNames)}.`,
      fieldsHint.trim(),
    ]
      .filter(Boolean)
      .join(' ');
    report('error', path, `${where} references "${root}", ${what}`, hint);
  }
  return found;
}
