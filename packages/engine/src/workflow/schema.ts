/**
 * The valibot schema of the workflow format. Its output type is the contract in `types.ts`
 * (`schemaOutputIsDefinition` proves it at compile time), and `workflowJsonSchema()` derives the JSON Schema
 * that editors use from it.
 */
import * as v from 'valibot';
import { defaultReasoningEffort } from './schema-agent-keys.js';
import { budgetEntries, CostSchema } from './schema-cost.js';
import { providerMappingOnlyEntries, runtimeProviderOnlyEntries } from './schema-provider-only.js';
import {
  AgentStepSchema,
  agentIterations,
  JSON_TYPES,
  maxTokens,
  nonEmptyString,
  positiveInteger,
  positiveNumber,
  RouteSchema,
  ScriptStepSchema,
  SetStepSchema,
  StepSchema,
  sessionSeconds,
  temperature,
  WaitStepSchema,
  WorkflowStepSchema,
} from './schema-steps.js';
import type { WorkflowDefinition } from './types.js';

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

export const McpServerSchema = v.strictObject({
  type: v.optional(
    v.pipe(
      v.picklist(['stdio', 'http', 'sse']),
      v.description(
        'stdio (default): a program this run starts; http: a Streamable HTTP endpoint; sse: an SSE endpoint.',
      ),
    ),
  ),
  command: v.optional(
    v.pipe(nonEmptyString('command'), v.description('stdio: the program, found on PATH; no shell.')),
  ),
  args: v.optional(v.array(v.string())),
  env: v.optional(
    v.pipe(
      v.record(v.string(), v.string()),
      v.description('stdio: variables added to those it inherits (HOME, LOGNAME, PATH, SHELL, TERM, USER).'),
    ),
  ),
  cwd: v.optional(
    v.pipe(
      v.string(),
      v.description(
        "stdio: where it runs, relative to the workflow file's folder. Default: the agent's working_dir.",
      ),
    ),
  ),
  url: v.optional(v.pipe(nonEmptyString('url'), v.description('http and sse: the endpoint.'))),
  headers: v.optional(v.record(v.string(), v.string())),
  timeout: v.optional(
    v.pipe(
      positiveNumber('timeout'),
      v.description('Milliseconds each request to the server may take (default 60000).'),
    ),
  ),
  tools: v.optional(
    v.pipe(
      v.array(nonEmptyString('tool name')),
      v.description('The tools offered to agents, by their names on the server, or "*" (default: all).'),
    ),
  ),
});

export const InputDefinitionSchema = v.strictObject({
  type: v.picklist(JSON_TYPES),
  required: v.optional(v.pipe(v.boolean(), v.description('Default: true, unless a default is given.'))),
  default: v.optional(v.unknown()),
  description: v.optional(v.string()),
});

/** A secret or header value: blank ones are mistakes (an unset variable, a stray quote), never meant. */
const notBlank = (what: string) => v.pipe(v.string(), v.regex(/\S/, `${what} must not be blank`));

