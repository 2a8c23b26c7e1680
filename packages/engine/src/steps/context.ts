import type { GateBroker } from '../gates/broker.js';
import type { LoadedWorkflow } from '../workflow/types.js';
import { StepFailure } from './errors.js';
import { merged } from './merge.js';
import type {
  ChildStepOptions,
  GroupProgress,
  RouteChoice,
  RunnableStep,
  StepContext,
  StepExecutors,
  StepResult,
  SubworkflowOutcome,
  TemplateScope,
} from './types.js';

/**
 * What the executor provides to every step of one workflow execution; {@link createStepContext} turns
 * it into the `StepContext` of a step, and of the members and items a group runs inside a step.
 */
export interface StepServices
  extends Pick<
    StepContext,
    | 'workflow'
    | 'workflowDir'
    | 'templates'
    | 'emit'
    | 'signal'
    | 'stopReason'
    | 'providerFor'
    | 'env'
    | 'clock'
    | 'subworkflow'
    | 'outputs'
    | 'tools'
  > {
  executors: StepExecutors;
  /** Every output so far plus `workflow` and `context`, as of `iteration`. */
  scope(iteration: number): TemplateScope;
  /** What `step`'s agent prompt sees under `context.mode`. */
  promptScope(step: RunnableStep, iteration: number): TemplateScope;
  /** The route `step` would take for `output` (routes of top-level steps only). */
  previewRoute(step: RunnableStep, output: unknown, scope: TemplateScope): Promise<RouteChoice | null>;
  renderWorkflowOutput(scope: TemplateScope): Promise<unknown>;
  /** The live progress record of a top-level step (a group), in the executor state. */
  progress(step: string): GroupProgress;
  gates: GateBroker;
  /** Runs a child workflow for the step `parentStep`, under `signal`, in this run (same bus, events under it). */
  runSubworkflow(
    parentStep: string,
    workflow: LoadedWorkflow,
    inputs: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<SubworkflowOutcome>;
}

interface ContextShape {
  scope: TemplateScope;
  locals: TemplateScope;
  emit: StepServices['emit'];
  signal: AbortSignal;
  /** True for members and items: no routes of their own, no checkpointed progress. */
  child: boolean;
}

/** The context of a top-level step, `iteration` being its run-wide count. */
export function createStepContext<S extends RunnableStep>(
  services: StepServices,
  step: S,
  iteration: number,
): StepContext<S> {
  return build(services, step, iteration, {
    scope: services.scope(iteration),
    locals: {},
    emit: services.emit,
    signal: services.signal,
    child: false,
  });
}

function build<S extends RunnableStep>(
  services: StepServices,
  step: S,
  iteration: number,
  shape: ContextShape,
): StepContext<S> {
  let ownProgress: GroupProgress | undefined;
  const ctx: StepContext<S> = {
    step,
    iteration,
    workflow: services.workflow,
    workflowDir: services.workflowDir,
    scope: shape.scope,
    promptScope: () => merged(services.promptScope(step, iteration), shape.locals),
    templates: services.templates,
    emit: shape.emit,
    signal: shape.signal,
    stopReason: services.stopReason,
    providerFor: services.providerFor,
    env: services.env,
    clock: services.clock,
    previewRoute: async (output) =>
      shape.child ? null : services.previewRoute(step, output, { ...shape.scope, [step.name]: { output } }),
    renderWorkflowOutput: () => services.renderWorkflowOutput(shape.scope),
    runChild: (child, options = {}) => runChild(services, iteration, shape, child, options),
    progress: () => {
      if (!shape.child) return services.progress(step.name);
      ownProgress ??= { completed: {} };
      return ownProgress;
    },
    askGate: (question, onOpen) =>
      services.gates.ask(question, services.subworkflow.path, shape.signal, onOpen),
    dialog: shape.child
      ? null
      : {
          skipReason: services.gates.dialogs.skipReason,
          next: (turn, onOpen) =>
            services.gates.dialogs.next(turn, services.subworkflow.path, shape.signal, onOpen),
        },
    runSubworkflow: (workflow, inputs) => services.runSubworkflow(step.name, workflow, inputs, shape.signal),
    subworkflow: services.subworkflow,
    outputs: services.outputs,
    tools: services.tools,
  };
  return ctx;
}

async function runChild(
  services: StepServices,
  iteration: number,
  parent: ContextShape,
  step: RunnableStep,
  options: ChildStepOptions,
): Promise<StepResult> {
  const executor = services.executors[step.type];
  if (!executor) {
    throw new StepFailure(
      step.name,
      'UnsupportedStep',
      `step "${step.name}" has type "${step.type}", which this engine cannot run`,
    );
  }
  const fields = options.eventFields ?? {};
  const parentEmit = parent.emit;
  // merged, not spread: see merge.ts (a group runs this per item, and emits through it per event).
  const childLocals = options.locals ?? {};
  const ctx = build(services, step, iteration, {
    scope: merged(parent.scope, childLocals),
    // A top-level step has no locals of its own: its children's are theirs alone (nothing mutates them).
    locals: parent.child ? merged(parent.locals, childLocals) : childLocals,
    emit: (type, data) => parentEmit(type, merged(data, fields)),
    signal: options.signal ?? parent.signal,
    child: true,
  });
  return executor(ctx);
}
