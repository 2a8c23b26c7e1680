import { type ConductorEvent, initialRunState, projectEvents, type RunState } from '@conductor/events';
import {
  type ActivityWindow,
  appendToWindow,
  emptyWindow,
  oldestSeq,
  PAGE_SIZE,
  prependToWindow,
  type RunTiming,
  windowOf,
} from './activity';
import { collectDialogReplies, type DialogReplies } from './dialogReplies';
import { createStore, type Store } from './store';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'replay';

export interface RunSnapshot {
  state: RunState;
  /** Seq of the last event folded into `state`. */
  lastSeq: number;
  activity: ActivityWindow;
  loadingOlder: boolean;
  connection: ConnectionState;
  /** Set when the first `/api/state` has been taken (or replay has started). */
  ready: boolean;
  error: string | null;
  /** What the group's start events said that the projection does not keep, by group key. */
  groupFacts: GroupFactsByKey;
  /** The replies agents are writing in their dialogs, by dialog id (streamed text the projection does not keep). */
  dialogReplies: DialogReplies;
}

/** A group's settings as its `parallel_started` / `for_each_started` event gave them. */
export interface GroupFacts {
  failure_mode: string | null;
  max_concurrent: number | null;
}

export type GroupFactsByKey = Readonly<Record<string, GroupFacts>>;

/**
 * Adds the facts of the group start events among `events` (only those the UI has seen: known for
 * groups whose start is in the loaded history). Returns `known` itself when nothing is new.
 */
export function collectGroupFacts(
  known: GroupFactsByKey,
  events: readonly ConductorEvent[],
): GroupFactsByKey {
  let next: Record<string, GroupFacts> | null = null;
  for (const event of events) {
    if (event.type !== 'parallel_started' && event.type !== 'for_each_started') continue;
    const data = event.data ?? {};
    const name = typeof data.group_name === 'string' ? data.group_name : null;
    if (!name) continue;
    const path = Array.isArray(data.subworkflow_path) ? (data.subworkflow_path as string[]) : [];
    const key = path.length === 0 ? name : `${path.join('/')}/${name}`;
    const facts: GroupFacts = {
      failure_mode: typeof data.failure_mode === 'string' ? data.failure_mode : null,
      max_concurrent: typeof data.max_concurrent === 'number' ? data.max_concurrent : null,
    };
    const current = (next ?? known)[key];
    if (
      current &&
      current.failure_mode === facts.failure_mode &&
      current.max_concurrent === facts.max_concurrent
    )
      continue;
    next ??= { ...known };
    next[key] = facts;
  }
  return next ?? known;
}

/** Loads the page of events before `before` (oldest first) for the activity stream. */
export type OlderPageLoader = (before: number, limit: number) => Promise<ConductorEvent[]>;

declare global {
  interface Window {
    __conductor?: { lastSeq: number; state: RunState };
  }
}

/** Events kept raw so that "jump to latest" can rebuild the newest rows without a request. */
const RECENT_KEPT = PAGE_SIZE;

/**
 * The UI's copy of the run: the projection folded from events (always with the one projection: `applyEvent`, `projectEvents`), plus the
 * activity window. The live client and the replay driver both write into it.
 */
export class RunModel {
  readonly store: Store<RunSnapshot> = createStore<RunSnapshot>({
    state: initialRunState(),
    lastSeq: 0,
    activity: emptyWindow,
    loadingOlder: false,
    connection: 'connecting',
    ready: false,
    error: null,
    groupFacts: {},
    dialogReplies: {},
  });
  private recent: ConductorEvent[] = [];
  private loadOlderPage: OlderPageLoader = async () => [];
  /** Whether the activity view is at its newest row (set by the view). */
  private following = true;

  constructor() {
    this.store.subscribe(() => this.expose());
    this.expose();
  }

  get snapshot(): RunSnapshot {
    return this.store.get();
  }

