import type { RunResult, WorkflowRun } from '@conductor/engine';
import { conductorHome, eventLogPath, readEventLog } from '@conductor/event-log';
import { createRunSummaryFold, type RunDurations, runDurations } from '@conductor/events';
import { coloursFor } from './colour.js';
import { costSummary } from './cost-summary.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CommandIo } from './io.js';
import { createProgressReporter } from './progress.js';
import { formatDuration } from './table.js';

export interface ExecuteOptions {
  quiet?: boolean;
  /** `-s/--silent`: no warnings either (errors and the result still show). */
  silent?: boolean;
  /** `--log-file`: the whole progress, warnings and result go here too, whatever `quiet` says. */
  logFile?: NodeJS.WritableStream;
  /** Called once the run has started (its id and bus exist), e.g. to attach a dashboard. */
  onStarted?: (run: WorkflowRun) => Promise<void> | void;
}

/**
 * What a running command can do about the run: `signal` aborts it (the engine stops with a checkpoint);
 * `interrupt` is what Ctrl-C does, for Ctrl-C typed where no SIGINT is raised (a prompt reading keys).
 */
export interface RunControl {
  signal: AbortSignal;
  interrupt: (signal: NodeJS.Signals) => void;
}

/**
 * Runs (or resumes) a workflow in the foreground: progress on stderr, the final output as JSON on stdout,
 * Ctrl-C and SIGTERM stop it with a checkpoint (a second Ctrl-C exits at once), and the exit code says how
 * it ended. This handler alone decides what a signal does: libraries that would exit on their own (the
 * spinner, the gate prompt) are told not to, or see that a handler is installed and leave it be.
 */
export async function executeRun(
  io: CommandIo,
  start: (control: RunControl) => WorkflowRun,
  options: ExecuteOptions = {},
): Promise<ExitCodeValue> {
  const controller = new AbortController();
  const progress = createProgressReporter({
    stream: io.stderr,
    quiet: options.quiet,
    colours: coloursFor(io.stderr, io.env, io.color),
  });
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    // A terminal echoes ^C where the cursor is: start a new line, unless a spinner's line is wiped anyway.
    const lead = progress.spinning ? '' : '\n';
    if (interrupts === 1) {
      io.stderr.write(
        `${lead}${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping after writing a checkpoint (again to exit now)\n`,
      );
      controller.abort();
    } else {
      // Every log line is written whole, so even this exit leaves a log `conductor resume` can continue.
      // The progress reporter clears its spinner and shows the cursor on 'exit'.
      io.stderr.write(`${lead}exiting now\n`);
      process.exit(ExitCode.Interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // `--log-file` gets every progress line, uncoloured, as a terminal without --quiet would.
  const logged = options.logFile
    ? createProgressReporter({
        stream: options.logFile as NodeJS.WriteStream,
        tty: false,
        colours: false,
      })
    : null;
  const out = reportStreams(io, options);

  try {
    const run = start({ signal: controller.signal, interrupt: onSignal });
    const unsubscribe = run.bus.subscribe((event) => {
      progress.onEvent(event);
      logged?.onEvent(event);
    });
    // Once started, the run id, warnings and run.json are final (a resume may have to find its run first).
    await run.started;
    for (const warning of run.warnings) out.warn(`warning: ${warning}\n`);
    try {
      await options.onStarted?.(run);
    } catch (error) {
      // E.g. the dashboard could not listen. The run has begun: it is stopped with a checkpoint (its
      // log complete, `conductor resume` continues it) before the error is reported.
      run.stop();
      const result = await run.result;
      unsubscribe();
      progress.close();
      reportResult(out, result);
      throw error;
    }
    const result = await run.result;
    unsubscribe();
    progress.close();
    // The original's cost.show_summary (default true); --quiet hides it with the rest of the progress.
    const summary = costSummary(progress.state);
    if (summary && run.workflow?.definition.workflow.cost?.show_summary !== false) out.progress(summary);
    return reportResult(out, result, await runTimes(io, result));
  } finally {
    progress.close();
    logged?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The whole run's active and wall time, across resumes, from its log (the same derivation as `conductor
 * runs` and the run list); null when the log cannot be read.
 */
async function runTimes(io: CommandIo, result: RunResult): Promise<RunDurations | null> {
  try {
    const fold = createRunSummaryFold();
    for await (const event of readEventLog(eventLogPath(result.runId, conductorHome(io.env))))
      fold.apply(event);
    const times = runDurations(fold.summary(), null);
    return times.active_seconds === null ? null : times;
  } catch {
    return null;
  }
}

/** "12.0s active time, 1m 48s wall time": labelled, the same numbers as the run list. */
function timesText(times: RunDurations | null, elapsedSeconds: number): string {
  if (!times) return `${elapsedSeconds.toFixed(2)}s`;
  return `${formatDuration(times.active_seconds)} active time, ${formatDuration(times.wall_seconds)} wall time`;
}

/** Where a run's report goes: stdout (the result), stderr by kind, and the `--log-file` for all of it. */
interface ReportStreams {
  result(text: string): void;
  /** Progress-like lines: hidden by --quiet and --silent. */
  progress(text: string): void;
  /** Warnings: hidden by --silent. */
  warn(text: string): void;
  /** Errors and how to continue: always shown. */
  error(text: string): void;
}

function reportStreams(io: CommandIo, options: ExecuteOptions): ReportStreams {
  const log = (text: string) => options.logFile?.write(text);
  return {
    result(text) {
      io.stdout.write(text);
      log(text);
    },
    progress(text) {
      if (!options.quiet && !options.silent) io.stderr.write(text);
      log(text);
    },
    warn(text) {
      if (!options.silent) io.stderr.write(text);
      log(text);
    },
    error(text) {
      io.stderr.write(text);
      log(text);
    },
  };
}

function reportResult(
  out: ReportStreams,
  result: RunResult,
  times: RunDurations | null = null,
): ExitCodeValue {
  const elapsed = `${(times?.active_seconds ?? result.elapsedSeconds).toFixed(2)}s`;
  if (result.status === 'completed') {
    out.result(`${JSON.stringify(result.output ?? null, null, 2)}\n`);
    out.progress(`completed run ${result.runId} in ${timesText(times, result.elapsedSeconds)}\n`);
    return ExitCode.Success;
  }
  const timeLine = times ? `\nRun time: ${timesText(times, result.elapsedSeconds)}` : '';
  const error = result.error;
  const where = error?.step ? ` at step "${error.step}"` : '';
  const what = error ? `${error.type}: ${error.message}` : 'unknown error';
  const resume = result.checkpointPath
    ? `\nCheckpoint: ${result.checkpointPath}\nContinue with: conductor resume --from ${quoteArg(result.checkpointPath)}`
    : error?.type === 'WorkflowTerminated'
      ? ''
      : `\nNo checkpoint was written; its event log has the history.\nContinue with: conductor resume --run ${result.runId}`;
  if (result.status === 'interrupted') {
    out.error(`interrupted run ${result.runId}${where} after ${elapsed}${timeLine}${resume}\n`);
    return ExitCode.Interrupted;
  }
  if (result.output !== undefined && result.output !== null)
    out.result(`${JSON.stringify(result.output, null, 2)}\n`);
  out.error(`failed run ${result.runId}${where} after ${elapsed}: ${what}${timeLine}${resume}\n`);
  return ExitCode.RunFailed;
}

export function quoteArg(arg: string): string {
  return /^[\w./:@=-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
