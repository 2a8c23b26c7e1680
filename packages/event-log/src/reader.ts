import type { ConductorEvent } from '@conductor/events';
import { type ScanSink, type SkippedLine, START, scanAll, scanChunks } from './lines.js';
import { type SeqIndex, startFor } from './seq-index.js';

export interface ReadEventLogOptions {
  /** Yield only events with `seq > afterSeq`. Default 0 (everything). */
  afterSeq?: number;
  /** Called for every line left out (not JSON, not an event envelope, seq not increasing or an outlier). */
  onSkip?: (skip: SkippedLine) => void;
  /** Seek close to `afterSeq` instead of reading from the start. Brought up to date first. */
  index?: SeqIndex;
}

/** The events of a log file, read lazily; iterate it (again) with `for await`. */
export interface EventLogReader extends AsyncIterable<ConductorEvent> {
  readonly path: string;
  /**
   * Lines left out by the latest iteration so far: not JSON, not an envelope, a seq that does not
   * increase or that jumps ahead of the next line's. Blank lines are not counted. A final line still
   * being written counts as skipped.
   */
  readonly skipped: number;
}

/**
 * Streams the events of a JSONL log, tolerating damage: bad lines are skipped and counted, never
 * thrown, and a bad line costs only itself (the rules are `scanChunks`'s). Lines without `seq` (the original conductor's logs) are numbered by their order. Each
 * iteration reads the file afresh; breaking out of the loop closes it.
 */
export function readEventLog(path: string, options: ReadEventLogOptions = {}): EventLogReader {
  const afterSeq = options.afterSeq ?? 0;
  const onSkip = options.onSkip;
  let skipped = 0;
  return {
    path,
    get skipped() {
      return skipped;
    },
    [Symbol.asyncIterator]() {
      // What the file holds, in order: events after afterSeq and skipped lines, a chunk at a time.
      const items: Array<ConductorEvent | Skip> = [];
      let next = 0;
      const sink: ScanSink = {
        event(event) {
          if (event.seq > afterSeq) items.push(event);
          return false;
        },
        skip(skip) {
          items.push(new Skip(skip));
          return false;
        },
      };
      async function* chunks(): AsyncGenerator<void, void, undefined> {
        skipped = 0;
        const start = options.index ? await startFor(path, options.index, afterSeq) : START;
        yield* scanChunks(path, start, false, sink);
      }
      return new BatchIterator(chunks(), () => {
        // Synchronous: the events of a chunk read are handed out without an async hop each.
        while (next < items.length) {
          const item = items[next++] as ConductorEvent | Skip;
          if (!(item instanceof Skip)) return item;
          skipped += 1;
          onSkip?.(item.skip);
        }
        items.length = 0;
        next = 0;
        return undefined;
      });
    },
  };
}

/** A skipped line among the events of a chunk, so that `onSkip` is called in file order. */
class Skip {
  constructor(readonly skip: SkippedLine) {}
}

const done = (): IteratorReturnResult<undefined> => ({ done: true, value: undefined });

/**
 * An async iterator over values produced a batch at a time: `take()` hands out what the latest batch
 * holds (undefined once it is used up) and `batches` produces the next one. A value already read costs
 * one resolved promise, not an async generator's resumption. `return()` (a `for await` loop left
 * early) or an error ends `batches`, which releases what it holds (closes its file).
 */
class BatchIterator<T> implements AsyncIterator<T, undefined> {
  private finished = false;
  /** A batch being produced: later calls wait for it, as an async generator's would. */
  private filling: Promise<IteratorResult<T, undefined>> | null = null;
  private readonly again = () => this.next();

  constructor(
    private readonly batches: AsyncGenerator<void, void, undefined>,
    private readonly take: () => T | undefined,
  ) {}

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.filling) return this.filling.then(this.again, this.again);
    if (this.finished) return Promise.resolve(done());
    let value: T | undefined;
    try {
      value = this.take();
    } catch (error) {
      return this.fail(error);
    }
    if (value !== undefined) return Promise.resolve({ done: false, value });
    this.filling = this.fill().finally(() => {
      this.filling = null;
    });
    return this.filling;
  }

  private async fill(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      let result: IteratorResult<void, void>;
      try {
        result = await this.batches.next();
      } catch (error) {
        this.finished = true;
        throw error;
      }
      let value: T | undefined;
      try {
        value = this.take();
      } catch (error) {
        return this.fail(error);
      }
      if (value !== undefined) return { done: false, value };
      if (result.done) {
        this.finished = true;
        return done();
      }
    }
  }

  private async fail(error: unknown): Promise<never> {
    this.finished = true;
    await this.batches.return(undefined);
    throw error;
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    this.finished = true;
    await this.batches.return(undefined);
    return done();
  }

  async throw(error?: unknown): Promise<IteratorResult<T, undefined>> {
    return this.fail(error);
  }

  /** Iterable itself, as an async generator is. */
  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * The seq of the last event the reader yields from a log (0 if none): the seq a new event must
 * exceed. Read forwards, through `scanChunks` like every reader, because whether a line counts depends
 * on the lines before it (a last line whose seq went backwards does not) and reading backwards cannot
 * know them.
 */
export async function lastSeqOf(path: string): Promise<number> {
  let last = 0;
  await scanAll(path, START, false, {
    event(event) {
      last = event.seq;
      return false;
    },
    skip: () => false,
  });
  return last;
}
