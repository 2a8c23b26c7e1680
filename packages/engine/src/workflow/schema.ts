/**
 * The valibot schema of the workflow format. Its output type is the contract in `types.ts`
 * (`schemaOutputIsDefinition` proves it at compile time), and `workflowJsonSchema()` derives the JSON Schema
 * that editors use from it.
 */
import * as v from 'valibot';
import type { OutputField, WorkflowDefinition } from './types.js';

const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;

/** The deepest sub-workflow nesting (the original's MAX_SUBWORKFLOW_DEPTH); also the default `max_depth`. */
export const MAX_SUBWORKFLOW_DEPTH = 10;

const nonEmptyString = (what: string) => v.pipe(v.string(), v.nonEmpty(`${what} must not be empty`));
const positiveInteger = (what: string) =>
  v.pipe(
    v.number(),
    v.integer(`${what} must be a whole number`),
    v.minValue(1, `${what} must be at least 1`),
  );
const positiveNumber = (what: string) => v.pipe(v.number(), v.gtValue(0, `${what} must be greater than 0`));
const temperature = v.pipe(
  v.number(),
  v.minValue(0, 'temperature must be between 0 and 2'),
  v.maxValue(2, 'temperature must be between 0 and 2'),
  v.description('Sampling temperature, 0 to 2.'),
);

/** One field of a step's `output:` schema. Recursive through `items` and `properties`. */
export const OutputFieldSchema: v.GenericSchema<OutputField> = v.strictObject({
  type: v.picklist(JSON_TYPES),
  description: v.optional(v.string()),
  enum: v.optional(v.array(v.union([v.string(), v.number(), v.boolean()]))),
  items: v.optional(v.lazy(() => OutputFieldSchema)),
  properties: v.optional(
    v.record(
      v.string(),
      v.lazy(() => OutputFieldSchema),
    ),
  ),
  required: v.optional(v.boolean()),
});

export const RouteSchema = v.strictObject({
  to: v.pipe(nonEmptyString('route target'), v.description('A step name, or $end to finish the workflow.')),
  when: v.optional(
    v.pipe(
      v.string(),
      v.description(
        "A Jinja template ('{{ review.output.score >= 8 }}') or a bare expression ('score >= 8 and approved'). Without it the route always matches.",
      ),
    ),
  ),
  output: v.optional(
    v.pipe(
      v.record(v.string(), v.string()),
      v.description('Templates rendered when this route is taken; on $end they replace the workflow output.'),
    ),
  ),
});

const stepBase = {
  name: v.pipe(
    nonEmptyString('step name'),
    v.description('Unique step name; templates read its result as <name>.output.'),
  ),
  description: v.optional(v.string()),
  routes: v.optional(
    v.pipe(
      v.array(RouteSchema),
      v.description('Evaluated in order; the first match wins. No routes means $end.'),
    ),
  ),
  input: v.optional(
    v.pipe(
      v.array(v.string()),
      v.description(
        'For context.mode explicit: the references this step may see (workflow.input.topic, planner.output).',
      ),
    ),
  ),
};

export const AgentStepSchema = v.strictObject({
  ...stepBase,
  type: v.optional(v.literal('agent'), 'agent'),
  model: v.optional(v.string()),
  provider: v.optional(v.string()),
  system_prompt: v.optional(v.string()),
  prompt: v.optional(v.pipe(v.string(), v.description('Jinja template of the user prompt.')), ''),
  output: v.optional(
    v.pipe(
      v.record(v.string(), OutputFieldSchema),
      v.description('Fields the model must answer with, as JSON; checked before the step succeeds.'),
    ),
  ),
  temperature: v.optional(temperature),
  max_tokens: v.optional(positiveInteger('max_tokens')),
  max_parse_retries: v.optional(
    v.pipe(
      v.number(),
      v.integer('max_parse_retries must be a whole number'),
      v.minValue(0, 'max_parse_retries must not be negative'),
      v.description('Extra attempts when the answer does not parse or match output (default 2).'),
    ),
  ),
  tools: v.optional(v.array(v.string())),
});

