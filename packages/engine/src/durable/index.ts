// Durable runs: the event log and run.json of every run, checkpoints, and resuming.

// The run folder (paths, claims, liveness, run.json) is @conductor/run-folder's; these are what scripts need.
export type {
  ListRunRecordsOptions,
  OwnerStatus,
  RunRecord,
  RunRecordOptions,
  RunRecordStatus,
} from '@conductor/run-folder';
export {
  listRunRecords,
  RunOwnedError,
  RunRecordError,
  readOwner,
  readRunRecord,
  updateRunRecord,
  writeRunRecord,
} from '@conductor/run-folder';
export type { CheckpointInput } from './checkpoint-state.js';
export { checkpointOf, stateFromCheckpoint } from './checkpoint-state.js';
export type { ResumeErrorCode } from './errors.js';
export { ResumeError, RunExistsError } from './errors.js';
export type { HomeOptions } from './home.js';
export { resolveHome } from './home.js';
export type { ResumableRun, ResumeOptions, ResumePlan } from './resume.js';
export { findResumableRun, planResume, resumeWorkflow } from './resume.js';
export type { ResumeBase, ResumeFold, ResumeStateFromEvents, RewoundStep } from './resume-state.js';
export { createResumeFold, resumeStateFromEvents } from './resume-state.js';
