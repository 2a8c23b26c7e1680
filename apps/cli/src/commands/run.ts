import { formatIssues, loadWorkflow, runWorkflow } from '@conductor/engine';
import type { ExitCodeValue } from '../exit-codes.js';
import { type ForegroundOptions, parseMaxOutputChars, runFromCommandLine } from '../foreground.js';
import { parseInputFlags } from '../inputs.js';
import type { CommandIo } from '../io.js';

export interface RunCommandOptions extends ForegroundOptions {
  input: string[];
  provider?: string;
  mockResponses?: string;
}

export async function runCommand(
  io: CommandIo,
  path: string,
  options: RunCommandOptions,
): Promise<ExitCodeValue> {
  const inputs = parseInputFlags(options.input);
  const maxOutputChars = parseMaxOutputChars(options.maxOutputChars);
  const workflow = await loadWorkflow(path, {
    env: io.env,
    // Keys of providers this version lacks load but do nothing: say so, as validate does.
    onWarning: (issue) => {
      if (issue.message.includes('has no effect in this version'))
        io.stderr.write(`${formatIssues([issue])}\n`);
    },
  });
  return runFromCommandLine(
    io,
    (extras) =>
      runWorkflow(workflow, {
        env: io.env,
        inputs,
        provider: options.provider,
        mockResponses: options.mockResponses,
        ...(maxOutputChars === undefined ? {} : { maxOutputChars }),
        ...extras,
      }),
    { ...options, source: 'run' },
  );
}
