// The engine's public surface: what scripts need to load, validate, run and resume workflows. Every
// name is listed here on purpose; the rest of src/ is private. README.md shows each one.

export { ResumeError, RunExistsError } from './durable/errors.js';
export type { ResumableRun } from './durable/find-run.js';
export { findResumableRun } from './durable/find-run.js';
// Who answers human gates, and holds agents' dialogs with the user.
export type { GateAnswer, GateRequest, GateResolver } from './gates/broker.js';
export type { DialogMessage, DialogRequest, DialogResolver } from './gates/dialog-broker.js';
export type { WorkflowRun } from './launch/handle.js';
// Running and resuming.
export type { ExecutionOptions } from './launch/options.js';
export type { ResumeOptions } from './launch/resume-workflow.js';
export { resumeWorkflow } from './launch/resume-workflow.js';
export type { RunOptions } from './launch/run-workflow.js';
export { runWorkflow } from './launch/run-workflow.js';
export { OutputCapError } from './outputs/limits.js';
export { MIN_MAX_OUTPUT_CHARS } from './outputs/store.js';
export type { ProviderConfig, ProviderFactory } from './providers/config.js';
export { MockResponsesError, ProviderConfigError, ProviderError } from './providers/errors.js';
export type { MockResponsesInput } from './providers/mock.js';
// Model providers: the interface a custom one implements, and the errors of the built-in ones.
export type { CompletionRequest, CompletionResult, Provider } from './providers/types.js';
export type { ExecutorHooks, RunFailure, RunResult } from './run/result.js';
// Step executors, to add or replace a step type (`executors` of RunOptions).
export type { StepExecutor, StepExecutors } from './steps/types.js';
export type { WorkflowIssue } from './workflow/errors.js';
export { formatIssues, WorkflowError } from './workflow/errors.js';
export { InputError } from './workflow/inputs.js';
export type { WorkflowValidation } from './workflow/load.js';
export { loadWorkflow, parseWorkflow, validateWorkflow, validateWorkflowFile } from './workflow/load.js';
// Loading and validating workflows.
export type { LoadedWorkflow } from './workflow/types.js';
