/**
 * What every semantic rule reads: the raw data, its steps and groups indexed by name, and where to
 * report. Building the index reports its own problems (a name used twice, a reserved name), first.
 */
import type { WorkflowIssue } from '../errors.js';
import type { IssueOptions, Locator, YamlPath } from '../locate.js';
import { asString, isPlainObject as isObject, type Raw } from '../raw.js';
import { SUPPORTED_STEP_TYPES } from '../schema.js';
import { entryLabel } from '../schema-issues.js';

export const END = '$end';
export const RESERVED_STEP_NAMES = new Set([END, 'workflow', 'context']);
const GATE_FIELDS: ReadonlySet<string> = new Set(['selected', 'value', 'label', 'additional_input']);
const PARALLEL_FIELDS: ReadonlySet<string> = new Set(['outputs', 'errors']);
const FOR_EACH_FIELDS: ReadonlySet<string> = new Set(['outputs', 'errors', 'count']);

/** A step's output fields when they are known (output schema, set values, wait, gate), else 'dynamic'. */
export type Fields = ReadonlySet<string> | 'dynamic';

export interface StepInfo {
  index: number;
  raw: Raw;
  name: string | undefined;
  /** `type`, defaulting to agent; undefined when it is not a string. */
  type: string | undefined;
  /** False for types this version cannot run (their content is not checked). */
  checked: boolean;
  fields: Fields;
}

export interface GroupInfo {
  kind: 'parallel' | 'for_each';
  index: number;
  raw: Raw;
  name: string | undefined;
  /** False when the group's body has a type this version cannot run (its content is not checked). */
  checked: boolean;
}

export interface SemanticContext {
  data: Raw;
  locator: Locator;
  /** The `workflow:` section (empty when it is not a mapping). */
  settings: Raw;
  /** `workflow.input`, when it is a mapping. */
  inputs: Raw | undefined;
  steps: StepInfo[];
  groups: GroupInfo[];
  /** The first step of each name, and each group name that is no step's. */
  byName: Map<string, StepInfo>;
  byGroup: Map<string, GroupInfo>;
  stepNames: string[];
  /** Steps and groups: what routes and `entry_point` may name. */
  targetNames: string[];
  isTarget(name: string): boolean;
  groupLabel(group: GroupInfo): string;
  groupFields(group: GroupInfo): ReadonlySet<string>;
  error(path: YamlPath, message: string, options?: IssueOptions): void;
  warning(path: YamlPath, message: string, options?: IssueOptions): void;
  /** Reported so far, in rule order. */
  issues: WorkflowIssue[];
}

export function outputFields(raw: Raw, type: string | undefined): Fields {
  if ((type === 'agent' || type === 'workflow') && isObject(raw.output))
    return new Set(Object.keys(raw.output));
  if (type === 'set' && isObject(raw.values)) return new Set(Object.keys(raw.values));
  if (type === 'wait') return new Set(['waited_seconds']);
  if (type === 'human_gate') return GATE_FIELDS;
  return 'dynamic';
}

/** Names for a hint, at most `limit` of them. */
export function list(names: Iterable<string>, limit = 15): string {
  const all = [...names];
  return all.length > limit ? `${all.slice(0, limit).join(', ')}, ...` : all.join(', ');
}

/**
 * Indexes the steps and groups of `data` (a mapping), reporting names used twice and reserved names.
 * `skippedSteps` and `skippedInline` are the steps and for-each bodies of types this version cannot run.
 */
