import { dirname } from 'node:path';
import { StepFailure } from '../steps/errors.js';
import { merged } from '../steps/merge.js';
import type { TemplateScope } from '../steps/types.js';
import type { ContextMode, StepDefinition, WorkflowDefinition } from '../workflow/types.js';
import { groupNamesOf, scopeEntry } from './runnable.js';
import type { ExecutorState } from './state.js';

export interface ScopeSource {
  definition: WorkflowDefinition;
  /** The workflow file, when it has one. */
  path: string | undefined;
  inputs: Record<string, unknown>;
  state: ExecutorState;
}

/**
 * What every scope of one run shares, built once per source: a loop renders templates at every step,
 * and rebuilding these objects each time was a good part of a short step's cost. Scopes are read, never
 * written (templates cannot assign into them), so sharing them is safe.
 */
interface Shared {
  groups: ReadonlySet<string>;
  workflow: Record<string, unknown>;
  context: { iteration: number; value: Record<string, unknown> } | null;
}
const shared = new WeakMap<ScopeSource, Shared>();

function sharedOf(source: ScopeSource): Shared {
  let known = shared.get(source);
  if (!known) {
    known = {
      groups: groupNamesOf(source.definition),
      workflow: workflowVariables(source, source.inputs),
      context: null,
    };
    shared.set(source, known);
  }
  return known;
}

/** The `context` of `iteration`: one object per iteration (its `history` reads the live history). */
function contextOf(source: ScopeSource, iteration: number): Record<string, unknown> {
  const known = sharedOf(source);
  if (known.context?.iteration !== iteration)
    known.context = { iteration, value: contextVariables(source, iteration) };
  return known.context.value;
}

function workflowVariables(source: ScopeSource, input: Record<string, unknown>): Record<string, unknown> {
  const settings = source.definition.workflow;
  return {
    input,
    name: settings.name,
    ...(settings.description === undefined ? {} : { description: settings.description }),
    ...(source.path ? { file: source.path, dir: dirname(source.path) } : {}),
  };
}

function contextVariables(source: ScopeSource, iteration: number): Record<string, unknown> {
  const { state } = source;
  // A getter: a long loop renders templates at every step, and few of them read the history.
  return {
    iteration,
    get history() {
      return state.history.map((record) => record.step);
    },
  };
}

/**
 * `{ <step>: { output }..., workflow: { input, name, ... }, context: { iteration, history } }` with every
 * output so far; a group's entry also has its `outputs`, `errors` (and `count`) at the top.
 */
export function fullScope(source: ScopeSource, iteration: number): TemplateScope {
  const scope: TemplateScope = {};
  const { groups, workflow } = sharedOf(source);
  const outputs = source.state.stepOutputs;
  for (const name in outputs) {
    if (Object.hasOwn(outputs, name)) scope[name] = scopeEntry(outputs[name], groups.has(name));
  }
  scope.workflow = workflow;
  scope.context = contextOf(source, iteration);
  return scope;
}

/**
 * What an agent prompt sees under `context.mode`: `accumulate` every output so far, `last_only` the
 * previous step's, `explicit` only the references in the step's `input:` list (`planner.output`,
 * `planner.output.summary`, `workflow.input.topic`; a trailing `?` makes one optional).
 */
export function promptScope(
  source: ScopeSource,
  step: Pick<StepDefinition, 'name' | 'input'>,
  iteration: number,
  mode: ContextMode = 'accumulate',
): TemplateScope {
  if (mode === 'accumulate') return fullScope(source, iteration);
  const { stepOutputs, lastOutputStep } = source.state;
  const scope: TemplateScope = {};
  const { groups } = sharedOf(source);
  if (mode === 'last_only') {
    if (lastOutputStep !== null && lastOutputStep in stepOutputs)
      scope[lastOutputStep] = scopeEntry(stepOutputs[lastOutputStep], groups.has(lastOutputStep));
    scope.workflow = sharedOf(source).workflow;
    scope.context = contextOf(source, iteration);
    return scope;
  }
  const input: Record<string, unknown> = {};
  for (const reference of step.input ?? []) {
    const optional = reference.endsWith('?');
    const parts = (optional ? reference.slice(0, -1) : reference).split('.');
    const missing = (what: string) => {
      if (optional) return;
      throw new StepFailure(
        step.name,
        'ContextError',
        `step "${step.name}" declares input "${reference}" but ${what}. Mark it optional with a trailing "?" or fix the reference.`,
      );
    };
    const [head, second, third] = parts;
    if (head === undefined || second === undefined) {
      missing('it is not of the form <step>.output[.field] or workflow.input.<name>');
      continue;
    }
    if (head === 'workflow') {
      if (second !== 'input' || third === undefined) {
        missing('only workflow.input.<name> references are supported');
        continue;
      }
      if (third in source.inputs) input[third] = source.inputs[third];
      else if (optional) input[third] = null;
      else missing(`the workflow has no input "${third}"`);
      continue;
    }
    if (!(head in stepOutputs)) {
      missing(`step "${head}" has no output yet`);
      continue;
    }
    const output = stepOutputs[head];
    const field = second === 'output' ? third : second;
    const entry = (scope[head] ?? { output: {} }) as { output: unknown };
    scope[head] = entry;
    if (field === undefined) {
      entry.output = output;
      continue;
    }
    if (typeof output === 'object' && output !== null && field in output) {
      if (typeof entry.output === 'object' && entry.output !== null) {
        (entry.output as Record<string, unknown>)[field] = (output as Record<string, unknown>)[field];
      }
    } else {
      missing(`the output of step "${head}" has no field "${field}"`);
    }
  }
  // A group's picked parts are read as `<group>.outputs...` too.
  for (const name of groups) {
    const entry = scope[name] as { output: unknown } | undefined;
    if (entry) scope[name] = scopeEntry(entry.output, true);
  }
  scope.workflow = workflowVariables(source, input);
  scope.context = contextOf(source, iteration);
  return scope;
}

/**
 * The scope of a route's `when`: everything, plus `output` (the step's output); a bare expression
 * (no `{{`) also sees the output's fields at the top level, so `score >= 8 and approved` works.
 */
export function routeScope(scope: TemplateScope, output: unknown, when: string): TemplateScope {
  const bare = !when.includes('{{');
  const spread =
    bare && typeof output === 'object' && output !== null && !Array.isArray(output) ? output : {};
  const result: TemplateScope = merged(scope, spread);
  result.output = output;
  return result;
}
