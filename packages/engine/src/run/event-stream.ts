import type { ConductorEvent, EventBus } from '@conductor/events';

export interface RunEventStream extends AsyncIterable<ConductorEvent> {
  /** Ends iteration once the buffered events are read; with an error, the iterator throws it at the end. */
  end(error?: unknown): void;
}

/**
 * Every event the bus delivers from now until `end()`, buffered without loss, for one reader. It
 * subscribes at once, so events emitted before the reader starts are kept; it ends on its own (not
 * when the bus closes), so a bus shared with a resume or a dashboard can outlive the run.
 */
export function createRunEventStream(bus: EventBus): RunEventStream {
  const queue: ConductorEvent[] = [];
  let head = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let iterating = false;
  const unsubscribe = bus.subscribe((event) => {
    queue.push(event);
    wake?.();
  });

  const iterator: AsyncIterator<ConductorEvent> = {
    async next() {
      for (;;) {
        if (head < queue.length) {
          const value = queue[head++] as ConductorEvent;
          if (head > 1024 && head * 2 > queue.length) {
            queue.splice(0, head);
            head = 0;
          }
          return { value, done: false };
        }
        if (ended) {
          if (failure) {
            const { error } = failure;
            failure = undefined;
            throw error;
          }
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
    async return() {
      // The reader left: stop buffering for it.
      ended = true;
      failure = undefined;
      queue.length = 0;
      head = 0;
      unsubscribe();
      return { value: undefined, done: true };
    },
  };

  return {
    [Symbol.asyncIterator]() {
      if (iterating) {
        throw new Error(
          'run.events can be read by one loop only; subscribe more readers with run.bus.events() before the run starts',
        );
      }
      iterating = true;
      return iterator;
    },
    end(error?: unknown) {
      if (ended) return;
      ended = true;
      if (error !== undefined) failure = { error };
      unsubscribe();
      wake?.();
    },
  };
}
