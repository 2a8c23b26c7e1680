export { DurationError, parseDuration } from './duration.js';
export type { Env } from './env.js';
export { substituteEnv } from './env.js';
export type { WorkflowErrorCode, WorkflowIssue } from './errors.js';
export { formatIssues, formatLocation, sortIssues, WorkflowError } from './errors.js';
export type { InputProblem } from './inputs.js';
export { InputError, matchesInputType, resolveInputs } from './inputs.js';
export { formatSchemaJson, workflowJsonSchema } from './json-schema.js';
export type { LoadWorkflowOptions, ParseWorkflowOptions, WorkflowValidation } from './load.js';
export {
  loadWorkflow,
  parseWorkflow,
  validateWorkflow,
  validateWorkflowFile,
  workflowPosition,
} from './load.js';
export { DEFAULT_MAX_WORKFLOW_BYTES, maxWorkflowBytes } from './read.js';
export {
  ForEachGroupSchema,
  INLINE_STEP_TYPES,
  MAX_SUBWORKFLOW_DEPTH,
  OutputFieldSchema,
  ParallelGroupSchema,
  StepSchema,
  SUPPORTED_STEP_TYPES,
  UNSUPPORTED_STEP_TYPES,
  WorkflowSchema,
} from './schema.js';
export type {
  AgentStep,
  CheckpointPolicy,
  ContextMode,
  FailureMode,
  ForEachGroup,
  GateOption,
  HumanGateStep,
  InlineStepDefinition,
  InputDefinition,
  JsonSchemaType,
  LimitsConfig,
  LoadedWorkflow,
  OutputField,
  OutputSchema,
  ParallelGroup,
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
  WorkflowStep,
} from './types.js';