export function createSemanticContext(
  data: Raw,
  locator: Locator,
  skippedSteps: ReadonlySet<number>,
  skippedInline: ReadonlySet<number>,
): SemanticContext {
  const issues: WorkflowIssue[] = [];
  const error = (path: YamlPath, message: string, options?: IssueOptions) => {
    issues.push(locator.issue('error', path, message, options));
  };
  const warning = (path: YamlPath, message: string, options?: IssueOptions) => {
    issues.push(locator.issue('warning', path, message, options));
  };
  const lineOf = (path: YamlPath) => locator.issue('error', path, '').line;

  const steps: StepInfo[] = [];
  (Array.isArray(data.agents) ? data.agents : []).forEach((raw: unknown, index) => {
    if (!isObject(raw)) return;
    const type = raw.type === undefined ? 'agent' : asString(raw.type);
    const checked =
      !skippedSteps.has(index) &&
      type !== undefined &&
      (SUPPORTED_STEP_TYPES as readonly string[]).includes(type);
    steps.push({ index, raw, name: asString(raw.name), type, checked, fields: outputFields(raw, type) });
  });

  const byName = new Map<string, StepInfo>();
  for (const step of steps) {
    if (step.name === undefined || step.name === '') continue;
    const first = byName.get(step.name);
    if (first) {
      const firstLine = lineOf(['agents', first.index, 'name']);
      error(['agents', step.index, 'name'], `step name "${step.name}" is used by more than one step`, {
        hint: `Step names must be unique; the first "${step.name}" is ${firstLine ? `at line ${firstLine}` : `step ${first.index + 1}`}.`,
      });
      continue;
    }
    byName.set(step.name, step);
    if (RESERVED_STEP_NAMES.has(step.name)) {
      error(['agents', step.index, 'name'], `"${step.name}" cannot be a step name: it is reserved`, {
        hint: `Reserved names: ${[...RESERVED_STEP_NAMES].join(', ')}.`,
      });
    } else if (step.name === 'output') {
      warning(
        ['agents', step.index, 'name'],
        'a step named "output" is hidden by the route variable "output" in route conditions',
      );
    }
  }

  const groups: GroupInfo[] = [];
  for (const kind of ['parallel', 'for_each'] as const) {
    const entries = Array.isArray(data[kind]) ? data[kind] : [];
    entries.forEach((raw: unknown, index) => {
      if (!isObject(raw)) return;
      const checked = kind === 'parallel' || !skippedInline.has(index);
      groups.push({ kind, index, raw, name: asString(raw.name), checked });
    });
  }
  const byGroup = new Map<string, GroupInfo>();
  for (const group of groups) {
    if (group.name === undefined || group.name === '') continue;
    const at: YamlPath = [group.kind, group.index, 'name'];
    const step = byName.get(group.name);
    const other = byGroup.get(group.name);
    if (step || other) {
      const first = step
        ? `step at line ${lineOf(['agents', step.index, 'name']) ?? '?'}`
        : `${other?.kind === 'parallel' ? 'parallel' : 'for-each'} group at line ${other ? (lineOf([other.kind, other.index, 'name']) ?? '?') : '?'}`;
      error(
        at,
        `"${group.name}" names a ${group.kind === 'parallel' ? 'parallel' : 'for-each'} group and another ${step ? 'step' : 'group'}`,
        {
          hint: `Step and group names share one namespace (routes and templates refer to both); the other is the ${first}.`,
        },
      );
      continue;
    }
    byGroup.set(group.name, group);
    if (RESERVED_STEP_NAMES.has(group.name) || group.name === 'output') {
      error(at, `"${group.name}" cannot be a group name: it is reserved`, {
        hint: `Reserved names: ${[...RESERVED_STEP_NAMES, 'output'].join(', ')}.`,
      });
    }
  }

  const stepNames = [...byName.keys()];
  const settings = isObject(data.workflow) ? data.workflow : {};
  return {
    data,
    locator,
    settings,
    inputs: isObject(settings.input) ? settings.input : undefined,
    steps,
    groups,
    byName,
    byGroup,
    stepNames,
    targetNames: [...stepNames, ...byGroup.keys()],
    isTarget: (name) => name === END || byName.has(name) || byGroup.has(name),
    groupLabel: (group) => entryLabel(data, group.kind, group.index),
    groupFields: (group) => (group.kind === 'parallel' ? PARALLEL_FIELDS : FOR_EACH_FIELDS),
    error,
    warning,
    issues,
  };
}
