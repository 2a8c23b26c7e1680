import type { LoadedWorkflow } from '../workflow/types.js';
import type { PreparedProviders } from './providers.js';

/** The graph part of `workflow_started` (name, entry point, steps, groups, routes). */
export function workflowOutline(loaded: LoadedWorkflow, providers: Pick<PreparedProviders, 'nameFor'>) {
  const { definition } = loaded;
  const routesOf = (from: string, routes: { to: string; when?: string }[] | undefined) =>
    (routes ?? []).map((route) => ({ from, to: route.to, when: route.when ?? null }));
  return {
    name: definition.workflow.name,
    version: definition.workflow.version ?? null,
    entry_point: definition.workflow.entry_point,
    agents: definition.agents.map((step) => ({
      name: step.name,
      type: step.type,
      model:
        step.type === 'agent' ? (step.model ?? definition.workflow.runtime?.default_model ?? null) : null,
      provider: step.type === 'agent' ? providers.nameFor(step) : null,
    })),
    parallel_groups: (definition.parallel ?? []).map((group) => ({
      name: group.name,
      agents: [...group.agents],
    })),
    for_each_groups: (definition.for_each ?? []).map((group) => ({
      name: group.name,
      source: group.source,
      agent_type: group.agent.type ?? 'agent',
      max_concurrent: group.max_concurrent ?? null,
    })),
    routes: [
      ...definition.agents.flatMap((step) => [
        // A gate's options that name a route are edges of the graph too.
        ...(step.type === 'human_gate'
          ? step.options.flatMap((option) =>
              option.route === undefined
                ? []
                : [
                    {
                      from: step.name,
                      to: option.route,
                      when: `${step.name}.output.value == '${option.value}'`,
                    },
                  ],
            )
          : []),
        ...routesOf(step.name, step.routes),
      ]),
      ...(definition.parallel ?? []).flatMap((group) => routesOf(group.name, group.routes)),
      ...(definition.for_each ?? []).flatMap((group) => routesOf(group.name, group.routes)),
    ],
  };
}
