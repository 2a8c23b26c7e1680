// The run folder's layout lives in @conductor/run-folder; re-exported for users of this package.
export { assertRunId, conductorHome, eventLogPath, isValidRunId, runDir } from '@conductor/run-folder';
