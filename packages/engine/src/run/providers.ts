import { groupOfItemName } from '../groups/for-each.js';
import type { ProviderConfig, ProviderFactory } from '../providers/config.js';
import { ProviderConfigError } from '../providers/errors.js';
import { loadMockResponses, type MockResponses, type MockResponsesInput } from '../providers/mock.js';
import type { OpenAIProviderOptions } from '../providers/openai.js';
import { createProvider } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';
import { parseWorkflow } from '../workflow/load.js';
import { readWorkflowFileSync } from '../workflow/read.js';
import { resolveSubworkflowPath } from '../workflow/subworkflows.js';
import type { AgentStep, LoadedWorkflow, RuntimeConfig } from '../workflow/types.js';

export interface ProviderOptions {
  provider?: string | Provider;
  mockResponses?: string | MockResponsesInput;
  openai?: Omit<OpenAIProviderOptions, 'env'>;
  providers?: Readonly<Record<string, ProviderFactory>>;
}

export interface PreparedProviders {
  /** The provider of an agent step; a for-each item (`<group>[<i>]`) gets its group's. */
  providerFor(step: AgentStep): Provider;
  nameFor(step: AgentStep): string;
  /** The providers of a sub-workflow's agent steps, from the same instances (mock answers continue). */
  forSubworkflow(workflow: LoadedWorkflow): Promise<PreparedProviders>;
}

/**
 * The agent steps of a workflow by the name their provider is found under: its agent steps, and the
 * agent body of each for-each group under the group's name.
 */
function agentSteps(loaded: LoadedWorkflow): AgentStep[] {
  const { definition } = loaded;
  const steps = definition.agents.filter((step): step is AgentStep => step.type === 'agent');
  for (const group of definition.for_each ?? []) {
    const body = group.agent as Partial<AgentStep>;
    if ((body.type ?? 'agent') === 'agent')
      steps.push({ ...body, type: 'agent', name: group.name } as AgentStep);
  }
  return steps;
}

/**
 * Names mock responses may use: agent steps and for-each groups with an agent body, here and in every
 * sub-workflow the workflow runs (read as far as they can be).
 */
function agentNames(loaded: LoadedWorkflow, seen = new Set<string>()): string[] {
  const names = agentSteps(loaded).map((step) => step.name);
  const { definition } = loaded;
  const references = [
    ...definition.agents.flatMap((step) => (step.type === 'workflow' ? [step.workflow] : [])),
    ...(definition.for_each ?? []).flatMap((group) =>
      group.agent.type === 'workflow' ? [(group.agent as { workflow: string }).workflow] : [],
    ),
  ];
  for (const reference of references) {
    const path = resolveSubworkflowPath(reference, loaded.path);
    if (seen.has(path)) continue;
    seen.add(path);
    try {
      names.push(...agentNames(parseWorkflow(readOrEmpty(path), { path }), seen));
    } catch {
      // An invalid child: its own run reports it.
    }
  }
  return names;
}

function readOrEmpty(path: string): string {
  try {
    // Sync on purpose: a handful of small files, read once before the run starts.
    return readWorkflowFileSync(path);
  } catch {
    return '';
  }
}

/**
 * Picks and creates every agent step's provider before the run starts, so a missing API key, an
 * unknown provider name, a missing model or a bad mock responses file is reported up front.
 * Sub-workflows get theirs when they start, from the same provider instances.
 */
export async function prepareProviders(
  loaded: LoadedWorkflow,
  options: ProviderOptions,
  env: Record<string, string | undefined>,
): Promise<PreparedProviders> {
  let mockResponses: MockResponses | undefined;
  if (options.mockResponses !== undefined) {
    mockResponses = await loadMockResponses(options.mockResponses, { agents: agentNames(loaded) });
  }
  const instance = typeof options.provider === 'object' ? options.provider : undefined;
  const chosen = typeof options.provider === 'string' ? options.provider : undefined;
  const created = new Map<string, Provider>();

  const prepare = (workflow: LoadedWorkflow): PreparedProviders => {
    const runtime = workflow.definition.workflow.runtime ?? {};
    const nameFor = (step: AgentStep): string => {
      if (instance) return instance.name;
      const setting = chosen ?? step.provider ?? runtime.provider;
      const name = typeof setting === 'object' ? setting.name : setting;
      if (!name) {
        throw new ProviderConfigError(
          `no provider is chosen for agent step "${step.name}": set workflow.runtime.provider in the workflow ` +
            '(openai for an OpenAI-compatible API, claude for Anthropic, mock for offline runs with made-up answers) ' +
            'or pass one (--provider).',
        );
      }
      return name;
    };
    const byStep = new Map<string, Provider>();
    for (const step of agentSteps(workflow)) {
      const name = nameFor(step);
      let provider = instance;
      if (!provider) {
        const { config, key } = configFor(step, name, runtime, workflow, env, chosen);
        provider = created.get(key);
        if (!provider) {
          provider = createProvider(config, {
            ...(mockResponses ? { mockResponses } : {}),
            ...(options.openai ? { openai: options.openai } : {}),
            ...(options.providers ? { registered: options.providers } : {}),
          });
          created.set(key, provider);
        }
      }
      if (provider.requiresModel && !(step.model ?? runtime.default_model)) {
        throw new ProviderConfigError(
          `agent step "${step.name}" has no model for the ${provider.name} provider: set model: on the step ` +
            'or workflow.runtime.default_model.',
        );
      }
      byStep.set(step.name, provider);
    }
    return {
      nameFor,
      providerFor(step) {
        const provider = byStep.get(step.name) ?? byStep.get(groupOfItemName(step.name) ?? '');
        if (!provider)
          throw new ProviderConfigError(
            `agent step "${step.name}" has no provider (it was not in the workflow at start)`,
          );
        return provider;
      },
      forSubworkflow: async (child) => prepare(child),
    };
  };
  return prepare(loaded);
}

/**
 * A step's provider configuration, and the key its instance is shared under. `--provider` replaces the
 * whole setting with just the name (one instance for every step); a step's own `provider:` gets an
 * instance of its own (§4.1 of the original); the workflow's `runtime.provider` one per distinct
 * configuration. The mock provider is one instance, so scripted answers continue across all of them.
 */
function configFor(
  step: AgentStep,
  name: string,
  runtime: RuntimeConfig,
  workflow: LoadedWorkflow,
  env: Record<string, string | undefined>,
  chosen: string | undefined,
): { config: ProviderConfig; key: string } {
  const timeout = runtime.timeout === undefined ? {} : { timeout: runtime.timeout };
  if (chosen !== undefined) return { config: { name, ...timeout, env }, key: `chosen:${name}` };
  if (step.provider !== undefined) {
    return {
      config: { name, ...timeout, env },
      key: name === 'mock' ? 'mock' : `step:${workflow.path ?? ''}:${step.name}:${name}`,
    };
  }
  const setting = typeof runtime.provider === 'object' ? runtime.provider : { name };
  const config: ProviderConfig = { ...setting, ...timeout, env };
  return { config, key: name === 'mock' ? 'mock' : `runtime:${JSON.stringify({ ...setting, ...timeout })}` };
}
