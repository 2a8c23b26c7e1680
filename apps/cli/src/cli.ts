import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { reportError } from './errors.js';
import { EXIT_CODES_HELP, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { type CliIo, type CommandIo, processIo } from './io.js';

export type { CliIo, CommandIo } from './io.js';

/** The CLI's own version, from its package.json (beside dist/ and src/ alike). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return (pkg as { version: string }).version;
}

/**
 * `conductor <argv...>`: parses the command line, runs the command and resolves to its exit code. It
 * writes only to `io` and never exits the process: the bin sets the exit code. Commands and what they
 * need (the engine, the dashboard, prompts) are loaded only when that command runs.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCodeValue> {
  // What scripts call to check an install answers before the parser loads.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    io.stdout.write(`${version()}\n`);
    return ExitCode.Success;
  }
  let exitCode: ExitCodeValue = ExitCode.Success;
  try {
    const { CommanderError } = await import('commander');
    const program = await createProgram({ ...io, argv }, (code) => {
      exitCode = code;
    });
    try {
      const { normalizeArgv } = await import('./argv.js');
      await program.parseAsync(normalizeArgv(argv), { from: 'user' });
    } catch (error) {
      // --help and --version end here too, with exit code 0.
      if (!(error instanceof CommanderError)) throw error;
      exitCode = error.exitCode === 0 ? ExitCode.Success : ExitCode.Invalid;
    }
  } catch (error) {
    exitCode = reportError(error, io.stderr, io.env);
  }
  return exitCode;
}

async function createProgram(
  io: Omit<CommandIo, 'color'>,
  setExit: (code: ExitCodeValue) => void,
): Promise<Command> {
  const [{ Command }, { registerCommands }] = await Promise.all([
    import('commander'),
    import('./commands/index.js'),
  ]);
  const program = new Command()
    .name('conductor')
    .description(
      'Run multi-agent LLM workflows written in YAML. Every run keeps its whole history: it can be\n' +
        'stopped, killed or fail, be resumed any number of times, and its dashboard shows all of it.',
    )
    .version(version(), '-v, --version')
    .option('--no-color', 'no colours in the output (as with NO_COLOR=1)')
    .option('-q, --quiet', 'no progress output: only the result, warnings and errors')
    .option('-s, --silent', 'no progress output and no warnings: only the result (stdout) and errors')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `${EXIT_CODES_HELP}\n\nDocs: docs/workflow-syntax.md, examples/README.md`)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(text),
    });
  registerCommands(program, io, setExit);
  return program;
}
