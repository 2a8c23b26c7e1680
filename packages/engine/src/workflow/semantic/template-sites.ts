import { looksLikeTemplate } from '../../template/analyze.js';
import type { YamlPath } from '../locate.js';
import { asString, isPlainObject as isObject, type Raw } from '../raw.js';
import { stepLabel } from '../schema-issues.js';
import { type Fields, outputFields, type SemanticContext } from './context.js';
import { DOTTED_PATH } from './groups.js';

/** A string of the workflow that is rendered as a template or evaluated as an expression. */
export interface TemplateSite {
  path: YamlPath;
  source: string;
  /** Who owns the site in messages (`step "draft"`, `for-each group "each"`); undefined for the top-level output. */
  owner: string | undefined;
  /** The owner's output fields, for route conditions and the `output` alias. */
  fields?: Fields;
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

/** Every template of the workflow with what its scope holds: steps' fields, routes, groups, the final output. */
export function templateSites(ctx: SemanticContext): TemplateSite[] {
  const contextMode = isObject(ctx.settings.context) ? ctx.settings.context.mode : undefined;
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
    fields: Fields,
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
        addString(site('working_dir'), raw.working_dir);
        if (
          isObject(raw.reasoning) &&
          typeof raw.reasoning.effort === 'string' &&
          looksLikeTemplate(raw.reasoning.effort)
        )
          addString(site('reasoning.effort', ['reasoning', 'effort']), raw.reasoning.effort);
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
  const addRouteSites = (raw: Raw, base: YamlPath, owner: string, fields: Fields) => {
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

  for (const step of ctx.steps) {
    if (!step.checked) continue;
    const base: YamlPath = ['agents', step.index];
    const owner = stepLabel(ctx.data, step.index);
    addStepSites(step.raw, step.type, base, owner, step.fields);
    addRouteSites(step.raw, base, owner, step.fields);
  }
  for (const group of ctx.groups) {
    const base: YamlPath = [group.kind, group.index];
    const owner = ctx.groupLabel(group);
    addRouteSites(group.raw, base, owner, ctx.groupFields(group));
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
    // `id`: the original's form, a key of the item (nothing to check against the context).
    const keyBy = asString(group.raw.key_by);
    const insideItem = keyBy !== undefined && /^\w+$/.test(keyBy) && keyBy !== asString(group.raw.as);
    if (!insideItem) addString({ ...expressionSite('key_by'), locals }, group.raw.key_by);
    const body = group.raw.agent;
    if (group.checked && isObject(body)) {
      const type = body.type === undefined ? 'agent' : asString(body.type);
      addStepSites(body, type, [...base, 'agent'], owner, outputFields(body, type), locals);
    }
  }
  const runtime = isObject(ctx.settings.runtime) ? ctx.settings.runtime : {};
  addString(
    { path: ['workflow', 'runtime', 'working_dir'], owner: undefined, field: 'runtime.working_dir' },
    runtime.working_dir,
  );
  if (isObject(ctx.data.output)) {
    for (const [key, value] of Object.entries(ctx.data.output)) {
      addString({ path: ['output', key], owner: undefined, field: `output.${key}` }, value);
    }
  }

  return sites;
}
