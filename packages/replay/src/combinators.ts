import type { ConductorEvent } from '@conductor/events';

/** Playback speed: 1 = as recorded, 10 = ten times faster, `Infinity` = no waiting at all. */
export type Speed = number | (() => number);

export interface PacedOptions {
  /** Ends the playback (the iterator finishes quietly, it does not throw). */
  signal?: AbortSignal;
  /** The longest wait between two events, in ms, so an idle hour does not stall a demo. Default 2000. */
  maxDelayMs?: number;
  /** How to wait; tests pass a fake. Must resolve early (and not reject) when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_MAX_DELAY_MS = 2000;

/**
 * Replays `source` with the original gaps between event timestamps divided by `speed`, each gap capped
 * at `maxDelayMs`. `speed` may be a function: it is read before every wait, so a player can change
 * speed while playing. Backward timestamps (clock changes) wait nothing.
 */
export async function* paced(
  source: AsyncIterable<ConductorEvent>,
  speed: Speed,
  options: PacedOptions = {},
): AsyncGenerator<ConductorEvent> {
  const { signal } = options;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const sleep = options.sleep ?? abortableSleep;
  const speedNow = typeof speed === 'function' ? speed : () => speed;
  checkSpeed(speedNow());
  let previous: number | null = null;
  if (signal?.aborted) return;
  for await (const event of source) {
    if (previous !== null) {
      const factor = checkSpeed(speedNow());
      const gapMs = ((event.timestamp - previous) * 1000) / factor;
      const delay = Math.min(Math.max(0, gapMs), maxDelayMs);
      if (delay > 0) await sleep(delay, signal);
    }
    if (signal?.aborted) return;
    previous = event.timestamp;
    yield event;
  }
}

function checkSpeed(speed: number): number {
  if (!(speed > 0))
    throw new RangeError(`replay speed must be a number > 0 (Infinity for no waiting), got ${speed}`);
  return speed;
}

/** setTimeout that resolves early when the signal aborts, leaving no timer or listener behind. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
