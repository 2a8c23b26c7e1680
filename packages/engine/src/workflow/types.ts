/**
 * The workflow format, after `${VAR}` substitution, YAML parsing and validation. It follows the original
 * conductor's YAML so that its users' files load unchanged. The valibot schema in `schema.ts` produces
 * exactly these types.
 */

export type JsonSchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

/** One field of a step's `output:` schema (the original's compact form). */
export interface OutputField {
  type: JsonSchemaType;
  description?: string;
  enum?: ReadonlyArray<string | number | boolean>;
  /** For arrays: the element's schema. */
  items?: OutputField;
  /** For objects: nested fields. */
  properties?: Record<string, OutputField>;
  required?: boolean;
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

export interface RuntimeConfig {
  provider?: string;
  default_model?: string;
  temperature?: number;
  max_tokens?: number;
  /** Periodic checkpoints (failure and interrupt checkpoints are always on). */
  checkpoint?: CheckpointPolicy;
}

export interface LimitsConfig {
  max_iterations?: number;
  timeout_seconds?: number;
}

export type ContextMode = 'accumulate' | 'last_only' | 'explicit';

export interface WorkflowSettings {
  name: string;
  description?: string;
  version?: string;
  entry_point: string;
  input?: Record<string, InputDefinition>;
  limits?: LimitsConfig;
  runtime?: RuntimeConfig;
  context?: { mode?: ContextMode; max_tokens?: number };
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
  tools?: string[];
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
}

export interface SetStep extends StepBase {
  type: 'set';
  /** A single value (any YAML; strings are templates). Becomes `<step>.output`. */
  value?: unknown;
  /** Several named values. Becomes `<step>.output.<name>`. */
  values?: Record<string, unknown>;
}

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

export type StepDefinition = AgentStep | ScriptStep | SetStep | TerminateStep | WaitStep;
export type StepType = StepDefinition['type'];

export interface WorkflowDefinition {
  workflow: WorkflowSettings;
  agents: StepDefinition[];
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
}
