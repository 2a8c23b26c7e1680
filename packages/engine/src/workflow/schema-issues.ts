/**
 * Turns valibot's issues into located, readable workflow issues, and finds unknown keys (valibot's strict
 * objects stop at the first one and cannot say "did you mean").
 */
import type * as v from 'valibot';
import { closestName } from '../template/suggest.js';
import type { WorkflowIssue } from './errors.js';
import type { Locator, YamlPath } from './locate.js';
import { isPlainObject } from './raw.js';
import { UNSUPPORTED_KEYS, UNSUPPORTED_SECTIONS } from './schema.js';
import {
  AgentStepSchema,
  HumanGateStepSchema,
  QuestionsStepSchema,
  ScriptStepSchema,
  SetStepSchema,
  TerminateStepSchema,
  WaitStepSchema,
  WorkflowStepSchema,
} from './schema-steps.js';

/** A valibot schema seen structurally, to walk it along the data. */
interface AnySchema {
  type: string;
  wrapped?: AnySchema;
  getter?: (input: unknown) => AnySchema;
  entries?: Record<string, AnySchema>;
  item?: AnySchema;
  value?: AnySchema;
  options?: AnySchema[];
  key?: string;
  literal?: unknown;
}

const STEP_SCHEMAS: Record<string, AnySchema> = {
  agent: AgentStepSchema as unknown as AnySchema,
  script: ScriptStepSchema as unknown as AnySchema,
  set: SetStepSchema as unknown as AnySchema,
  terminate: TerminateStepSchema as unknown as AnySchema,
  wait: WaitStepSchema as unknown as AnySchema,
  workflow: WorkflowStepSchema as unknown as AnySchema,
  human_gate: HumanGateStepSchema as unknown as AnySchema,
  questions: QuestionsStepSchema as unknown as AnySchema,
};

/** `step "draft"`, or `step 3` when it has no usable name. */
export function stepLabel(data: unknown, index: number): string {
  return entryLabel(data, 'agents', index);
}

const SECTION_WORDS: Record<string, string> = {
  agents: 'step',
  parallel: 'parallel group',
  for_each: 'for-each group',
};

/** `parallel group "fan_out"`, `for-each group 2`: an entry of `agents:`, `parallel:` or `for_each:`. */
export function entryLabel(data: unknown, section: string, index: number): string {
  const entries = isPlainObject(data) && Array.isArray(data[section]) ? data[section] : [];
  const entry: unknown = entries[index];
  const name = isPlainObject(entry) ? entry.name : undefined;
  const word = SECTION_WORDS[section] ?? section;
  return typeof name === 'string' && name !== '' ? `${word} "${name}"` : `${word} ${index + 1}`;
}

/** `routes[0].to` */
export function dottedPath(path: YamlPath): string {
  let text = '';
  for (const item of path) text += typeof item === 'number' ? `[${item}]` : text === '' ? item : `.${item}`;
  return text;
}

/** Where a path is, in words: `step "draft" (routes[0].to)` or `"workflow.limits.max_iterations"`. */
export function describeLocation(data: unknown, path: YamlPath): { owner: string; field: string } {
  const section = path[0];
  if (typeof section === 'string' && section in SECTION_WORDS && typeof path[1] === 'number') {
    return { owner: entryLabel(data, section, path[1]), field: dottedPath(path.slice(2)) };
  }
  return { owner: '', field: dottedPath(path) };
}

/** `step "draft" (routes[0].to)`, `step "draft"` or `"workflow.limits.max_iterations"`. */
export function inWords(data: unknown, path: YamlPath): string {
  const { owner, field } = describeLocation(data, path);
  if (owner && field) return `${owner} (${field})`;
  return owner || `"${field}"`;
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  Object: 'a mapping',
  Array: 'a list',
  unknown: 'a value',
};

function expectedWords(expected: string | null): { words: string; choices: string[] } {
  if (!expected) return { words: 'something else', choices: [] };
  const choices = [...expected.matchAll(/"([^"]*)"/g)].map((match) => match[1] ?? '');
  if (choices.length > 0) {
    return {
      words: choices.length === 1 ? `"${choices[0]}"` : `one of ${choices.map((c) => `"${c}"`).join(', ')}`,
      choices,
    };
  }
  const parts = expected
    .replace(/^\(|\)$/g, '')
    .split('|')
    .map((part) => TYPE_WORDS[part.trim()] ?? part.trim());
  return { words: parts.join(' or '), choices: [] };
}

