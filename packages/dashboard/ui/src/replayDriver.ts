import { applyEvent, type ConductorEvent, initialRunState, type RunState } from '@conductor/events';
import { isCompressedGap, Pacer } from '@conductor/replay/pacing';
import { MAX_PAGE } from '../../src/protocol';
import { PAGE_SIZE } from './activity';
import type { Api } from './api';
import { messageOf, type RunModel } from './runModel';
import { createStore, type Store } from './store';

export type ReplaySpeed = number | 'max';
export const REPLAY_SPEEDS: readonly ReplaySpeed[] = [1, 5, 20, 'max'];

export interface ReplayStatus {
  phase: 'loading' | 'ready' | 'error';
  /** Events loaded so far, and the log's last seq (the total to load). */
  loaded: number;
  total: number;
  playing: boolean;
  speed: ReplaySpeed;
  /** Seq of the last event applied; 0 before the first. */
  position: number;
  lastSeq: number;
  /** Set while a scrub folds events in the background. */
  seeking: boolean;
  error: string | null;
  /** Resumes and failures of the run, to mark on the scrubber. */
  marks: ReplayMark[];
  /** Seconds of a long gap without events being skipped now (compressed), or null. */
  skipping: number | null;
}

export interface ReplayMark {
  seq: number;
  kind: 'resume' | 'failure';
  label: string;
}

/**
 * At 1×, gaps up to this long play as recorded (real time); longer ones (a run left failed overnight)
 * are compressed to COMPRESSED_GAP_MS, and the bar says what is skipped.
 */
export const REAL_TIME_GAP_MS = 15_000;
export const COMPRESSED_GAP_MS = 1_500;

/** The resumes and failures among `events`, for the scrubber. */
export function replayMarks(events: readonly ConductorEvent[]): ReplayMark[] {
  const marks: ReplayMark[] = [];
  for (const event of events) {
    if (event.type === 'workflow_resumed')
      marks.push({
        seq: event.seq,
        kind: 'resume',
        label: `resume ${String(event.data?.generation ?? '')}`.trim(),
      });
    else if (event.type === 'workflow_failed')
      marks.push({
        seq: event.seq,
        kind: 'failure',
        label:
          event.data?.stopped_by_user === true
            ? 'stopped'
            : `failed${event.data?.agent_name ? ` at ${String(event.data.agent_name)}` : ''}`,
      });
  }
  return marks;
}

/** The log loads in the largest pages the server gives. */
const LOAD_PAGE = MAX_PAGE;
/** Events folded per slice while scrubbing, between which the page gets to paint. */
const SEEK_CHUNK = 20_000;
/** A state kept every this many events, so scrubbing back does not always refold from the start. */
const SNAPSHOT_EVERY = 10_000;
const MAX_PER_FRAME = 3000;

export function speedFromInfo(value: number | null | undefined): ReplaySpeed {
  if (value === null || value === undefined || !Number.isFinite(value)) return 1;
  return value <= 0 ? 'max' : value;
}

/** Animation frames: the browser's, or a test's. */
export interface FrameClock {
  request(callback: (now: number) => void): number;
  cancel(id: number): void;
}

const browserFrames: FrameClock = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (id) => cancelAnimationFrame(id),
};

/**
 * Replay mode: the UI loads the whole log through `/api/events?after=` and plays it into the projection
 * itself (play/pause, speed, scrub). Every event still goes through `applyEvent`.
 */
export class ReplayDriver {
  readonly status: Store<ReplayStatus>;
  private readonly events: ConductorEvent[] = [];
  /** Number of events applied to the model. */
  private cursor = 0;
  private snapshots: Array<{ index: number; state: RunState }> = [{ index: 0, state: initialRunState() }];
  /** When each event is due: recorded gaps divided by the speed (`max`: none), as `paced` plays them. */
  private readonly pacer = new Pacer(() => this.speedNumber(), {
    maxDelayMs: REAL_TIME_GAP_MS,
    compressedDelayMs: COMPRESSED_GAP_MS,
  });
  private frameId = 0;
  private seekToken = 0;
  private disposed = false;

  constructor(
    private readonly api: Pick<Api, 'eventsAfter'>,
    private readonly model: RunModel,
    speed: ReplaySpeed,
    private readonly frames: FrameClock = browserFrames,
  ) {
    this.status = createStore<ReplayStatus>({
      phase: 'loading',
      loaded: 0,
      total: 0,
      playing: false,
      speed,
      position: 0,
      lastSeq: 0,
      seeking: false,
      error: null,
      marks: [],
      skipping: null,
    });
    model.setOlderPageLoader(async (before, limit) => this.olderPage(before, limit));
  }

  async start(): Promise<void> {
    this.model.setConnection('replay');
    this.model.reset(initialRunState(), 0, [], false);
    try {
      let after = 0;
      for (;;) {
        const page = await this.api.eventsAfter(after, LOAD_PAGE);
        if (this.disposed) return;
        for (const event of page.events) this.events.push(event);
        after = page.events[page.events.length - 1]?.seq ?? after;
        this.status.set((s) => ({
          ...s,
          loaded: this.events.length,
          total: Math.max(page.last_seq, this.events.length),
        }));
        if (!page.has_more || page.events.length === 0) break;
      }
    } catch (error) {
      this.status.set((s) => ({
        ...s,
        phase: 'error',
        error: `Could not load the log: ${messageOf(error)}`,
      }));
      return;
    }
    const lastSeq = this.events[this.events.length - 1]?.seq ?? 0;
    const marks = replayMarks(this.events);
    this.status.set((s) => ({ ...s, phase: 'ready', lastSeq, total: this.events.length, marks }));
    this.play();
  }

