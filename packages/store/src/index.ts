export type { CopyResult } from './copy.js';
export { copyRun, StoreCopyError } from './copy.js';
export {
  LeaseLostError,
  RunLeasedError,
  StoreCheckpointNotFoundError,
  StoreSeqError,
  StoreSpecError,
  StoreUnavailableError,
} from './errors.js';
export type { FilesStoreOptions } from './files.js';
export { filesLease, filesStore } from './files.js';
export { redactStoreUrl, scrub } from './redact.js';
export type {
  ClaimOptions,
  FollowOptions,
  Lease,
  ListRunsOptions,
  MigrationResult,
  PageOptions,
  RunJob,
  RunQueue,
  RunQueueOptions,
  RunStore,
  StoredEventPage,
  StoredOwner,
} from './types.js';