/** One valibot issue as a workflow issue, or undefined when it is reported another way. */
export function schemaIssue(
  issue: v.BaseIssue<unknown>,
  data: unknown,
  locator: Locator,
): WorkflowIssue | undefined {
  const path: YamlPath = (issue.path ?? []).map((item) => (item as { key: string | number }).key);
  if (issue.type === 'strict_object' && issue.expected === 'never') return undefined; // unknown key: see unknownKeys
  // A mapping given where a string or a mapping may go (`runtime.provider`) that fails only for an
  // unknown key: that key is reported, with a hint, by unknownKeys.
  if (
    issue.type === 'union' &&
    issue.issues?.some((sub) => sub.type === 'strict_object' && sub.expected === 'never')
  ) {
    return undefined;
  }
  if (issue.type === 'strict_object' && issue.input === undefined) {
    const key = String(path.at(-1));
    const parent = path.slice(0, -1);
    const where = parent.length === 0 ? 'the workflow file' : inWords(data, parent);
    const hints: Record<string, string> = {
      entry_point: 'Set it to the name of the first step to run.',
      options: 'A human_gate step lists its choices under "options:" (label, value, route).',
      workflow: 'A workflow step names the child workflow file: "workflow: ./child.yaml".',
      source: 'A for-each group needs "source:", the list to go through (e.g. planner.output.items).',
      as: 'A for-each group needs "as:", the name of the item variable.',
      agent: 'A for-each group needs "agent:", the step run for each item.',
      type: 'Entries of for_each: need "type: for_each".',
      label: 'Each option needs "label:" (what the person sees).',
      value: 'Each option needs "value:" (what the gate records).',
      prompt: 'A human_gate step needs "prompt:", the Markdown shown to the person.',
      agents: 'List the steps under "agents:".',
      command: 'Script steps run "command:" (with "args:").',
      duration: 'Wait steps need "duration:", e.g. "2s".',
      name: parent[0] === 'agents' ? 'Every step needs a unique "name:".' : 'Give the workflow a "name:".',
      to: 'Every route needs "to:", a step name or $end.',
    };
    const hint = hints[key];
    return locator.issue('error', parent, `${where} is missing the required key "${key}"`, { hint });
  }
  if (issue.kind === 'validation') {
    const { owner } = describeLocation(data, path);
    const got =
      typeof issue.input === 'number' || typeof issue.input === 'string'
        ? ` (got ${JSON.stringify(issue.input)})`
        : '';
    return locator.issue('error', path, `${owner ? `${owner}: ` : ''}${issue.message}${got}`);
  }
  const { words, choices } = expectedWords(issue.expected);
  const received = describeValue(issue.input);
  const suggestion =
    typeof issue.input === 'string' && choices.length > 0 ? closestName(issue.input, choices) : undefined;
  const nullInEnum = issue.input === null && path.at(-2) === 'enum';
  return locator.issue('error', path, `${inWords(data, path)} must be ${words}, not ${received}`, {
    hint: suggestion
      ? `Did you mean "${suggestion}"?`
      : nullInEnum
        ? 'enum cannot list null: remove it and set nullable: true on the field.'
        : issue.input == null
          ? 'Give it a value.'
          : undefined,
  });
}

function unwrap(schema: AnySchema, value: unknown): AnySchema {
  let current = schema;
  for (;;) {
    if (
      current.wrapped &&
      ['optional', 'nullable', 'nullish', 'exact_optional', 'non_optional'].includes(current.type)
    ) {
      current = current.wrapped;
    } else if (current.type === 'lazy' && current.getter) {
      current = current.getter(value);
    } else {
      return current;
    }
  }
}

type KeyPlace = keyof typeof UNSUPPORTED_KEYS | 'top' | 'other';

function placeOf(path: YamlPath, schema: AnySchema): KeyPlace {
  if (path.length === 0) return 'top';
  if (path.length === 1 && path[0] === 'workflow') return 'workflow';
  if (
    path.length === 2 &&
    path[0] === 'workflow' &&
    (path[1] === 'runtime' || path[1] === 'limits' || path[1] === 'context')
  ) {
    return path[1];
  }
  if (path.length === 3 && path[0] === 'workflow' && path[1] === 'runtime' && path[2] === 'provider') {
    return 'provider';
  }
  if (path.length === 2 && path[0] === 'agents') return 'step';
  if (path.length === 3 && path[0] === 'for_each' && path[2] === 'agent') return 'step';
  if (schema.entries && 'items' in schema.entries && 'properties' in schema.entries) return 'outputField';
  return 'other';
}

