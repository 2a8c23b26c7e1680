import { existsSync } from 'node:fs';
import { UsageError } from './errors.js';

/** The original's registry references: `name@registry`, `name@registry#ref`, `name@owner/repo[#ref]`. */
const REGISTRY_REF = /^[\w.-]+@[\w.-]+(\/[\w.-]+)?(#\S+)?$/;

/**
 * Fails with a clear message when a workflow argument is one of the original conductor's registry
 * references (and no file has that name): this conductor runs workflow files only.
 */
export function checkWorkflowRef(workflow: string): void {
  if (!REGISTRY_REF.test(workflow) || existsSync(workflow)) return;
  throw new UsageError(
    `"${workflow}" looks like a registry reference of the original conductor (name@registry, name@owner/repo); ` +
      'this conductor runs workflow files only: download the workflow and give its path. See docs/compatibility.md.',
  );
}
