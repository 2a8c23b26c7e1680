import type { ScanPosition, WrittenLines } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';

/** What of the held writes comes after `position` (everything written after the seq `delivered`). */
export interface WritesAfter {
  /** The position after the last held line: the file's end once they are delivered. */
  position: ScanPosition;
  /** Groups of events to deliver, in order, each with its lines when it is a whole write. */
  parts: Array<{ events: readonly ConductorEvent[]; lines?: string }>;
}

/**
 * The writes a writer of this process made since the tail began holding them (`hold`): every line
 * after a read of the file that began later is one of them, so a tail that has read the file to its
 * end takes the rest from here (`after`) with the exact position of the file's end.
 */
export class WritesHeld {
  #writes: WrittenLines[] = [];
  /** Events and characters held: what a tail that cannot catch up would keep in memory. */
  events = 0;
  chars = 0;

  add(lines: WrittenLines): void {
    this.#writes.push(lines);
    this.events += lines.events.length;
    this.chars += lines.text.length;
  }

  /**
   * The held lines after `position`, which a read that began after the holding did reach: the events
   * with `seq > delivered` (every held line with a lower seq is before `position`: seqs grow line by
   * line in a log with one writer). A write the read saw only the start of is split at its lines.
   */
  after(position: ScanPosition, delivered: number): WritesAfter {
    let { offset, line, seqBefore } = position;
    const parts: WritesAfter['parts'] = [];
    for (const write of this.#writes) {
      const { events } = write;
      let from = 0;
      while (from < events.length && (events[from] as ConductorEvent).seq <= delivered) from++;
      if (from === events.length) continue;
      if (from === 0) {
        offset += write.bytes;
        parts.push({ events, lines: write.text });
      } else {
        const rest = linesFrom(write.text, from);
        offset += Buffer.byteLength(rest);
        parts.push({ events: events.slice(from), lines: rest });
      }
      line += events.length - from;
      seqBefore = (events[events.length - 1] as ConductorEvent).seq;
    }
    return { position: { offset, line, seqBefore }, parts };
  }
}

/** The lines of `text` from line `n` on (0-based). */
export function linesFrom(text: string, n: number): string {
  let at = 0;
  for (let i = 0; i < n; i++) at = text.indexOf('\n', at) + 1;
  return text.slice(at);
}
