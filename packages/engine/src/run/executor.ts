import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runDir } from '@conductor/event-log';
import { type EventBus, nowSeconds } from '@conductor/events';
import { createGateBroker, type GateBroker } from '../gates/broker.js';
import { createOutputStore, type OutputStore } from '../outputs/store.js';
import type { Provider } from '../providers/types.js';
import { round } from '../steps/common.js';
import { createStepContext, type StepServices } from '../steps/context.js';
import { describeError, StepFailure } from '../steps/errors.js';
import { merged } from '../steps/merge.js';
import type {
  RunnableStep,
  StepExecutors,
  StepResult,
  StopReason,
  SubworkflowFrame,
  TemplateScope,
} from '../steps/types.js';
import type { RenderBudget } from '../template/budget.js';
import { createTemplateRenderer } from '../template/renderer.js';
import { createToolbox, type Toolbox } from '../tools/toolbox.js';
import type { AgentStep, LoadedWorkflow } from '../workflow/types.js';
import { createBudgetMeter } from './budget.js';
import { busWithFields } from './child-bus.js';
import { defaultStepExecutors } from './default-executors.js';
import { resolveHome } from './home.js';
import { workflowOutline } from './outline.js';
import type { PreparedProviders } from './providers.js';
import { DEFAULT_MAX_ITERATIONS, describeFailure, type ExecutorHooks, type RunResult } from './result.js';
import { END, noRouteMatched, renderFinalOutput, selectRoute } from './routing.js';
import { groupNamesOf, runnableSteps, scopeEntry } from './runnable.js';
import { fullScope, promptScope, type ScopeSource } from './scope.js';
import { type ExecutorState, initialExecutorState, snapshotState } from './state.js';
import { trimScope } from './trim.js';

export interface ExecutionEnvironment {
  runId: string;
  workflow: LoadedWorkflow;
  /** Resolved workflow inputs (defaults applied). */
  inputs: Record<string, unknown>;
  bus: EventBus;
  providerFor(step: AgentStep): Provider;
  /** Default: {@link defaultStepExecutors}. */
  executors?: StepExecutors;
  /** Aborting it interrupts the run (status `interrupted`). */
  signal?: AbortSignal;
  /** Unix seconds. Default: the wall clock. */
  clock?: () => number;
  env?: Record<string, string | undefined>;
  hooks?: ExecutorHooks;
  /**
   * Who answers human gates (`runWorkflow`'s `gates`, `skipGates`, `run.answerGate`). Default: a
   * broker nobody answers, so a gate waits until the run is stopped.
   */
  gates?: GateBroker;
  /** Where this workflow runs in a tree of sub-workflows. Default: the root. */
  subworkflow?: SubworkflowFrame;
  /**
   * Where texts over the output cap are stored. Default: `runs/<runId>/outputs` under the home of `env`,
   * with the default cap.
   */
  outputs?: OutputStore;
  /**
   * The run's MCP servers. Default: a toolbox of this execution, closed before it ends (before
   * `workflow_completed` or `workflow_failed`, whatever ends it); sub-workflows share their parent's.
   */
  toolbox?: Toolbox;
  /** Bounds on each template render (default DEFAULT_RENDER_BUDGET); the run's timeout lowers `seconds`. */
  renderBudget?: Partial<RenderBudget>;
  /** The providers of a sub-workflow's agent steps. Default: `providerFor` (no agent steps of its own). */
  subworkflowProviders?(
    workflow: LoadedWorkflow,
  ): Promise<Pick<PreparedProviders, 'providerFor' | 'nameFor'>>;
}

/** The longest a run of steps that do not wait keeps the event loop from turning. */
const TURN_EVERY_MS = 5;

/**
 * Runs the workflow from `initial` (a fresh state, or one restored from a checkpoint) until `$end`,
 * a terminate step, a failure, the timeout or an interrupt, and emits `workflow_completed` or
 * `workflow_failed`. It never throws for a failed run: failure is a result.
 */
