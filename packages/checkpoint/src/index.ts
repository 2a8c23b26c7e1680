export type { CheckpointFieldIssue } from './errors.js';
export {
  CheckpointCorruptError,
  CheckpointInvalidError,
  CheckpointNotFoundError,
  CheckpointReadError,
  CheckpointVersionError,
  CheckpointWriteError,
  RunIdError,
} from './errors.js';
export { migrateCheckpoint, validateCheckpoint } from './migrate.js';
export { checkpointDir, conductorHome, hashWorkflowSource } from './paths.js';
export type {
  Checkpoint,
  CheckpointContext,
  CheckpointFailure,
  CheckpointLimits,
  CheckpointTrigger,
  CheckpointV1,
  ExecutionRecord,
} from './schema.js';
export {
  CHECKPOINT_TRIGGERS,
  CHECKPOINT_VERSION,
  CheckpointSchema,
  CheckpointTriggerSchema,
  CheckpointV1Schema,
} from './schema.js';
export type {
  CheckpointListing,
  CheckpointSummary,
  ListCheckpointsOptions,
  PruneCheckpointsOptions,
  SaveCheckpointOptions,
  UnreadableCheckpoint,
} from './store.js';
export {
  deleteCheckpoints,
  latestCheckpointFor,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
} from './store.js';
