// Workflow format: loading, validation, inputs, JSON Schema.
export * from './workflow/index.js';
export type {
  AgentStep,
  CheckpointPolicy,
  ContextMode,
  InputDefinition,
  JsonSchemaType,
  LimitsConfig,
  LoadedWorkflow,
  OutputField,
  OutputSchema,
  RouteDefinition,
  RuntimeConfig,
  ScriptStep,
  SetStep,
  StepDefinition,
  StepType,
  TerminateStep,
  WaitStep,
  WorkflowDefinition,
  WorkflowSettings,
} from './workflow/types.js';
// Jinja templates and safe expressions.
export * from './template/index.js';
// Running: runWorkflow, the executor, step executors.
export * from './run/index.js';
// Providers: mock (offline) and OpenAI-compatible.
export * from './providers/index.js';