export const ScriptStepSchema = v.strictObject({
  ...stepBase,
  type: v.literal('script'),
  command: v.pipe(
    nonEmptyString('command'),
    v.description('Program to run (a template); not run through a shell.'),
  ),
  args: v.optional(v.array(v.string())),
  env: v.optional(v.record(v.string(), v.string())),
  working_dir: v.optional(v.string()),
  timeout: v.optional(
    v.pipe(positiveNumber('timeout'), v.description('Seconds before the process is killed.')),
  ),
  stdin: v.optional(v.string()),
});

export const SetStepSchema = v.strictObject({
  ...stepBase,
  type: v.literal('set'),
  value: v.optional(
    v.pipe(v.unknown(), v.description('A single value (strings are templates); becomes <step>.output.')),
  ),
  values: v.optional(
    v.pipe(
      v.record(v.string(), v.unknown()),
      v.description('Named values (strings are templates); become <step>.output.<name>.'),
    ),
  ),
});

export const TerminateStepSchema = v.strictObject({
  ...stepBase,
  type: v.literal('terminate'),
  status: v.optional(v.picklist(['success', 'failed']), 'success'),
  reason: v.optional(v.string()),
  output_template: v.optional(v.union([v.record(v.string(), v.string()), v.string()])),
});

export const WaitStepSchema = v.strictObject({
  ...stepBase,
  type: v.literal('wait'),
  duration: v.pipe(
    v.union([v.string(), v.number()]),
    v.description(
      '"500ms", "2s", "1.5m", "1h", a number of seconds, or a template rendering to one of these.',
    ),
  ),
  reason: v.optional(v.string()),
});

const outputSchemaField = (what: string) =>
  v.optional(v.pipe(v.record(v.string(), OutputFieldSchema), v.description(what)));

export const WorkflowStepSchema = v.strictObject({
  ...stepBase,
  type: v.literal('workflow'),
  workflow: v.pipe(
    nonEmptyString('workflow'),
    v.description('The child workflow file, relative to this file. Its final output becomes <step>.output.'),
  ),
  input_mapping: v.optional(
    v.pipe(
      v.record(v.string(), v.string()),
      v.description(
        "The child's inputs: name -> template rendered against this workflow's context. Without it, this workflow's inputs are passed on.",
      ),
    ),
  ),
  max_depth: v.optional(
    v.pipe(
      v.number(),
      v.integer('max_depth must be a whole number'),
      v.minValue(1, 'max_depth must be at least 1'),
      v.maxValue(MAX_SUBWORKFLOW_DEPTH, `max_depth must be at most ${MAX_SUBWORKFLOW_DEPTH}`),
      v.description(
        `Deepest nesting this step may start, the root workflow being 0 (1 to ${MAX_SUBWORKFLOW_DEPTH}).`,
      ),
    ),
  ),
  output: outputSchemaField("Fields the child's final output must have."),
});

export const GateOptionSchema = v.strictObject({
  label: v.pipe(nonEmptyString('option label'), v.description('What the person sees.')),
  value: v.pipe(v.string(), v.description('Recorded as <gate>.output.value (and .selected) when chosen.')),
  route: v.optional(
    v.pipe(
      nonEmptyString('option route'),
      v.description("Where to go when chosen (a step, a group or $end); overrides the step's routes."),
    ),
  ),
  prompt_for: v.optional(
    v.pipe(
      nonEmptyString('prompt_for'),
      v.description(
        'Ask for text after this option is chosen; stored as <gate>.output.additional_input.<prompt_for>.',
      ),
    ),
  ),
  multiline: v.optional(v.pipe(v.boolean(), v.description('The text of prompt_for may span several lines.'))),
  description: v.optional(v.string()),
});

export const HumanGateStepSchema = v.strictObject({
  ...stepBase,
  type: v.literal('human_gate'),
  prompt: v.pipe(v.string(), v.description('Markdown shown to the person (a template).')),
  options: v.pipe(
    v.array(GateOptionSchema),
    v.minLength(1, 'a human_gate step needs at least one option'),
    v.description('The choices, in the order shown.'),
  ),
});

