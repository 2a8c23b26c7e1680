import { join } from 'node:path';
import { runDir } from '@conductor/event-log';
import { type ConductorEvent, createEventBus, type EventBus, nowSeconds } from '@conductor/events';
import { resolveHome } from '../durable/home.js';
import { createRunRecorder, type RunRecorder } from '../durable/recorder.js';
import {
  createGateBroker,
  type GateAnswer,
  type GateBroker,
  type GateResolver,
  type PendingGateInfo,
} from '../gates/broker.js';
import { resolveMaxOutputChars } from '../outputs/limits.js';
import { createOutputStore } from '../outputs/store.js';
import type { MockResponsesInput } from '../providers/mock.js';
import type { OpenAIProviderOptions } from '../providers/openai.js';
import type { Provider } from '../providers/types.js';
import type { StepExecutors } from '../steps/types.js';
import type { RenderBudget } from '../template/index.js';
import { loadWorkflow, resolveInputs } from '../workflow/index.js';
import type { LoadedWorkflow } from '../workflow/types.js';
import { createRunEventStream } from './event-stream.js';
import { type ExecutorHooks, executeFrom, type RunResult } from './executor.js';
import { workflowOutline } from './outline.js';
import { prepareProviders } from './providers.js';
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
  /**
   * Emit into this bus; it is not closed at the end. The run's log writer subscribes when
   * runWorkflow is called: a listener added to the bus before that may see an event before the log
   * file has it.
   */
  bus?: EventBus;
  /** Unix seconds, for timestamps and elapsed times. Default: the wall clock. */
  clock?: () => number;
  /** Reported as `log_file` in `workflow_started`. Default: the run's events.jsonl. */
  logFile?: string;
  /** Step boundary, failure and completion hooks; they run after the engine's own (log, checkpoints). */
  hooks?: ExecutorHooks;
  /** `$CONDUCTOR_HOME` for the run's files. Default: `CONDUCTOR_HOME` from `env`, then process.env, else ~/.conductor. */
  home?: string;
  /**
   * `false`: write no `runs/<id>/events.jsonl` and no `run.json`. By default every run records its
   * events there, so it can be resumed and shown after the fact.
   */
  eventLog?: boolean;
  /** `false`: write no checkpoints (a failed run then cannot be resumed from one). */
  checkpoints?: boolean;
  /** Replace or add step executors by type. */
  executors?: StepExecutors;
  /**
   * Answers human gates (e.g. a terminal prompt). It races `run.answerGate` (e.g. the dashboard):
   * the first answer wins and the other answerers see `request.signal` abort. Without it (and without
   * `skipGates`) a gate waits for `run.answerGate`.
   */
  gates?: GateResolver;
  /** Answer every gate with its first option at once (CI, `--skip-gates`). */
  skipGates?: boolean;
  /**
   * Characters of a script's stdout or stderr, or of an agent's text answer, kept in events and in
   * the run's context; the whole of a longer text is stored in `runs/<id>/outputs/`. Default:
   * `CONDUCTOR_MAX_OUTPUT_CHARS` from `env`, else 50000; at least 1000.
   */
  maxOutputChars?: number;
  /**
   * Bounds on each template render: `seconds` (default 10, lowered to what `limits.timeout_seconds`
   * leaves), `maxChars` printed or built (default 32 Mi), `maxItems` in a built list (default 1,000,000).
   * A render past them fails its step (CONDUCTOR_TEMPLATE_BUDGET).
   */
  renderBudget?: Partial<RenderBudget>;
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
  /**
   * Things the user should know that did not stop the run (a resume of a workflow file that changed
   * since its checkpoint, a repaired log...). Complete when `started` resolves.
   */
  readonly warnings: readonly string[];
  /** The workflow's name, once it is loaded (when `started` resolves). */
  readonly workflowName: string | undefined;
  /**
   * Answers the gate waiting at step `step` (its name, or `parent/step` inside a sub-workflow) with the
   * option whose value is `value`, and, for an option with `prompt_for`, its text. False when no such
   * gate is waiting (not yet presented, already answered) or `value` is not one of its options.
   */
  answerGate(step: string, value: string, additionalInput?: GateAnswer['additional_input']): boolean;
  /** The gates waiting for an answer now. */
  pendingGates(): PendingGateInfo[];
  /**
   * Resolves once the run has started: its first event (`workflow_started`, or `workflow_resumed`)
   * is in the log, `runId`, `warnings` and run.json are final. Rejects like `result` when the run
   * cannot start. A resume that looks its run up by workflow knows `runId` only from here on.
   */
  readonly started: Promise<void>;
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
  const recorder = createRunRecorder(bus, {
    home: resolveHome({ home: options.home, env }),
    eventLog: options.eventLog !== false,
    checkpoints: options.checkpoints !== false,
    clock,
  });

  return launchRun({
    runId: () => runId,
    bus,
    ownsBus: !options.bus,
    recorder,
    signal: options.signal,
    warnings: [],
    gates: options.gates,
    skipGates: options.skipGates,
    async start(signal, started, gates) {
      const maxChars = resolveMaxOutputChars(options.maxOutputChars, env);
      const loaded = typeof workflow === 'string' ? await loadWorkflow(workflow, { env }) : workflow;
      const { definition } = loaded;
      const inputs = resolveInputs(definition, options.inputs ?? {});
      const providers = await prepareProviders(loaded, options, env);
      const startedAt = clock();

      // Files are created only once the run is known to be able to start. Creating the log exclusively
      // takes the id; the claim then makes this process the run's one owner until it ends.
      await recorder.openNew(runId);
      await recorder.claim(runId, 'run');
      await recorder.begin({ runId, workflow: loaded, inputs, generation: 0, startedAt });
      bus.emit('workflow_started', {
        ...workflowOutline(loaded, providers),
        inputs,
        metadata: definition.workflow.metadata ?? {},
        run_id: runId,
        log_file: options.logFile ?? recorder.logPath ?? null,
        yaml_source: loaded.path ?? null,
      });
      started({ workflowName: definition.workflow.name });

      return executeFrom(initialExecutorState(definition.workflow.entry_point, startedAt), {
        runId,
        workflow: loaded,
        inputs,
        bus,
        providerFor: providers.providerFor,
        signal,
        clock,
        env,
        hooks: recorder.hooks(options.hooks),
        gates,
        subworkflowProviders: providers.forSubworkflow,
        outputs: createOutputStore({
          dir: join(runDir(runId, recorder.options.home), 'outputs'),
          maxChars,
          generation: 0,
        }),
        ...(options.executors ? { executors: options.executors } : {}),
        ...(options.renderBudget ? { renderBudget: options.renderBudget } : {}),
      });
    },
  });
}

