/**
 * The workflow format, after `${VAR}` substitution, YAML parsing and validation. It follows the original
 * conductor's YAML so that its users' files load unchanged. The valibot schema in `schema.ts` produces
 * exactly these types.
 */

import type { ReasoningEffort, RetryCategory } from './schema-agent-keys.js';

export type { ReasoningEffort, RetryCategory };

export type JsonSchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

/** One field of a step's `output:` schema (the original's compact form). */
export interface OutputField {
  type: JsonSchemaType;
  description?: string;
  /** For scalars: the allowed values (non-empty, no null, each of the field's type). */
  enum?: ReadonlyArray<string | number | boolean>;
  /** For arrays: the element's schema. */
  items?: OutputField;
  /** For objects: nested fields. */
  properties?: Record<string, OutputField>;
  /** Default true; `false` only inside `properties` (a root field is always required). */
  required?: boolean;
  /** Null is allowed besides the type (default false). */
  nullable?: boolean;
  /** For strings: an RE2 regular expression the value must contain a match of (unanchored search). */
  pattern?: string;
  /** For numbers and integers: inclusive bounds. */
  minimum?: number;
  maximum?: number;
  /** For strings: inclusive bounds on the length in characters (code points). */
  minLength?: number;
  maxLength?: number;
}

export type OutputSchema = Record<string, OutputField>;

export interface InputDefinition {
  type: 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
  required?: boolean;
  default?: unknown;
  description?: string;
}

export interface RouteDefinition {
  /** A step name, or `$end`. */
  to: string;
  /** A Jinja template (`{{ x.output.ok }}`) or a bare expression (`score >= 8 and approved`). */
  when?: string;
  /** Templates rendered when this route is taken; on `$end` they replace the workflow's `output`. */
  output?: Record<string, string>;
}

export interface CheckpointPolicy {
  every_agent?: boolean;
  every_seconds?: number;
  keep_last?: number;
}

/**
 * The mapping form of `runtime.provider`: the provider's name and how to reach it. Each built-in provider
 * takes only its own fields (openai: base_url, api_key, headers; claude: those and auth_token).
 */
export interface ProviderSettings {
  name: string;
  base_url?: string;
  api_key?: string;
  /** Claude only: sent as `Authorization: Bearer` (a gateway or proxy token). */
  auth_token?: string;
  /** Extra HTTP headers on every request. */
  headers?: Record<string, string>;
}

/**
 * An MCP server whose tools agent steps may call (`runtime.mcp_servers.<name>`): a program started over
 * stdio (the default), or a Streamable HTTP (`http`) or SSE (`sse`) endpoint.
 */
export interface McpServerConfig {
  type?: 'stdio' | 'http' | 'sse';
  /** stdio: the program, found on PATH; run without a shell. */
  command?: string;
  args?: string[];
  /** stdio: variables added to the few the server inherits (HOME, PATH, ...). */
  env?: Record<string, string>;
  /** stdio: where it runs (relative to the workflow file's folder); default the agent's working_dir. */
  cwd?: string;
  /** http and sse: the endpoint. */
  url?: string;
  headers?: Record<string, string>;
  /** Milliseconds each request to the server may take (default 60000). */
  timeout?: number;
  /** The server's tools offered to agents: their names (without the `server__` prefix) or `*` (default). */
  tools?: string[];
}

/** How tool results are capped (`runtime.tool_output`). */
export interface ToolOutputConfig {
  /** False: results reach the model whole (events still keep only the run's output cap). */
  enabled?: boolean;
  /** Characters of one result the model gets (default 50000, at least 1000). */
  max_chars?: number;
  /** Store the whole of a longer result in a file (default true). */
  spill_to_file?: boolean;
  /** Where those files go (default the run's `outputs/` folder). */
  spill_dir?: string;
}

