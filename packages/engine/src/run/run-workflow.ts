import { type ConductorEvent, createEventBus, type EventBus, nowSeconds } from '@conductor/events';
import { ProviderConfigError } from '../providers/errors.js';
import { loadMockResponses, type MockResponses, type MockResponsesInput } from '../providers/mock.js';
import type { OpenAIProviderOptions } from '../providers/openai.js';
import { createProvider } from '../providers/registry.js';
import type { Provider } from '../providers/types.js';
import type { StepExecutors } from '../steps/types.js';
import { loadWorkflow, resolveInputs } from '../workflow/index.js';
import type { AgentStep, LoadedWorkflow } from '../workflow/types.js';
import { createRunEventStream } from './event-stream.js';
import { type ExecutorHooks, executeFrom, type RunResult } from './executor.js';
import { resolveRunId } from './run-id.js';
import { initialExecutorState } from './state.js';

export interface RunOptions {
  /** Workflow inputs; defaults from the workflow's `input:` fill the rest. */
  inputs?: Record<string, unknown>;
  /**
   * The provider for every agent step: a name (`mock`, `openai`) or an instance. Overrides the
   * workflow's `runtime.provider` and steps' `provider:`. When neither this nor the workflow names
   * one, a workflow with agent steps is rejected: a run never falls back to fake answers silently.
   */
  provider?: string | Provider;
  /** Scripted answers for the mock provider: a YAML/JSON file path (relative to the cwd) or the object. */
  mockResponses?: string | MockResponsesInput;
  openai?: Omit<OpenAIProviderOptions, 'env'>;
  /** Use this id; else `CONDUCTOR_RUN_ID` from `env`; else a new one. */
  runId?: string;
  /** The environment for `CONDUCTOR_RUN_ID`, `OPENAI_*` and script steps. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Aborting it stops the run (status `interrupted`), like `run.stop()`. */
  signal?: AbortSignal;
  /** Emit into this bus (e.g. one a log writer or dashboard already listens to); it is not closed at the end. */
  bus?: EventBus;
  /** Unix seconds, for timestamps and elapsed times. Default: the wall clock. */
  clock?: () => number;
  /** Reported as `log_file` in `workflow_started`. */
  logFile?: string;
  /** Step boundary, failure and completion hooks (checkpoints). */
  hooks?: ExecutorHooks;
  /** Replace or add step executors by type. */
  executors?: StepExecutors;
}

export interface WorkflowRun extends PromiseLike<RunResult> {
  readonly runId: string;
  readonly bus: EventBus;
  /** Every event of the run from the first, lossless; ends when the run ends. One reader. */
  readonly events: AsyncIterable<ConductorEvent>;
  /**
   * Resolves when the run ends, also when it failed (`status: 'failed'`) or was stopped
   * (`'interrupted'`). Rejects only when the run could not start: an invalid workflow or input
   * (WorkflowError, InputError), a provider that cannot be used (ProviderConfigError), bad mock responses.
   */
  readonly result: Promise<RunResult>;
  /** Stops the run: kills a running script, aborts a model request, ends a wait. */
  stop(): void;
}

/**
 * Runs a workflow (a loaded one, or a path to load) and returns at once with a handle: its id, its
 * events as they happen, and its result. `await runWorkflow(path)` gives the result.
 */