  /** Starts over from a known state (`/api/state`, or a replay position) and its latest events. */
  reset(state: RunState, lastSeq: number, latest: readonly ConductorEvent[], hasOlder: boolean): void {
    this.recent = latest.slice(-RECENT_KEPT);
    this.store.set((s) => ({
      ...s,
      state,
      lastSeq,
      activity: windowOf(latest, hasOlder, timingOf(state)),
      groupFacts: collectGroupFacts(s.groupFacts, latest),
      dialogReplies: collectDialogReplies({}, latest),
      ready: true,
      error: null,
    }));
  }

  /** Shows a state before its latest events have arrived (the first load); `reset` follows with them. */
  showState(state: RunState, lastSeq: number): void {
    this.store.set((s) => ({ ...s, state, lastSeq, ready: true, error: null }));
  }

  /** Folds events into the state, in order, skipping any already applied. */
  apply(events: readonly ConductorEvent[]): void {
    let last = this.snapshot.lastSeq;
    const fresh: ConductorEvent[] = [];
    for (const event of events) {
      if (event.seq <= last) continue;
      fresh.push(event);
      last = event.seq;
    }
    if (fresh.length === 0) return;
    this.recent = this.recent.concat(fresh).slice(-RECENT_KEPT);
    this.store.set((s) => {
      const state = projectEvents(fresh, s.state);
      return {
        ...s,
        state,
        lastSeq: (fresh[fresh.length - 1] as ConductorEvent).seq,
        activity: appendToWindow(s.activity, fresh, this.following, timingOf(state)),
        groupFacts: collectGroupFacts(s.groupFacts, fresh),
        dialogReplies: collectDialogReplies(s.dialogReplies, fresh),
      };
    });
  }

  /** Where older activity comes from: the server (`/api/events?before=`), or memory in replay. */
  setOlderPageLoader(loader: OlderPageLoader): void {
    this.loadOlderPage = loader;
  }

  setFollowing(following: boolean): void {
    this.following = following;
  }

  setConnection(connection: ConnectionState): void {
    this.store.set((s) => (s.connection === connection ? s : { ...s, connection }));
  }

  setError(error: string | null): void {
    this.store.set((s) => (s.error === error ? s : { ...s, error }));
  }

  async loadOlder(): Promise<void> {
    const { activity, loadingOlder } = this.snapshot;
    const before = oldestSeq(activity);
    if (loadingOlder || !activity.hasOlder || before === null) return;
    this.store.set((s) => ({ ...s, loadingOlder: true }));
    try {
      const events = await this.loadOlderPage(before, PAGE_SIZE);
      this.store.set((s) => {
        // The window moved on meanwhile (jump to latest, replay seek): this page no longer fits.
        if (oldestSeq(s.activity) !== before) return { ...s, loadingOlder: false };
        const hasOlder = events.length > 0 && (events[0] as ConductorEvent).seq > 1;
        return {
          ...s,
          loadingOlder: false,
          activity: prependToWindow(s.activity, events, hasOlder, timingOf(s.state)),
          groupFacts: collectGroupFacts(s.groupFacts, events),
        };
      });
    } catch (error) {
      this.store.set((s) => ({
        ...s,
        loadingOlder: false,
        error: `Could not load older events: ${messageOf(error)}`,
      }));
    }
  }

  /** After paging far back: show the newest rows again, and follow live events. */
  jumpToLatest(): void {
    if (!this.snapshot.activity.hasNewer) return;
    const latest = this.recent;
    this.store.set((s) => ({
      ...s,
      activity: windowOf(latest, (latest[0]?.seq ?? 1) > 1, timingOf(s.state)),
    }));
  }

  /** For scripts and tests driving the page: what the UI has folded. (No window: the unit tests.) */
  private expose(): void {
    const { lastSeq, state } = this.snapshot;
    if (typeof window !== 'undefined') window.__conductor = { lastSeq, state };
  }
}

function timingOf(state: RunState): RunTiming {
  return { startedAt: state.run.started_at, resumes: state.resumes };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
