import { type Command, Option } from 'commander';
import { EXIT_CODES_HELP, type ExitCodeValue } from '../exit-codes.js';
import { collect } from '../inputs.js';
import type { CommandIo } from '../io.js';

const PROVIDER_HELP =
  'provider for agent steps, replacing the workflow\'s runtime.provider: "openai" (OpenAI or any OpenAI-compatible server: OPENAI_BASE_URL, OPENAI_API_KEY), "claude" (Anthropic: ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL) or "mock" (offline, deterministic; no API key)';
const MOCK_HELP =
  'scripted answers for the mock provider: a YAML/JSON file { <agent>: [ {output: {...}} | {error: "..."} | {text: "..."} ] }, consumed in order, the last one repeating';

const STORE_HELP =
  'keep runs in a shared store that any machine can resume and watch: postgres://user@host/db (password in PGPASSWORD or ~/.pgpass; default: CONDUCTOR_STORE, else the files under $CONDUCTOR_HOME)';

/** A command's function: what it is given on the command line, after the io. */
type Action = (io: CommandIo, ...args: never[]) => Promise<ExitCodeValue>;

/** Options shared by `run` and `resume`. */
function runOptions(command: Command): Command {
  return command
    .option('-p, --provider <name>', PROVIDER_HELP)
    .option('--mock-responses <file>', MOCK_HELP)
    .option('--store <url>', STORE_HELP)
    .option('--skip-gates', 'answer every human gate with its first option (for unattended runs)')
    .option('-q, --quiet', 'no progress output, only the result and errors')
    .option('--web', 'serve the live dashboard; it stays up after the run ends until Ctrl-C')
    .option('--web-bg', 'start the run in the background with its dashboard, print the URL and exit 0')
    .option('--web-port <port>', 'dashboard port (default: a free one); implies --web')
    .option(
      '--max-output-chars <n>',
      "characters of a script's stdout/stderr or an agent's answer kept in events (default 50000, or CONDUCTOR_MAX_OUTPUT_CHARS); the whole of a longer one is stored in the run's outputs/ folder",
    )
    .addOption(
      new Option('--web-linger <seconds>', 'keep the dashboard up this long after the run ends').hideHelp(),
    );
}

/**
 * Declares every command, its arguments, options and help. A command's module (and the engine, the
 * dashboard... that it imports) is loaded only when that command runs: `load` imports it.
 */
