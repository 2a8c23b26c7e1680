export type { PacedOptions, Speed } from './combinators.js';
export { abortableSleep, DEFAULT_MAX_DELAY_MS, paced } from './combinators.js';
export type { LogHistory, ResumeHistory, ResumeHistoryOptions, SyntheticHistory } from './resume.js';
export { historyForResume } from './resume.js';
export type { EventSource, FromJsonlOptions } from './sources.js';
export { fromEvents, fromJsonl } from './sources.js';
export type { CheckpointHistory, ExecutionRecord, WorkflowOutline } from './synthetic.js';
