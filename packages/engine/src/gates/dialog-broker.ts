/**
 * Dialogs: an agent step whose `dialog:` triggered talks with the user, one turn at a time. For each
 * turn the step waits for the user's next message, and whoever writes it first wins: the run's
 * `DialogResolver` (the CLI's terminal prompt) or `run.answerDialog(...)` (the dashboard's POST
 * /api/dialog). The other is told to stop through the request's signal, as for gates.
 */

import { askResolver, createWaitingRoom, runIdOf } from './waiting.js';

/** One message of a dialog (a type, so it is a plain event payload). */
export type DialogMessage = { role: 'user' | 'agent'; content: string };

/** What a step asks for each turn: the user's next message in its dialog. */
export interface DialogTurn {
  /** The agent step's name (`agent_name` of its events). */
  step: string;
  dialogId: string;
  /** The agent's opening question. */
  question: string;
  /** The messages so far, oldest first; the last one is the agent's, unless its reply failed. */
  transcript: readonly DialogMessage[];
  /** Why the agent's reply to the user's last message failed, when it did: the user may write again. */
  error?: string;
}

/** A turn as a `DialogResolver` receives it. */
export interface DialogRequest extends DialogTurn {
  runId: string;
  /** Parent step names when the step is in a sub-workflow (empty at the root). */
  subworkflowPath: string[];
  /** `step` prefixed with the sub-workflow path (`parent/step`), as the projection keys steps. */
  key: string;
  /** Aborted when the message came another way or the run stopped: stop asking then. */
  signal: AbortSignal;
}

/**
 * Holds dialogs with the user, e.g. in a terminal: `reply` resolves with the user's next message (not
 * empty). Reject (or never settle) when it cannot; another answerer may.
 */
export interface DialogResolver {
  reply(request: DialogRequest): Promise<string>;
}

/** Who wrote a message: the resolver (the terminal) or `run.answerDialog` (the dashboard). */
export type DialogAnswerSource = 'resolver' | 'api';

export interface DialogReply {
  text: string;
  source: DialogAnswerSource;
}

/** A dialog waiting for the user's message. */
export interface PendingDialogInfo extends DialogTurn {
  key: string;
  subworkflowPath: string[];
}

/**
 * Why a triggered dialog is not held: `skip_gates` (`skipGates`: nobody is asked anything), or
 * `no_answerer` (`skipDialogs`: no terminal and no dashboard could answer).
 */
export type DialogSkipReason = 'skip_gates' | 'no_answerer';

export interface DialogBrokerOptions {
  runId: string | (() => string);
  resolver?: DialogResolver | undefined;
  skipGates?: boolean | undefined;
  skipDialogs?: boolean | undefined;
}

export interface DialogBroker {
  /** Set when triggered dialogs are skipped, and why. */
  readonly skipReason: DialogSkipReason | null;
  /**
   * Waits for the user's next message of `turn`. `onOpen` runs once the turn can be answered, before
   * any answerer is asked: emit the agent's message there. Rejects when the run stops.
   */
  next(
    turn: DialogTurn,
    subworkflowPath: readonly string[],
    signal: AbortSignal,
    onOpen: () => void,
  ): Promise<DialogReply>;
  /**
   * Gives the dialog waiting at step `step` (its name, or its `parent/step` key) the user's message.
   * False when no dialog waits there for the user (none, or the agent is replying) or `text` is blank.
   */
  answer(step: string, text: string): boolean;
  pending(): PendingDialogInfo[];
}

export function createDialogBroker(options: DialogBrokerOptions): DialogBroker {
  const room = createWaitingRoom<PendingDialogInfo, string, DialogAnswerSource, DialogReply>(
    (_info, text, source) => (text.trim() === '' ? null : { text, source }),
  );

  return {
    skipReason: options.skipGates ? 'skip_gates' : options.skipDialogs ? 'no_answerer' : null,
    next(turn, subworkflowPath, signal, onOpen) {
      const path = [...subworkflowPath];
      const info: PendingDialogInfo = {
        ...turn,
        transcript: [...turn.transcript],
        key: [...path, turn.step].join('/'),
        subworkflowPath: path,
      };
      return room.wait(info, signal, onOpen, ({ settle, signal: asked }) => {
        const { resolver } = options;
        if (!resolver) return;
        askResolver(
          () => resolver.reply({ ...info, runId: runIdOf(options.runId), signal: asked }),
          (text) => {
            if (typeof text === 'string') settle(text, 'resolver');
          },
        );
      });
    },
    answer(step, text) {
      return room.answer(step, text, 'api');
    },
    pending() {
      return room.pending();
    },
  };
}
