import { loadWorkflow } from '@conductor/engine';
import type { ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { printWorkflow } from '../plan.js';
import { checkWorkflowRef } from '../workflow-ref.js';

/** `conductor show <workflow>`: the workflow's inputs, steps and outputs. */
export async function showCommand(io: CommandIo, path: string): Promise<ExitCodeValue> {
  checkWorkflowRef(path);
  return printWorkflow(io, await loadWorkflow(path, { env: io.env }), path);
}
