import { formatIssues, loadWorkflow, runWorkflow } from '@conductor/engine';
import type { ExitCodeValue } from '../exit-codes.js';
import {
  type ForegroundOptions,
  parseMaxOutputChars,
  parseMetadataFlags,
  runFromCommandLine,
} from '../foreground.js';
import { parseInputFlags } from '../inputs.js';
import { addInstructions } from '../instructions.js';
import type { CommandIo } from '../io.js';
import { withSharedStore } from '../store.js';
import { checkWorkflowRef } from '../workflow-ref.js';

export interface RunCommandOptions extends ForegroundOptions {
  input: string[];
  provider?: string;
  mockResponses?: string;
  dryRun?: boolean;
  instructions?: string[];
  workspaceInstructions?: boolean;
  printLoadedInstructions?: boolean;
  store?: string;
}

export async function runCommand(
  io: CommandIo,
  path: string,
  options: RunCommandOptions,
): Promise<ExitCodeValue> {
  checkWorkflowRef(path);
  const inputs = parseInputFlags(options.input);
  const metadata = parseMetadataFlags(options.metadata);
  const maxOutputChars = parseMaxOutputChars(options.maxOutputChars);
  const workflow = await loadWorkflow(path, {
    env: io.env,
    // Keys of providers this version lacks load but do nothing: say so, as validate does.
    onWarning: (issue) => {
      if (!options.silent && issue.message.includes('has no effect in this version'))
        io.stderr.write(`${formatIssues([issue])}\n`);
    },
  });
  if (options.dryRun) {
    const { printPlan } = await import('../plan.js');
    return printPlan(io, workflow, inputs);
  }
  await addInstructions(io, workflow, options);
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
          ...(metadata ? { metadata } : {}),
          ...(maxOutputChars === undefined ? {} : { maxOutputChars }),
          ...extras,
        }),
      { ...options, source: 'run', workflowPath: path },
    ),
  );
}
