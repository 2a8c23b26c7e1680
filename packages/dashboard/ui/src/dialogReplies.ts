import type { ConductorEvent } from '@conductor/events';

/**
 * The reply an agent is writing in a dialog, by `dialog_id`: its `agent_message` chunks since the
 * dialog's last message. The projection keeps no streamed text, so the dialog panel takes it from the
 * events the page sees, as a group's settings are (runModel.ts); once the reply is whole it arrives as
 * a `dialog_message` and is the projection's.
 */
export type DialogReplies = Readonly<Record<string, string>>;

/** Characters of a reply in progress kept (the whole arrives with its `dialog_message`). */
export const REPLY_CHARS_KEPT = 8000;

/** Adds the streamed chunks among `events`. Returns `known` itself when nothing changed. */
export function collectDialogReplies(known: DialogReplies, events: readonly ConductorEvent[]): DialogReplies {
  let next: Record<string, string> | null = null;
  for (const event of events) {
    const data = event.data ?? {};
    const id = data.dialog_id;
    if (typeof id !== 'string') continue;
    if (event.type === 'agent_message' && typeof data.content === 'string') {
      next ??= { ...known };
      next[id] = ((next[id] ?? '') + data.content).slice(0, REPLY_CHARS_KEPT);
    } else if (event.type === 'dialog_message' || event.type === 'dialog_completed') {
      if (!((next ?? known)[id] !== undefined)) continue;
      next ??= { ...known };
      delete next[id];
    }
  }
  return next ?? known;
}
