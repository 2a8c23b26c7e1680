import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { type SpilledOutput, scriptOutputOf } from '@conductor/events';
import type { CapturedStream, OutputName, OutputStore } from '../outputs/store.js';
import { spillOf, textOf } from '../outputs/store.js';
import type { ScriptStep } from '../workflow/types.js';
import { recordChildProcess } from './child-process.js';
import { failureOf, round, templateAt } from './common.js';
import { StepFailure } from './errors.js';
import { outputMismatch } from './output-schema.js';
import type { StepContext, StepExecutor, StepResult } from './types.js';

/** How long a process group gets between SIGTERM and SIGKILL when a script is stopped. */
const KILL_GRACE_MS = 2000;
/** Lines of stderr quoted when a script's exit code fails the step, and characters kept of each. */
const STDERR_TAIL_LINES = 20;
const STDERR_LINE_CHARS = 500;

interface Finished {
  exitCode: number;
  stdout: CapturedStream;
  stderr: CapturedStream;
  timedOut: boolean;
  aborted: boolean;
}

/**
 * What the script's events carry about its streams: each stream once, as text (its head when it was
 * longer than the cap), with `spills` saying where the whole of a longer one is.
 */
function streamFields(finished: Finished): {
  stdout: string;
  stderr: string;
  exit_code: number;
  spills?: Record<string, SpilledOutput>;
} {
  const spills: Record<string, SpilledOutput> = {};
  const out = spillOf(finished.stdout.text);
  const err = spillOf(finished.stderr.text);
  if (out) spills.stdout = out;
  if (err) spills.stderr = err;
  return {
    stdout: textOf(finished.stdout.text),
    stderr: textOf(finished.stderr.text),
    exit_code: finished.exitCode,
    ...(out || err ? { spills } : {}),
  };
}

/**
 * Runs a command without a shell. A nonzero exit code is an ordinary outcome that routes may test
 * (`when: exit_code != 0`), as in the original; when no route handles it (none matches, or the step
 * has no routes) the step fails, quoting the exit code and the end of stderr.
 */
