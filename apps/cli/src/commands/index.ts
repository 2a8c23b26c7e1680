import { type Command, Option } from 'commander';
import { checkVerbosity } from '../argv.js';
import { EXIT_CODES_HELP, type ExitCodeValue } from '../exit-codes.js';
import { collect } from '../inputs.js';
import type { CommandIo } from '../io.js';
import { UNSUPPORTED, unsupportedCommand } from './unsupported.js';

const PROVIDER_HELP =
  'provider for agent steps, replacing the workflow\'s runtime.provider: "openai" (OpenAI or any OpenAI-compatible server: OPENAI_BASE_URL, OPENAI_API_KEY), "claude" (Anthropic: ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL) or "mock" (offline, deterministic; no API key)';
const MOCK_HELP =
  'scripted answers for the mock provider: a YAML/JSON file { <agent>: [ {output: {...}} | {error: "..."} | {text: "..."} ] }, consumed in order, the last one repeating';

const STORE_HELP_SHORT = 'postgres://user@host/db; default: CONDUCTOR_STORE';
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
    .option(
      '--skip-gates',
      "answer every human gate with its first option and skip agents' dialogs (for unattended runs)",
    )
    .option('-q, --quiet', 'no progress output, only the result and errors')
    .option(
      '-m, --metadata <key=value>',
      'metadata merged on top of workflow.metadata, recorded with the run (repeatable)',
      collect,
      [],
    )
    .option(
      '-l, --log-file <auto|path>',
      "also write the whole progress to this file; 'auto': $TMPDIR/conductor/conductor-<workflow>-<time>.log",
    )
    .option(
      '--no-interactive',
      "accepted for the original conductor's scripts (it has no effect: there is no Esc menu)",
    )
    .option('--web', 'serve the live dashboard; it stays up after the run ends until Ctrl-C')
    .option(
      '--web-bg',
      'start the run in the background with its dashboard, print the URL and exit 0; the dashboard stays up 600s after the run ends (CONDUCTOR_WEB_LINGER), or until `conductor stop <run-id>`',
    )
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
      // The global -q/-s (before or after the command) count as the command's own --quiet.
      const all = command.optsWithGlobals();
      checkVerbosity(all);
      const local = args.at(-2) as Record<string, unknown>;
      args[args.length - 2] = {
        ...local,
        quiet: Boolean(all.quiet || all.silent),
        silent: Boolean(all.silent),
      };
      const action = await load();
      const color = all.color !== false;
      setExit(await action({ ...io, color }, ...(args as never[])));
    };

  // Commands that read or write runs under $CONDUCTOR_HOME check it first (`checkpoint list` is "list").
  const usesHome = new Set([
    'run',
    'resume',
    'status',
    'stop',
    'list',
    'respond',
    'runs',
    'dashboard',
    'delete',
    'answer',
    'import',
    'export',
    'worker',
  ]);
  program.hook('preAction', async (_program, command) => {
    if (usesHome.has(command.name())) (await import('../home.js')).checkedHome(io.env);
  });

  runOptions(
    program
      .command('run')
      .description('run a workflow; progress on stderr, the final output as JSON on stdout')
      .argument('<workflow>', 'path to the workflow YAML file')
      .option(
        '-i, --input <name=value>',
        'a workflow input (repeatable); also --input.NAME=VALUE',
        collect,
        [],
      )
      .option('--dry-run', 'print the execution plan (steps, routes, inputs) without running anything')
      .option(
        '--instructions <path>',
        'a file whose text is added to every agent prompt (repeatable)',
        collect,
        [],
      )
      .option(
        '--workspace-instructions',
        'add AGENTS.md, CLAUDE.md, .github/copilot-instructions.md and .github/instructions/**/*.instructions.md (applyTo "**"), from the current directory up to the git root, to every agent prompt',
      )
      .option('--print-loaded-instructions', 'print which instruction files were loaded'),
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
        '--guidance <text>',
        'guidance for the rest of the run, added to every agent prompt (repeatable; at most 10000 characters)',
        collect,
        [],
      )
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
        '  conductor resume examples/release.yaml --guidance "use the staging database"\n' +
        `  conductor runs                 # every run, and whether it can be resumed\n${EXIT_CODES_HELP}`,
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
    .argument(
      '<log>',
      "the event log (e.g. ~/.conductor/runs/<run-id>/events.jsonl), the original conductor's, or its dashboard's JSON download",
    )
    .option('--speed <n>', 'initial playback speed: 1, 5, 20, max, or any number', '1')
    .option('--web-port <port>', 'dashboard port (default: a free one)')
    .action(act(async () => (await import('./replay.js')).replayCommand));

  program
    .command('runs')
    .description(
      'list every run under $CONDUCTOR_HOME, newest first: status, times, resumes, step, cost, and whether it can be resumed and why',
    )
    .option('--status <status>', 'only runs with this status: running, completed, failed, interrupted, died')
    .option('--workflow <name>', 'only runs of this workflow (its name)')
    .option('--json', 'machine-readable output')
    .option(
      '--store <url>',
      `list the runs of a shared store instead, from every machine (${STORE_HELP_SHORT})`,
    )
    .action(act(async () => (await import('./runs.js')).runsCommand));

  program
    .command('dashboard')
    .description(
      'serve every run under $CONDUCTOR_HOME on one local page until Ctrl-C: the run list (live), each run at /runs/<id>/, and resume, stop, gate answers and delete',
    )
    .option('--port <port>', 'port to listen on (default: a free one)')
    .option('--open', 'open the page in the default browser')
    .option(
      '--store <url>',
      `serve the runs of a shared store instead, from every machine; resume queues them for \`conductor worker\` (${STORE_HELP_SHORT})`,
    )
    .action(act(async () => (await import('./dashboard.js')).dashboardCommand));

  program
    .command('status')
    .description(
      'list the runs a live process runs now, and finished runs whose process still serves a dashboard, with its URL',
    )
    .option('-a, --all', 'every run on record, finished ones too (`conductor runs` shows more about each)')
    .option('--json', 'machine-readable output')
    .action(act(async () => (await import('./status.js')).statusCommand));

  program
    .command('stop')
    .description(
      'stop a running run with a checkpoint (like Ctrl-C in its terminal); for a run that ended, close the dashboard its process still serves (--web-bg)',
    )
    .argument('[run-id]', 'the run to stop (default: the only running one)')
    .option('--run-id <id>', 'the run to stop (the same as the argument)')
    .option('--port <port>', 'the run whose dashboard listens on this port')
    .option('--all', 'every running run')
    .option(
      '--allow-self',
      'allow stopping the process this command runs in (a workflow step calling conductor stop)',
    )
    .option('--force', 'if a run has not stopped by --timeout, kill its process (SIGKILL; no checkpoint)')
    .option(
      '-y, --yes',
      'do not ask before stopping several runs (nothing is ever asked: accepted for scripts)',
    )
    .option('--json', 'print {"stopped": [...], "failed": [...]} on stdout')
    .option('--timeout <seconds>', 'how long to wait for its checkpoint', '60')
    .addHelpText(
      'after',
      '\nExit codes: 0 stopped (or nothing left to stop), 1 a run did not stop, 2 nothing matched.',
    )
    .action(act(async () => (await import('./stop.js')).stopCommand));

  program
    .command('delete')
    .description('delete a run nobody runs: its folder (event log, checkpoints, outputs), after asking')
    .argument('<run-id>', 'the run to delete')
    .option('-y, --yes', 'do not ask')
    .action(act(async () => (await import('./delete.js')).deleteCommand));

  program
    .command('show')
    .description("print a workflow's inputs, steps with their routes, and outputs")
    .argument('<workflow>', 'path to the workflow YAML file')
    .action(act(async () => (await import('./show.js')).showCommand));

  const gate = program.command('gate').description('answer a human gate from the command line');
  gate
    .command('respond')
    .description('answer the gate a run with a dashboard waits at (as its page would)')
    .requiredOption('-p, --port <port>', "the run's dashboard port")
    .requiredOption('-c, --choice <value>', "the option's value")
    .option('-a, --agent <step>', "the gate's step (default: the gate waiting)")
    .option('--input <text>', 'the text the option asks for (prompt_for)')
    .option('--token <token>', "the dashboard's token (default: from the run's record)")
    .action(act(async () => (await import('./gate.js')).gateRespondCommand));

  gate
    .command('answer', { isDefault: true })
    .description(
      "answer the gate a run waits at, through its process's dashboard (a run started with --web or --web-bg, or resumed from `conductor dashboard`): conductor gate <run-id> <value>",
    )
    .argument('<run-id>', 'the run')
    .argument('<value>', "the option's value")
    .option('--step <step>', 'the gate (default: the one it waits at)')
    .option('--text <text>', 'the text the option asks for (prompt_for)')
    .action(act(async () => (await import('./gate.js')).gateCommand));

  // The original's other commands: each says what to use instead (exit 2).
  for (const [name, why] of Object.entries(UNSUPPORTED)) {
    program
      .command(name, { hidden: true })
      .description(`(the original conductor's; not available: ${why})`)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(act(async () => unsupportedCommand(name)));
  }

  const checkpoint = program.command('checkpoint').alias('checkpoints').description('inspect checkpoints');
  checkpoint
    // `conductor checkpoints` alone lists too.
    .command('list', { isDefault: true })
    .description(
      "list the checkpoint files, newest first: run id, workflow, step, trigger, age; under $CONDUCTOR_HOME and the original conductor's in $TMPDIR/conductor/checkpoints. A run killed before its first checkpoint has none: `conductor runs` lists every run and what can be resumed",
    )
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
