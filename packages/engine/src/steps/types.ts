import type { EventData, EventType } from '@conductor/events';
import type { Provider } from '../providers/types.js';
import type { AgentStep, LoadedWorkflow, RouteDefinition, StepDefinition } from '../workflow/types.js';

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

/** Everything a step executor may use. Executors emit their own start/completion events. */
export interface StepContext<S extends StepDefinition = StepDefinition> {
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
  previewRoute(output: unknown): RouteChoice | null;
  /** The workflow's top-level `output:` rendered now; without one, the latest step output so far. */
  renderWorkflowOutput(): unknown;
}

export type StepExecutor<S extends StepDefinition = StepDefinition> = (
  context: StepContext<S>,
) => Promise<StepResult>;

/**
 * Executors keyed by step type. Later step kinds (`parallel`, `for_each`, `workflow`, `human_gate`)
 * register here without touching the loop.
 */
// biome-ignore lint/suspicious/noExplicitAny: each entry is typed by its own step type
export type StepExecutors = Record<string, StepExecutor<any>>;
