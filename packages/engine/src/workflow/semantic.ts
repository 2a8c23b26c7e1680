/**
 * Checks the schema cannot express: names that must refer to steps, templates that must parse and read only
 * what exists, durations, defaults, reachability. They run on the raw data, defensively, so a file with a
 * schema error in one place still gets every other problem reported.
 */
import { analyzeTemplate, looksLikeTemplate, type TemplateAnalysis } from '../template/analyze.js';
import { TemplateError } from '../template/errors.js';
import { KNOWN_FILTERS, KNOWN_TESTS } from '../template/runtime.js';
import { closestName } from '../template/suggest.js';
import { DurationError, parseDuration } from './duration.js';
import type { WorkflowIssue } from './errors.js';
import { matchesInputType } from './inputs.js';
import type { Locator, YamlPath } from './locate.js';
import { SUPPORTED_STEP_TYPES } from './schema.js';
import { describeValue, entryLabel, stepLabel } from './schema-issues.js';

type Raw = Record<string, unknown>;

const isObject = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export const END = '$end';
/** What the runtime puts under `workflow` in a template's scope. */
const WORKFLOW_VARIABLES = ['input', 'name', 'description', 'file', 'dir'];
const RESERVED_STEP_NAMES = new Set([END, 'workflow', 'context']);
const MAX_WAIT_MS = 24 * 60 * 60 * 1000;
const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);

interface StepInfo {
  index: number;
  raw: Raw;
  name: string | undefined;
  /** `type`, defaulting to agent; undefined when it is not a string. */
  type: string | undefined;
  /** False for types this version cannot run (their content is not checked). */
  checked: boolean;
  /** The step's output fields when they are known (output schema, set values, wait), else 'dynamic'. */
  fields: ReadonlySet<string> | 'dynamic';
}

interface GroupInfo {
  kind: 'parallel' | 'for_each';
  index: number;
  raw: Raw;
  name: string | undefined;
  /** False when the group's body has a type this version cannot run (its content is not checked). */
  checked: boolean;
}

interface TemplateSite {
  path: YamlPath;
  source: string;
  /** Who owns the site in messages (`step "draft"`, `for-each group "each"`); undefined for the top-level output. */
  owner: string | undefined;
  /** The owner's output fields, for route conditions and the `output` alias. */
  fields?: ReadonlySet<string> | 'dynamic';
  /** How the site is named in messages: `prompt`, `routes[0].when`, `output.answer`. */
  field: string;
  /** `when` conditions: read bare expressions too, and allow the step's output fields. */
  condition?: boolean;
  /** A bare expression unless it contains `{{` (for-each `source` and `key_by`). */
  expression?: boolean;
  /** Route `when` and `output`: the runtime adds `output` (the step's output) to the scope. */
  outputAlias?: boolean;
  /** Agent prompts under `context.mode: explicit`: the step's `input` list (without `?`). */
  explicitInputs?: readonly string[];
  /** Names the runtime adds to the scope here (a for-each body's item variable, `_index`, `_key`). */
  locals?: readonly string[];
}

const GATE_FIELDS: ReadonlySet<string> = new Set(['selected', 'value', 'label', 'additional_input']);
const PARALLEL_FIELDS: ReadonlySet<string> = new Set(['outputs', 'errors']);
const FOR_EACH_FIELDS: ReadonlySet<string> = new Set(['outputs', 'errors', 'count']);
/** What templates may read of a group: `<group>.outputs`, `.errors`, `.count`, or the whole as `.output`. */
const GROUP_MEMBERS = ['outputs', 'errors', 'count', 'output'];
/** `planner.output.items`, `g.outputs["x"].list`: what a for-each `source` is. */
const DOTTED_PATH = /^[A-Za-z_]\w*(\.[\w-]+|\[[^\]]+\])*$/;
/** Names a for-each item variable cannot have (the original's list). */
const RESERVED_LOOP_NAMES = new Set(['workflow', 'context', 'output', '_index', '_key']);
/** Step types that cannot be members of a parallel group. */
const NOT_IN_GROUPS: Readonly<Record<string, string>> = {
  human_gate: 'gates cannot run alongside other steps (concurrent questions would compete for one person)',
  terminate: 'a terminate step would end the whole run from inside the group',
};

