/**
 * How a run renders its templates: within a budget, and without making the run deaf while a render goes on.
 *
 * A render runs on the main thread first, for at most a short slice: almost every template ends within it,
 * at no cost beyond counting. One that does not is run again (templates are pure) in a worker thread for the
 * rest of its budget, awaited, so the main thread is free meanwhile: Ctrl-C, SIGTERM and the run's timeout
 * abort the run's signal, the worker is terminated, and the run ends with a checkpoint as after any failure.
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_RENDER_BUDGET,
  type RenderBudget,
  RenderBudgetError,
  type RenderLimits,
  RenderMeter,
  RenderSliceExpired,
  renderLimits,
  renderTimeError,
} from './budget.js';
import { TemplateError, type TemplateLocation } from './errors.js';
import { BAIL, fastOperation } from './fast.js';
import { locate, performOperation, type TemplateOperation, type TemplateWhere } from './operations.js';
import { errorFromWire, type RenderJob, type WorkerReply } from './render-job.js';

export interface TemplateRendererOptions {
  /** Bounds on each render; default {@link DEFAULT_RENDER_BUDGET}. */
  budget?: Partial<RenderBudget> | undefined;
  /** Aborting it ends a render running in a worker at once (CONDUCTOR_TEMPLATE_STOPPED). */
  signal?: AbortSignal | undefined;
  /** The run's `limits.timeout_seconds` and the seconds it has left: no render outlasts the run. */
  runTimeout?: { timeoutSeconds: number; secondsLeft(): number } | undefined;
  /** How long a render may hold the main thread (and so delay Ctrl-C) before it moves to a worker. Default 0.2. */
  sliceSeconds?: number | undefined;
}

/**
 * A result at once when the render ended within its main-thread slice (nearly always), else a promise.
 * `await` takes both; a caller that must not yield when it need not (a set step, whose start and end
 * events stay together among its group's siblings) tests for the promise.
 */
export type Rendered<T> = T | Promise<T>;

/** The template functions of index.ts, bounded by a budget and by the run's signal. */
export interface TemplateRenderer {
  renderTemplate(source: string, scope: Record<string, unknown>, where?: TemplateWhere): Rendered<string>;
  evaluateExpression(expr: string, scope: Record<string, unknown>, where?: TemplateWhere): Rendered<unknown>;
  evaluateValue(value: unknown, scope: Record<string, unknown>, where?: TemplateWhere): Rendered<unknown>;
  evaluateCondition(expr: string, scope: Record<string, unknown>, where?: TemplateWhere): Rendered<boolean>;
}

const DEFAULT_SLICE_SECONDS = 0.2;
/** How long past its deadline a worker may take to answer (one slow operation, e.g. sorting a huge list). */
const GRACE_MS = 1000;
/** A worker's heap: a render that needs more is past any sensible budget. */
const WORKER_HEAP_MB = 1024;

export function createTemplateRenderer(options: TemplateRendererOptions = {}): TemplateRenderer {
  const sliceMs = (options.sliceSeconds ?? DEFAULT_SLICE_SECONDS) * 1000;
  const budget: RenderBudget = { ...DEFAULT_RENDER_BUDGET, ...options.budget };
  const perform = (
    operation: TemplateOperation,
    scope: Record<string, unknown>,
    whereGiven: TemplateWhere | undefined,
  ): Rendered<unknown> => {
    const fast = fastOperation(operation, scope);
    if (fast !== BAIL) return fast;
    const where = locate(whereGiven);
    const now = Date.now();
    const run = options.runTimeout;
    const limits = renderLimits(
      budget,
      now,
      run && { timeoutSeconds: run.timeoutSeconds, secondsLeft: run.secondsLeft() },
    );
    if (limits.deadline - now > sliceMs) limits.sliceEnd = now + sliceMs;
    try {
      return performOperation(operation, scope, where, new RenderMeter(limits, where));
    } catch (error) {
      if (!(error instanceof RenderSliceExpired)) throw error;
    }
    return renderInWorker(
      { operation, scope, where, limits: { ...limits, sliceEnd: undefined } },
      options.signal,
    );
  };
  return {
    renderTemplate: (source, scope, where) =>
      perform({ kind: 'render', source }, scope, where) as Rendered<string>,
    evaluateExpression: (source, scope, where) => perform({ kind: 'expression', source }, scope, where),
    evaluateValue: (value, scope, where) => perform({ kind: 'value', value }, scope, where),
    evaluateCondition: (source, scope, where) =>
      perform({ kind: 'condition', source }, scope, where) as Rendered<boolean>,
  };
}

/** The error of a render ended because the run stopped (interrupt or timeout). */
function stoppedError(where: TemplateLocation | undefined): TemplateError {
  return new TemplateError(
    'CONDUCTOR_TEMPLATE_STOPPED',
    'the run was stopped while the template was rendering',
    {
      location: where,
    },
  );
}

function renderInWorker(job: RenderJob, signal: AbortSignal | undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(stoppedError(job.where));
      return;
    }
    const worker = startWorker(job);
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      settle();
    };
    const onAbort = () => finish(() => reject(stoppedError(job.where)));
    signal?.addEventListener('abort', onAbort, { once: true });
    // The worker checks its own deadline; this ends one stuck in a single long operation.
    const timer = setTimeout(
      () => finish(() => reject(renderTimeError(job.limits, job.where))),
      Math.max(0, job.limits.deadline - Date.now()) + GRACE_MS,
    );
    worker.once('message', (reply: WorkerReply) =>
      finish(() => (reply.ok ? resolve(reply.value) : reject(errorFromWire(reply.error, job.where)))),
    );
    worker.once('error', (error: Error & { code?: string }) =>
      finish(() => reject(workerError(error, job.limits, job.where))),
    );
    worker.once('exit', (code) =>
      finish(() =>
        reject(
          new TemplateError(
            'CONDUCTOR_TEMPLATE_EVAL',
            `the render worker exited (code ${code}) without a result`,
            {
              location: job.where,
            },
          ),
        ),
      ),
    );
  });
}

function startWorker(job: RenderJob): Worker {
  const options = { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } };
  try {
    return new Worker(workerFile(), { ...options, workerData: job });
  } catch (error) {
    if ((error as Error).name !== 'DataCloneError') throw error;
    // A scope given by a program may hold what cannot be copied (functions); templates never see those.
    const scope = JSON.parse(JSON.stringify(job.scope)) as Record<string, unknown>;
    return new Worker(workerFile(), { ...options, workerData: { ...job, scope } });
  }
}

function workerError(
  error: Error & { code?: string },
  limits: RenderLimits,
  where: TemplateLocation | undefined,
): TemplateError {
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new RenderBudgetError(`the template needed more than ${WORKER_HEAP_MB} MB of memory`, {
      location: where,
      hint: `a loop or a string operation builds too much: make it smaller (limit: ${limits.maxChars} characters, ${limits.maxItems} items)`,
    });
  }
  return new TemplateError('CONDUCTOR_TEMPLATE_EVAL', `cannot evaluate template: ${error.message}`, {
    location: where,
    cause: error,
  });
}

/**
 * The worker's file, built beside the engine's bundle. Run from source (the engine's own tests), this
 * module has no built sibling: the package's built worker is used.
 */
function workerFile(): URL {
  const beside = new URL('./render-worker.js', import.meta.url);
  return existsSync(beside) ? beside : new URL('../../dist/render-worker.js', import.meta.url);
}