export const executeScript: StepExecutor<ScriptStep> = async (
  ctx: StepContext<ScriptStep>,
): Promise<StepResult> => {
  const { step } = ctx;
  const agent_name = step.name;
  const started = ctx.clock();
  const elapsed = () => round(ctx.clock() - started);
  let captured: ReturnType<typeof streamFields> | undefined;
  ctx.emit('script_started', { agent_name, iteration: ctx.iteration });
  try {
    const render = (template: string, field: string) =>
      ctx.templates.renderTemplate(template, ctx.scope, templateAt(ctx, field));
    const command = (await render(step.command, 'command')).trim();
    const args: string[] = [];
    for (const [i, arg] of (step.args ?? []).entries()) args.push(await render(arg, `args[${i}]`));
    const extraEnv: Record<string, string> = {};
    for (const [key, value] of Object.entries(step.env ?? {}))
      extraEnv[key] = await render(String(value), `env.${key}`);
    const cwd = step.working_dir
      ? resolve(ctx.workflowDir, await render(step.working_dir, 'working_dir'))
      : ctx.workflowDir;
    const stdin = step.stdin === undefined ? undefined : await render(step.stdin, 'stdin');
    if (!command)
      throw new StepFailure(
        step.name,
        'ScriptError',
        `script step "${step.name}": the command rendered to an empty string`,
      );
    const dir = await stat(cwd).catch(() => undefined);
    if (!dir?.isDirectory()) {
      throw new StepFailure(
        step.name,
        'ScriptError',
        `script step "${step.name}": working_dir ${cwd} does not exist or is not a folder (relative paths resolve against the workflow file's folder)`,
      );
    }

    const finished = await run({
      step,
      command,
      args,
      cwd,
      env: { ...ctx.env, ...extraEnv },
      stdin,
      timeoutMs: step.timeout === undefined ? undefined : step.timeout * 1000,
      signal: ctx.signal,
      onSpawn: (child) => recordChildProcess(ctx, child, { kind: 'script', command }),
      outputs: ctx.outputs,
      name: { step: step.name, path: ctx.subworkflow.path },
    });
    captured = streamFields(finished);
    if (finished.aborted)
      throw new StepFailure(step.name, 'Interrupted', `script step "${step.name}" was stopped`);
    if (finished.timedOut) {
      throw new StepFailure(
        step.name,
        'ScriptTimeout',
        `script step "${step.name}" timed out after ${step.timeout}s and was killed: ${[command, ...args].join(' ')}. ` +
          'Raise its timeout: or make the command finish sooner.',
      );
    }

    // The output is what the completion event stands for (readers and resumes rebuild it the same way).
    const output = scriptOutputOf(captured) as Record<string, unknown>;
    if (step.output !== undefined) checkScriptOutput(step, finished, output);

    // As in the original, a step without routes ends the run at $end whatever its exit code; with routes,
    // a nonzero exit that none of them matches fails here, quoting stderr (the engine would say less).
    const routes = step.routes ?? [];
    if (finished.exitCode !== 0 && routes.length > 0 && !(await handlesExit(ctx, output))) {
      const why = `no route matched (${routes.map((r) => (r.when ? `when: ${r.when}` : `to: ${r.to}`)).join('; ')})`;
      throw new StepFailure(
        step.name,
        'ScriptFailed',
        `script step "${step.name}" exited with code ${finished.exitCode} and ${why}.${stderrTail(finished.stderr)}`,
        { details: { exit_code: finished.exitCode } },
      );
    }

    // stdout is stored once: the output is not repeated in the event (see scriptOutputOf).
    ctx.emit('script_completed', { agent_name, elapsed: elapsed(), ...captured });
    return { output };
  } catch (error) {
    const { errorType, message } = failureOf(error, ctx);
    ctx.emit('script_failed', {
      agent_name,
      elapsed: elapsed(),
      error_type: errorType,
      message,
      ...captured,
    });
    throw error instanceof StepFailure && error.errorType === errorType
      ? error
      : new StepFailure(step.name, errorType, message, { cause: error });
  }
};

/** A script with `output:` must print one JSON object whose merged output has the declared fields. */
function checkScriptOutput(step: ScriptStep, finished: Finished, output: Record<string, unknown>): void {
  const stdout = finished.stdout.text;
  let parsed: unknown;
  try {
    parsed = typeof stdout === 'string' ? JSON.parse(stdout) : undefined;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new StepFailure(
      step.name,
      'ScriptOutputError',
      `script step "${step.name}" declares output:, so its stdout must be one JSON object, but it printed ${JSON.stringify(textOf(stdout).slice(0, 200))}.${stderrTail(finished.stderr)}`,
    );
  }
  const mismatch = outputMismatch(output, step.output ?? {});
  if (mismatch !== null) {
    throw new StepFailure(
      step.name,
      'ScriptOutputError',
      `script step "${step.name}": its output does not match its output: schema: ${mismatch}`,
    );
  }
}

/** Whether a route takes care of this output; a condition that cannot be evaluated is left to the engine to report. */
async function handlesExit(ctx: StepContext<ScriptStep>, output: unknown): Promise<boolean> {
  if (!ctx.step.routes || ctx.step.routes.length === 0) return false;
  try {
    return (await ctx.previewRoute(output)) !== null;
  } catch {
    return true;
  }
}

/** The end of stderr for a failure message: its last lines, each cut to a readable length. */
function stderrTail(stderr: CapturedStream): string {
  const spill = spillOf(stderr.text);
  const lines = stderr.tail.trimEnd().split(/\r?\n/);
  if (lines.length === 1 && lines[0] === '') return ' It wrote nothing to stderr.';
  const tail = lines
    .slice(-STDERR_TAIL_LINES)
    .map((line) => (line.length > STDERR_LINE_CHARS ? `${line.slice(0, STDERR_LINE_CHARS)}…` : line));
  const cut = spill
    ? ` (its end; all ${spill.bytes} bytes are in ${spill.path})`
    : lines.length > tail.length
      ? ` (last ${tail.length} of ${lines.length} lines)`
      : '';
  return `\nstderr${cut}:\n${tail.join('\n')}`;
}

