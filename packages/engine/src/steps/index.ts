export { DEFAULT_MAX_PARSE_RETRIES, executeAgent } from './agent.js';
export { describeError, StepFailure } from './errors.js';
export type { GateOutput } from './human-gate.js';
export { executeHumanGate, gateChoices, gateRoute } from './human-gate.js';
export { outputJsonSchema, outputMismatch, parseJsonAnswer } from './output-schema.js';
export { defaultStepExecutors } from './registry.js';
export { executeScript } from './script.js';
export { executeSet } from './set.js';
export { executeSubworkflow } from './subworkflow.js';
export { executeTerminate } from './terminate.js';
export type {
  ChildStepOptions,
  GroupProgress,
  ParallelGroupStep,
  RouteChoice,
  RunnableStep,
  StepContext,
  StepExecutor,
  StepExecutors,
  StepResult,
  StopReason,
  SubworkflowFrame,
  TemplateScope,
  TerminateOutcome,
} from './types.js';
export { renderCoerced, renderValue, singleExpression } from './values.js';
export { executeWait } from './wait.js';
