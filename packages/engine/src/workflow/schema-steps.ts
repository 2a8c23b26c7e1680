/** The valibot schemas of the steps under `agents:` (schema.ts puts them together with groups and settings). */
import * as v from 'valibot';
import { agentKeyEntries } from './schema-agent-keys.js';
import { DialogSchema, ValidatorSchema } from './schema-agent-review.js';
import { stepProviderOnlyEntries } from './schema-provider-only.js';
import type { OutputField } from './types.js';

export const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;

/** The deepest sub-workflow nesting (the original's MAX_SUBWORKFLOW_DEPTH); also the default `max_depth`. */
export const MAX_SUBWORKFLOW_DEPTH = 10;

export const nonEmptyString = (what: string) => v.pipe(v.string(), v.nonEmpty(`${what} must not be empty`));
export const positiveInteger = (what: string) =>
  v.pipe(
    v.number(),
    v.integer(`${what} must be a whole number`),
    v.minValue(1, `${what} must be at least 1`),
  );
export const positiveNumber = (what: string) =>
  v.pipe(v.number(), v.gtValue(0, `${what} must be greater than 0`));
/** Output tokens of one answer: 1 to 200000, as the original allows. */
export const maxTokens = (what: string) =>
  v.pipe(
    positiveInteger(what),
    v.maxValue(200_000, `${what} must be at most 200000`),
    v.description('Most tokens in one answer (1 to 200000).'),
  );
/** `max_agent_iterations` of the runtime or a step: 1 to 500 model requests in a tool loop. */
export const agentIterations = (what: string) =>
  v.pipe(
    v.number(),
    v.integer(`${what} must be a whole number`),
    v.minValue(1, `${what} must be between 1 and 500`),
    v.maxValue(500, `${what} must be between 1 and 500`),
    v.description("Most model requests in an agent step's tool loop (default 50)."),
  );
/** `max_session_seconds` of the runtime or a step. */
export const sessionSeconds = (what: string) =>
  v.pipe(
    v.number(),
    v.minValue(1, `${what} must be at least 1`),
    v.description("Seconds an agent step's tool loop may go on, checked between model requests."),
  );
export const temperature = v.pipe(
  v.number(),
  v.minValue(0, 'temperature must be between 0 and 2'),
  v.maxValue(2, 'temperature must be between 0 and 2'),
  v.description('Sampling temperature, 0 to 2.'),
);

const nonNegativeInteger = (what: string) =>
  v.pipe(
    v.number(),
    v.integer(`${what} must be a whole number`),
    v.minValue(0, `${what} must not be negative`),
  );

/**
 * One field of a step's `output:` schema. Recursive through `items` and `properties`. Which keys fit which
 * `type` (and that a pattern compiles) is checked by the semantic rules, with a message per key.
 */
