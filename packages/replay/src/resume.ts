import { EventLogNotFoundError, lastSeqOf } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { type EventSource, type FromJsonlOptions, fromEvents, fromJsonl } from './sources.js';
import { type CheckpointHistory, synthesizeHistory, type WorkflowOutline } from './synthetic.js';

export interface ResumeHistoryOptions {
  /** The run's own log, which the resumed run appends to. Default: the checkpoint's `event_log_path`. */
  logPath?: string;
  /** The workflow graph, so that a synthetic summary starts with a `workflow_started`. */
  workflow?: WorkflowOutline;
}

/** What every history plan offers, whatever its source. */
interface HistoryPlan {
  /** The whole earlier history, oldest first: the log streamed from disk, or the summary. */
  events: EventSource;
  /** The seq of its last event when it was planned (0 for an empty summary). */
  lastSeq: number;
  /**
   * What the checkpoint's state does not hold yet, to fold onto it: the log's events after the
   * checkpoint's `last_seq` (every event when there is no checkpoint), reporting the run's own log's
   * damaged lines to `onSkip`. Nothing for a summary (it is made from the checkpoint), nor for the log of
   * a checkpoint migrated from the original format (its lines carry no seq to match the checkpoint's).
   */
  sinceCheckpoint(options?: Pick<FromJsonlOptions, 'onSkip'>): EventSource;
  /**
   * What the run's own log, holding events up to `afterSeq`, must be given before the resumed run
   * appends to it: nothing when the history is that log; the events of another log (numbered after
   * `afterSeq` when their own seqs do not come after it); the summary's events after `afterSeq`, with
   * `workflow` (default: the plan's) as its graph.
   */
  toAppend(afterSeq: number, workflow?: WorkflowOutline): EventSource;
}

/** The history is an event log. */
export interface LogHistory extends HistoryPlan {
  source: 'log';
  logPath: string;
  /** The log is not the run's own but the checkpoint's (the original conductor's): `toAppend` copies it. */
  imported: boolean;
}

/** No log holds events: a summary made up from the checkpoint, every event `data.synthetic: true`. */
export interface SyntheticHistory extends HistoryPlan {
  source: 'synthetic';
  /** Why no log could be used, for the user ("event log /x/events.jsonl not found"). */
  reason: string;
  logPath?: undefined;
}

/** Where a resumed run's earlier history comes from, and how to use it. */
export type ResumeHistory = LogHistory | SyntheticHistory;

/**
 * The resume plan for history: the run's own log when it holds an event; else the checkpoint's log
 * when that is another file holding one (imported); else a synthetic summary of the checkpoint, with
 * the reason. Null when there is neither a log with events nor a checkpoint: nothing to resume from.
 * A log that exists but cannot be read rejects (EventLogIoError): its history is there, and must not be
 * replaced by a summary.
 */
export async function historyForResume(
  checkpoint: CheckpointHistory,
  options?: ResumeHistoryOptions,
): Promise<ResumeHistory>;
export async function historyForResume(
  checkpoint: CheckpointHistory | null,
  options: ResumeHistoryOptions & { logPath: string },
): Promise<ResumeHistory | null>;
export async function historyForResume(
  checkpoint: CheckpointHistory | null,
  options: ResumeHistoryOptions = {},
): Promise<ResumeHistory | null> {
  const own = options.logPath ?? checkpoint?.event_log_path ?? undefined;
  const ownLastSeq = own === undefined ? null : await lastSeqIfFound(own);
  if (own !== undefined && ownLastSeq !== null && ownLastSeq > 0) {
    return logHistory(own, ownLastSeq, checkpoint, false);
  }
  const other = checkpoint?.event_log_path ?? undefined;
  const otherLastSeq = other === undefined || other === own ? ownLastSeq : await lastSeqIfFound(other);
  if (other !== undefined && other !== own && otherLastSeq !== null && otherLastSeq > 0) {
    return logHistory(other, otherLastSeq, checkpoint, true);
  }
  if (!checkpoint) return null;
  const path = other ?? own;
  const reason =
    path === undefined
      ? 'the checkpoint records no event log (written by an older conductor)'
      : otherLastSeq === null
        ? `event log ${path} not found`
        : `event log ${path} holds no events`;
  return syntheticHistory(checkpoint, reason, options.workflow);
}

function logHistory(
  logPath: string,
  lastSeq: number,
  checkpoint: CheckpointHistory | null,
  imported: boolean,
): LogHistory {
  const afterSeq = checkpoint?.last_seq ?? 0;
  return {
    source: 'log',
    logPath,
    imported,
    lastSeq,
    events: fromJsonl(logPath),
    sinceCheckpoint(options = {}) {
      if (!imported) return fromJsonl(logPath, { afterSeq, ...options });
      // The original conductor's lines carry no seq: a v1 checkpoint's state is used as it is.
      return checkpoint?.migrated_from === 1 ? fromEvents([]) : fromJsonl(logPath, { afterSeq });
    },
    toAppend(after) {
      return imported ? numberedAfter(logPath, after) : fromEvents([]);
    },
  };
}

function syntheticHistory(
  checkpoint: CheckpointHistory,
  reason: string,
  workflow: WorkflowOutline | undefined,
): SyntheticHistory {
  const events = synthesizeHistory(checkpoint, workflow);
  return {
    source: 'synthetic',
    reason,
    lastSeq: events.at(-1)?.seq ?? 0,
    events: fromEvents(events),
    sinceCheckpoint: () => fromEvents([]),
    toAppend(after, outline = workflow) {
      const summary = outline === workflow ? events : synthesizeHistory(checkpoint, outline);
      return fromEvents(summary.filter((event) => event.seq > after));
    },
  };
}

/** Every event of another log, numbered after `after` when its own seqs do not all come after it. */
async function* numberedAfter(path: string, after: number): AsyncGenerator<ConductorEvent> {
  const events: ConductorEvent[] = [];
  for await (const event of fromJsonl(path)) events.push(event);
  const fits = events.every((event) => event.seq > after);
  yield* fits ? events : events.map((event, i) => ({ ...event, seq: after + i + 1 }));
}

/** The log's last seq, or null when there is no such file. */
async function lastSeqIfFound(path: string): Promise<number | null> {
  try {
    return await lastSeqOf(path);
  } catch (error) {
    if (error instanceof EventLogNotFoundError) return null;
    throw error;
  }
}
