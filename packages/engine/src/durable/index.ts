// Durable runs: the event log and run.json of every run, checkpoints, and resuming.

export type { CheckpointInput } from './checkpoint-state.js';
export { checkpointOf, stateFromCheckpoint } from './checkpoint-state.js';
export type { ResumeErrorCode } from './errors.js';
export { ResumeError, RunExistsError, RunRecordError } from './errors.js';
export type { HomeOptions } from './home.js';
export { resolveHome } from './home.js';
export type { ResumableRun, ResumeOptions, ResumePlan } from './resume.js';
export { findResumableRun, planResume, resumeWorkflow } from './resume.js';
export type { ResumeBase, ResumeFold, ResumeStateFromEvents, RewoundStep } from './resume-state.js';
export { createResumeFold, resumeStateFromEvents } from './resume-state.js';
export type { ListRunRecordsOptions, RunRecord, RunRecordOptions, RunRecordStatus } from './run-record.js';
export {
  listRunRecords,
  readRunRecord,
  runRecordPath,
  updateRunRecord,
  writeRunRecord,
} from './run-record.js';