export const StepSchema = v.variant('type', [
  AgentStepSchema,
  ScriptStepSchema,
  SetStepSchema,
  TerminateStepSchema,
  WaitStepSchema,
  WorkflowStepSchema,
  HumanGateStepSchema,
]);

const FAILURE_MODES = ['fail_fast', 'continue_on_error', 'all_or_nothing'] as const;
const failureMode = v.optional(
  v.pipe(
    v.picklist(FAILURE_MODES),
    v.description(
      'fail_fast (default): the first failure stops the rest and fails the group. continue_on_error: all run; the group fails only if every one failed. all_or_nothing: all run; the group fails if any failed.',
    ),
  ),
);
const groupName = (what: string) =>
  v.pipe(
    nonEmptyString(`${what} name`),
    v.description(`Unique among steps and groups; routes go to it like to a step.`),
  );
const groupRoutes = v.optional(
  v.pipe(
    v.array(RouteSchema),
    v.description('Evaluated in order after the group; the first match wins. No routes means $end.'),
  ),
);

export const ParallelGroupSchema = v.strictObject({
  name: groupName('parallel group'),
  description: v.optional(v.string()),
  agents: v.pipe(
    v.array(nonEmptyString('member name')),
    v.minLength(2, 'a parallel group needs at least 2 agents'),
    v.description(
      'Names of steps under agents: to run at once. Results: <group>.outputs.<agent>, <group>.errors.<agent>.',
    ),
  ),
  failure_mode: failureMode,
  routes: groupRoutes,
});

/** A step's keys without `routes` (the group has them) and with an optional name, for a for-each body. */
function inlineEntries<E extends Record<string, unknown>>(entries: E) {
  const { routes: _routes, name: _name, ...rest } = entries;
  return { ...rest, name: v.optional(v.string()) } as Omit<E, 'routes' | 'name'> & {
    name: v.OptionalSchema<v.StringSchema<undefined>, undefined>;
  };
}

export const InlineStepSchema = v.variant('type', [
  v.strictObject(inlineEntries(AgentStepSchema.entries)),
  v.strictObject(inlineEntries(ScriptStepSchema.entries)),
  v.strictObject(inlineEntries(SetStepSchema.entries)),
  v.strictObject(inlineEntries(WaitStepSchema.entries)),
  v.strictObject(inlineEntries(WorkflowStepSchema.entries)),
]);

export const ForEachGroupSchema = v.strictObject({
  name: groupName('for-each group'),
  type: v.literal('for_each'),
  description: v.optional(v.string()),
  source: v.pipe(
    nonEmptyString('source'),
    v.description(
      'Dotted path to the list: planner.output.items, workflow.input.files, group.outputs.x.items.',
    ),
  ),
  as: v.pipe(
    nonEmptyString('as'),
    v.description("The item's variable name in the body's templates (besides _index and _key)."),
  ),
  agent: v.pipe(
    InlineStepSchema,
    v.description(
      'The step run for each item: an agent (default), set, script, wait or workflow step, without routes.',
    ),
  ),
  max_concurrent: v.optional(
    v.pipe(
      positiveInteger('max_concurrent'),
      v.description(
        'Items in flight at once, a sliding window: a new item starts as soon as one ends (default 10).',
      ),
    ),
  ),
  failure_mode: failureMode,
  key_by: v.optional(
    v.pipe(
      nonEmptyString('key_by'),
      v.description("A path or template giving each item's key (item.id); outputs become a mapping by key."),
    ),
  ),
  routes: groupRoutes,
});

export const InputDefinitionSchema = v.strictObject({
  type: v.picklist(JSON_TYPES),
  required: v.optional(v.pipe(v.boolean(), v.description('Default: true, unless a default is given.'))),
  default: v.optional(v.unknown()),
  description: v.optional(v.string()),
});

