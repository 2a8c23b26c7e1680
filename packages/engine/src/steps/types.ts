import type { EventData, EventType } from '@conductor/events';
import type { GateAnswered, GateQuestion } from '../gates/broker.js';
import type { DialogReply, DialogSkipReason, DialogTurn } from '../gates/dialog-broker.js';
import type { OutputStore } from '../outputs/store.js';
import type { Provider } from '../providers/types.js';
import type { TemplateRenderer } from '../template/renderer.js';
import type { Toolbox } from '../tools/toolbox.js';
import type {
  AgentStep,
  ForEachGroup,
  LoadedWorkflow,
  ParallelGroup,
  RouteDefinition,
  StepDefinition,
} from '../workflow/types.js';

/** A parallel group as the executor runs it: like a step named after the group. */
export interface ParallelGroupStep extends ParallelGroup {
  type: 'parallel';
}

/** What the executor can route to and run: a step of `agents:`, a parallel group or a for-each group. */
export type RunnableStep = StepDefinition | ParallelGroupStep | ForEachGroup;

/** Variables visible to a template: `workflow`, `context`, one `<step>: { output }` per step... */
export type TemplateScope = Record<string, unknown>;

/** Why the run's abort signal fired. */
export type StopReason = 'interrupted' | 'timeout';

/** The route a step's output leads to. `route` is null for the implicit `$end` of a step without routes. */
export interface RouteChoice {
  to: string;
  route: RouteDefinition | null;
  /** 0-based position in the step's `routes`, -1 for the implicit `$end`. */
  index: number;
}

/** A `terminate` step's decision: the run ends here. */
export interface TerminateOutcome {
  status: 'success' | 'failed';
  reason: string;
}

export interface StepResult {
  /** Becomes `<step>.output` for later templates and rides on the step's completion event. */
  output: unknown;
  /** Set by `terminate`: end the run with this status; `output` is the run's final output. */
  terminate?: TerminateOutcome;
}

/** How a group runs one of its members or items: {@link StepContext.runChild}. */
export interface ChildStepOptions {
  /** Variables added to the child's scope and prompt scope (a for-each item: `<as>`, `_index`, `_key`). */
  locals?: TemplateScope;
  /** Fields added to every event the child emits (`group_name`, `item_key`, `index`). */
  eventFields?: Record<string, unknown>;
  /** Aborts the child alone (fail_fast stops the siblings of a failed member); the run's stop aborts it too. */
  signal?: AbortSignal;
}

/**
 * What a group has finished so far, kept in the executor state (and so in checkpoints), so a resumed
 * run does not run a finished member or item again. Keys: a member's name, an item's index.
 */
export interface GroupProgress {
  completed: Record<string, unknown>;
  /** A for-each group's item count when it started (progress for another list is discarded). */
  item_count?: number;
}

/** How a child workflow ended, as `runSubworkflow` reports it (the executor's `RunResult` is one). */
export interface SubworkflowOutcome {
  status: 'completed' | 'failed' | 'interrupted';
  /** The child's final output (for a failed run, whatever it had). */
  output: unknown;
  /** Why it did not complete: `type` is the `error_type` of its `workflow_failed`. */
  error?: { type: string; message: string; step: string | null };
}

/** Where a step runs in a tree of sub-workflows. */
export interface SubworkflowFrame {
  /** Names of the parent steps that run this workflow, outermost first (`data.subworkflow_path`). */
  path: readonly string[];
  /** Files of the workflows that run this one, outermost first (for cycles). */
  files: readonly string[];
}

/** Everything a step executor may use. Executors emit their own start/completion events. */
export interface StepContext<S extends RunnableStep = RunnableStep> {
  step: S;
  /** 1-based count of steps executed in the run, this one included (`context.iteration`). */
  iteration: number;
  workflow: LoadedWorkflow;
  /** Folder of the workflow file (relative `working_dir` resolves here); the cwd when it has no file. */
  workflowDir: string;
  /** Every output so far, plus `workflow` and `context`: what scripts, set, terminate and routes see. */
  scope: TemplateScope;
  /** What an agent prompt sees under `context.mode`; throws a `ContextError` StepFailure for missing explicit inputs. */
  promptScope(): TemplateScope;
  /**
   * Renders the step's templates within the run's render budget; a long render does not hold up
   * Ctrl-C or the run's timeout.
   */
  templates: TemplateRenderer;
  emit<K extends EventType>(type: K, data: EventData<K>): void;
  /** Aborts on interrupt or run timeout; executors stop their work (kill, abort fetch, end wait). */
  signal: AbortSignal;
  stopReason(): StopReason | null;
  /** The provider an agent step calls. */
  providerFor(step: AgentStep): Provider;
  /** The run's environment (options.env, else process.env). */
  env: Record<string, string | undefined>;
  /** Unix seconds. */
  clock(): number;
  /** The route the engine would take for `output`, or null when none matches. Pure: emits nothing. */
  previewRoute(output: unknown): Promise<RouteChoice | null>;
  /** The workflow's top-level `output:` rendered now; without one, the latest step output so far. */
  renderWorkflowOutput(): Promise<unknown>;
  /**
   * Runs another step inside this one (a parallel member, a for-each item), through the executor of
   * its type, against this step's scope plus `locals`. Its events carry `eventFields`.
   */
  runChild(step: StepDefinition, options?: ChildStepOptions): Promise<StepResult>;
  /** This step's {@link GroupProgress} in the executor state, created empty on first use. */
  progress(): GroupProgress;
  /**
   * Asks the run's gate answerers (resolver, `run.answerGate`, `skipGates`) and resolves with the first
   * answer. `onOpen` runs once the gate can be answered, before any answerer is asked: emit
   * `gate_presented` there. Rejects when the run stops.
   */
  askGate(question: GateQuestion, onOpen: () => void): Promise<GateAnswered>;
  /**
   * The run's dialogs with the user, for a step of a workflow's main loop; null for a group's member or
   * item (the original holds dialogs in the main loop only).
   */
  dialog: StepDialog | null;
  /** Runs a loaded child workflow with these inputs in this run (same bus, events under this step). */
  runSubworkflow(workflow: LoadedWorkflow, inputs: Record<string, unknown>): Promise<SubworkflowOutcome>;
  /** Where this step runs in a tree of sub-workflows (empty path at the root). */
  subworkflow: SubworkflowFrame;
  /** Caps the texts a step keeps (stdout, an answer) and stores longer ones whole in the run's folder. */
  outputs: OutputStore;
  /** The run's MCP servers: an agent step gets its tools here (servers start when first needed). */
  tools: Toolbox;
}

/** How an agent step talks with the user: {@link StepContext.dialog}. */
export interface StepDialog {
  /** Set when triggered dialogs are skipped (`skipGates`, or nobody could answer), and why. */
  readonly skipReason: DialogSkipReason | null;
  /**
   * Waits for the user's next message (the terminal, `run.answerDialog`). `onOpen` runs once it can be
   * answered: emit the agent's message there. Rejects when the run stops.
   */
  next(turn: DialogTurn, onOpen: () => void): Promise<DialogReply>;
}

export type StepExecutor<S extends RunnableStep = RunnableStep> = (
  context: StepContext<S>,
) => Promise<StepResult>;

/**
 * Executors keyed by step type. Later step kinds (`parallel`, `for_each`, `workflow`, `human_gate`)
 * register here without touching the loop.
 */
// biome-ignore lint/suspicious/noExplicitAny: each entry is typed by its own step type
export type StepExecutors = Record<string, StepExecutor<any>>;
