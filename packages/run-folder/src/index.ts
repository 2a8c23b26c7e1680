export {
  syncDirectory,
  syncDirectoryAsync,
  type WriteFileAtomicOptions,
  writeFileAtomic,
} from './atomic.js';
export type { ClaimInfo, ClaimOptions, OwnerStatus, RunClaim } from './claim.js';
export { claimRun, RunOwnedError, readOwner } from './claim.js';
export { ClaimIoError, errnoCode, RunIdError, RunRecordError } from './errors.js';
export {
  assertRunId,
  canonicalPath,
  checkpointDir,
  claimDir,
  conductorHome,
  eventLogPath,
  isValidRunId,
  listRunIds,
  RUN_ID_PATTERN,
  runDir,
  runRecordPath,
} from './paths.js';
export type { ProcessIdentity, ProcessState } from './process.js';
export { currentProcess, identifyProcess, processState, sameProcess } from './process.js';
export type { RecordedProcessGroup, StopGroupOptions, StopGroupResult } from './process-group.js';
export { stopProcessGroup } from './process-group.js';
export type {
  ListRunRecordsOptions,
  RunRecord,
  RunRecordOptions,
  RunRecordStatus,
  WriteRunRecordOptions,
} from './record.js';
export {
  listRunRecords,
  readRunRecord,
  recordedProcess,
  updateRunRecord,
  writeRunRecord,
} from './record.js';
