/**
 * What gates and dialogs share: a question waits for its first acceptable answer, from whichever
 * answerer gives it (a resolver, the API, a skip); the others are told to stop through the signal they
 * were asked with, and a stopped run rejects the wait.
 */

/** The answerers a question is opened to, once `onOpen` has run. */
export interface Answerers<Answer, Source> {
  /** Offers an answer: true when it settled the question (false: already settled, or not acceptable). */
  settle(answer: Answer, source: Source): boolean;
  /** Ends the wait with `error`, unless it is settled already. */
  fail(error: Error): void;
  /** Aborted once the question is settled or the run stops: what a resolver is asked with. */
  signal: AbortSignal;
}

interface Entry<Info, Answer, Source> {
  info: Info;
  settle(answer: Answer, source: Source): boolean;
}

export interface WaitingRoom<Info, Answer, Source, Result> {
  /**
   * Waits for the question `info`: registers it, runs `onOpen`, then `open` (e.g. asks a resolver).
   * Rejects when `signal` aborts, or `onOpen` throws.
   */
  wait(
    info: Info,
    signal: AbortSignal,
    onOpen: () => void,
    open: (answerers: Answerers<Answer, Source>) => void,
  ): Promise<Result>;
  /** Answers the question waiting at `step` (its `key` first, else its step name). */
  answer(step: string, answer: Answer, source: Source): boolean;
  /** Copies of the questions waiting now. */
  pending(): Info[];
}

/** `accept` turns an answer into the wait's result, or refuses it with null. */
export function createWaitingRoom<Info extends { key: string; step: string }, Answer, Source, Result>(
  accept: (info: Info, answer: Answer, source: Source) => Result | null,
): WaitingRoom<Info, Answer, Source, Result> {
  const waiting = new Map<symbol, Entry<Info, Answer, Source>>();
  const find = (step: string): Entry<Info, Answer, Source> | undefined => {
    for (const entry of waiting.values()) if (entry.info.key === step) return entry;
    for (const entry of waiting.values()) if (entry.info.step === step) return entry;
    return undefined;
  };

  return {
    wait(info, signal, onOpen, open) {
      const id = Symbol(info.key);
      const controller = new AbortController();
      return new Promise<Result>((resolve, reject) => {
        let settled = false;
        const finish = () => {
          settled = true;
          waiting.delete(id);
          signal.removeEventListener('abort', onAbort);
          controller.abort();
        };
        const onAbort = () => {
          if (settled) return;
          finish();
          reject(signal.reason instanceof Error ? signal.reason : new Error('the run was stopped'));
        };
        const settle = (answer: Answer, source: Source): boolean => {
          if (settled) return false;
          const result = accept(info, answer, source);
          if (result === null) return false;
          finish();
          resolve(result);
          return true;
        };
        const fail = (error: Error) => {
          if (settled) return;
          finish();
          reject(error);
        };
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
        waiting.set(id, { info, settle });
        try {
          onOpen();
        } catch (error) {
          fail(error as Error);
          return;
        }
        if (settled) return;
        open({ settle, fail, signal: controller.signal });
      });
    },
    answer(step, answer, source) {
      return find(step)?.settle(answer, source) ?? false;
    },
    pending() {
      return [...waiting.values()].map((entry) => ({ ...entry.info }));
    },
  };
}

/**
 * Asks a resolver, and hands its answer to `onAnswer`. A resolver that throws or gives up leaves the
 * question to the other answerers (a dashboard may still answer).
 */
export function askResolver<T>(ask: () => Promise<T>, onAnswer: (answer: T) => void): void {
  let asked: Promise<T>;
  try {
    asked = ask();
  } catch (error) {
    asked = Promise.reject(error);
  }
  asked.then(onAnswer, () => {});
}

/** The run's id, given as a value or (before it is known) as a function. */
export function runIdOf(runId: string | (() => string)): string {
  return typeof runId === 'function' ? runId() : runId;
}
