/**
 * Human gates: a gate step asks, and whoever answers first wins: the run's `GateResolver` (the CLI's
 * terminal prompt), `run.answerGate(...)` (the dashboard's POST /api/gate), or `skipGates` (the first
 * option, at once). The others are told to stop through the request's signal. The same people hold an
 * agent's dialogs: the broker carries the run's dialog broker (dialog-broker.ts) too.
 */
import { createDialogBroker, type DialogBroker, type DialogResolver } from './dialog-broker.js';
import { askResolver, createWaitingRoom, runIdOf } from './waiting.js';

/** One choice as answerers see it (a type, not an interface, so it is a plain event payload). */
export type GateChoice = {
  label: string;
  value: string;
  /** Where the run goes when it is chosen (null: the step's routes decide). */
  route: string | null;
  /** The option asks for text after it is chosen, stored under this name. */
  prompt_for?: string;
  /** The text may span several lines. */
  multiline?: boolean;
  description?: string;
};

/** What a gate step asks. */
export interface GateQuestion {
  /** The gate step's name (`agent_name` of its events). */
  step: string;
  /** The rendered Markdown prompt. */
  prompt: string;
  options: GateChoice[];
}

/** A gate as a `GateResolver` receives it. */
export interface GateRequest extends GateQuestion {
  runId: string;
  /** Parent step names when the gate is in a sub-workflow (empty at the root). */
  subworkflowPath: string[];
  /** `step` prefixed with the sub-workflow path (`parent/gate`), as the projection keys steps. */
  key: string;
  /** Aborted when the gate was answered another way or the run stopped: stop asking then. */
  signal: AbortSignal;
}

/** An answer: the chosen option's `value`, and the text an option with `prompt_for` asks for. */
export interface GateAnswer {
  value: string;
  /** Text for the option's `prompt_for` (a string), or several named texts (values become strings). */
  additional_input?: string | Record<string, unknown> | null;
}

/** Answers gates, e.g. in a terminal. Reject (or never settle) when it cannot; another answerer may. */
export interface GateResolver {
  answer(request: GateRequest): Promise<GateAnswer>;
}

/** Who answered a gate. */
export type GateAnswerSource = 'resolver' | 'api' | 'skip';

export interface GateAnswered {
  option: GateChoice;
  /** Named texts (`{ feedback: "..." }`); empty when the option asks for none. */
  additional_input: Record<string, string>;
  source: GateAnswerSource;
}

/** A gate waiting for an answer. */
export interface PendingGateInfo {
  step: string;
  key: string;
  subworkflowPath: string[];
  prompt: string;
  options: GateChoice[];
}

export interface GateBrokerOptions {
  /** The run's id (a function: a resume learns it late). */
  runId: string | (() => string);
  resolver?: GateResolver | undefined;
  /** Answer every gate with its first option, at once (CI, `--skip-gates`); skip every dialog too. */
  skipGates?: boolean | undefined;
  /** Holds agents' dialogs with the user (the terminal); it races `run.answerDialog`. */
  dialogs?: DialogResolver | undefined;
  /** Skip triggered dialogs (nobody can answer them: no terminal, no dashboard). */
  skipDialogs?: boolean | undefined;
}

export interface GateBroker {
  /** See `StepContext.askGate`. `subworkflowPath` locates the gate; `signal` is the run's. */
  ask(
    question: GateQuestion,
    subworkflowPath: readonly string[],
    signal: AbortSignal,
    onOpen: () => void,
  ): Promise<GateAnswered>;
  /**
   * Answers a pending gate named by its step name (or its `parent/step` key). False when no such gate
   * is waiting or `value` is not one of its options' values.
   */
  answer(step: string, value: string, additionalInput?: GateAnswer['additional_input']): boolean;
  pending(): PendingGateInfo[];
  /** The run's dialogs with the user. */
  dialogs: DialogBroker;
}

/** A gate answer that names no option of the gate. */
export class GateAnswerError extends Error {
  readonly code = 'CONDUCTOR_GATE_ANSWER';
  readonly errorType = 'GateAnswerError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GateAnswerError';
  }
}

/** The named texts of an answer for `option`: a plain string goes under its `prompt_for`. */
export function additionalInputOf(
  option: GateChoice,
  given: GateAnswer['additional_input'],
): Record<string, string> {
  if (given === undefined || given === null) return option.prompt_for ? { [option.prompt_for]: '' } : {};
  if (typeof given === 'string') return option.prompt_for ? { [option.prompt_for]: given } : {};
  return Object.fromEntries(
    Object.entries(given).map(([key, text]) => [key, typeof text === 'string' ? text : JSON.stringify(text)]),
  );
}

export function createGateBroker(options: GateBrokerOptions): GateBroker {
  const room = createWaitingRoom<PendingGateInfo, GateAnswer, GateAnswerSource, GateAnswered>(
    (info, answer, source) => {
      const option = info.options.find((choice) => choice.value === answer.value);
      if (!option) return null;
      return { option, additional_input: additionalInputOf(option, answer.additional_input), source };
    },
  );

  return {
    ask(question, subworkflowPath, signal, onOpen) {
      const path = [...subworkflowPath];
      const info: PendingGateInfo = {
        step: question.step,
        key: [...path, question.step].join('/'),
        subworkflowPath: path,
        prompt: question.prompt,
        options: question.options,
      };
      return room.wait(info, signal, onOpen, ({ settle, fail, signal: asked }) => {
        const first = info.options[0];
        if (options.skipGates && first) {
          settle({ value: first.value }, 'skip');
          return;
        }
        const { resolver } = options;
        if (!resolver) return;
        askResolver(
          () =>
            resolver.answer({
              ...question,
              runId: runIdOf(options.runId),
              subworkflowPath: path,
              key: info.key,
              signal: asked,
            }),
          (answer) => {
            if (!settle(answer, 'resolver')) {
              fail(
                new GateAnswerError(
                  `gate "${info.step}" was answered "${answer?.value}", which is not one of its options (${info.options.map((o) => o.value).join(', ')})`,
                ),
              );
            }
          },
        );
      });
    },
    answer(step, value, additionalInput) {
      return room.answer(
        step,
        { value, ...(additionalInput === undefined ? {} : { additional_input: additionalInput }) },
        'api',
      );
    },
    pending() {
      return room.pending();
    },
    dialogs: createDialogBroker({
      runId: options.runId,
      resolver: options.dialogs,
      skipGates: options.skipGates,
      skipDialogs: options.skipDialogs,
    }),
  };
}