export interface RuntimeConfig {
  /** A provider name, or the mapping form with where and how to reach it. */
  provider?: string | ProviderSettings;
  default_model?: string;
  /** Seconds one model request may take (default 600). */
  timeout?: number;
  temperature?: number;
  max_tokens?: number;
  /** Periodic checkpoints (failure and interrupt checkpoints are always on). */
  checkpoint?: CheckpointPolicy;
  /** MCP servers by name; their tools are `<name>__<tool>`. */
  mcp_servers?: Record<string, McpServerConfig>;
  /** Most model requests in one agent step's tool loop (default 50). */
  max_agent_iterations?: number;
  /** Seconds an agent step's tool loop may go on, checked between requests. */
  max_session_seconds?: number;
  /** Default `working_dir` of agent steps (a template). */
  working_dir?: string;
  tool_output?: ToolOutputConfig;
  /** Agent steps' reasoning effort when they set no `reasoning`. */
  default_reasoning_effort?: ReasoningEffort;
}

export interface LimitsConfig {
  max_iterations?: number;
  timeout_seconds?: number;
  /** Spend, in US dollars, after which `budget_exceeded` is emitted (and, in `enforce` mode, the run fails). */
  budget_usd?: number;
  /** `audit` (default): warn only; `enforce`: fail the run with a checkpoint. */
  budget_mode?: 'audit' | 'enforce';
}

/** A model's prices in US dollars per million tokens (`workflow.cost.pricing`, the built-in table). */
export interface ModelPricing {
  input_per_mtok: number;
  output_per_mtok: number;
  /** Default 0: cache reads are then priced as input. */
  cache_read_per_mtok?: number;
  /** Default 0: cache writes are then priced as input. */
  cache_write_per_mtok?: number;
}

export interface CostConfig {
  /** Print the cost summary at the end of a run (default true; the CLI's `--quiet` hides it too). */
  show_summary?: boolean;
  /** Accepted for the original's files; unused there too. */
  show_per_agent?: boolean;
  /** Prices by exact model name; they win over the provider's and the built-in table's. */
  pricing?: Record<string, ModelPricing>;
}

export type ContextMode = 'accumulate' | 'last_only' | 'explicit';

export interface WorkflowSettings {
  name: string;
  description?: string;
  version?: string;
  entry_point: string;
  input?: Record<string, InputDefinition>;
  limits?: LimitsConfig;
  cost?: CostConfig;
  runtime?: RuntimeConfig;
  context?: {
    mode?: ContextMode;
    max_tokens?: number;
    trim_strategy?: 'summarize' | 'truncate' | 'drop_oldest';
  };
  metadata?: Record<string, unknown>;
  instructions?: string | string[];
}

interface StepBase {
  name: string;
  description?: string;
  routes?: RouteDefinition[];
  /** For `context.mode: explicit`: the references this step may see (`workflow.input.topic`, `planner.output`). */
  input?: string[];
}

export interface AgentStep extends StepBase {
  type: 'agent';
  model?: string;
  provider?: string;
  system_prompt?: string;
  prompt: string;
  output?: OutputSchema;
  temperature?: number;
  max_tokens?: number;
  /** Extra attempts when the model's answer does not parse or match `output` (default 2). */
  max_parse_retries?: number;
  /**
   * The tools it may call (`server__tool`): omitted or null means the workflow's `tools` list (every MCP
   * tool when that list is empty); `[]` means none.
   */
  tools?: string[] | null;
  /** Where its stdio MCP servers run (a template; default `runtime.working_dir`, else the workflow's folder). */
  working_dir?: string;
  /** Most model requests in its tool loop (default `runtime.max_agent_iterations`, else 50). */
  max_agent_iterations?: number;
  /** Seconds its tool loop may go on, checked between requests (default `runtime.max_session_seconds`). */
  max_session_seconds?: number;
  /** Seconds the whole step may take before it is cancelled. */
  timeout_seconds?: number;
  /** A second call that checks the answer against `criteria`; on a fail the step runs once more with the issues. */
  validator?: AgentValidator;
  /** The agent talks with the user when an evaluator finds its answer meets `trigger_prompt` (main loop only). */
  dialog?: AgentDialog;
  /** How a failed model request is retried (the original's RetryPolicy); without it, the providers' default. */
  retry?: RetrySettings;
  /** How hard the model thinks: `effort` is a level or a template rendering to one. */
  reasoning?: { effort: string };
  /** `envelope` (default) or `raw` (the answer's text as `{ result }`; not with `output`). */
  output_mode?: 'raw' | 'envelope';
}

