export type { PacedOptions, PacerOptions, Speed } from './pacing.js';
export { DEFAULT_MAX_DELAY_MS, DEFAULT_MAX_LAG_MS, Pacer, paced, playbackDelay } from './pacing.js';
export type { LogHistory, ResumeHistory, ResumeHistoryOptions, SyntheticHistory } from './resume.js';
export { historyForResume } from './resume.js';
export type { EventSource, FromJsonlOptions } from './sources.js';
export { fromEvents, fromJsonl } from './sources.js';
export type { CheckpointHistory, ExecutionRecord, WorkflowOutline } from './synthetic.js';
