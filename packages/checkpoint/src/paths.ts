import { createHash } from 'node:crypto';

// The run folder's layout lives in @conductor/run-folder; re-exported for users of this package.
export { checkpointDir, conductorHome, RUN_ID_PATTERN as RUN_ID } from '@conductor/run-folder';

/** The sha256 hex digest of a workflow file's content, stored as `workflow_hash`. */
export function hashWorkflowSource(source: string | Uint8Array): string {
  return createHash('sha256').update(source).digest('hex');
}
