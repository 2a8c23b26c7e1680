import { type ConductorEvent, type EventBus, type EventStream, streamEvents } from '@conductor/events';

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
  const stream: EventStream = streamEvents(bus);
  let iterating = false;
  return {
    [Symbol.asyncIterator]() {
      if (iterating) {
        throw new Error(
          'run.events can be read by one loop only; subscribe more readers with run.bus.events() before the run starts',
        );
      }
      iterating = true;
      return stream;
    },
    end: (error?: unknown) => stream.end(error),
  };
}
