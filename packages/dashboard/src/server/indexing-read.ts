import { readEventLog, type SeqIndex } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';

/** The seq index's build, as a store runs it. */
export interface IndexBuild {
  /** Starts the build (it becomes the store's index), handing the events it reads to `onEvents`. */
  start(onEvents: (events: ConductorEvent[]) => void | Promise<void>): Promise<SeqIndex | null>;
  /** Whether someone else waits for the build now: then it goes on when the reader stops. */
  wanted(): boolean;
  /** The reader gives the build up: the next caller that needs an index starts a new one. */
  forget(build: Promise<SeqIndex | null>): void;
}

/** Why a build given up by its reader stopped. */
class ReadingStopped extends Error {}

const done = (): IteratorReturnResult<undefined> => ({ done: true, value: undefined });

/**
 * The whole log (from seq 0), read by the build of its seq index, a chunk at a time (the build waits
 * for each chunk to be taken), then whatever a reader finds after the last whole line the build read
 * (a last line without its '\n' yet, lines appended meanwhile): exactly what a reader from the start
 * yields, in one pass over the file instead of two (one to fold, one to index). A reader that stops
 * early gives the build up, closing the file, unless someone else waits for the index.
 */
export function readWhileIndexing(path: string, index: IndexBuild): AsyncIterator<ConductorEvent> {
  let batch: ConductorEvent[] = [];
  let next = 0;
  let lastSeq = 0;
  // While a batch is handed out the build waits on `taken`; a next() with nothing to hand out waits
  // on `arrived`.
  let taken: { resolve(): void; reject(error: unknown): void } | null = null;
  let arrived: (() => void) | null = null;
  let building = true;
  let stopped = false;
  let givenUp = false;
  let rest: AsyncIterator<ConductorEvent> | null = null;

  const build = index.start((events) => {
    if (givenUp) throw new ReadingStopped();
    if (stopped) return;
    batch = events;
    next = 0;
    arrived?.();
    return new Promise<void>((resolve, reject) => {
      taken = { resolve, reject };
    });
  });
  const finished = build.then(
    () => {
      building = false;
      arrived?.();
    },
    () => {
      building = false;
      arrived?.();
    },
  );

  const take = (): IteratorYieldResult<ConductorEvent> => {
    const event = batch[next++] as ConductorEvent;
    lastSeq = event.seq;
    return { done: false, value: event };
  };

  async function pull(): Promise<IteratorResult<ConductorEvent, undefined>> {
    for (;;) {
      if (stopped) return done();
      if (next < batch.length) return take();
      const waiting = taken;
      taken = null;
      waiting?.resolve();
      if (!building) break;
      await new Promise<void>((resolve) => {
        arrived = resolve;
      });
      arrived = null;
    }
    const seqIndex = await build;
    if (!seqIndex || stopped) return done();
    rest ??= readEventLog(path, { afterSeq: lastSeq, index: seqIndex })[Symbol.asyncIterator]();
    return rest.next();
  }

  return {
    next() {
      // A value already read costs one resolved promise, not an async function's.
      if (!stopped && next < batch.length) return Promise.resolve(take());
      return pull();
    },
    async return() {
      if (!stopped) {
        stopped = true;
        const waiting = taken;
        taken = null;
        if (building && !index.wanted()) {
          // Nobody else needs this build: stop it, so that the file is closed now.
          givenUp = true;
          index.forget(build);
          waiting?.reject(new ReadingStopped());
          await finished;
        } else {
          waiting?.resolve();
        }
        await rest?.return?.();
      }
      return done();
    },
  };
}
