import { formatIssues, validateWorkflowFile } from '@conductor/engine';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

export interface ValidateOptions {
  quiet?: boolean;
}

/** `conductor validate <workflow>`: every problem with file:line:column, exit 2 if any is an error. */
export async function validateCommand(path: string, options: ValidateOptions): Promise<ExitCodeValue> {
  const result = await validateWorkflowFile(path);
  if (result.issues.length > 0) process.stderr.write(`${formatIssues(result.issues)}\n`);
  if (!result.ok) {
    const count = result.errors.length;
    process.stderr.write(`\n${path}: ${count} error${count === 1 ? '' : 's'}; the workflow is not valid.\n`);
    return ExitCode.Invalid;
  }
  if (!options.quiet) {
    const { definition } = result.workflow;
    const steps = definition.agents.length;
    process.stdout.write(
      `${path}: valid workflow "${definition.workflow.name}" with ${steps} step${steps === 1 ? '' : 's'}\n`,
    );
  }
  return ExitCode.Success;
}
