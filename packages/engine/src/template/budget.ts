/**
 * The render budget: how long one template render may run and how much it may build. The interpreter
 * ticks a {@link RenderMeter} at every node it evaluates and hands it every string and list it builds,
 * so a loop over `range(n)` with `n` from an input ends with an error naming the template instead of
 * blocking the process (or filling its memory) for minutes.
 */
import { TemplateError, type TemplateLocation } from './errors.js';

/** Bounds on one render (one template field: a prompt, an argument, a route condition...). */
export interface RenderBudget {
  /** Most seconds a render may take; a run's `limits.timeout_seconds` lowers it to the time the run has left. */
  seconds: number;
  /** Most characters a render may print, counted over all its `{{ }}`, and the longest string it may build. */
  maxChars: number;
  /** The longest list a render may build (`range()`, `+`, filters). Lists read from the scope do not count. */
  maxItems: number;
}

export const DEFAULT_RENDER_BUDGET: Readonly<RenderBudget> = Object.freeze({
  seconds: 10,
  maxChars: 32 * 1024 * 1024,
  maxItems: 1_000_000,
});

/** The budget of one render, fixed when it starts. Plain data: it travels to a render worker. */
export interface RenderLimits {
  /** Epoch milliseconds by which the render must end. */
  deadline: number;
  /** The render budget's seconds, or, when the time the run had left set the deadline, its `limits.timeout_seconds`. */
  seconds: number;
  /** Whether the run's `limits.timeout_seconds` set the deadline. */
  runTimeout: boolean;
  maxChars: number;
  maxItems: number;
  /** Epoch milliseconds when a render on the main thread gives way to a worker (see renderer.ts). */
  sliceEnd?: number | undefined;
}

/**
 * The limits of a render starting `now` (epoch ms) under `budget` (complete: defaults applied), and the
 * run's timeout when it has one.
 */
export function renderLimits(
  budget: Readonly<RenderBudget>,
  now: number,
  run?: { secondsLeft: number; timeoutSeconds: number },
): RenderLimits {
  const runTimeout = run !== undefined && run.secondsLeft < budget.seconds;
  return {
    deadline: now + Math.max(0, runTimeout ? run.secondsLeft : budget.seconds) * 1000,
    seconds: runTimeout ? run.timeoutSeconds : budget.seconds,
    runTimeout,
    maxChars: budget.maxChars,
    maxItems: budget.maxItems,
  };
}

/**
 * A render's time ran out or it built too much. `errorType` is what the run reports: `TimeoutError`
 * when the run's `limits.timeout_seconds` ran out, else `TemplateError`.
 */
export class RenderBudgetError extends TemplateError {
  override name = 'RenderBudgetError';
  readonly errorType: 'TimeoutError' | 'TemplateError';
  constructor(
    detail: string,
    options: { location?: TemplateLocation | undefined; hint?: string; errorType?: 'TimeoutError' },
  ) {
    super('CONDUCTOR_TEMPLATE_BUDGET', detail, { location: options.location, hint: options.hint });
    this.errorType = options.errorType ?? 'TemplateError';
  }
}

/** A render's main-thread slice ran out (not an error: the renderer runs the template again in a worker). */
export class RenderSliceExpired extends Error {
  override name = 'RenderSliceExpired';
}

const number = (n: number) => n.toLocaleString('en-US');
const LOOP_HINT = 'a loop over a large range or list is the usual cause: make it smaller';

/** The error for a render still running at `limits.deadline`. */
export function renderTimeError(
  limits: RenderLimits,
  location: TemplateLocation | undefined,
): RenderBudgetError {
  if (limits.runTimeout) {
    return new RenderBudgetError(
      `the run's timeout (limits.timeout_seconds: ${limits.seconds}) ran out while the template was rendering`,
      { location, hint: `${LOOP_HINT}, or raise limits.timeout_seconds`, errorType: 'TimeoutError' },
    );
  }
  return new RenderBudgetError(`the template ran past its render budget of ${limits.seconds} s`, {
    location,
    hint: `${LOOP_HINT} (programs can raise renderBudget.seconds of runWorkflow)`,
  });
}

/** Ops between two looks at the clock: a node takes about a microsecond, so the clock is read every ~0.1 ms. */
const CHECK_EVERY = 128;

/** Counts one render's work against its {@link RenderLimits}; throws when they are passed. */
export class RenderMeter {
  private ops = 0;
  private printed = 0;
  private readonly stopAt: number;

  constructor(
    readonly limits: RenderLimits,
    private readonly location: TemplateLocation | undefined,
  ) {
    this.stopAt = Math.min(limits.deadline, limits.sliceEnd ?? Number.POSITIVE_INFINITY);
  }

  /** One node evaluated. */
  tick(): void {
    if (++this.ops % CHECK_EVERY !== 0) return;
    const now = Date.now();
    if (now < this.stopAt) return;
    if (now < this.limits.deadline) throw new RenderSliceExpired('render slice used up');
    throw renderTimeError(this.limits, this.location);
  }

  /** `length` more characters printed by a `{{ }}`. */
  print(length: number): void {
    this.printed += length;
    if (this.printed > this.limits.maxChars) {
      throw this.sizeError(
        `the template printed more than its render budget of ${number(this.limits.maxChars)} characters`,
      );
    }
  }

  /** A string or list the render built (not one it read from the scope). */
  built(value: { type: string; value: unknown }): void {
    if (value.type === 'StringValue') {
      const length = (value.value as string).length;
      if (length > this.limits.maxChars)
        throw this.sizeError(
          `the template built a string of ${number(length)} characters, more than the render budget of ${number(this.limits.maxChars)}`,
        );
    } else if (value.type === 'ArrayValue')
      this.items((value.value as unknown[]).length, 'the template built');
  }

  /** A list of `count` items about to be built by `what` (`range(1000000000) would build`). */
  items(count: number, what: string): void {
    if (count > this.limits.maxItems) {
      throw this.sizeError(
        `${what} a list of ${number(count)} items, more than the render budget of ${number(this.limits.maxItems)}`,
      );
    }
  }

  /** A string longer than the engine can hold (V8's RangeError), reported as the budget it passed. */
  tooLong(): RenderBudgetError {
    return this.sizeError('the template built a string longer than the engine can hold');
  }

  private sizeError(detail: string): RenderBudgetError {
    return new RenderBudgetError(detail, {
      location: this.location,
      hint: 'a loop or a string operation produces too much: make it smaller (programs can raise renderBudget.maxChars and maxItems of runWorkflow)',
    });
  }
}
