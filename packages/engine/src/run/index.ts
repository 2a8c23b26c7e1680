// Durable runs (event log, run.json, checkpoints, resume) live in ../durable; exported from here so
// the package index's `export * from './run/index.js'` carries them.
export * from '../durable/index.js';
export type {
  ChildStepOptions,
  GateOutput,
  GroupProgress,
  RunnableStep,
  StepContext,
  StepExecutor,
  StepExecutors,
  StepResult,
  SubworkflowFrame,
} from '../steps/index.js';
export { defaultStepExecutors, StepFailure } from '../steps/index.js';
export type {
  ExecutionEnvironment,
  ExecutorHooks,
  FailureExtras,
  RunFailure,
  RunResult,
  RunStatus,
} from './executor.js';
export { DEFAULT_MAX_ITERATIONS, executeFrom } from './executor.js';
export type { PreparedProviders } from './providers.js';
export { mintRunId, resolveRunId } from './run-id.js';
export type { RunOptions, WorkflowRun } from './run-workflow.js';
export { runWorkflow } from './run-workflow.js';
export type { ExecutorState, StepRecord, StepRecordStatus } from './state.js';
export { initialExecutorState } from './state.js';
