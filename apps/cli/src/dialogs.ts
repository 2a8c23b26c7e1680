import type { DialogRequest, DialogResolver } from '@conductor/engine';
import type { GateFlags } from './gates.js';
import type { CliIo } from './io.js';

export interface TerminalDialogOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Called for Ctrl-C typed at the prompt (a key in raw mode, not a signal), as for gates. */
  onInterrupt?: () => void;
}

const isPromptExit = (error: unknown): boolean => error instanceof Error && error.name === 'ExitPromptError';

/**
 * Holds agents' dialogs in the terminal: the agent's message, then a line to answer it. "done" (or
 * "continue") ends the dialog. The prompt goes to stderr (stdout carries the run's output) and gives up
 * when the message is written in the dashboard first. Ctrl-C at the prompt stops the run, as anywhere.
 */
export function terminalDialogResolver(options: TerminalDialogOptions = {}): DialogResolver {
  const output = options.output ?? process.stderr;
  // Messages of each dialog already on the screen: a message written in the dashboard (while the
  // terminal's prompt waited) is shown at the next turn, so the terminal keeps the whole conversation.
  const shown = new Map<string, number>();
  const ask = async (request: DialogRequest): Promise<string> => {
    // The prompt loads at the first dialog: most runs never hold one.
    const { default: input } = await import('@inquirer/input');
    const from = shown.get(request.dialogId) ?? 0;
    if (from === 0) {
      output.write(`\n${request.key} opens a dialog: answer it, and say "done" when it may go on.\n`);
    }
    for (const message of request.transcript.slice(from)) {
      output.write(
        message.role === 'agent'
          ? `\n${request.key}: ${message.content.trim()}\n\n`
          : `you (in the dashboard): ${message.content.trim()}\n`,
      );
    }
    if (request.error) output.write(`\n${request.key}: ${request.error}\n\n`);
    shown.set(request.dialogId, request.transcript.length);
    const text = await input(
      {
        message: 'you:',
        validate: (typed) => typed.trim() !== '' || `write an answer, or "done" to let ${request.key} go on`,
      },
      { signal: request.signal, input: options.input, output, clearPromptOnDone: false },
    );
    shown.set(request.dialogId, request.transcript.length + 1);
    return text;
  };
  return {
    async reply(request) {
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
 * Who holds dialogs for this command line: the terminal (racing the dashboard, with --web), the
 * dashboard alone (no terminal), or nobody. With `--skip-gates`, or with neither a terminal nor a
 * dashboard, a dialog that triggers is skipped (`dialog_skipped`) and the step keeps its answer: a
 * dialog only improves an answer, so a run that cannot hold one goes on instead of stopping.
 */
export function dialogOptions(
  io: CliIo,
  flags: GateFlags,
  onInterrupt?: () => void,
): { dialogs?: DialogResolver; skipDialogs?: boolean } {
  // `skipGates` reaches the engine through the gate options and skips dialogs too.
  if (flags.skipGates) return {};
  if (io.stdin.isTTY && io.stderr.isTTY) {
    return { dialogs: terminalDialogResolver({ input: io.stdin, output: io.stderr, onInterrupt }) };
  }
  const dashboard = flags.web || flags.webBg || flags.webPort !== undefined;
  return dashboard ? {} : { skipDialogs: true };
}
