/**
 * The valibot schema of the workflow format. Its output type is the contract in `types.ts`
 * (`schemaOutputIsDefinition` proves it at compile time), and `workflowJsonSchema()` derives the JSON Schema
 * that editors use from it.
 */
import * as v from 'valibot';
import type { OutputField, WorkflowDefinition } from './types.js';

const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;

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

export const StepSchema = v.variant('type', [
  AgentStepSchema,
  ScriptStepSchema,
  SetStepSchema,
  TerminateStepSchema,
  WaitStepSchema,
]);

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

export const SUPPORTED_STEP_TYPES = ['agent', 'script', 'set', 'terminate', 'wait'] as const;

/** Step types of the original format that this version recognises but cannot run yet. */
export const UNSUPPORTED_STEP_TYPES: ReadonlySet<string> = new Set(['human_gate', 'workflow', 'questions']);

/** Top-level sections of the original format that this version recognises but cannot run yet. */
export const UNSUPPORTED_SECTIONS: Readonly<Record<string, string>> = {
  parallel: 'parallel groups',
  for_each: 'for-each groups',
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
    'options',
    'retry',
    'validator',
    'dialog',
    'reasoning',
    'output_mode',
    'output_type',
    'session_key',
    'input_mapping',
    'workflow',
    'max_depth',
    'max_session_seconds',
    'max_agent_iterations',
    'skills',
    'sandbox',
    'context_tier',
    'working_dir',
  ],
  outputField: ['pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'nullable'],
};