export const WorkflowSettingsSchema = v.strictObject({
  name: nonEmptyString('workflow name'),
  description: v.optional(v.string()),
  version: v.optional(v.string()),
  entry_point: v.pipe(nonEmptyString('entry_point'), v.description('The first step to run.')),
  input: v.optional(v.record(v.string(), InputDefinitionSchema)),
  limits: v.optional(
    v.strictObject({
      max_iterations: v.optional(
        v.pipe(
          positiveInteger('limits.max_iterations'),
          v.description('Most step executions in one run (default 10).'),
        ),
      ),
      timeout_seconds: v.optional(positiveNumber('limits.timeout_seconds')),
    }),
  ),
  runtime: v.optional(
    v.strictObject({
      provider: v.optional(v.string()),
      default_model: v.optional(v.string()),
      temperature: v.optional(temperature),
      max_tokens: v.optional(positiveInteger('runtime.max_tokens')),
      checkpoint: v.optional(
        v.strictObject({
          every_agent: v.optional(v.boolean()),
          every_seconds: v.optional(positiveNumber('checkpoint.every_seconds')),
          keep_last: v.optional(positiveInteger('checkpoint.keep_last')),
        }),
      ),
    }),
  ),
  context: v.optional(
    v.strictObject({
      mode: v.optional(v.picklist(['accumulate', 'last_only', 'explicit'])),
      max_tokens: v.optional(positiveInteger('context.max_tokens')),
    }),
  ),
  metadata: v.optional(v.record(v.string(), v.unknown())),
  instructions: v.optional(v.union([v.string(), v.array(v.string())])),
});

export const WorkflowSchema = v.strictObject({
  workflow: WorkflowSettingsSchema,
  agents: v.pipe(v.array(StepSchema), v.minLength(1, 'agents must list at least one step')),
  parallel: v.optional(
    v.pipe(v.array(ParallelGroupSchema), v.description('Groups of steps that run at once.')),
  ),
  for_each: v.optional(
    v.pipe(v.array(ForEachGroupSchema), v.description('Groups that run one step for every item of a list.')),
  ),
  output: v.optional(
    v.pipe(
      v.record(v.string(), v.string()),
      v.description('Templates rendered at $end into the final output.'),
    ),
  ),
});

/** Compile-time proof that the schema produces the types of `types.ts` (this fails to compile otherwise). */
export function schemaOutputIsDefinition(output: v.InferOutput<typeof WorkflowSchema>): WorkflowDefinition {
  return output;
}

export const SUPPORTED_STEP_TYPES = [
  'agent',
  'script',
  'set',
  'terminate',
  'wait',
  'workflow',
  'human_gate',
] as const;

/** Step types a for-each group's `agent:` may have. */
export const INLINE_STEP_TYPES = ['agent', 'script', 'set', 'wait', 'workflow'] as const;

/** Step types of the original format that this version recognises but cannot run yet. */
export const UNSUPPORTED_STEP_TYPES: ReadonlySet<string> = new Set(['questions']);

/** Top-level sections of the original format that this version recognises but cannot run yet. */
export const UNSUPPORTED_SECTIONS: Readonly<Record<string, string>> = {
  tools: 'workflow-level tools',
};

/**
 * Keys of the original format this version does not support yet, by where they appear, so a file written for
 * the original gets "not supported yet" instead of "unknown key".
 */
export const UNSUPPORTED_KEYS: Readonly<
  Record<'workflow' | 'runtime' | 'limits' | 'context' | 'step' | 'outputField', readonly string[]>
> = {
  workflow: ['hooks', 'cost', 'context_mode'],
  runtime: [
    'mcp_servers',
    'timeout',
    'max_session_seconds',
    'max_agent_iterations',
    'default_reasoning_effort',
    'default_context_tier',
    'working_dir',
    'tool_output',
    'skills',
  ],
  limits: ['budget_usd', 'budget_mode'],
  context: ['trim_strategy'],
  step: [
    'retry',
    'validator',
    'dialog',
    'reasoning',
    'output_mode',
    'output_type',
    'session_key',
    'max_session_seconds',
    'max_agent_iterations',
    'skills',
    'sandbox',
    'context_tier',
    'working_dir',
  ],
  outputField: ['pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'nullable'],
};
