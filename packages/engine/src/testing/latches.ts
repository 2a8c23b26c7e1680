// Test helper (not exported): a step type whose runs end when the test says so, to drive concurrency
// deterministically, without timing.
import type { ConductorEvent, EventBus } from '@conductor/events';
import { defaultStepExecutors } from '../run/default-executors.js';
import type { StepExecutor, StepExecutors } from '../steps/types.js';

interface Pending {
  resolve(output: unknown): void;
  reject(error: Error): void;
}

/**
 * `latch` steps wait until `release(key)` or `fail(key)`; `key` is the step's `_key` (a for-each item)
 * or its name. `inFlight` and `maxInFlight` count the runs between start and end.
 */
export function createLatches() {
  const pending = new Map<string, Pending>();
  const started: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const latch: StepExecutor = (ctx) => {
    const key = String(ctx.scope._key ?? ctx.step.name);
    started.push(key);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise((resolve, reject) => {
      const done = () => {
        inFlight--;
        pending.delete(key);
        ctx.signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(new Error(`latch ${key} aborted`));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      pending.set(key, {
        resolve: (output) => {
          done();
          resolve({ output });
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
    });
  };

  return {
    executors: { ...defaultStepExecutors(), latch } as StepExecutors,
    started,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    /** Keys of the latches waiting now: poll it (`expect.poll(latches.waiting, WAIT)`) to wait for a start. */
    waiting: () => [...pending.keys()],
    release(key: string, output: unknown = `done ${key}`) {
      const entry = pending.get(key);
      if (!entry) throw new Error(`latch ${key} is not waiting (waiting: ${[...pending.keys()].join(', ')})`);
      entry.resolve(output);
    },
    fail(key: string, message = `latch ${key} failed`) {
      const entry = pending.get(key);
      if (!entry) throw new Error(`latch ${key} is not waiting`);
      entry.reject(Object.assign(new Error(message), { errorType: 'LatchError' }));
    },
  };
}

/** Collects a bus's events from now on. */
export function recordEvents(bus: EventBus): ConductorEvent[] {
  const events: ConductorEvent[] = [];
  bus.subscribe((event) => events.push(event));
  return events;
}