export function runWorkflow(workflow: LoadedWorkflow | string, options: RunOptions = {}): WorkflowRun {
  const env = options.env ?? process.env;
  const clock = options.clock ?? nowSeconds;
  const runId = resolveRunId(options.runId, env, new Date(clock() * 1000));
  const bus = options.bus ?? createEventBus({ clock });
  const stream = createRunEventStream(bus);
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (options.signal?.aborted) controller.abort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const finish = (error?: unknown) => {
    options.signal?.removeEventListener('abort', onAbort);
    stream.end(error);
    if (!options.bus) bus.close();
  };

  const result = start().then(
    (value) => {
      finish();
      return value;
    },
    (error: unknown) => {
      finish(error);
      throw error;
    },
  );
  // A run that cannot start rejects `result`; whoever only reads `events` gets the error there, so
  // an unawaited `result` must not crash the process as an unhandled rejection.
  result.catch(() => {});

  async function start(): Promise<RunResult> {
    const loaded = typeof workflow === 'string' ? await loadWorkflow(workflow, { env }) : workflow;
    const { definition } = loaded;
    const inputs = resolveInputs(definition, options.inputs ?? {});
    const providers = await prepareProviders(loaded, options, env);

    const routes = definition.agents.flatMap((step) =>
      (step.routes ?? []).map((route) => ({ from: step.name, to: route.to, when: route.when ?? null })),
    );
    bus.emit('workflow_started', {
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
      parallel_groups: [],
      for_each_groups: [],
      routes,
      inputs,
      metadata: definition.workflow.metadata ?? {},
      run_id: runId,
      log_file: options.logFile ?? null,
      yaml_source: loaded.path ?? null,
    });

    return executeFrom(initialExecutorState(definition.workflow.entry_point, clock()), {
      runId,
      workflow: loaded,
      inputs,
      bus,
      providerFor: providers.providerFor,
      signal: controller.signal,
      clock,
      env,
      ...(options.hooks ? { hooks: options.hooks } : {}),
      ...(options.executors ? { executors: options.executors } : {}),
    });
  }

  return {
    runId,
    bus,
    events: stream,
    result,
    stop: () => controller.abort(),
    // biome-ignore lint/suspicious/noThenProperty: a run is awaitable by design
    then: (onFulfilled, onRejected) => result.then(onFulfilled, onRejected),
  };
}

interface PreparedProviders {
  providerFor(step: AgentStep): Provider;
  nameFor(step: AgentStep): string;
}

/**
 * Picks and creates every agent step's provider before the run starts, so a missing API key, an
 * unknown provider name, a missing model or a bad mock responses file is reported up front.
 */
export async function prepareProviders(
  loaded: LoadedWorkflow,
  options: Pick<RunOptions, 'provider' | 'mockResponses' | 'openai'>,
  env: Record<string, string | undefined>,
): Promise<PreparedProviders> {
  const { definition } = loaded;
  const agentSteps = definition.agents.filter((step): step is AgentStep => step.type === 'agent');
  const runtime = definition.workflow.runtime ?? {};
  let mockResponses: MockResponses | undefined;
  if (options.mockResponses !== undefined) {
    mockResponses = await loadMockResponses(options.mockResponses, {
      agents: agentSteps.map((step) => step.name),
    });
  }

  const instance = typeof options.provider === 'object' ? options.provider : undefined;
  const chosen = typeof options.provider === 'string' ? options.provider : undefined;
  const nameFor = (step: AgentStep): string => {
    if (instance) return instance.name;
    const name = chosen ?? step.provider ?? runtime.provider;
    if (!name) {
      throw new ProviderConfigError(
        `no provider is chosen for agent step "${step.name}": set workflow.runtime.provider in the workflow ` +
          '(openai for an OpenAI-compatible API, mock for offline runs with made-up answers) or pass one (--provider).',
      );
    }
    return name;
  };

  const created = new Map<string, Provider>();
  const byStep = new Map<string, Provider>();
  for (const step of agentSteps) {
    const name = nameFor(step);
    let provider = instance ?? created.get(name);
    if (!provider) {
      provider = createProvider(name, {
        ...(mockResponses ? { mockResponses } : {}),
        ...(options.openai ? { openai: options.openai } : {}),
        env,
      });
      created.set(name, provider);
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
      const provider = byStep.get(step.name);
      if (!provider)
        throw new ProviderConfigError(
          `agent step "${step.name}" has no provider (it was not in the workflow at start)`,
        );
      return provider;
    },
  };
}
