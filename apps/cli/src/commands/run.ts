import type { RunningDashboard } from '@conductor/dashboard';
import { loadWorkflow, runWorkflow, type WorkflowRun } from '@conductor/engine';
import { startInBackground } from '../background.js';
import { executeRun } from '../execute.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { gateOptions } from '../gates.js';
import { parseInputFlags } from '../inputs.js';
import {
  checkPortAvailable,
  parsePort,
  serveRunDashboard,
  serveUntilInterrupted,
  type WebOptions,
} from '../web.js';

export interface RunCommandOptions extends WebOptions {
  input: string[];
  provider?: string;
  mockResponses?: string;
  quiet?: boolean;
  webLinger?: string;
  skipGates?: boolean;
}

export async function runCommand(path: string, options: RunCommandOptions): Promise<ExitCodeValue> {
  const inputs = parseInputFlags(options.input);
  const port = parsePort(options.webPort);
  const workflow = await loadWorkflow(path);
  await checkPortAvailable(port);
  if (options.webBg) return startInBackground(process.argv.slice(2));
  let dashboard: RunningDashboard | null = null;
  let started: WorkflowRun | null = null;
  const code = await executeRun(
    (signal) =>
      (started = runWorkflow(workflow, {
        inputs,
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
            source: 'run',
            workflowName: workflow.definition.workflow.name,
          });
        }
      },
    },
  );
  if (dashboard) await serveUntilInterrupted(dashboard, lingerSeconds(options.webLinger));
  return code;
}

export function lingerSeconds(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Math.max(0, Number(value) || 0);
}
