import { loadWorkflow, runWorkflow } from '@conductor/engine';
import type { ExitCodeValue } from '../exit-codes.js';
import { type ForegroundOptions, parseMaxOutputChars, runFromCommandLine } from '../foreground.js';
import { parseInputFlags } from '../inputs.js';
import type { CommandIo } from '../io.js';
import { withSharedStore } from '../store.js';

export interface RunCommandOptions extends ForegroundOptions {
  input: string[];
  provider?: string;
  mockResponses?: string;
  store?: string;
}

export async function runCommand(
  io: CommandIo,
  path: string,
  options: RunCommandOptions,
): Promise<ExitCodeValue> {
  const inputs = parseInputFlags(options.input);
  const maxOutputChars = parseMaxOutputChars(options.maxOutputChars);
  const workflow = await loadWorkflow(path, { env: io.env });
  return withSharedStore(io.env, options.store, (store) =>
    runFromCommandLine(
      io,
      (extras) =>
        runWorkflow(workflow, {
          ...(store ? { store } : {}),
          env: io.env,
          inputs,
          provider: options.provider,
          mockResponses: options.mockResponses,
          ...(maxOutputChars === undefined ? {} : { maxOutputChars }),
          ...extras,
        }),
      { ...options, source: 'run' },
    ),
  );
}
