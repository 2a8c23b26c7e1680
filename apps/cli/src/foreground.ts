import type { RunningDashboard } from '@conductor/dashboard';
import {
  type DialogResolver,
  type GateResolver,
  MIN_MAX_OUTPUT_CHARS,
  type WorkflowRun,
} from '@conductor/engine';
import { startInBackground } from './background.js';
import { dialogOptions } from './dialogs.js';
import { UsageError } from './errors.js';
import { executeRun } from './execute.js';
import type { ExitCodeValue } from './exit-codes.js';
import { type GateFlags, gateOptions } from './gates.js';
import type { CommandIo } from './io.js';
import {
  checkPortAvailable,
  parsePort,
  serveRunDashboard,
  serveUntilInterrupted,
  type WebOptions,
} from './web.js';

/** The flags `run` and `resume` share: output, dashboard, gates. */
export interface ForegroundOptions extends WebOptions, GateFlags {
  quiet?: boolean;
  webLinger?: string;
  maxOutputChars?: string;
}

/** `--max-output-chars`: undefined when absent (the engine then reads CONDUCTOR_MAX_OUTPUT_CHARS). */
export function parseMaxOutputChars(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const chars = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(chars) || chars < MIN_MAX_OUTPUT_CHARS) {
    throw new UsageError(
      `--max-output-chars "${value}" is not a usable cap: give a whole number of characters, at least ${MIN_MAX_OUTPUT_CHARS} (default 50000).`,
    );
  }
  return chars;
}

/** What a command adds to the engine options it starts a run with. */
export interface StartExtras {
  signal: AbortSignal;
  gates?: GateResolver;
  skipGates?: boolean;
  dialogs?: DialogResolver;
  skipDialogs?: boolean;
}

/**
 * Runs or resumes a workflow as the command line asks: in the background with `--web-bg`, else in the
 * foreground with progress, gates answered and dialogs held in the terminal or the page, and, with `--web`, a dashboard
 * that stays up after the run ends until Ctrl-C.
 */
export async function runFromCommandLine(
  io: CommandIo,
  start: (extras: StartExtras) => WorkflowRun,
  options: ForegroundOptions & { source: 'run' | 'resume' },
): Promise<ExitCodeValue> {
  const port = parsePort(options.webPort);
  await checkPortAvailable(port);
  if (options.webBg) return startInBackground(io, io.argv);
  let dashboard: RunningDashboard | null = null;
  let started: WorkflowRun | null = null;
  const code = await executeRun(
    io,
    ({ signal, interrupt }) =>
      (started = start({
        signal,
        ...gateOptions(
          io,
          options,
          () => started,
          () => interrupt('SIGINT'),
        ),
        ...dialogOptions(io, options, () => interrupt('SIGINT')),
      })),
    {
      quiet: options.quiet,
      onStarted: async (run) => {
        if (options.web || options.webPort !== undefined) {
          dashboard = await serveRunDashboard(io, run, {
            port,
            source: options.source,
            workflowName: run.workflowName ?? 'workflow',
          });
        }
      },
    },
  );
  if (dashboard) await serveUntilInterrupted(io, dashboard, lingerSeconds(options.webLinger));
  return code;
}

function lingerSeconds(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Math.max(0, Number(value) || 0);
}
