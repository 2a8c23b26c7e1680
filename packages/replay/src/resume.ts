import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { lastSeqOf } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { fromJsonl } from './sources.js';
import { type CheckpointHistory, synthesizeHistory, type WorkflowOutline } from './synthetic.js';

/** Where a resumed run's earlier history comes from, and why. */
export type ResumeHistory =
  | {
      source: 'log';
      /** The whole log, streamed from disk when iterated. */
      events: AsyncIterable<ConductorEvent>;
      logPath: string;
      /** The seq of the log's last event when it was checked. */
      lastSeq: number;
    }
  | {
      source: 'synthetic';
      /** A summary made up from the checkpoint (`fromCheckpoint`), every event `data.synthetic: true`. */
      events: AsyncIterable<ConductorEvent>;
      /** Why the log could not be used, for the user ("event log /x/events.jsonl not found"). */
      reason: string;
      /** The seq of the last synthetic event (0 if none): the resumed run must number after it. */
      lastSeq: number;
      logPath?: undefined;
    };

export interface HistoryForResumeOptions {
  /** The workflow graph, so the synthetic summary starts with a `workflow_started`. */
  workflow?: WorkflowOutline;
}

/**
 * The resume plan for history: the checkpoint's event log when it exists, is readable and holds at
 * least one event; otherwise a synthetic summary of the checkpoint, with the reason.
 */
export async function historyForResume(
  checkpoint: CheckpointHistory,
  options: HistoryForResumeOptions = {},
): Promise<ResumeHistory> {
  const path = checkpoint.event_log_path;
  const reason = path
    ? await unusableLog(path)
    : 'the checkpoint records no event log (written by an older conductor)';
  if (path && typeof reason === 'number') {
    return { source: 'log', events: fromJsonl(path), logPath: path, lastSeq: reason };
  }
  const events = synthesizeHistory(checkpoint, options.workflow);
  return {
    source: 'synthetic',
    events: fromEventsOnce(events),
    reason: reason as string,
    lastSeq: events.at(-1)?.seq ?? 0,
  };
}

/** The log's last seq when it can serve as history, else why not. */
async function unusableLog(path: string): Promise<number | string> {
  try {
    await access(path, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `event log ${path} not found`
      : `event log ${path} is not readable (${code ?? String(error)})`;
  }
  try {
    const last = await lastSeqOf(path);
    return last > 0 ? last : `event log ${path} holds no events`;
  } catch (error) {
    return `event log ${path} could not be read: ${(error as Error).message}`;
  }
}

async function* fromEventsOnce(events: ConductorEvent[]): AsyncGenerator<ConductorEvent> {
  yield* events;
}
