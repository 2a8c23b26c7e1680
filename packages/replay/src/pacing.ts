/**
 * Replay pacing: when each event of a recorded run is due when it is played back at some speed. Pure
 * (no Node imports, types only from @conductor/events), so the browser's replay player uses the same
 * code as `paced` does: import it from `@conductor/replay/pacing`.
 */
import type { ConductorEvent } from '@conductor/events';

/** Playback speed: 1 = as recorded, 10 = ten times faster, `Infinity` = no waiting at all. */
export type Speed = number | (() => number);

/** The longest wait between two events, so an idle hour does not stall a demo. */
export const DEFAULT_MAX_DELAY_MS = 2000;
/** How far a player may fall behind its clock (a hidden tab, a slow frame) before it goes on from now. */
export const DEFAULT_MAX_LAG_MS = 1000;

const ROUNDING_MS = 1e-6;

function checkSpeed(speed: number): number {
  if (!(speed > 0))
    throw new RangeError(`replay speed must be a number > 0 (Infinity for no waiting), got ${speed}`);
  return speed;
}

/**
 * The wait in ms between two events stamped `from` and `to` (Unix seconds) at `speed`: the recorded
 * gap divided by the speed, capped at `maxDelayMs`. A backward timestamp (a clock change) waits nothing.
 */
export function playbackDelay(
  from: number,
  to: number,
  speed: number,
  maxDelayMs = DEFAULT_MAX_DELAY_MS,
  compressedDelayMs = maxDelayMs,
): number {
  const gapMs = ((to - from) * 1000) / checkSpeed(speed);
  return gapMs > maxDelayMs ? compressedDelayMs : Math.max(0, gapMs);
}

/**
 * Whether the gap between events stamped `from` and `to` is compressed at `speed` (its playback would
 * wait longer than `maxDelayMs`): a player says so ("skipping 1m 30s").
 */
export function isCompressedGap(from: number, to: number, speed: number, maxDelayMs = DEFAULT_MAX_DELAY_MS) {
  return Number.isFinite(speed) && ((to - from) * 1000) / checkSpeed(speed) > maxDelayMs;
}

export interface PacerOptions {
  /** The longest gap played as recorded, in ms (after the speed). Default 2000. */
  maxDelayMs?: number;
  /**
   * What a longer gap waits instead, in ms: the gap is compressed to it. Default `maxDelayMs` (a long
   * gap waits the most any gap does). A player that plays real time (1×) sets a long `maxDelayMs` and
   * a short `compressedDelayMs`, and labels the compressed gaps.
   */
  compressedDelayMs?: number;
  /** Behind its clock by more than this (ms), the pacer goes on from now rather than play a burst. Default 1000. */
  maxLagMs?: number;
}

/**
 * The schedule of a playback on the caller's clock (ms: `performance.now()`, a frame's time, or a
 * clock that only the waits advance). Each event is due its delay after the previous one was due, so
 * coarse clock ticks (animation frames) do not add up to drift. `speed` may be a function: it is read
 * whenever an event's due time is worked out, so a player can change speed while playing.
 */
export class Pacer {
  private readonly speed: () => number;
  private readonly maxDelayMs: number;
  private readonly maxLagMs: number;
  private readonly compressedDelayMs: number;
  /** Timestamp (s) of the last event played; null: the next event plays at once. */
  private previous: number | null = null;
  /** When (clock ms) the last event was due. */
  private playedAt = 0;

  constructor(speed: Speed, options: PacerOptions = {}) {
    if (typeof speed === 'number') checkSpeed(speed);
    this.speed = typeof speed === 'function' ? speed : () => speed;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.maxLagMs = options.maxLagMs ?? DEFAULT_MAX_LAG_MS;
    this.compressedDelayMs = options.compressedDelayMs ?? this.maxDelayMs;
  }

  /** Timestamp (s) of the last event played, or null when the next plays at once. */
  get lastPlayed(): number | null {
    return this.previous;
  }

  /** Forgets the timing, so the next event plays at once: after a pause, a seek or a new speed. */
  restart(): void {
    this.previous = null;
  }

  /**
   * How many ms the event stamped `timestamp` must still wait at clock time `now`. 0 means it is due,
   * and it counts as played: the next event's wait is measured from it.
   */
  wait(timestamp: number, now: number): number {
    if (this.previous === null) return this.play(timestamp, now);
    const due =
      this.playedAt +
      playbackDelay(this.previous, timestamp, this.speed(), this.maxDelayMs, this.compressedDelayMs);
    // A clock advanced by the waits themselves may land a rounding error short of `due`.
    if (due - now > ROUNDING_MS) return due - now;
    return this.play(timestamp, now - due > this.maxLagMs ? now : due);
  }

  private play(timestamp: number, at: number): 0 {
    this.previous = timestamp;
    this.playedAt = at;
    return 0;
  }
}

export interface PacedOptions {
  /** Ends the playback (the iterator finishes quietly, it does not throw). */
  signal?: AbortSignal;
  /** The longest wait between two events, in ms, so an idle hour does not stall a demo. Default 2000. */
  maxDelayMs?: number;
  /** How to wait; tests pass a fake. Must resolve early (and not reject) when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

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
  const sleep = options.sleep ?? abortableSleep;
  checkSpeed(typeof speed === 'function' ? speed() : speed);
  const pacer = new Pacer(speed, { maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS });
  // The pacer's clock is the time waited so far: how long the consumer takes does not count.
  let clock = 0;
  if (signal?.aborted) return;
  for await (const event of source) {
    for (let ms = pacer.wait(event.timestamp, clock); ms > 0; ms = pacer.wait(event.timestamp, clock)) {
      await sleep(ms, signal);
      if (signal?.aborted) return;
      clock += ms;
    }
    if (signal?.aborted) return;
    yield event;
  }
}

/** setTimeout that resolves early when the signal aborts, leaving no timer or listener behind. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
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
