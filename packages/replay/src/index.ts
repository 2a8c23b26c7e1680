export type { PacedOptions, Speed } from './combinators.js';
export { abortableSleep, afterSeq, concat, DEFAULT_MAX_DELAY_MS, filter, paced } from './combinators.js';
export type { HistoryForResumeOptions, ResumeHistory } from './resume.js';
export { historyForResume } from './resume.js';
export type { EventSource, FromJsonlOptions } from './sources.js';
export { fromEvents, fromJsonl } from './sources.js';
export type { CheckpointHistory, ExecutionRecord, WorkflowOutline } from './synthetic.js';
export { fromCheckpoint, synthesizeHistory } from './synthetic.js';
