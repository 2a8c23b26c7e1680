import type { Command } from 'commander';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';
import { collect } from '../inputs.js';
import { EXIT_CODES_HELP, type ExitCodeValue } from '../exit-codes.js';

const PROVIDER_HELP = 'provider for agent steps: "mock" (offline, deterministic; no API key) or "openai" (any OpenAI-compatible endpoint: OPENAI_BASE_URL, OPENAI_API_KEY)';
const MOCK_HELP = 'scripted answers for the mock provider: a YAML/JSON file { <agent>: [ {output: {...}} | {error: "..."} | {text: "..."} ] }, consumed in order, the last one repeating';

export function registerCommands(program: Command, setExit: (code: ExitCodeValue) => void): void {
  program
    .command('run')
    .description('run a workflow; progress on stderr, the final output as JSON on stdout')
    .argument('<workflow>', 'path to the workflow YAML file')
    .option('-i, --input <name=value>', 'a workflow input (repeatable)', collect, [])
    .option('-p, --provider <name>', PROVIDER_HELP)
    .option('--mock-responses <file>', MOCK_HELP)
    .option('-q, --quiet', 'no progress output, only the result and errors')
    .addHelpText(
      'after',
      `\nExamples:\n  conductor run examples/hello.yaml --input topic="durable runs"\n  conductor run examples/review-loop.yaml --mock-responses examples/review-loop.responses.yaml\n${EXIT_CODES_HELP}`,
    )
    .action(async (workflow: string, options) => setExit(await runCommand(workflow, options)));

  program
    .command('validate')
    .description('check a workflow file without running it; every problem with file:line:column')
    .argument('<workflow>', 'path to the workflow YAML file')
    .option('-q, --quiet', 'print nothing when the workflow is valid')
    .addHelpText('after', '\nExit codes: 0 valid, 2 invalid.')
    .action(async (workflow: string, options) => setExit(await validateCommand(workflow, options)));
}
