import { statSync } from 'node:fs';
import type { RunningDashboard } from '@conductor/dashboard';
import { resumeWorkflow, type WorkflowRun } from '@conductor/engine';
import { startInBackground } from '../background.js';
import { UsageError } from '../errors.js';
import { executeRun } from '../execute.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { gateOptions } from '../gates.js';
import {
  checkPortAvailable,
  parsePort,
  serveRunDashboard,
  serveUntilInterrupted,
  type WebOptions,
} from '../web.js';
import { lingerSeconds } from './run.js';

export interface ResumeCommandOptions extends WebOptions {
  from?: string;
  run?: string;
  provider?: string;
  mockResponses?: string;
  quiet?: boolean;
  webLinger?: string;
  skipGates?: boolean;
}

export async function resumeCommand(
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
  const port = parsePort(options.webPort);
  await checkPortAvailable(port);
  if (options.webBg) return startInBackground(process.argv.slice(2));
  let dashboard: RunningDashboard | null = null;
  let started: WorkflowRun | null = null;
  const code = await executeRun(
    (signal) =>
      (started = resumeWorkflow({
        from: options.from,
        runId: options.run,
        workflow,
        provider: options.provider,
        mockResponses: options.mockResponses,
        signal,
        ...gateOptions(options, () => started),
      })),
    {
      quiet: options.quiet,
      onStarted: async (run) => {
        if (options.web || options.webPort !== undefined) {
          dashboard = await serveRunDashboard(run, {
            port,
            source: 'resume',
            workflowName: run.workflowName ?? 'workflow',
          });
        }
      },
    },
  );
  if (dashboard) await serveUntilInterrupted(dashboard, lingerSeconds(options.webLinger));
  return code;
}
