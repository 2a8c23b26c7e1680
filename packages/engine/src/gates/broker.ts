/**
 * Human gates: a gate step asks, and whoever answers first wins: the run's `GateResolver` (the CLI's
 * terminal prompt), `run.answerGate(...)` (the dashboard's POST /api/gate), or `skipGates` (the first
 * option, at once). The others are told to stop through the request's signal. The same people hold an
 * agent's dialogs: the broker carries the run's dialog broker (dialog-broker.ts) too.
 */
import { createDialogBroker, type DialogBroker, type DialogResolver } from './dialog-broker.js';

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

interface Waiting {
  info: PendingGateInfo;
  settle(answer: GateAnswer, source: GateAnswerSource): boolean;
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
  const waiting = new Map<symbol, Waiting>();

  const find = (step: string): Waiting | undefined => {
    for (const entry of waiting.values()) if (entry.info.key === step) return entry;
    for (const entry of waiting.values()) if (entry.info.step === step) return entry;
    return undefined;
  };

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
      const id = Symbol(info.key);
      const controller = new AbortController();
      return new Promise<GateAnswered>((resolve, reject) => {
        let settled = false;
        const finish = () => {
          settled = true;
          waiting.delete(id);
          signal.removeEventListener('abort', onAbort);
          controller.abort();
        };
        const onAbort = () => {
          if (settled) return;
          finish();
          reject(signal.reason instanceof Error ? signal.reason : new Error('the run was stopped'));
        };
        const settle = (answer: GateAnswer, source: GateAnswerSource): boolean => {
          if (settled) return false;
          const option = info.options.find((choice) => choice.value === answer.value);
          if (!option) return false;
          finish();
          resolve({ option, additional_input: additionalInputOf(option, answer.additional_input), source });
          return true;
        };
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
        waiting.set(id, { info, settle });
        try {
          onOpen();
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (settled) return;
        const first = info.options[0];
        if (options.skipGates && first) {
          settle({ value: first.value }, 'skip');
          return;
        }
        if (!options.resolver) return;
        let asked: Promise<GateAnswer>;
        try {
          asked = options.resolver.answer({
            ...question,
            runId: typeof options.runId === 'function' ? options.runId() : options.runId,
            subworkflowPath: path,
            key: info.key,
            signal: controller.signal,
          });
        } catch (error) {
          asked = Promise.reject(error);
        }
        asked.then(
          (answer) => {
            if (settled) return;
            if (!settle(answer, 'resolver')) {
              finish();
              reject(
                new GateAnswerError(
                  `gate "${info.step}" was answered "${answer?.value}", which is not one of its options (${info.options.map((o) => o.value).join(', ')})`,
                ),
              );
            }
          },
          // A resolver that gives up leaves the gate to the other answerers (a dashboard may still answer).
          () => {},
        );
      });
    },
    answer(step, value, additionalInput) {
      const entry = find(step);
      if (!entry) return false;
      return entry.settle(
        { value, ...(additionalInput === undefined ? {} : { additional_input: additionalInput }) },
        'api',
      );
    },
    pending() {
      return [...waiting.values()].map((entry) => ({ ...entry.info }));
    },
    dialogs: createDialogBroker({
      runId: options.runId,
      resolver: options.dialogs,
      skipGates: options.skipGates,
      skipDialogs: options.skipDialogs,
    }),
  };
}
