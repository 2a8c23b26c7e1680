import { type ChildProcess, spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { resolve } from 'node:path';
import type { ScriptStep } from '../workflow/types.js';
import { failureOf, round, templateAt } from './common.js';
import { StepFailure } from './errors.js';
import { isPlainObject } from './output-schema.js';
import type { StepContext, StepExecutor, StepResult } from './types.js';

/** How long a process group gets between SIGTERM and SIGKILL when a script is stopped. */
const KILL_GRACE_MS = 2000;
/** Lines of stderr quoted when a script's exit code fails the step. */
const STDERR_TAIL_LINES = 20;

interface Finished {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
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
  let captured: Pick<Finished, 'stdout' | 'stderr' | 'exitCode'> | undefined;
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
    });
    captured = finished;
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

    const output: Record<string, unknown> = {
      stdout: finished.stdout,
      stderr: finished.stderr,
      exit_code: finished.exitCode,
    };
    const parsed = parseJsonObject(finished.stdout);
    if (parsed) Object.assign(output, parsed);

    if (finished.exitCode !== 0 && !(await handlesExit(ctx, output))) {
      const routes = step.routes ?? [];
      const why =
        routes.length === 0
          ? 'the step has no routes, so a failing exit code fails it (add a route such as "when: exit_code != 0" to handle it)'
          : `no route matched (${routes.map((r) => (r.when ? `when: ${r.when}` : `to: ${r.to}`)).join('; ')})`;
      throw new StepFailure(
        step.name,
        'ScriptFailed',
        `script step "${step.name}" exited with code ${finished.exitCode} and ${why}.${stderrTail(finished.stderr)}`,
        { details: { exit_code: finished.exitCode } },
      );
    }

    ctx.emit('script_completed', {
      agent_name,
      elapsed: elapsed(),
      stdout: finished.stdout,
      stderr: finished.stderr,
      exit_code: finished.exitCode,
      output,
    });
    return { output };
  } catch (error) {
    const { errorType, message } = failureOf(error, ctx);
    ctx.emit('script_failed', {
      agent_name,
      elapsed: elapsed(),
      error_type: errorType,
      message,
      ...(captured ? { stdout: captured.stdout, stderr: captured.stderr, exit_code: captured.exitCode } : {}),
    });
    throw error instanceof StepFailure && error.errorType === errorType
      ? error
      : new StepFailure(step.name, errorType, message, { cause: error });
  }
};

/** Whether a route takes care of this output; a condition that cannot be evaluated is left to the engine to report. */
async function handlesExit(ctx: StepContext<ScriptStep>, output: unknown): Promise<boolean> {
  if (!ctx.step.routes || ctx.step.routes.length === 0) return false;
  try {
    return (await ctx.previewRoute(output)) !== null;
  } catch {
    return true;
  }
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function stderrTail(stderr: string): string {
  const lines = stderr.trimEnd().split(/\r?\n/);
  if (lines.length === 1 && lines[0] === '') return ' It wrote nothing to stderr.';
  const tail = lines.slice(-STDERR_TAIL_LINES);
  const cut = lines.length > tail.length ? ` (last ${tail.length} of ${lines.length} lines)` : '';
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
}

function run(request: RunRequest): Promise<Finished> {
  const { step, command, args, cwd } = request;
  return new Promise((resolvePromise, reject) => {
    if (request.signal.aborted) {
      resolvePromise({ exitCode: -1, stdout: '', stderr: '', timedOut: false, aborted: true });
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
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
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

    child.on('error', (error) => {
      if (settled) return;
      cleanup();
      reject(spawnFailure(step, command, cwd, error));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      cleanup();
      const exitCode = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
      resolvePromise({
        exitCode,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
        aborted,
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