export const ProviderSettingsSchema = v.strictObject({
  name: v.pipe(
    nonEmptyString('provider name'),
    v.description(
      'openai (OpenAI and OpenAI-compatible servers), claude (Anthropic), mock, or a registered one.',
    ),
  ),
  base_url: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^https?:\/\/[^\s/]+\S*$/, 'base_url must be an http:// or https:// URL'),
      v.description(
        'openai: the OpenAI-compatible API root, e.g. http://localhost:11434/v1 (needs api_key). claude: the Anthropic API root.',
      ),
    ),
  ),
  api_key: v.optional(
    v.pipe(
      notBlank('api_key'),
      v.description('openai, claude. Default: OPENAI_API_KEY / ANTHROPIC_API_KEY.'),
    ),
  ),
  auth_token: v.optional(
    v.pipe(
      notBlank('auth_token'),
      v.description('claude only: a bearer token. Default: ANTHROPIC_AUTH_TOKEN.'),
    ),
  ),
  headers: v.optional(
    v.pipe(
      v.record(v.string(), notBlank('a header value')),
      v.minEntries(1, 'headers must not be empty'),
      v.description('openai, claude: extra HTTP headers on every request.'),
    ),
  ),
  ...providerMappingOnlyEntries,
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
      ...budgetEntries,
    }),
  ),
  cost: v.optional(CostSchema),
  runtime: v.optional(
    v.strictObject({
      provider: v.optional(
        v.pipe(
          v.union([v.string(), ProviderSettingsSchema]),
          v.description(
            'The provider of agent steps: a name (openai, claude, mock), or a mapping with name, base_url, api_key, auth_token, headers.',
          ),
        ),
      ),
      default_model: v.optional(v.string()),
      timeout: v.optional(
        v.pipe(
          positiveNumber('runtime.timeout'),
          v.description('Seconds one model request may take (default 600).'),
        ),
      ),
      temperature: v.optional(temperature),
      max_tokens: v.optional(maxTokens('runtime.max_tokens')),
      checkpoint: v.optional(
        v.strictObject({
          every_agent: v.optional(v.boolean()),
          every_seconds: v.optional(positiveNumber('checkpoint.every_seconds')),
          keep_last: v.optional(positiveInteger('checkpoint.keep_last')),
        }),
      ),
      mcp_servers: v.optional(
        v.pipe(
          v.record(v.string(), McpServerSchema),
          v.description('MCP servers by name; agents call their tools as <name>__<tool>.'),
        ),
      ),
      max_agent_iterations: v.optional(agentIterations('runtime.max_agent_iterations')),
      max_session_seconds: v.optional(sessionSeconds('runtime.max_session_seconds')),
      working_dir: v.optional(
        v.pipe(
          v.string(),
          v.description(
            "Default working_dir of agent steps (a template), relative to the workflow file's folder.",
          ),
        ),
      ),
      tool_output: v.optional(
        v.strictObject({
          enabled: v.optional(v.boolean()),
          max_chars: v.optional(
            v.pipe(
              v.number(),
              v.integer('tool_output.max_chars must be a whole number'),
              v.minValue(1000, 'tool_output.max_chars must be at least 1000'),
              v.description('Characters of one tool result the model gets (default 50000).'),
            ),
          ),
          spill_to_file: v.optional(v.boolean()),
          spill_dir: v.optional(v.string()),
        }),
      ),
      default_reasoning_effort: v.optional(defaultReasoningEffort),
      ...runtimeProviderOnlyEntries,
    }),
  ),
  context: v.optional(
    v.strictObject({
      mode: v.optional(v.picklist(['accumulate', 'last_only', 'explicit'])),
      max_tokens: v.optional(
        v.pipe(
          positiveInteger('context.max_tokens'),
          v.description(
            "About how many tokens of earlier steps' outputs an agent prompt sees (JSON length / 4).",
          ),
        ),
      ),
      trim_strategy: v.optional(
        v.pipe(
          v.picklist(['summarize', 'truncate', 'drop_oldest']),
          v.description(
            'How outputs over max_tokens are cut: drop_oldest (default), truncate (long strings), summarize (the older half into _context_summary; no model call).',
          ),
        ),
      ),
    }),
  ),
  metadata: v.optional(v.record(v.string(), v.unknown())),
  instructions: v.optional(
    v.pipe(
      v.union([v.string(), v.array(v.string())]),
      v.description('Text (not paths; use !file for a file) put before every agent prompt.'),
    ),
  ),
  hooks: v.optional(
    v.pipe(
      v.strictObject({
        on_start: v.optional(v.string()),
        on_complete: v.optional(v.string()),
        on_error: v.optional(v.string()),
      }),
      v.description('Templates the original renders and discards at start, completion and error; no effect.'),
    ),
  ),
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
  tools: v.optional(
    v.pipe(
      v.array(nonEmptyString('tool name')),
      v.description(
        "Tools agent steps may use, as server__tool; an agent's tools list must be a subset. Empty: every MCP tool.",
      ),
    ),
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
  'questions',
] as const;

/** Step types a for-each group's `agent:` may have. */
export const INLINE_STEP_TYPES = ['agent', 'script', 'set', 'wait', 'workflow'] as const;

/** Step types of the original format that this version recognises but cannot run yet. */
export const UNSUPPORTED_STEP_TYPES: ReadonlySet<string> = new Set([]);

/** Top-level sections of the original format that this version recognises but cannot run yet. */
export const UNSUPPORTED_SECTIONS: Readonly<Record<string, string>> = {};

/**
 * Keys of the original format this version does not support yet, by where they appear, so a file written for
 * the original gets "not supported yet" instead of "unknown key".
 */
export const UNSUPPORTED_KEYS: Readonly<
  Record<
    'workflow' | 'runtime' | 'provider' | 'limits' | 'context' | 'step' | 'outputField',
    readonly string[]
  >
> = {
  workflow: ['context_mode'],
  runtime: [],
  // The mapping fields of the original's copilot, hermes and aca providers, which this version lacks.
  provider: [],
  limits: [],
  context: [],
  step: [],
  outputField: [],
};