/** An agent step's `validator:` (§3.9 of the original). */
export interface AgentValidator {
  criteria: string;
  /** Default: the step's model. */
  model?: string;
  /** 0 or 1 (default): re-runs after a fail. */
  max_retries?: number;
}

/** An agent step's `dialog:` (§3.10 of the original). */
export interface AgentDialog {
  trigger_prompt: string;
  conversation_prompt?: string;
}

/** An agent step's `retry` (§3.4 of the original); unset keys take the defaults in `RETRY_DEFAULTS`. */
export interface RetrySettings {
  /** Attempts of each model request, the first included (1 to 10, default 1). */
  max_attempts?: number;
  backoff?: 'fixed' | 'exponential';
  /** Seconds before the first retry (0 to 300, default 2). */
  delay_seconds?: number;
  /** What is retried (default both). */
  retry_on?: RetryCategory[];
  /** Correction turns after an answer that does not match `output` (like `max_parse_retries`). */
  max_parse_recovery_attempts?: number;
}

export interface ScriptStep extends StepBase {
  type: 'script';
  command: string;
  args?: string[];
  env?: Record<string, string>;
  working_dir?: string;
  /** Seconds. */
  timeout?: number;
  stdin?: string;
  /** Declared (even `{}`): stdout must be one JSON object, and the merged output is checked against it. */
  output?: Record<string, OutputField>;
}

export interface SetStep extends StepBase {
  type: 'set';
  /** A single value (any YAML; strings are templates). Becomes `<step>.output`. */
  value?: unknown;
  /** Several named values. Becomes `<step>.output.<name>`. */
  values?: Record<string, unknown>;
  /** With `value`: how rendered text is read (default `auto`: as YAML). */
  output_type?: SetOutputType;
}

export type SetOutputType = 'auto' | 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'dict';

export interface TerminateStep extends StepBase {
  type: 'terminate';
  status?: 'success' | 'failed';
  reason?: string;
  output_template?: Record<string, string> | string;
}

export interface WaitStep extends StepBase {
  type: 'wait';
  /** "500ms", "2s", "1.5m", "1h", or a number of seconds. */
  duration: string | number;
  reason?: string;
}

/** Runs another workflow file as one step; its final output becomes this step's output. */
export interface WorkflowStep extends StepBase {
  type: 'workflow';
  /** The child workflow file, relative to this workflow's file. */
  workflow: string;
  /**
   * The child's inputs: input name → template rendered against this workflow's context. Without it,
   * this workflow's own inputs are passed on.
   */
  input_mapping?: Record<string, string>;
  /** The deepest nesting this step may start, counting the root workflow as 0 (1 to 10, default 10). */
  max_depth?: number;
  /** Fields the child's final output must have. */
  output?: OutputSchema;
}

/** One choice of a human gate. */
export interface GateOption {
  /** What the person sees. */
  label: string;
  /** What the gate's output records (`<gate>.output.value`). */
  value: string;
  /** Where the run goes when this option is chosen; it overrides the step's `routes`. */
  route?: string;
  /** Ask for text after this option is chosen, stored as `<gate>.output.additional_input.<prompt_for>`. */
  prompt_for?: string;
  /** The text may span several lines. */
  multiline?: boolean;
  description?: string;
}

/** Stops the run until a person (terminal, dashboard or a `GateResolver`) picks one of `options`. */
export interface HumanGateStep extends StepBase {
  type: 'human_gate';
  /** Markdown shown to the person (a template). */
  prompt: string;
  options: GateOption[];
}

