import type { GateAnswer, GateRequest, GateResolver, WorkflowRun } from '@conductor/engine';
import type { CliIo } from './io.js';

export interface TerminalGateOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /**
   * Called for Ctrl-C typed at the prompt. The prompt reads keys in raw mode, so the terminal raises no
   * SIGINT: the key arrives as a character and the prompt gives up. This lets it count as Ctrl-C anyway.
   */
  onInterrupt?: () => void;
}

/** Inquirer's error for Ctrl-C at a prompt (its docs say to match it by name). */
const isPromptExit = (error: unknown): boolean => error instanceof Error && error.name === 'ExitPromptError';

/**
 * Answers human gates in the terminal: arrow keys to choose, then the text an option asks for. The
 * prompt goes to stderr (stdout carries the run's output) and disappears if the gate is answered in the
 * dashboard first. Ctrl-C at the prompt stops the run as Ctrl-C anywhere else does.
 */
export function terminalGateResolver(options: TerminalGateOptions = {}): GateResolver {
  const output = options.output ?? process.stderr;
  const ask = async (request: GateRequest): Promise<GateAnswer> => {
    // The prompts load at the first gate: most runs never ask.
    const [{ default: select }, { default: input }] = await Promise.all([
      import('@inquirer/select'),
      import('@inquirer/input'),
    ]);
    const context = { signal: request.signal, input: options.input, output, clearPromptOnDone: false };
    output.write(`\n${request.prompt.trim()}\n\n`);
    const value = await select(
      {
        message: `${request.key}: choose`,
        choices: request.options.map((option) => ({
          name: option.label,
          value: option.value,
          description: option.description ?? (option.route ? `→ ${option.route}` : undefined),
        })),
      },
      context,
    );
    const chosen = request.options.find((option) => option.value === value);
    if (!chosen?.prompt_for) return { value };
    const text = await input({ message: chosen.prompt_for }, context);
    return { value, additional_input: text };
  };
  return {
    async answer(request: GateRequest): Promise<GateAnswer> {
      try {
        return await ask(request);
      } catch (error) {
        if (isPromptExit(error)) options.onInterrupt?.();
        throw error;
      }
    },
  };
}

/**
 * For a run with no terminal to ask in and no dashboard: a gate cannot be answered, so the run stops at
 * it with a checkpoint (resumable at the gate) instead of waiting forever.
 */
export function unanswerableGateResolver(io: CliIo, run: () => WorkflowRun | null): GateResolver {
  return {
    answer(request: GateRequest): Promise<GateAnswer> {
      io.stderr.write(
        `step "${request.key}" waits for a decision, but there is no terminal to ask in and no dashboard.\n` +
          'Run it in a terminal, with --web (answer in the page), or with --skip-gates (first option).\n' +
          'Stopping with a checkpoint; `conductor resume` continues at the gate.\n',
      );
      run()?.stop();
      return new Promise(() => {});
    },
  };
}

export interface GateFlags {
  skipGates?: boolean;
  web?: boolean;
  webBg?: boolean;
  webPort?: string;
}

/** Who answers gates for this command line: the terminal, the dashboard, or `--skip-gates`. */
export function gateOptions(
  io: CliIo,
  flags: GateFlags,
  run: () => WorkflowRun | null,
  onInterrupt?: () => void,
): { skipGates?: boolean; gates?: GateResolver } {
  if (flags.skipGates) return { skipGates: true };
  if (io.stdin.isTTY && io.stderr.isTTY) {
    return { gates: terminalGateResolver({ input: io.stdin, output: io.stderr, onInterrupt }) };
  }
  const dashboard = flags.web || flags.webBg || flags.webPort !== undefined;
  return dashboard ? {} : { gates: unanswerableGateResolver(io, run) };
}