export const OutputFieldSchema: v.GenericSchema<OutputField> = v.strictObject({
  type: v.picklist(JSON_TYPES),
  description: v.optional(v.string()),
  enum: v.optional(
    v.pipe(
      v.array(v.union([v.string(), v.number(), v.boolean()])),
      v.minLength(1, 'enum must list at least one value'),
      v.description(
        'Scalar fields only: the allowed values, each of the field type (no null: use nullable).',
      ),
    ),
  ),
  items: v.optional(v.lazy(() => OutputFieldSchema)),
  properties: v.optional(
    v.record(
      v.string(),
      v.lazy(() => OutputFieldSchema),
    ),
  ),
  required: v.optional(
    v.pipe(
      v.boolean(),
      v.description('Default true. false (the field may be absent) only inside properties.'),
    ),
  ),
  nullable: v.optional(
    v.pipe(v.boolean(), v.description('Null is allowed besides the type (default false).')),
  ),
  pattern: v.optional(
    v.pipe(
      v.string(),
      v.description(
        'String fields only: an RE2 regular expression the value must contain a match of (unanchored: use ^ and $ to match the whole).',
      ),
    ),
  ),
  minimum: v.optional(v.pipe(v.number(), v.description('Number fields only: the smallest value allowed.'))),
  maximum: v.optional(v.pipe(v.number(), v.description('Number fields only: the largest value allowed.'))),
  minLength: v.optional(
    v.pipe(nonNegativeInteger('minLength'), v.description('String fields only: the fewest characters.')),
  ),
  maxLength: v.optional(
    v.pipe(nonNegativeInteger('maxLength'), v.description('String fields only: the most characters.')),
  ),
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

export const stepBase = {
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
  max_tokens: v.optional(maxTokens('max_tokens')),
  max_parse_retries: v.optional(
    v.pipe(
      v.number(),
      v.integer('max_parse_retries must be a whole number'),
      v.minValue(0, 'max_parse_retries must not be negative'),
      v.description('Extra attempts when the answer does not parse or match output (default 2).'),
    ),
  ),
  tools: v.optional(
    v.pipe(
      v.nullable(v.array(nonEmptyString('tool name'))),
      v.description(
        "Tools it may call, as server__tool. Omitted or null: the workflow's tools list (every MCP tool when that list is empty). []: none.",
      ),
    ),
  ),
  working_dir: v.optional(
    v.pipe(
      v.string(),
      v.description(
        "Where its stdio MCP servers run (a template; relative to the workflow file's folder). Default: runtime.working_dir.",
      ),
    ),
  ),
  max_agent_iterations: v.optional(agentIterations('max_agent_iterations')),
  max_session_seconds: v.optional(sessionSeconds('max_session_seconds')),
  timeout_seconds: v.optional(
    v.pipe(
      v.number(),
      v.minValue(1, 'timeout_seconds must be at least 1'),
      v.description('Seconds the whole step may take before it is cancelled and fails.'),
    ),
  ),
  validator: v.optional(ValidatorSchema),
  dialog: v.optional(DialogSchema),
  ...agentKeyEntries,
  ...stepProviderOnlyEntries,
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
  output: v.optional(
    v.pipe(
      v.record(
        v.string(),
        v.lazy(() => OutputFieldSchema),
      ),
      v.description(
        'Fields stdout must have: declared (even {}), stdout must be one JSON object; merged over stdout, stderr and exit_code and checked.',
      ),
    ),
  ),
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
  output_type: v.optional(
    v.pipe(
      v.picklist(['auto', 'string', 'integer', 'number', 'boolean', 'list', 'dict']),
      v.description(
        'With value: how rendered text is read. auto (default): as YAML ("42" → 42, "[a]" → a list); string: as is; integer, number, boolean, list, dict: as that type, or an error.',
      ),
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

export const QuestionSchema = v.strictObject({
  id: v.optional(v.pipe(nonEmptyString('question id'), v.description('Default q1…qN; the key in answers.'))),
  text: v.pipe(v.string(), v.description('The question (a template).')),
  hint: v.optional(v.string()),
  choices: v.optional(v.array(v.string())),
  allow_free_text: v.optional(v.boolean()),
  default: v.optional(v.string()),
  required: v.optional(v.boolean()),
  multiline: v.optional(v.boolean()),
});

export const QuestionsStepSchema = v.strictObject({
  ...stepBase,
  type: v.literal('questions'),
  prompt: v.optional(v.pipe(v.string(), v.description('An introduction shown before the questions.'))),
  questions: v.optional(
    v.pipe(v.array(QuestionSchema), v.description('The questions, asked in order (or source:).')),
  ),
  source: v.optional(
    v.pipe(
      v.string(),
      v.description('A dotted path (step.output.field) to a list of questions: strings or mappings.'),
    ),
  ),
  allow_back: v.optional(v.boolean()),
  allow_skip: v.optional(v.boolean()),
  allow_skip_all: v.optional(v.boolean()),
  allow_abort: v.optional(v.boolean()),
  abort_route: v.optional(
    v.pipe(
      nonEmptyString('abort_route'),
      v.description('Where an abort goes (needs allow_abort; default $end).'),
    ),
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
  QuestionsStepSchema,
]);