export interface LaunchOptions {
  /** The run id; a resume may learn it only once it has read its checkpoint. */
  runId: () => string;
  bus: EventBus;
  /** Close the bus when the run ends (it was not given by the caller). */
  ownsBus: boolean;
  recorder: RunRecorder;
  signal: AbortSignal | undefined;
  warnings: string[];
  gates?: GateResolver | undefined;
  skipGates?: boolean | undefined;
  /**
   * Starts the run; `signal` aborts when the caller's signal does or `stop()` is called. Calls
   * `started` right after emitting its first event. `gates` is the run's gate broker: pass it to
   * `executeFrom`.
   */
  start(
    signal: AbortSignal,
    started: (info: { workflowName: string }) => void,
    gates: GateBroker,
  ): Promise<RunResult>;
}

/** The WorkflowRun handle shared by runWorkflow and resumeWorkflow. */
export function launchRun(launch: LaunchOptions): WorkflowRun {
  const { bus, recorder } = launch;
  const stream = createRunEventStream(bus);
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (launch.signal?.aborted) controller.abort();
  else launch.signal?.addEventListener('abort', onAbort, { once: true });

  const finish = async (value: RunResult | null, error?: unknown) => {
    launch.signal?.removeEventListener('abort', onAbort);
    await recorder.finish(value);
    stream.end(error);
    if (launch.ownsBus) bus.close();
  };

  let workflowName: string | undefined;
  let markStarted: () => void = () => {};
  let failStart: (error: unknown) => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    markStarted = resolve;
    failStart = reject;
  });
  started.catch(() => {});
  const onStarted = (info: { workflowName: string }) => {
    workflowName = info.workflowName;
    markStarted();
  };

  const gates = createGateBroker({
    runId: launch.runId,
    resolver: launch.gates,
    skipGates: launch.skipGates,
  });
  const result = launch.start(controller.signal, onStarted, gates).then(
    async (value) => {
      await finish(value);
      return value;
    },
    async (error: unknown) => {
      failStart(error);
      await finish(null, error);
      throw error;
    },
  );
  // A run that cannot start rejects `result`; whoever only reads `events` gets the error there, so
  // an unawaited `result` must not crash the process as an unhandled rejection.
  result.catch(() => {});

  return {
    get runId() {
      return launch.runId();
    },
    bus,
    events: stream,
    result,
    warnings: launch.warnings,
    get workflowName() {
      return workflowName;
    },
    started,
    stop: () => controller.abort(),
    answerGate: (step, value, additionalInput) => gates.answer(step, value, additionalInput),
    pendingGates: () => gates.pending(),
    // biome-ignore lint/suspicious/noThenProperty: a run is awaitable by design
    then: (onFulfilled, onRejected) => result.then(onFulfilled, onRejected),
  };
}

export type { PreparedProviders } from './providers.js';
export { prepareProviders, workflowOutline };