function unknownKeyIssue(
  key: string,
  path: YamlPath,
  schema: AnySchema,
  data: unknown,
  locator: Locator,
): WorkflowIssue {
  const keyPath = [...path, key];
  const place = placeOf(path, schema);
  const where = place === 'top' ? 'at the top level' : `in ${inWords(data, path)}`;
  if (place === 'top' && key in UNSUPPORTED_SECTIONS) {
    return locator.issue(
      'error',
      keyPath,
      `"${key}" (${UNSUPPORTED_SECTIONS[key]}) is not supported by this version of conductor yet`,
      { key: true, hint: 'Remove the section, or run this workflow with the original conductor.' },
    );
  }
  if (place !== 'top' && place !== 'other' && UNSUPPORTED_KEYS[place].includes(key)) {
    return locator.issue(
      'error',
      keyPath,
      `"${key}" ${where} is part of the original conductor format but not supported by this version of conductor yet`,
      { key: true, hint: 'Remove it to run the workflow here.' },
    );
  }
  const known = Object.keys(schema.entries ?? {});
  const suggestion = closestName(key, known);
  let hint = suggestion ? `Did you mean "${suggestion}"?` : `Valid keys: ${known.join(', ')}.`;
  if (path.length === 3 && path[0] === 'for_each' && path[2] === 'agent' && key === 'routes') {
    hint = 'The body of a for-each group has no routes of its own: put them on the group.';
  } else if (path.length === 2 && path[0] === 'parallel' && (key === 'for_each' || key === 'agent')) {
    hint =
      'A for-each group is an entry of the top-level "for_each:" list (with "type: for_each", "source", "as" and "agent").';
  } else if (place === 'step' && !suggestion && path[0] === 'agents') {
    const owners = Object.entries(STEP_SCHEMAS)
      .filter(([, stepSchema]) => stepSchema.entries && key in stepSchema.entries)
      .map(([type]) => type);
    if (owners.length > 0) {
      hint = `"${key}" belongs to ${owners.join(' and ')} steps; set "type: ${owners[0]}" or remove it. ${hint}`;
    }
  }
  return locator.issue('error', keyPath, `unknown key "${key}" ${where}`, { key: true, hint });
}

/** Every key the schema does not allow, at any depth, with "did you mean" hints. */
export function unknownKeys(
  schema: unknown,
  value: unknown,
  path: YamlPath,
  data: unknown,
  locator: Locator,
  skip: (path: YamlPath) => boolean,
): WorkflowIssue[] {
  if (skip(path)) return [];
  const current = unwrap(schema as AnySchema, value);
  const issues: WorkflowIssue[] = [];
  switch (current.type) {
    case 'strict_object':
    case 'object': {
      if (!isPlainObject(value) || !current.entries) break;
      for (const [key, item] of Object.entries(value)) {
        const entry = current.entries[key];
        if (entry) issues.push(...unknownKeys(entry, item, [...path, key], data, locator, skip));
        else if (current.type === 'strict_object')
          issues.push(unknownKeyIssue(key, path, current, data, locator));
      }
      break;
    }
    case 'variant': {
      if (!isPlainObject(value)) break;
      const type = value.type ?? 'agent';
      const option = current.options?.find((candidate) => {
        const discriminator = candidate.entries?.type;
        return discriminator !== undefined && unwrap(discriminator, type).literal === type;
      });
      if (option) issues.push(...unknownKeys(option, value, path, data, locator, skip));
      break;
    }
    case 'array':
      if (Array.isArray(value) && current.item) {
        const item = current.item;
        for (const [index, element] of value.entries()) {
          issues.push(...unknownKeys(item, element, [...path, index], data, locator, skip));
        }
      }
      break;
    case 'record':
      if (isPlainObject(value) && current.value) {
        const itemSchema = current.value;
        for (const [key, item] of Object.entries(value)) {
          issues.push(...unknownKeys(itemSchema, item, [...path, key], data, locator, skip));
        }
      }
      break;
    case 'union': {
      const option = current.options?.find((candidate) => {
        const type = unwrap(candidate, value).type;
        if (Array.isArray(value)) return type === 'array';
        if (isPlainObject(value)) return ['strict_object', 'object', 'record', 'variant'].includes(type);
        return false;
      });
      if (option) issues.push(...unknownKeys(option, value, path, data, locator, skip));
      break;
    }
    default:
      break;
  }
  return issues;
}
