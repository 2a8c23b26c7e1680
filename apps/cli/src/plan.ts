import type { LoadedWorkflow } from '@conductor/engine';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { CliIo } from './io.js';
import { table } from './table.js';

interface Routed {
  routes?: { to: string; when?: string }[];
}

const routesOf = (step: Routed): string =>
  (step.routes ?? []).map((r) => (r.when ? `${r.to} (when ${r.when})` : r.to)).join(', ') || '$end';

/** The rows of a workflow's steps and groups: name, type, details, routes. */
function stepRows(workflow: LoadedWorkflow): string[][] {
  const { definition } = workflow;
  const rows = definition.agents.map((step) => {
    const s = step as unknown as Routed & {
      name: string;
      type?: string;
      model?: string;
      description?: string;
    };
    return [s.name, s.type ?? 'agent', s.model ?? s.description ?? '', routesOf(s)];
  });
  for (const group of definition.parallel ?? []) {
    rows.push([group.name, 'parallel', group.agents.join(', '), routesOf(group as Routed)]);
  }
  for (const group of definition.for_each ?? []) {
    rows.push([group.name, 'for_each', `${group.as} in ${group.source}`, routesOf(group as Routed)]);
  }
  return rows;
}

function inputRows(workflow: LoadedWorkflow, given: Record<string, unknown> = {}): string[][] {
  const declared = workflow.definition.workflow.input ?? {};
  const rows = Object.entries(declared).map(([name, input]) => [
    name,
    input.type,
    input.required === false ? '' : 'yes',
    name in given
      ? `${JSON.stringify(given[name])} (given)`
      : input.default === undefined
        ? '-'
        : JSON.stringify(input.default),
    input.description ?? '',
  ]);
  for (const [name, value] of Object.entries(given)) {
    if (!(name in declared)) rows.push([name, '(not declared)', '', `${JSON.stringify(value)} (given)`, '']);
  }
  return rows;
}

/** `conductor run --dry-run`: what would run, in what order, with which inputs; nothing is run. */
export function printPlan(
  io: CliIo,
  workflow: LoadedWorkflow,
  inputs: Record<string, unknown>,
): ExitCodeValue {
  const { definition } = workflow;
  const settings = definition.workflow;
  const out: string[] = [
    `Execution plan for workflow "${settings.name}"${workflow.path ? ` (${workflow.path})` : ''}`,
    `entry point: ${settings.entry_point}`,
  ];
  const limits = settings.limits;
  if (limits) out.push(`limits: ${JSON.stringify(limits)}`);
  const inputsTable = inputRows(workflow, inputs);
  if (inputsTable.length > 0) {
    out.push(
      '',
      'Inputs',
      table(['NAME', 'TYPE', 'REQUIRED', 'VALUE', 'DESCRIPTION'], inputsTable).trimEnd(),
    );
  }
  out.push('', 'Steps', table(['NAME', 'TYPE', 'DETAILS', 'ROUTES'], stepRows(workflow)).trimEnd());
  const output = Object.keys(definition.output ?? {});
  if (output.length > 0) out.push('', `Output: ${output.join(', ')}`);
  out.push('', 'Dry run: nothing was run.');
  io.stdout.write(`${out.join('\n')}\n`);
  return ExitCode.Success;
}

/** `conductor show <workflow>`: its name, description, inputs, steps with routes, and outputs. */
export function printWorkflow(io: CliIo, workflow: LoadedWorkflow, ref: string): ExitCodeValue {
  const { definition } = workflow;
  const settings = definition.workflow;
  const out: string[] = [`Name:        ${settings.name}`];
  if (settings.description) out.push(`Description: ${settings.description}`);
  out.push(`Entry point: ${settings.entry_point}`, `Source:      ${workflow.path ?? ref}`);
  const inputsTable = inputRows(workflow);
  if (inputsTable.length > 0) {
    out.push(
      '',
      'Inputs',
      table(['NAME', 'TYPE', 'REQUIRED', 'DEFAULT', 'DESCRIPTION'], inputsTable).trimEnd(),
    );
  }
  out.push('', 'Steps', table(['NAME', 'TYPE', 'DETAILS', 'ROUTES'], stepRows(workflow)).trimEnd());
  const output = Object.entries(definition.output ?? {});
  if (output.length > 0) {
    const rows = output.map(([field, template]) => [
      field,
      template.length <= 60 ? template : `${template.slice(0, 57)}...`,
    ]);
    out.push('', 'Output', table(['FIELD', 'TEMPLATE'], rows).trimEnd());
  }
  const names = Object.keys(settings.input ?? {});
  out.push('', `conductor run ${ref}${names.map((name) => ` --input ${name}="..."`).join('')}`);
  io.stdout.write(`${out.join('\n')}\n`);
  return ExitCode.Success;
}
