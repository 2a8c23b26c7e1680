import { loadWorkflow, runWorkflow } from '@conductor/engine';
import type { ExitCodeValue } from '../exit-codes.js';
import { executeRun } from '../execute.js';
import { parseInputFlags } from '../inputs.js';

export interface RunCommandOptions {
  input: string[];
  provider?: string;
  mockResponses?: string;
  quiet?: boolean;
}

export async function runCommand(path: string, options: RunCommandOptions): Promise<ExitCodeValue> {
  const inputs = parseInputFlags(options.input);
  const workflow = await loadWorkflow(path);
  return executeRun(
    (signal) =>
      runWorkflow(workflow, {
        inputs,
        provider: options.provider,
        mockResponses: options.mockResponses,
        signal,
      }),
    { quiet: options.quiet },
  );
}
