import type { RunnableStep } from '../steps/types.js';
import type { WorkflowDefinition } from '../workflow/types.js';

/** Every step and group of a workflow by name: what routes, `entry_point` and the executor refer to. */
export function runnableSteps(definition: WorkflowDefinition): Map<string, RunnableStep> {
  const steps = new Map<string, RunnableStep>(definition.agents.map((step) => [step.name, step]));
  for (const group of definition.parallel ?? []) steps.set(group.name, { ...group, type: 'parallel' });
  for (const group of definition.for_each ?? []) steps.set(group.name, group);
  return steps;
}

/** The names of a workflow's parallel and for-each groups. */
export function groupNamesOf(definition: WorkflowDefinition): Set<string> {
  return new Set([
    ...(definition.parallel ?? []).map((group) => group.name),
    ...(definition.for_each ?? []).map((group) => group.name),
  ]);
}

/**
 * What templates see under a step's name: `{ output }`; for a group also its parts at the top, so
 * `<group>.outputs.<member>`, `<group>.errors` and `<group>.count` read as in the original.
 */
export function scopeEntry(output: unknown, isGroup: boolean): Record<string, unknown> {
  if (isGroup && typeof output === 'object' && output !== null && !Array.isArray(output)) {
    return { ...(output as Record<string, unknown>), output };
  }
  return { output };
}