  dispose(): void {
    this.disposed = true;
    this.seekToken++;
    this.frames.cancel(this.frameId);
  }

  play(): void {
    const s = this.status.get();
    if (s.phase !== 'ready') return;
    if (this.cursor >= this.events.length) {
      void this.seek(0).then(() => this.play());
      return;
    }
    this.pacer.restart();
    this.status.set({ ...this.status.get(), playing: true });
    this.scheduleFrame();
  }

  pause(): void {
    this.frames.cancel(this.frameId);
    this.status.set((s) => ({ ...s, playing: false, skipping: null }));
  }

  setSpeed(speed: ReplaySpeed): void {
    this.pacer.restart();
    this.status.set((s) => ({ ...s, speed }));
  }

  /** Moves to just after the event `seq` (0: before the first). Back means refolding from a snapshot. */
  async seek(seq: number): Promise<void> {
    const token = ++this.seekToken;
    const target = this.countUpTo(seq);
    let index: number;
    let state: RunState;
    if (target >= this.cursor) {
      index = this.cursor;
      state = this.model.snapshot.state;
    } else {
      const snapshot = this.snapshotAtOrBefore(target);
      index = snapshot.index;
      state = snapshot.state;
    }
    this.status.set((s) => ({ ...s, seeking: true, position: seq, skipping: null }));
    while (index < target) {
      const end = Math.min(target, index + SEEK_CHUNK);
      for (; index < end; ) {
        state = applyEvent(state, this.events[index] as ConductorEvent);
        index++;
        if (index % SNAPSHOT_EVERY === 0) this.remember(index, state);
      }
      if (index < target) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (token !== this.seekToken) return;
      }
    }
    if (token !== this.seekToken) return;
    this.cursor = target;
    this.pacer.restart();
    const recent = this.events.slice(Math.max(0, target - PAGE_SIZE), target);
    this.model.reset(state, this.seqAt(target), recent, target > PAGE_SIZE);
    this.status.set((s) => ({ ...s, seeking: false, position: this.seqAt(target) }));
    if (this.status.get().playing) this.scheduleFrame();
  }

  private scheduleFrame(): void {
    this.frames.cancel(this.frameId);
    this.frameId = this.frames.request(this.frame);
  }

  private readonly frame = (now: number): void => {
    const status = this.status.get();
    if (!status.playing || status.seeking || this.disposed) return;
    const batch: ConductorEvent[] = [];
    const n = this.events.length;
    while (this.cursor < n && batch.length < MAX_PER_FRAME) {
      const event = this.events[this.cursor] as ConductorEvent;
      if (this.pacer.wait(event.timestamp, now) > 0) break;
      batch.push(event);
      this.cursor++;
    }
    if (batch.length > 0) {
      this.model.apply(batch);
      const last = this.snapshots[this.snapshots.length - 1];
      if (last && this.cursor - last.index >= SNAPSHOT_EVERY)
        this.remember(this.cursor, this.model.snapshot.state);
      this.status.set((s) => ({ ...s, position: this.seqAt(this.cursor) }));
    }
    if (this.cursor >= n) {
      this.status.set((s) => ({ ...s, playing: false, skipping: null }));
      return;
    }
    const skipping = this.skippingBefore(this.events[this.cursor] as ConductorEvent);
    if (skipping !== this.status.get().skipping) this.status.set((s) => ({ ...s, skipping }));
    this.frameId = this.frames.request(this.frame);
  };

  private speedNumber(): number {
    const { speed } = this.status.get();
    return speed === 'max' ? Number.POSITIVE_INFINITY : speed;
  }

  /** Seconds of the gap before `next` when the pacer compresses it, else null. */
  private skippingBefore(next: ConductorEvent): number | null {
    const last = this.pacer.lastPlayed;
    if (last === null) return null;
    return isCompressedGap(last, next.timestamp, this.speedNumber(), REAL_TIME_GAP_MS)
      ? next.timestamp - last
      : null;
  }

  private remember(index: number, state: RunState): void {
    if (this.snapshots.some((s) => s.index === index)) return;
    this.snapshots.push({ index, state });
    this.snapshots.sort((a, b) => a.index - b.index);
  }

  private snapshotAtOrBefore(index: number): { index: number; state: RunState } {
    let best = this.snapshots[0] as { index: number; state: RunState };
    for (const snapshot of this.snapshots) if (snapshot.index <= index) best = snapshot;
    return best;
  }

  /** Seq of the `count`-th event (0 when none). */
  private seqAt(count: number): number {
    return count === 0 ? 0 : (this.events[count - 1] as ConductorEvent).seq;
  }

  /** How many loaded events have `seq <= seq`. */
  private countUpTo(seq: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.events[mid] as ConductorEvent).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private olderPage(before: number, limit: number): ConductorEvent[] {
    const end = this.countUpTo(before - 1);
    return this.events.slice(Math.max(0, end - limit), end);
  }
}
