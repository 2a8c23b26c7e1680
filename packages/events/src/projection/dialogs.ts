// The dialogs concern: every agent step talking with the user (`dialog:`), at any depth, with its latest
// messages as bounded heads, and whose turn it is. While the user is to write, the step is `waiting`,
// like a gate.
import { TEXT_CHARS_KEPT } from '../bounded.js';
import { cutString } from '../outputs.js';
import { type FoldContext, type Reducers, stepKeyOf, updateAttempt } from './context.js';
import {
  type DialogMessageRecord,
  MAX_DIALOG_MESSAGES_KEPT,
  type PendingDialog,
  type RunState,
} from './state.js';

function withDialog(state: RunState, key: string, dialog: PendingDialog | null): RunState {
  const { [key]: _gone, ...rest } = state.dialogs;
  return { ...state, dialogs: dialog ? { ...rest, [key]: dialog } : rest };
}

/** The dialog of the step an event names, if one is under way (and it is that dialog). */
function dialogOf(
  state: RunState,
  name: string,
  ctx: FoldContext,
  dialogId?: string,
): PendingDialog | undefined {
  const dialog = state.dialogs[stepKeyOf(name, ctx.path)];
  return dialog && (dialogId === undefined || dialog.dialog_id === dialogId) ? dialog : undefined;
}

const ended = (state: RunState, name: string, ctx: FoldContext): RunState =>
  dialogOf(state, name, ctx) ? withDialog(state, stepKeyOf(name, ctx.path), null) : state;

/** A run that ended or resumed has no dialog under way: a resumed agent step starts again. */
const clearedAtRoot = (state: RunState, ctx: FoldContext): RunState =>
  ctx.atRoot && Object.keys(state.dialogs).length > 0 ? { ...state, dialogs: {} } : state;

export const dialogReducers: Reducers = {
  dialog_started(state, event, ctx) {
    const { agent_name, dialog_id, opening_question } = event.data;
    const dialog: PendingDialog = {
      step: stepKeyOf(agent_name, ctx.path),
      path: ctx.path,
      dialog_id,
      question: cutString(opening_question, TEXT_CHARS_KEPT),
      messages: [],
      message_count: 0,
      awaiting: 'agent',
      seq: event.seq,
    };
    return withDialog(state, dialog.step, dialog);
  },
  dialog_message(state, event, ctx) {
    const { agent_name, dialog_id, role, content, error } = event.data;
    const dialog = dialogOf(state, agent_name, ctx, dialog_id);
    if (!dialog) return state;
    const message: DialogMessageRecord = {
      role,
      content: cutString(content, TEXT_CHARS_KEPT),
      seq: event.seq,
    };
    if (content.length > TEXT_CHARS_KEPT) message.content_truncated = true;
    if (error) message.error = true;
    const next = withDialog(state, dialog.step, {
      ...dialog,
      messages: [...dialog.messages, message].slice(-MAX_DIALOG_MESSAGES_KEPT),
      message_count: dialog.message_count + 1,
      awaiting: role === 'agent' ? 'user' : 'agent',
    });
    // The step waits for the person while it is their turn, as at a gate.
    return updateAttempt(next, ctx, event, agent_name, () => ({}), role === 'agent' ? 'waiting' : 'running');
  },
  dialog_completed(state, event, ctx) {
    const { agent_name, dialog_id } = event.data;
    if (!dialogOf(state, agent_name, ctx, dialog_id)) return state;
    return updateAttempt(ended(state, agent_name, ctx), ctx, event, agent_name, () => ({}), 'running');
  },
  // A step that ended (or failed, e.g. stopped mid-dialog) has no dialog any more.
  agent_completed: (state, event, ctx) => ended(state, event.data.agent_name, ctx),
  agent_failed: (state, event, ctx) => ended(state, event.data.agent_name, ctx),
  workflow_resumed: (state, _event, ctx) => clearedAtRoot(state, ctx),
  workflow_completed: (state, _event, ctx) => clearedAtRoot(state, ctx),
  workflow_failed: (state, _event, ctx) => clearedAtRoot(state, ctx),
};
