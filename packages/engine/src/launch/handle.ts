import type { ConductorEvent, EventBus } from '@conductor/events';
import type { RunRecorder } from '../durable/recorder.js';
import {
  createGateBroker,
  type GateAnswer,
  type GateBroker,
  type GateResolver,
  type PendingGateInfo,
} from '../gates/broker.js';
import type { DialogResolver, PendingDialogInfo } from '../gates/dialog-broker.js';
import type { RunResult } from '../run/result.js';
import type { LoadedWorkflow } from '../workflow/types.js';
import { createRunEventStream } from './event-stream.js';

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
  /** The workflow being run, once it is loaded (when `started` resolves): its settings, e.g. `cost.show_summary`. */
  readonly workflow: LoadedWorkflow | undefined;
  /**
   * Answers the gate waiting at step `step` (its name, or `parent/step` inside a sub-workflow) with the
   * option whose value is `value`, and, for an option with `prompt_for`, its text. False when no such
   * gate is waiting (not yet presented, already answered) or `value` is not one of its options.
   */
  answerGate(step: string, value: string, additionalInput?: GateAnswer['additional_input']): boolean;
  /** The gates waiting for an answer now. */
  pendingGates(): PendingGateInfo[];
  /**
   * Gives the dialog at step `step` (its name, or `parent/step` inside a sub-workflow) the user's next
   * message. False when no dialog waits there for the user (none, or the agent is still replying) or
   * `message` is blank. "done" or "continue" ends the dialog.
   */
  answerDialog(step: string, message: string): boolean;
  /** The dialogs waiting for the user's message now. */
  pendingDialogs(): PendingDialogInfo[];
  /**
   * Resolves once the run has started: its first event (`workflow_started`, or `workflow_resumed`)
   * is in the log, `runId`, `warnings` and run.json are final. Rejects like `result` when the run
   * cannot start. A resume that looks its run up by workflow knows `runId` only from here on.
   */
  readonly started: Promise<void>;
}

/** What a run says once it started. */
export interface StartedInfo {
  workflowName: string;
  workflow?: LoadedWorkflow;
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
  dialogs?: DialogResolver | undefined;
  skipDialogs?: boolean | undefined;
  /**
   * Starts the run; `signal` aborts when the caller's signal does or `stop()` is called. Calls
   * `started` right after emitting its first event. `gates` is the run's gate broker: pass it to
   * `executeFrom`.
   */
  start(signal: AbortSignal, started: (info: StartedInfo) => void, gates: GateBroker): Promise<RunResult>;
}

/** The WorkflowRun handle shared by runWorkflow and resumeWorkflow. */
export function launchRun(launch: LaunchOptions): WorkflowRun {
  const { bus, recorder } = launch;
  const stream = createRunEventStream(bus, () => recorder.replaySource());
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
  let workflow: LoadedWorkflow | undefined;
  let markStarted: () => void = () => {};
  let failStart: (error: unknown) => void = () => {};
  const started = new Promise<void>((resolve, reject) => {
    markStarted = resolve;
    failStart = reject;
  });
  started.catch(() => {});
  const onStarted = (info: StartedInfo) => {
    workflowName = info.workflowName;
    workflow = info.workflow;
    markStarted();
  };

  const gates = createGateBroker({
    runId: launch.runId,
    resolver: launch.gates,
    skipGates: launch.skipGates,
    dialogs: launch.dialogs,
    skipDialogs: launch.skipDialogs,
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
    get workflow() {
      return workflow;
    },
    started,
    stop: () => controller.abort(),
    answerGate: (step, value, additionalInput) => gates.answer(step, value, additionalInput),
    pendingGates: () => gates.pending(),
    answerDialog: (step, message) => gates.dialogs.answer(step, message),
    pendingDialogs: () => gates.dialogs.pending(),
    // biome-ignore lint/suspicious/noThenProperty: a run is awaitable by design
    then: (onFulfilled, onRejected) => result.then(onFulfilled, onRejected),
  };
}