export async function executeFrom(
  initial: ExecutorState,
  environment: ExecutionEnvironment,
): Promise<RunResult> {
  const state = snapshotState(initial);
  const { workflow, bus, runId } = environment;
  const definition = workflow.definition;
  const settings = definition.workflow;
  const clock = environment.clock ?? nowSeconds;
  const executors = environment.executors ?? defaultStepExecutors();
  const steps = runnableSteps(definition);
  const groups = groupNamesOf(definition);
  const frame: SubworkflowFrame = environment.subworkflow ?? { path: [], files: [] };
  const gates = environment.gates ?? createGateBroker({ runId });
  const maxIterations = settings.limits?.max_iterations ?? DEFAULT_MAX_ITERATIONS;
  const timeoutSeconds = settings.limits?.timeout_seconds;
  const workflowDir = workflow.path ? dirname(workflow.path) : process.cwd();
  const source: ScopeSource = { definition, path: workflow.path, inputs: environment.inputs, state };
  // The timeout window starts with this execution (a resume gets a fresh one, as in the original).
  const started = clock();
  const elapsed = () => round(clock() - started);

  const controller = new AbortController();
  let stopReason: StopReason | null = null;
  const stop = (reason: StopReason) => {
    if (stopReason) return;
    stopReason = reason;
    controller.abort(reason);
  };
  const onExternalAbort = () => stop('interrupted');
  if (environment.signal?.aborted) stop('interrupted');
  else environment.signal?.addEventListener('abort', onExternalAbort, { once: true });
  const timer =
    timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => stop('timeout'), Math.max(0, timeoutSeconds * 1000));

  // Spend of this execution's agents (sub-workflows' included), checked after each step.
  const budget = createBudgetMeter(bus, frame.path, settings.limits);

  const templates = createTemplateRenderer({
    budget: environment.renderBudget,
    signal: controller.signal,
    runTimeout:
      timeoutSeconds === undefined
        ? undefined
        : { timeoutSeconds, secondsLeft: () => timeoutSeconds - (clock() - started) },
  });

  const lastOutput = () =>
    state.lastOutputStep === null ? null : (state.stepOutputs[state.lastOutputStep] ?? null);
  const env = environment.env ?? process.env;
  const outputs =
    environment.outputs ?? createOutputStore({ dir: join(runDir(runId, resolveHome({ env })), 'outputs') });
  // Servers a run started end with it: before its last event, on success, failure, stop or timeout.
  const toolbox = environment.toolbox ?? createToolbox({ outputs, env, signal: controller.signal });
  const hooks = environment.toolbox
    ? (environment.hooks ?? {})
    : closingTools(environment.hooks ?? {}, toolbox);

  /** Runs a child workflow for step `parentStep` on this run's bus, under `subworkflow_path`. */
  const runSubworkflow: StepServices['runSubworkflow'] = async (parentStep, child, inputs, signal) => {
    const path = [...frame.path, parentStep];
    const childBus = busWithFields(bus, { subworkflow_path: path });
    const providers = environment.subworkflowProviders
      ? await environment.subworkflowProviders(child)
      : { providerFor: environment.providerFor, nameFor: () => 'unknown' };
    const startedAt = clock();
    childBus.emit('workflow_started', {
      ...workflowOutline(child, providers),
      inputs,
      metadata: child.definition.workflow.metadata ?? {},
      run_id: runId,
      yaml_source: child.path ?? null,
    });
    return executeFrom(initialExecutorState(child.definition.workflow.entry_point, startedAt), {
      ...environment,
      workflow: child,
      inputs,
      bus: childBus,
      providerFor: providers.providerFor,
      executors,
      signal,
      clock,
      env,
      gates,
      outputs,
      toolbox,
      hooks: {},
      subworkflow: {
        path,
        files: [...frame.files, ...(workflow.path === undefined ? [] : [workflow.path])],
      },
    });
  };

  const services: StepServices = {
    workflow,
    workflowDir,
    executors,
    scope: (iteration) => fullScope(source, iteration),
    promptScope: (step, iteration) => {
      const scope = promptScope(
        source,
        { name: step.name, input: 'input' in step ? step.input : undefined },
        iteration,
        settings.context?.mode,
      );
      const limit = settings.context?.max_tokens;
      return limit === undefined
        ? scope
        : trimScope(scope, limit, settings.context?.trim_strategy ?? 'drop_oldest');
    },
    emit: (type, data) => {
      bus.emit(type, data);
    },
    signal: controller.signal,
    stopReason: () => stopReason,
    providerFor: environment.providerFor,
    env,
    clock,
    templates,
    previewRoute: (step, output, scope) => selectRoute(step, output, scope, templates),
    renderWorkflowOutput: (scope) =>
      renderFinalOutput(
        templates,
        definition,
        null,
        merged(scope, { output: lastOutput() }),
        lastOutput(),
        workflow.path,
      ),
    progress: (name) => {
      state.groups ??= {};
      state.groups[name] ??= { completed: {} };
      return state.groups[name];
    },
    gates,
    runSubworkflow,
    subworkflow: frame,
    outputs,
    tools: toolbox,
  };
  const stoppedError = (): StepFailure =>
    new StepFailure(state.currentStep ?? '', stopReason === 'timeout' ? 'TimeoutError' : 'Interrupted', '');

  /**
   * After `name` completed with `output`: takes its route. Returns the run's result when the route
   * ends the run; otherwise `state.currentStep` is the next step.
   */
  const advance = async (
    name: string,
    step: RunnableStep,
    output: unknown,
    scope: TemplateScope,
  ): Promise<RunResult | null> => {
    const choice = await selectRoute(
      step,
      output,
      merged(scope, { [name]: scopeEntry(output, groups.has(name)) }),
      templates,
    );
    if (choice === null) throw noRouteMatched(step, output);
    bus.emit('route_taken', { from_agent: name, to_agent: choice.to });
    if (choice.to !== END) {
      state.currentStep = choice.to;
      state.awaitingRoute = false;
      return null;
    }
    const finalScope = merged(fullScope(source, state.iteration), { output });
    const final = await renderFinalOutput(
      templates,
      definition,
      choice.route,
      finalScope,
      output,
      workflow.path,
    );
    state.currentStep = null;
    const runResult: RunResult = {
      runId,
      status: 'completed',
      output: final,
      elapsedSeconds: elapsed(),
      lastSeq: bus.lastSeq,
      iterations: state.iteration,
    };
    await hooks.onComplete?.(snapshotState(state), runResult);
    bus.emit('workflow_completed', { elapsed: runResult.elapsedSeconds, output: final });
    return { ...runResult, lastSeq: bus.lastSeq };
  };

  let lastTurn = performance.now();
  try {
    if (state.awaitingRoute) {
      // Restored from a log that ends after a step completed but before its route was recorded:
      // the step's output is committed, so only its route is evaluated (the step does not run again).
      const name = state.currentStep;
      const step = name === null ? undefined : steps.get(name);
      if (!step || name === null) {
        throw unknownStep(name);
      }
      const ended = await advance(name, step, state.stepOutputs[name], fullScope(source, state.iteration));
      if (ended) return ended;
    }
    for (;;) {
      if (stopReason) throw stoppedError();
      const name = state.currentStep;
      const step = name === null ? undefined : steps.get(name);
      if (!step || name === null) {
        throw unknownStep(name);
      }
      // Steps that never wait on I/O (set, routes, scripts' templates) chain promises only, so a loop of
      // them never lets the event loop turn: a dashboard in this process, its sockets, timers and
      // signals would wait for the whole run. At a step boundary, every few ms, let them in.
      if (performance.now() - lastTurn >= TURN_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastTurn = performance.now();
      }
      await hooks.onStepBoundary?.(state);
      if (timeoutSeconds !== undefined && clock() - started >= timeoutSeconds) stop('timeout');
      if (stopReason) throw stoppedError();

      const iteration = state.iteration + 1;
      if (iteration > maxIterations) {
        bus.emit('iteration_limit_reached', {
          agent_name: name,
          current_iteration: state.iteration,
          max_iterations: maxIterations,
        });
        const recent = state.history.slice(-5).map((record) => record.step);
        throw new StepFailure(
          name,
          'MaxIterationsExceeded',
          `workflow "${settings.name}" reached max_iterations (${maxIterations}) before step "${name}" could run` +
            `${recent.length ? `; the last steps were ${recent.join(' → ')}` : ''}. ` +
            'If the loop is intended, raise workflow.limits.max_iterations; otherwise fix the route that loops.',
        );
      }
      const executor = executors[step.type];
      if (!executor)
        throw new StepFailure(
          name,
          'UnsupportedStep',
          `step "${name}" has type "${step.type}", which this engine cannot run yet`,
        );
      state.iteration = iteration;

      const ctx = createStepContext(services, step, iteration);
      const scope = ctx.scope;

      let result: StepResult;
      try {
        result = await executor(ctx);
      } catch (error) {
        state.history.push({ step: name, iteration, status: stopReason ? 'interrupted' : 'failed' });
        throw error;
      }
      state.stepOutputs[name] = result.output;
      state.lastOutputStep = name;
      state.history.push({ step: name, iteration, status: 'completed' });
      // A finished group starts afresh if the run comes back to it.
      if (state.groups && Object.hasOwn(state.groups, name)) {
        delete state.groups[name];
        if (Object.keys(state.groups).length === 0) delete state.groups;
      }
      // Until its route is taken, a failure here must not make a resume run the step again.
      state.awaitingRoute = true;
      budget?.check(name);

      if (result.terminate) {
        const { status, reason } = result.terminate;
        state.currentStep = null;
        const runResult: RunResult = {
          runId,
          status: status === 'success' ? 'completed' : 'failed',
          output: result.output,
          ...(status === 'failed'
            ? { error: { type: 'WorkflowTerminated', message: reason, step: name } }
            : {}),
          elapsedSeconds: elapsed(),
          lastSeq: bus.lastSeq,
          iterations: state.iteration,
        };
        await hooks.onComplete?.(snapshotState(state), runResult);
        bus.emit('workflow_completed', {
          elapsed: runResult.elapsedSeconds,
          output: result.output,
          termination_reason: reason,
          terminated_by: name,
          status,
          is_explicit: true,
        });
        return { ...runResult, lastSeq: bus.lastSeq };
      }

      const ended = await advance(name, step, result.output, scope);
      if (ended) return ended;
    }
  } catch (error) {
    const failure = describeFailure(error, stopReason, state.currentStep, settings.name, timeoutSeconds);
    let extra: Record<string, unknown> = {};
    try {
      extra = (await hooks.onFailure?.(snapshotState(state), failure)) ?? {};
    } catch (hookError) {
      extra = { checkpoint_unavailable_reason: describeError(hookError).message };
    }
    bus.emit('workflow_failed', {
      error_type: failure.type,
      message: failure.message,
      agent_name: failure.step,
      stopped_by_user: stopReason === 'interrupted',
      elapsed: elapsed(),
      ...(stopReason === 'timeout' ? { elapsed_seconds: elapsed(), timeout_seconds: timeoutSeconds } : {}),
      ...(error instanceof StepFailure ? error.details : {}),
      ...extra,
    });
    return {
      runId,
      status: stopReason === 'interrupted' ? 'interrupted' : 'failed',
      output: null,
      error: failure,
      elapsedSeconds: elapsed(),
      lastSeq: bus.lastSeq,
      iterations: state.iteration,
      ...(typeof extra.checkpoint_path === 'string' ? { checkpointPath: extra.checkpoint_path } : {}),
    };
  } finally {
    budget?.close();
    if (timer) clearTimeout(timer);
    environment.signal?.removeEventListener('abort', onExternalAbort);
    if (!environment.toolbox) await toolbox.close();
  }
}

/** The hooks, each first closing the run's MCP servers, so that their exits are logged before the run's end. */
function closingTools(hooks: ExecutorHooks, toolbox: Toolbox): ExecutorHooks {
  return {
    ...hooks,
    onComplete: async (state, result) => {
      await toolbox.close();
      await hooks.onComplete?.(state, result);
    },
    onFailure: async (state, failure) => {
      await toolbox.close();
      return hooks.onFailure?.(state, failure);
    },
  };
}

function unknownStep(name: string | null): StepFailure {
  return new StepFailure(
    name ?? '',
    'UnknownStep',
    `the workflow has no step "${name}" (was it renamed since the run started?)`,
  );
}
