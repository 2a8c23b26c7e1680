import { loadWorkflow, runWorkflow } from '@conductor/engine';
import type { ExitCodeValue } from '../exit-codes.js';
import { type ForegroundOptions, parseMaxOutputChars, runFromCommandLine } from '../foreground.js';
import { parseInputFlags } from '../inputs.js';

export interface RunCommandOptions extends ForegroundOptions {
  input: string[];
  provider?: string;
  mockResponses?: string;
}

export async function runCommand(path: string, options: RunCommandOptions): Promise<ExitCodeValue> {
  const inputs = parseInputFlags(options.input);
  const maxOutputChars = parseMaxOutputChars(options.maxOutputChars);
  const workflow = await loadWorkflow(path);
  return runFromCommandLine(
    (extras) =>
      runWorkflow(workflow, {
        inputs,
        provider: options.provider,
        mockResponses: options.mockResponses,
        ...(maxOutputChars === undefined ? {} : { maxOutputChars }),
        ...extras,
      }),
    { ...options, source: 'run' },
  );
}