export function registerCommands(
  program: Command,
  io: Omit<CommandIo, 'color'>,
  setExit: (code: ExitCodeValue) => void,
): void {
  const act =
    (load: () => Promise<Action>) =>
    async (...args: unknown[]) => {
      // Commander passes the arguments, the options, then the command itself.
      const command = args.at(-1) as Command;
      const action = await load();
      const color = command.optsWithGlobals().color !== false;
      setExit(await action({ ...io, color }, ...(args as never[])));
    };

  // Commands that read or write runs under $CONDUCTOR_HOME check it first (`checkpoint list` is "list").
  const usesHome = new Set(['run', 'resume', 'status', 'stop', 'list', 'import', 'export', 'worker']);
  program.hook('preAction', async (_program, command) => {
    if (usesHome.has(command.name())) (await import('../home.js')).checkedHome(io.env);
  });

  runOptions(
    program
      .command('run')
      .description('run a workflow; progress on stderr, the final output as JSON on stdout')
      .argument('<workflow>', 'path to the workflow YAML file')
      .option('-i, --input <name=value>', 'a workflow input (repeatable)', collect, []),
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  conductor run examples/hello.yaml --input topic="durable runs"\n' +
        '  conductor run examples/review-loop.yaml --mock-responses examples/review-loop.responses.yaml\n' +
        `  conductor run examples/release.yaml --web\n${EXIT_CODES_HELP}`,
    )
    .action(act(async () => (await import('./run.js')).runCommand));

  runOptions(
    program
      .command('resume')
      .description(
        'continue a failed, stopped or killed run: same run id, same event log, from the step where it stopped',
      )
      .argument('[workflow]', "resume this workflow's newest resumable run")
      .option('--from <checkpoint>', 'resume from this checkpoint file')
      .option('--run <run-id>', 'resume this run (its newest checkpoint, or its event log alone)')
      .option(
        '--force-workflow',
        "continue even though the workflow file's name is not the one the run was started with (a renamed workflow)",
      ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  conductor resume examples/release.yaml --web\n' +
        '  conductor resume --from ~/.conductor/runs/<run-id>/checkpoints/<file>.json\n' +
        `  conductor checkpoint list      # what can be resumed\n${EXIT_CODES_HELP}`,
    )
    .action(act(async () => (await import('./resume.js')).resumeCommand));

  program
    .command('validate')
    .description('check a workflow file without running it; every problem with file:line:column')
    .argument('<workflow>', 'path to the workflow YAML file')
    .option('-q, --quiet', 'print nothing when the workflow is valid')
    .addHelpText('after', '\nExit codes: 0 valid, 2 invalid.')
    .action(act(async () => (await import('./validate.js')).validateCommand));

  program
    .command('replay')
    .description("serve any run's event log (ours or the original conductor's) in the dashboard for playback")
    .argument('<events.jsonl>', 'the event log, e.g. ~/.conductor/runs/<run-id>/events.jsonl')
    .option('--speed <n>', 'initial playback speed: 1, 5, 20, max, or any number', '1')
    .option('--web-port <port>', 'dashboard port (default: a free one)')
    .action(act(async () => (await import('./replay.js')).replayCommand));

  program
    .command('status')
    .description('list running runs with their dashboard URLs')
    .option('-a, --all', 'every run on record, finished ones too')
    .option('--json', 'machine-readable output')
    .action(act(async () => (await import('./status.js')).statusCommand));

  program
    .command('stop')
    .description('stop a running run with a checkpoint (like Ctrl-C in its terminal)')
    .argument('[run-id]', 'the run to stop (default: the only running one)')
    .option('--timeout <seconds>', 'how long to wait for its checkpoint', '60')
    .action(act(async () => (await import('./stop.js')).stopCommand));

  const checkpoint = program.command('checkpoint').description('inspect checkpoints');
  checkpoint
    .command('list')
    .description('list checkpoints, newest first: run id, workflow, step, trigger, age')
    .argument('[workflow]', 'only checkpoints of this workflow file')
    .option('--json', 'machine-readable output')
    .action(act(async () => (await import('./checkpoint.js')).checkpointListCommand));

  program
    .command('submit')
    .description('queue a run of a workflow for any `conductor worker` of the store; prints its run id')
    .argument('<workflow>', 'the workflow file (at the same path on every worker)')
    .option('-i, --input <name=value>', 'a workflow input (repeatable)', collect, [])
    .option('-p, --provider <name>', PROVIDER_HELP)
    .option('--mock-responses <file>', MOCK_HELP)
    .option('--store <url>', STORE_HELP)
    .action(act(async () => (await import('./worker.js')).submitCommand));
  program
    .command('worker')
    .description('take queued runs from the store and run them; resume runs whose worker died')
    .option('--concurrency <n>', 'runs at once', '1')
    .option('-p, --provider <name>', PROVIDER_HELP)
    .option('--mock-responses <file>', MOCK_HELP)
    .option('--store <url>', STORE_HELP)
    .action(act(async () => (await import('./worker.js')).workerCommand));

  const store = program
    .command('store')
    .description('a shared store (PostgreSQL): its schema, and moving runs between it and $CONDUCTOR_HOME');
  store
    .command('migrate')
    .description("create or upgrade the store's schema (also done on first use)")
    .option('--store <url>', STORE_HELP)
    .action(act(async () => (await import('./store.js')).storeMigrateCommand));
  store
    .command('import')
    .description('copy a run of $CONDUCTOR_HOME (its events, checkpoints and record) into the store')
    .requiredOption('--run <run-id>', 'the run to copy')
    .option('--store <url>', STORE_HELP)
    .action(act(async () => (await import('./store.js')).storeImportCommand));
  store
    .command('export')
    .description('copy a run of the store into $CONDUCTOR_HOME as files (replay and resume then work on it)')
    .requiredOption('--run <run-id>', 'the run to copy')
    .option('--store <url>', STORE_HELP)
    .action(act(async () => (await import('./store.js')).storeExportCommand));
}