function outputFields(raw: Raw, type: string | undefined): ReadonlySet<string> | 'dynamic' {
  if ((type === 'agent' || type === 'workflow') && isObject(raw.output))
    return new Set(Object.keys(raw.output));
  if (type === 'set' && isObject(raw.values)) return new Set(Object.keys(raw.values));
  if (type === 'wait') return new Set(['waited_seconds']);
  if (type === 'human_gate') return GATE_FIELDS;
  return 'dynamic';
}

function list(names: Iterable<string>, limit = 15): string {
  const all = [...names];
  return all.length > limit ? `${all.slice(0, limit).join(', ')}, ...` : all.join(', ');
}

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

/** `qa-bot@team#v1.2.3`, `analysis@org/repo#main`: the original's registry and GitHub references. */
const isRegistryReference = (reference: string) =>
  /^[\w.-]+@[\w./-]+(#.*)?$/.test(reference) && !/\.ya?ml$/i.test(reference);

export function semanticIssues(
  data: unknown,
  locator: Locator,
  skippedSteps: ReadonlySet<number>,
  skippedInline: ReadonlySet<number> = new Set(),
): WorkflowIssue[] {
  const issues: WorkflowIssue[] = [];
  if (!isObject(data)) return issues;
  const error = (path: YamlPath, message: string, options?: Parameters<Locator['issue']>[3]) =>
    issues.push(locator.issue('error', path, message, options));
  const warning = (path: YamlPath, message: string, options?: Parameters<Locator['issue']>[3]) =>
    issues.push(locator.issue('warning', path, message, options));

  const settings = isObject(data.workflow) ? data.workflow : {};
  const rawSteps = Array.isArray(data.agents) ? data.agents : [];

  // ------------------------------------------------------------------------------------------ steps and names
  const steps: StepInfo[] = [];
  rawSteps.forEach((raw: unknown, index) => {
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
      const firstLine = locator.issue('error', ['agents', first.index, 'name'], '').line;
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

  // ----------------------------------------------------------------------------------------------- groups
  const groups: GroupInfo[] = [];
  for (const kind of ['parallel', 'for_each'] as const) {
    const list = Array.isArray(data[kind]) ? data[kind] : [];
    list.forEach((raw: unknown, index) => {
      if (!isObject(raw)) return;
      const checked = kind === 'parallel' || !skippedInline.has(index);
      groups.push({ kind, index, raw, name: asString(raw.name), checked });
    });
  }
  const groupLabel = (group: GroupInfo) => entryLabel(data, group.kind, group.index);
  const byGroup = new Map<string, GroupInfo>();
  for (const group of groups) {
    if (group.name === undefined || group.name === '') continue;
    const at: YamlPath = [group.kind, group.index, 'name'];
    const step = byName.get(group.name);
    const other = byGroup.get(group.name);
    if (step || other) {
      const first = step
        ? `step at line ${locator.issue('error', ['agents', step.index, 'name'], '').line ?? '?'}`
        : `${other?.kind === 'parallel' ? 'parallel' : 'for-each'} group at line ${other ? (locator.issue('error', [other.kind, other.index, 'name'], '').line ?? '?') : '?'}`;
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
  const groupNames = new Set(byGroup.keys());
  const stepNames = [...byName.keys()];
  const targetNames = [...stepNames, ...groupNames];
  const isTarget = (name: string) => name === END || byName.has(name) || groupNames.has(name);
  const groupFields = (group: GroupInfo) => (group.kind === 'parallel' ? PARALLEL_FIELDS : FOR_EACH_FIELDS);

  // ------------------------------------------------------------------------------------------------- inputs
  const inputs = isObject(settings.input) ? settings.input : undefined;
  for (const [name, definition] of Object.entries(inputs ?? {})) {
    if (!isObject(definition)) continue;
    const type = asString(definition.type);
    if (type === undefined || !JSON_TYPES.has(type)) continue;
    const value = definition.default;
    if (value === undefined || value === null) continue;
    if (!matchesInputType(type as 'string', value)) {
      const article = type === 'integer' || type === 'array' || type === 'object' ? 'an' : 'a';
      error(
        ['workflow', 'input', name, 'default'],
        `input "${name}" is declared as ${type}, but its default is ${describeValue(value)}`,
        {
          hint: `Make the default ${article} ${type}, or change the input's type.`,
        },
      );
    }
  }

  // ---------------------------------------------------------------------------------------------- entry point
  const entryPoint = asString(settings.entry_point);
  if (
    entryPoint !== undefined &&
    entryPoint !== '' &&
    !byName.has(entryPoint) &&
    !groupNames.has(entryPoint)
  ) {
    const suggestion = closestName(entryPoint, targetNames);
    error(['workflow', 'entry_point'], `entry_point "${entryPoint}" is not a step`, {
      hint:
        targetNames.length === 0
          ? 'There are no steps under "agents:" yet.'
          : `${suggestion ? `Did you mean "${suggestion}"? ` : ''}${groupNames.size > 0 ? 'Steps and groups' : 'Steps'}: ${list(targetNames)}.`,
    });
  }

  // ------------------------------------------------------------------------------------------------- routes
  const validTargets = [...targetNames, END];
  /** A route target that must exist: a step, a group or $end. */
  const checkTarget = (path: YamlPath, to: unknown, what: string) => {
    const name = asString(to);
    if (name === undefined || name === '' || isTarget(name)) return;
    const suggestion = closestName(name, validTargets);
    error(path, `${what} goes to "${name}", which is not a step${groupNames.size > 0 ? ' or group' : ''}.`, {
      hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}Valid targets: ${list(validTargets)}.`,
    });
  };
  const checkRoutes = (base: YamlPath, label: string, routes: unknown[]) => {
    let unconditionalAt: number | undefined;
    routes.forEach((route: unknown, index) => {
      if (!isObject(route)) return;
      if (unconditionalAt !== undefined && index === unconditionalAt + 1) {
        warning(
          [...base, index],
          `route ${index + 1} of ${label} is never taken: route ${unconditionalAt + 1} has no "when" and always matches`,
          {
            hint: 'Routes are tried in order; put the route without "when" last.',
          },
        );
      }
      if (route.when === undefined && unconditionalAt === undefined) unconditionalAt = index;
      checkTarget([...base, index, 'to'], route.to, `route of ${label}`);
    });
  };
  for (const step of steps) {
    if (!step.checked) continue;
    const routes = Array.isArray(step.raw.routes) ? step.raw.routes : [];
    const base: YamlPath = ['agents', step.index, 'routes'];
    if (step.type === 'terminate' && routes.length > 0) {
      error(
        base,
        `${stepLabel(data, step.index)} is a terminate step, which ends the workflow: its routes would never be taken`,
        {
          hint: 'Remove the routes.',
        },
      );
      continue;
    }
    checkRoutes(base, stepLabel(data, step.index), routes);
    if (step.type === 'human_gate' && Array.isArray(step.raw.options)) {
      step.raw.options.forEach((option: unknown, i) => {
        if (isObject(option))
          checkTarget(
            ['agents', step.index, 'options', i, 'route'],
            option.route,
            `option ${i + 1} of ${stepLabel(data, step.index)}`,
          );
      });
    }
  }
  for (const group of groups) {
    const routes = Array.isArray(group.raw.routes) ? group.raw.routes : [];
    checkRoutes([group.kind, group.index, 'routes'], groupLabel(group), routes);
  }

  // ------------------------------------------------------------------------------------- group specifics
  for (const group of groups) {
    const label = groupLabel(group);
    const at = (...rest: YamlPath): YamlPath => [group.kind, group.index, ...rest];
    if (group.kind === 'parallel') {
      const members = Array.isArray(group.raw.agents) ? group.raw.agents : [];
      const seen = new Set<string>();
      members.forEach((member: unknown, i) => {
        if (typeof member !== 'string' || member === '') return;
        if (seen.has(member)) {
          error(at('agents', i), `${label} lists "${member}" twice`, { hint: 'List each member once.' });
          return;
        }
        seen.add(member);
        const step = byName.get(member);
        if (!step) {
          const nested = byGroup.get(member);
          if (nested) {
            error(at('agents', i), `${label} lists "${member}", which is a group: groups cannot be nested`, {
              hint: 'Members are steps under "agents:". Route from one group to the other instead.',
            });
            return;
          }
          const suggestion = closestName(member, stepNames);
          error(at('agents', i), `${label} lists "${member}", which is not a step`, {
            hint: `${suggestion ? `Did you mean "${suggestion}"? ` : ''}Members are steps under "agents:": ${list(stepNames)}.`,
          });
          return;
        }
        const why = step.type === undefined ? undefined : NOT_IN_GROUPS[step.type];
        if (why) {
          error(
            at('agents', i),
            `${label} lists ${stepLabel(data, step.index)}, a ${step.type} step: ${why}`,
            {
              hint: `Route to it from the group's routes instead.`,
            },
          );
        } else if (Array.isArray(step.raw.routes) && step.raw.routes.length > 0) {
          warning(
            ['agents', step.index, 'routes'],
            `${stepLabel(data, step.index)} is a member of ${label}: its routes are not taken when it runs in the group`,
            {
              hint: 'After a group, its own routes are taken. Remove these unless the step also runs on its own.',
            },
          );
        }
      });
      continue;
    }
    // for_each
    const as = asString(group.raw.as);
    if (as !== undefined && as !== '') {
      if (RESERVED_LOOP_NAMES.has(as)) {
        error(at('as'), `${label}: the item variable cannot be named "${as}": it is reserved`, {
          hint: `Reserved names: ${[...RESERVED_LOOP_NAMES].join(', ')}.`,
        });
      } else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(as)) {
        error(at('as'), `${label}: the item variable "${as}" is not a valid name`, {
          hint: 'Use letters, digits and _, not starting with a digit (e.g. item, kpi).',
        });
      } else if (byName.has(as) || byGroup.has(as)) {
        warning(
          at('as'),
          `${label}: the item variable "${as}" hides the step or group of that name in the body`,
          {
            hint: 'Pick another name for the item variable.',
          },
        );
      }
    }
    const source = asString(group.raw.source);
    if (source !== undefined && source !== '' && !looksLikeTemplate(source)) {
      const root = source.split('.')[0] ?? '';
      if (group.name !== undefined && root === group.name) {
        error(at('source'), `${label} reads its list from itself ("${source}")`, {
          hint: 'The source is the output of an earlier step, e.g. planner.output.items.',
        });
      } else if (!DOTTED_PATH.test(source)) {
        error(at('source'), `${label}: source "${source}" is not a dotted path`, {
          hint: 'Write the path to the list, e.g. planner.output.items or workflow.input.files.',
        });
      }
    }
  }

  // ----------------------------------------------------------------------------------------- step specifics
  const contextMode = isObject(settings.context) ? settings.context.mode : undefined;
  for (const step of steps) {
    if (!step.checked) continue;
    const { raw, index } = step;
    const at = (...rest: YamlPath): YamlPath => ['agents', index, ...rest];
    const label = stepLabel(data, index);
    // No warning when a misspelt prompt key is reported already.
    const misspeltPrompt = Object.keys(raw).some(
      (key) => key !== 'prompt' && closestName(key, ['prompt']) !== undefined,
    );
    if (step.type === 'agent' && (raw.prompt === undefined || raw.prompt === '') && !misspeltPrompt) {
      warning(at(), `${label} has no prompt`, { hint: 'Add "prompt:" with what the model should do.' });
    }
    if (step.type === 'set') {
      const hasValue = raw.value !== undefined;
      const hasValues = raw.values !== undefined;
      if (hasValue === hasValues) {
        error(
          at(),
          `${label} is a set step and needs exactly one of "value" and "values"${hasValue ? ', not both' : ''}`,
          {
            hint: '"value" sets <step>.output; "values" sets <step>.output.<name> for each name.',
          },
        );
      }
    }
    if (
      step.type === 'wait' &&
      (typeof raw.duration === 'number' ||
        (typeof raw.duration === 'string' && !looksLikeTemplate(raw.duration)))
    ) {
      try {
        const ms = parseDuration(raw.duration);
        if (ms <= 0) error(at('duration'), `${label}: the wait duration must be more than 0`);
        else if (ms > MAX_WAIT_MS) error(at('duration'), `${label}: the wait duration must be at most 24h`);
      } catch (cause) {
        if (!(cause instanceof DurationError)) throw cause;
        error(at('duration'), `${label}: ${cause.message}`);
      }
    }
    if (step.type === 'human_gate' && Array.isArray(raw.options)) {
      const values = new Map<string, number>();
      raw.options.forEach((option: unknown, i) => {
        if (!isObject(option) || typeof option.value !== 'string') return;
        const first = values.get(option.value);
        if (first !== undefined) {
          error(
            at('options', i, 'value'),
            `${label}: options ${first + 1} and ${i + 1} have the same value "${option.value}"`,
            {
              hint: 'Each option needs its own value: it is what the gate records and how an answer names the option.',
            },
          );
        } else {
          values.set(option.value, i);
        }
      });
    }
    if (step.type === 'workflow' && typeof raw.workflow === 'string' && isRegistryReference(raw.workflow)) {
      error(
        at('workflow'),
        `${label}: "${raw.workflow}" is a workflow registry reference, which this version of conductor does not support yet`,
        {
          hint: 'Give the path of a local workflow file, relative to this one (e.g. ./research.yaml).',
        },
      );
    }
    if (Array.isArray(raw.input)) {
      raw.input.forEach((reference: unknown, i) => {
        if (typeof reference !== 'string') return;
        const parts = reference.replace(/\?$/, '').split('.');
        const [head, second, third] = parts;
        if (head === 'workflow') {
          if (second !== 'input' || third === undefined) {
            error(
              at('input', i),
              `${label}: input "${reference}" must be workflow.input.<name> or <step>.output[.<field>]`,
            );
          } else if (inputs && !Object.hasOwn(inputs, third)) {
            const suggestion = closestName(third, Object.keys(inputs));
            error(
              at('input', i),
              `${label}: input "${reference}" refers to workflow input "${third}", which is not declared`,
              {
                hint: suggestion
                  ? `Did you mean "${suggestion}"?`
                  : `Declared inputs: ${list(Object.keys(inputs))}.`,
              },
            );
          }
        } else if (head !== undefined && !byName.has(head) && !groupNames.has(head)) {
          const suggestion = closestName(head, stepNames);
          error(at('input', i), `${label}: input "${reference}" refers to "${head}", which is not a step`, {
            hint: suggestion ? `Did you mean "${suggestion}"?` : `Steps: ${list(stepNames)}.`,
          });
        } else if (second === undefined) {
          error(
            at('input', i),
            `${label}: input "${reference}" must be <step>.output[.<field>] or workflow.input.<name>`,
          );
        }
      });
    }
  }

  // ---------------------------------------------------------------------------------------------- templates
  const sites: TemplateSite[] = [];
  const addString = (site: Omit<TemplateSite, 'source'>, value: unknown) => {
    if (typeof value === 'string') sites.push({ ...site, source: value });
  };
  const addDeep = (site: Omit<TemplateSite, 'source'>, value: unknown) => {
    if (typeof value === 'string') {
      if (looksLikeTemplate(value)) sites.push({ ...site, source: value });
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        addDeep({ ...site, path: [...site.path, i], field: `${site.field}[${i}]` }, item);
      }
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value))
        addDeep({ ...site, path: [...site.path, key], field: `${site.field}.${key}` }, item);
    }
  };

  /** The template sites of a step's own fields (not its routes); `base` is its YAML path. */
  const addStepSites = (
    raw: Raw,
    type: string | undefined,
    base: YamlPath,
    owner: string,
    fields: ReadonlySet<string> | 'dynamic',
    locals?: readonly string[],
  ) => {
    const site = (field: string, path: YamlPath = [field]) => ({
      path: [...base, ...path],
      owner,
      fields,
      field,
      ...(locals ? { locals } : {}),
    });
    switch (type) {
      case 'agent': {
        const explicitInputs =
          contextMode === 'explicit'
            ? (Array.isArray(raw.input) ? raw.input : [])
                .filter((x): x is string => typeof x === 'string')
                .map((x) => x.replace(/\?$/, ''))
            : undefined;
        addString({ ...site('prompt'), ...(explicitInputs ? { explicitInputs } : {}) }, raw.prompt);
        addString(
          { ...site('system_prompt'), ...(explicitInputs ? { explicitInputs } : {}) },
          raw.system_prompt,
        );
        addString(site('model'), raw.model);
        break;
      }
      case 'human_gate':
        addString(site('prompt'), raw.prompt);
        break;
      case 'workflow':
        addDeep(site('input_mapping'), raw.input_mapping);
        break;
      case 'script':
        addString(site('command'), raw.command);
        addDeep(site('args'), raw.args);
        addDeep(site('env'), raw.env);
        addString(site('working_dir'), raw.working_dir);
        addString(site('stdin'), raw.stdin);
        break;
      case 'set':
        addDeep(site('value'), raw.value);
        addDeep(site('values'), raw.values);
        break;
      case 'terminate':
        addString(site('reason'), raw.reason);
        if (typeof raw.output_template === 'string') addString(site('output_template'), raw.output_template);
        else addDeep(site('output_template'), raw.output_template);
        break;
      case 'wait':
        if (typeof raw.duration === 'string' && looksLikeTemplate(raw.duration))
          addString(site('duration'), raw.duration);
        addString(site('reason'), raw.reason);
        break;
      default:
        break;
    }
  };
  const addRouteSites = (
    raw: Raw,
    base: YamlPath,
    owner: string,
    fields: ReadonlySet<string> | 'dynamic',
  ) => {
    const routes = Array.isArray(raw.routes) ? raw.routes : [];
    const site = (field: string, path: YamlPath) => ({ path: [...base, ...path], owner, fields, field });
    routes.forEach((route: unknown, r) => {
      if (!isObject(route)) return;
      addString(
        { ...site(`routes[${r}].when`, ['routes', r, 'when']), condition: true, outputAlias: true },
        route.when,
      );
      if (isObject(route.output)) {
        for (const [key, value] of Object.entries(route.output)) {
          addString(
            { ...site(`routes[${r}].output.${key}`, ['routes', r, 'output', key]), outputAlias: true },
            value,
          );
        }
      }
    });
  };

  for (const step of steps) {
    if (!step.checked) continue;
    const base: YamlPath = ['agents', step.index];
    const owner = stepLabel(data, step.index);
    addStepSites(step.raw, step.type, base, owner, step.fields);
    addRouteSites(step.raw, base, owner, step.fields);
  }
  for (const group of groups) {
    const base: YamlPath = [group.kind, group.index];
    const owner = groupLabel(group);
    addRouteSites(group.raw, base, owner, groupFields(group));
    if (group.kind !== 'for_each') continue;
    const as = asString(group.raw.as);
    const locals = [...(as ? [as] : []), '_index', '_key'];
    const expressionSite = (field: string) => ({
      path: [...base, field],
      owner,
      field,
      expression: true,
    });
    const source = asString(group.raw.source);
    if (source !== undefined && (looksLikeTemplate(source) || DOTTED_PATH.test(source)))
      addString(expressionSite('source'), source);
    addString({ ...expressionSite('key_by'), locals }, group.raw.key_by);
    const body = group.raw.agent;
    if (group.checked && isObject(body)) {
      const type = body.type === undefined ? 'agent' : asString(body.type);
      addStepSites(body, type, [...base, 'agent'], owner, outputFields(body, type), locals);
    }
  }
  if (isObject(data.output)) {
    for (const [key, value] of Object.entries(data.output)) {
      addString({ path: ['output', key], owner: undefined, field: `output.${key}` }, value);
    }
  }

  const declaredInputs = inputs ? Object.keys(inputs) : undefined;
  for (const site of sites) issues.push(...checkTemplate(site));

  function checkTemplate(site: TemplateSite): WorkflowIssue[] {
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

    for (const filter of analysis.filters) {
      if (KNOWN_FILTERS.has(filter)) continue;
      const suggestion = closestName(filter, KNOWN_FILTERS);
      found.push(
        locator.issue('error', site.path, `unknown filter "${filter}" in ${where}`, {
          hint: suggestion ? `Did you mean "${suggestion}"?` : undefined,
          at: locate(new RegExp(`\\|\\s*${escapeRegExp(filter)}(?!\\w)`)),
        }),
      );
    }
    for (const test of analysis.tests) {
      if (KNOWN_TESTS.has(test)) continue;
      const suggestion = closestName(test, KNOWN_TESTS);
      found.push(
        locator.issue('error', site.path, `unknown test "${test}" in ${where}`, {
          hint: suggestion ? `Did you mean "${suggestion}"?` : undefined,
          at: locate(new RegExp(`\\bis\\s+(not\\s+)?${escapeRegExp(test)}(?!\\w)`)),
        }),
      );
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
            `${where} reads "${root}.${second}", but ${groupLabel(group)} has ${group.kind === 'parallel' ? 'outputs and errors' : 'outputs, errors and count'}`,
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
              `${where} reads "${root}.${second}.${third}", but "${third}" is not a member of ${groupLabel(group)}`,
              suggestion ? `Did you mean "${suggestion}"?` : `Its members: ${list(members)}.`,
            );
          }
        }
        continue;
      }
      if (target || groupNames.has(root)) {
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

  // ------------------------------------------------------------------------------------------- reachability
  // Steps and groups form one graph: routes (and gate options) are edges, a group reaches its members.
  const entryKnown = entryPoint !== undefined && (byName.has(entryPoint) || byGroup.has(entryPoint));
  if (entryKnown && entryPoint !== undefined) {
    const next = (name: string): string[] => {
      const step = byName.get(name);
      const group = step ? undefined : byGroup.get(name);
      const raw = step?.raw ?? group?.raw;
      if (!raw) return [];
      const targets: string[] = [];
      for (const route of Array.isArray(raw.routes) ? raw.routes : []) {
        const to = isObject(route) ? asString(route.to) : undefined;
        if (to !== undefined) targets.push(to);
      }
      if (step?.type === 'human_gate' && Array.isArray(raw.options)) {
        for (const option of raw.options) {
          const to = isObject(option) ? asString(option.route) : undefined;
          if (to !== undefined) targets.push(to);
        }
      }
      if (group?.kind === 'parallel' && Array.isArray(raw.agents)) {
        for (const member of raw.agents) if (typeof member === 'string') targets.push(member);
      }
      return targets;
    };
    const reached = new Set<string>([entryPoint]);
    const queue = [entryPoint];
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      for (const to of next(name)) {
        if (reached.has(to) || !(byName.has(to) || byGroup.has(to))) continue;
        reached.add(to);
        queue.push(to);
      }
    }
    for (const step of byName.values()) {
      if (step.name === undefined || reached.has(step.name)) continue;
      warning(
        ['agents', step.index, 'name'],
        `${stepLabel(data, step.index)} is never reached from the entry point "${entryPoint}"`,
        {
          hint: `Route to it from another step${groupNames.size > 0 ? ' (or list it in a parallel group)' : ''}, or remove it.`,
        },
      );
    }
    for (const group of byGroup.values()) {
      if (group.name === undefined || reached.has(group.name)) continue;
      warning(
        [group.kind, group.index, 'name'],
        `${groupLabel(group)} is never reached from the entry point "${entryPoint}"`,
        { hint: 'Route to it from a step, or remove it.' },
      );
    }
  }

  return issues;
}