/** One question of a questions step. */
export interface Question {
  id?: string;
  /** The question (a template). */
  text: string;
  hint?: string;
  choices?: string[];
  /** Default true. */
  allow_free_text?: boolean;
  default?: string;
  /** Default false. */
  required?: boolean;
  /** Default true. */
  multiline?: boolean;
}

/** Several questions asked in one step (the original's `type: questions`). */
export interface QuestionsStep extends StepBase {
  type: 'questions';
  /** An introduction (a template). */
  prompt?: string;
  questions?: Question[];
  /** A dotted path to a list of questions (strings or mappings). */
  source?: string;
  allow_back?: boolean;
  allow_skip?: boolean;
  allow_skip_all?: boolean;
  allow_abort?: boolean;
  abort_route?: string;
}

export type StepDefinition =
  | QuestionsStep
  | AgentStep
  | ScriptStep
  | SetStep
  | TerminateStep
  | WaitStep
  | WorkflowStep
  | HumanGateStep;
export type StepType = StepDefinition['type'];

/** How a group reacts to a failed member or item. */
export type FailureMode = 'fail_fast' | 'continue_on_error' | 'all_or_nothing';

/** Steps that run at once (top-level `parallel:`): members are steps of `agents:`, named here. */
export interface ParallelGroup {
  name: string;
  description?: string;
  /** Names of steps under `agents:` (at least 2). */
  agents: string[];
  /**
   * `fail_fast` (default): the first failure stops the others and fails the group. `continue_on_error`:
   * every member runs; the group fails only when all of them failed. `all_or_nothing`: every member
   * runs; the group fails when any failed.
   */
  failure_mode?: FailureMode;
  routes?: RouteDefinition[];
}

/** A step definition used as the body of a for-each group: no routes (the group has them), name optional. */
type Inline<S extends StepDefinition> = Omit<S, 'name' | 'routes'> & { name?: string };
export type InlineStepDefinition =
  | Inline<AgentStep>
  | Inline<ScriptStep>
  | Inline<SetStep>
  | Inline<WaitStep>
  | Inline<WorkflowStep>;

/** One step run for every item of a list (top-level `for_each:`). */
export interface ForEachGroup {
  name: string;
  type: 'for_each';
  description?: string;
  /** Dotted path to the list, e.g. `planner.output.items` or `workflow.input.files` (or one `{{ }}`). */
  source: string;
  /** The item's variable name in the body's templates (with `_index` and `_key`). */
  as: string;
  /** The step run for each item. */
  agent: InlineStepDefinition;
  /** Items in flight at once: a sliding window (default 10). */
  max_concurrent?: number;
  /** See {@link ParallelGroup.failure_mode}. */
  failure_mode?: FailureMode;
  /** A path or template giving each item's key (`item.id`); the outputs become a mapping by key. */
  key_by?: string;
  routes?: RouteDefinition[];
}

export interface WorkflowDefinition {
  workflow: WorkflowSettings;
  agents: StepDefinition[];
  parallel?: ParallelGroup[];
  for_each?: ForEachGroup[];
  /** Tools agent steps may use (`server__tool`); an agent's `tools` must be a subset. */
  tools?: string[];
  /** Templates rendered at `$end` into the final output. */
  output?: Record<string, string>;
}

/** A loaded workflow: the definition plus where it came from, for errors, hashing and resume. */
export interface LoadedWorkflow {
  definition: WorkflowDefinition;
  /** Absolute path, or undefined when loaded from a string. */
  path?: string;
  /** The file's text before `${VAR}` substitution (what the checkpoint hashes). */
  source: string;
  /** sha256 hex of `source`. */
  hash: string;
  /**
   * Guidance a person gave this run (`conductor resume --guidance`): added to every agent prompt under
   * `[User Guidance]`, as the original conductor does. Not part of the file.
   */
  guidance?: readonly string[];
}
