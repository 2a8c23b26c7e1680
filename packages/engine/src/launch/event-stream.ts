import { readEventLog } from '@conductor/event-log';
import {
  type ConductorEvent,
  type EventBus,
  type EventStream,
  type EventSubscribable,
  streamEvents,
} from '@conductor/events';
import type { ReplaySource } from '../durable/recorder.js';

export interface RunEventStream extends AsyncIterable<ConductorEvent> {
  /** Ends iteration once the buffered events are read; with an error, the iterator throws it at the end. */
  end(error?: unknown): void;
}

/**
 * Every event the bus delivers from now until `end()`, lossless, for one reader. It subscribes at
 * once, so events emitted before the reader starts are not missed; it ends on its own (not when the
 * bus closes), so a bus shared with a resume or a dashboard can outlive the run.
 *
 * Until somebody starts reading, events that are in the run's log are not kept in memory: a run that
 * is only awaited (most are) would otherwise hold every event it emitted, thousands of objects per
 * second of a loop, until it ends. A reader who starts late reads those events back from the log
 * (`replay` says where, or null when the run keeps none or its log failed: then events are kept),
 * then goes on with the live ones, without a gap or a repeat.
 */
export function createRunEventStream(
  bus: EventBus,
  replay: () => ReplaySource | null = () => null,
): RunEventStream {
  let iterating = false;
  // Once an event had to be kept (no log to read it back from), every later one is kept too.
  let keeping = false;
  let gap: { from: number; to: number; source: ReplaySource } | null = null;
  const source: EventSubscribable = {
    subscribe(listener) {
      return bus.subscribe((event) => {
        if (!iterating && !keeping) {
          const log = replay();
          if (log !== null && (gap === null || gap.source === log)) {
            if (gap === null) gap = { from: event.seq, to: event.seq, source: log };
            else gap.to = event.seq;
            return;
          }
          keeping = true;
        }
        listener(event);
      });
    },
  };
  const stream: EventStream = streamEvents(source);
  return {
    [Symbol.asyncIterator]() {
      if (iterating) {
        throw new Error(
          'run.events can be read by one loop only; subscribe more readers with run.bus.events() before the run starts',
        );
      }
      iterating = true;
      const skipped = gap;
      return skipped === null ? stream : withHistory(skipped, stream);
    },
    end: (error?: unknown) => stream.end(error),
  };
}

/** The events `from`..`to` read back from the log, then the live stream. */
async function* withHistory(
  gap: { from: number; to: number; source: ReplaySource },
  live: EventStream,
): AsyncGenerator<ConductorEvent> {
  try {
    gap.source.flush();
    let next = gap.from;
    for await (const event of readEventLog(gap.source.path, { afterSeq: gap.from - 1 })) {
      if (event.seq > gap.to) break;
      if (event.seq !== next) break;
      next = event.seq + 1;
      yield event;
    }
    if (next !== gap.to + 1) {
      throw new Error(
        `run.events: events ${next}..${gap.to} were emitted before reading started and could not be read back from ${gap.source.path} (was it changed or removed meanwhile?). Start reading run.events before awaiting anything else.`,
      );
    }
    yield* live;
  } finally {
    await live.return?.();
  }
}
