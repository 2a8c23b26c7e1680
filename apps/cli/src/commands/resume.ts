import { statSync } from 'node:fs';
import { resumeWorkflow } from '@conductor/engine';
import { UsageError } from '../errors.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { type ForegroundOptions, parseMaxOutputChars, runFromCommandLine } from '../foreground.js';
import type { CommandIo } from '../io.js';
import { withSharedStore } from '../store.js';

export interface ResumeCommandOptions extends ForegroundOptions {
  from?: string;
  run?: string;
  provider?: string;
  mockResponses?: string;
  forceWorkflow?: boolean;
  store?: string;
}

export async function resumeCommand(
  io: CommandIo,
  workflow: string | undefined,
  options: ResumeCommandOptions,
): Promise<ExitCodeValue> {
  if (!workflow && !options.from && !options.run) {
    throw new UsageError(
      'say which run to resume: `conductor resume <workflow.yaml>` (its newest resumable run), ' +
        '`conductor resume --from <checkpoint.json>` or `conductor resume --run <run-id>`. `conductor checkpoint list` shows them.',
    );
  }
  if (options.from !== undefined && options.run !== undefined) {
    throw new UsageError(
      '--from and --run both say which run to resume; give one of them (a checkpoint names its own run).',
    );
  }
  if (options.from !== undefined && statSync(options.from, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(
      `--from ${options.from} is a directory; give a checkpoint file, e.g. ` +
        '$CONDUCTOR_HOME/runs/<run-id>/checkpoints/<file>.json, or --run <run-id> for its newest checkpoint.',
    );
  }
  const maxOutputChars = parseMaxOutputChars(options.maxOutputChars);
  return withSharedStore(io.env, options.store, (store) =>
    runFromCommandLine(
      io,
      (extras) =>
        resumeWorkflow({
          ...(store ? { store } : {}),
          env: io.env,
          from: options.from,
          runId: options.run,
          workflow,
          provider: options.provider,
          mockResponses: options.mockResponses,
          forceWorkflow: options.forceWorkflow,
          ...(maxOutputChars === undefined ? {} : { maxOutputChars }),
          ...extras,
        }),
      { ...options, source: 'resume' },
    ),
  );
}