interface RunRequest {
  step: ScriptStep;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdin: string | undefined;
  timeoutMs: number | undefined;
  signal: AbortSignal;
  /** Called once the process exists, before it can exit. */
  onSpawn(child: ChildProcess): void;
  outputs: OutputStore;
  name: Omit<OutputName, 'field'>;
}

const EMPTY: CapturedStream = { text: '', tail: '' };

function run(request: RunRequest): Promise<Finished> {
  const { step, command, args, cwd } = request;
  return new Promise((resolvePromise, reject) => {
    if (request.signal.aborted) {
      resolvePromise({ exitCode: -1, stdout: EMPTY, stderr: EMPTY, timedOut: false, aborted: true });
      return;
    }
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd,
        env: request.env as NodeJS.ProcessEnv,
        // Its own process group, so a timeout or interrupt kills everything the script started.
        detached: process.platform !== 'win32',
        stdio: [request.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      reject(spawnFailure(step, command, cwd, error));
      return;
    }
    request.onSpawn(child);
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const kill = () => {
      if (killTimer || child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer =
      request.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            kill();
          }, request.timeoutMs);
    const onAbort = () => {
      aborted = true;
      kill();
    };
    request.signal.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      settled = true;
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      request.signal.removeEventListener('abort', onAbort);
    };

    // Each stream is read as fast as its head is kept or its spill file written, no faster: a script
    // printing gigabytes waits on its pipe instead of filling this process's memory.
    let storeError: unknown = null;
    const capture = (stream: Readable | null, field: string): Promise<CapturedStream> =>
      stream
        ? request.outputs.captureStream(stream, { ...request.name, field }).catch((error: unknown) => {
            storeError ??= error;
            if (!settled) kill();
            stream.resume();
            return EMPTY;
          })
        : Promise.resolve(EMPTY);
    const captures = Promise.all([capture(child.stdout, 'stdout'), capture(child.stderr, 'stderr')]);

    child.on('error', (error) => {
      if (settled) return;
      cleanup();
      reject(spawnFailure(step, command, cwd, error));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      cleanup();
      const exitCode = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
      void captures.then(([stdout, stderr]) => {
        if (storeError) {
          reject(
            new StepFailure(
              step.name,
              'ScriptError',
              `script step "${step.name}": its output could not be stored in ${request.outputs.dir}: ` +
                `${(storeError as Error).message}. Free disk space there, or raise the output cap.`,
              { cause: storeError },
            ),
          );
          return;
        }
        resolvePromise({ exitCode, stdout, stderr, timedOut, aborted });
      });
    });

    if (request.stdin !== undefined && child.stdin) {
      // A script that exits without reading its stdin closes the pipe: that is not an error.
      child.stdin.on('error', () => {});
      child.stdin.end(request.stdin, 'utf8');
    }
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (process.platform !== 'win32' && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

function spawnFailure(step: ScriptStep, command: string, cwd: string, error: unknown): StepFailure {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new StepFailure(
      step.name,
      'ScriptNotFound',
      `script step "${step.name}": command not found: "${command}" (working_dir ${cwd}). ` +
        'Install it or put it on PATH, or give its path; commands run without a shell, so write "bash" with args ["-c", "..."] for shell syntax.',
      { cause: error },
    );
  }
  if (code === 'EACCES') {
    return new StepFailure(
      step.name,
      'ScriptError',
      `script step "${step.name}": "${command}" is not executable (chmod +x it)`,
      {
        cause: error,
      },
    );
  }
  return new StepFailure(
    step.name,
    'ScriptError',
    `script step "${step.name}" could not start "${command}": ${(error as Error).message}`,
    {
      cause: error,
    },
  );
}
