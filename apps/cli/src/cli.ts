import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { reportError } from './errors.js';
import { EXIT_CODES_HELP, ExitCode, type ExitCodeValue } from './exit-codes.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export function createProgram(setExit: (code: ExitCodeValue) => void): Command {
  const program = new Command()
    .name('conductor')
    .description(
      'Run multi-agent LLM workflows written in YAML. Every run keeps its whole history: it can be\n' +
        'stopped, killed or fail, be resumed any number of times, and its dashboard shows all of it.',
    )
    .version(version, '-v, --version')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `${EXIT_CODES_HELP}\n\nDocs: docs/workflow-syntax.md, examples/README.md`)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  registerCommands(program, setExit);
  return program;
}

async function main(argv: string[]): Promise<void> {
  let exitCode: ExitCodeValue = ExitCode.Success;
  const program = createProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      exitCode = error.exitCode === 0 ? ExitCode.Success : ExitCode.Invalid;
    } else {
      exitCode = reportError(error);
    }
  }
  process.exitCode = exitCode;
}

// Output piped into a command that stops reading (`| head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

await main(process.argv);
