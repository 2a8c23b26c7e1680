import { formatIssues, validateWorkflowFile } from '@conductor/engine';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import type { CommandIo } from '../io.js';
import { checkWorkflowRef } from '../workflow-ref.js';

export interface ValidateOptions {
  quiet?: boolean;
}

/** `conductor validate <workflow>`: every problem with file:line:column, exit 2 if any is an error. */
export async function validateCommand(
  io: CommandIo,
  path: string,
  options: ValidateOptions,
): Promise<ExitCodeValue> {
  checkWorkflowRef(path);
  const result = await validateWorkflowFile(path, { env: io.env });
  if (result.issues.length > 0) io.stderr.write(`${formatIssues(result.issues)}\n`);
  if (!result.ok) {
    const count = result.errors.length;
    io.stderr.write(`\n${path}: ${count} error${count === 1 ? '' : 's'}; the workflow is not valid.\n`);
    return ExitCode.Invalid;
  }
  if (!options.quiet) {
    const { definition } = result.workflow;
    const steps = definition.agents.length;
    io.stdout.write(
      `${path}: valid workflow "${definition.workflow.name}" with ${steps} step${steps === 1 ? '' : 's'}\n`,
    );
  }
  return ExitCode.Success;
}
