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
import { closeLogFile, logFilePath, openLogFile } from './log-file.js';
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
  silent?: boolean;
  /** `--log-file auto|PATH`. */
  logFile?: string;
  /** `--metadata key=value` (repeatable). */
  metadata?: string[];
  /** `--no-interactive` (commander's `interactive: false`): accepted, no effect. */
  interactive?: boolean;
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

/** `--metadata key=value` flags as a record; undefined when none was given. */
export function parseMetadataFlags(flags: readonly string[] | undefined): Record<string, string> | undefined {
  if (!flags || flags.length === 0) return undefined;
  const metadata: Record<string, string> = {};
  for (const flag of flags) {
    const at = flag.indexOf('=');
    if (at <= 0) {
      throw new UsageError(
        `--metadata "${flag}" is not of the form key=value. Example: --metadata tracker=ado`,
      );
    }
    metadata[flag.slice(0, at)] = flag.slice(at + 1);
  }
  return metadata;
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
  options: ForegroundOptions & { source: 'run' | 'resume'; workflowPath?: string },
): Promise<ExitCodeValue> {
  if (options.web && options.webBg) {
    throw new UsageError(
      '--web and --web-bg cannot be combined: --web serves the dashboard here, --web-bg in the background.',
    );
  }
  const port = parsePort(options.webPort);
  await checkPortAvailable(port);
  if (options.webBg) return startInBackground(io, io.argv);
  const logPath = options.logFile ? logFilePath(options.logFile, options.workflowPath, io.env) : null;
  const logFile = logPath ? openLogFile(logPath) : undefined;
  if (logPath && !options.quiet) io.stderr.write(`log file: ${logPath}\n`);
  try {
    return await runInForeground(io, start, options, port, logFile);
  } finally {
    if (logFile) await closeLogFile(logFile);
  }
}

async function runInForeground(
  io: CommandIo,
  start: (extras: StartExtras) => WorkflowRun,
  options: ForegroundOptions & { source: 'run' | 'resume' },
  port: number,
  logFile: NodeJS.WritableStream | undefined,
): Promise<ExitCodeValue> {
  let dashboard: RunningDashboard | null = null;
  let started: WorkflowRun | null = null;
  let interrupted: AbortSignal | null = null;
  const code = await executeRun(
    io,
    ({ signal, interrupt }) => {
      interrupted = signal;
      started = start({
        signal,
        ...gateOptions(
          io,
          options,
          () => started,
          () => interrupt('SIGINT'),
        ),
        ...dialogOptions(io, options, () => interrupt('SIGINT')),
      });
      return started;
    },
    {
      quiet: options.quiet,
      silent: options.silent,
      ...(logFile ? { logFile } : {}),
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
  // A Ctrl-C (or SIGTERM) during the run was the user asking to exit: the dashboard closes with the run
  // instead of waiting for another Ctrl-C. Otherwise it stays up to show the finished run.
  if (dashboard && (interrupted as AbortSignal | null)?.aborted)
    await (dashboard as RunningDashboard).close();
  else if (dashboard) await serveUntilInterrupted(io, dashboard, lingerSeconds(options.webLinger));
  return code;
}

function lingerSeconds(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Math.max(0, Number(value) || 0);
}
