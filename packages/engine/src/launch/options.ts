import type { RunStore } from '@conductor/store';
import type { GateResolver } from '../gates/broker.js';
import type { DialogResolver } from '../gates/dialog-broker.js';
import type { ProviderFactory } from '../providers/config.js';
import type { MockResponsesInput } from '../providers/mock.js';
import type { OpenAIProviderOptions } from '../providers/openai.js';
import type { Provider } from '../providers/types.js';
import type { ExecutorHooks } from '../run/result.js';
import type { StepExecutors } from '../steps/types.js';
import type { RenderBudget } from '../template/budget.js';

/** What `runWorkflow` and `resumeWorkflow` both take: how the run's steps run, and who answers it. */
export interface ExecutionOptions {
  /**
   * The provider for every agent step: a name (`openai`, `claude`, `mock`, or one of `providers`) or an
   * instance. Like `--provider`, it replaces the workflow's `runtime.provider` (mapping included) and
   * steps' `provider:`. When neither this nor the workflow names one, a workflow with agent steps is
   * rejected: a run never falls back to fake answers silently.
   */
  provider?: string | Provider;
  /**
   * Providers this script adds, by name: `providers: { echo: (config) => myProvider(config) }` makes
   * `runtime.provider: echo` (or `{ name: echo, base_url: ... }`, or a step's `provider: echo`) use it.
   * The factory gets the mapping's fields, `runtime.timeout` and the run's env. A registered name wins
   * over a built-in one.
   */
  providers?: Readonly<Record<string, ProviderFactory>>;
  /** Scripted answers for the mock provider: a YAML/JSON file path (relative to the cwd) or the object. */
  mockResponses?: string | MockResponsesInput;
  /** Settings for the openai provider (`baseUrl`, `apiKey`...); a `runtime.provider` mapping wins over them. */
  openai?: Omit<OpenAIProviderOptions, 'env'>;
  /** The environment for `CONDUCTOR_RUN_ID`, `OPENAI_*`, `ANTHROPIC_*` and script steps. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Aborting it stops the run (status `interrupted`, with a checkpoint), like `run.stop()`. */
  signal?: AbortSignal;
  /** Unix seconds, for timestamps and elapsed times. Default: the wall clock. */
  clock?: () => number;
  /** Step boundary, failure and completion hooks; they run after the engine's own (log, checkpoints). */
  hooks?: ExecutorHooks;
  /** `false`: write no checkpoints (a failed run then cannot be resumed from one). */
  checkpoints?: boolean;
  /** Replace or add step executors by type. */
  executors?: StepExecutors;
  /**
   * Answers human gates (e.g. a terminal prompt). It races `run.answerGate` (e.g. the dashboard):
   * the first answer wins and the other answerers see `request.signal` abort. Without it (and without
   * `skipGates`) a gate waits for `run.answerGate`. A run stopped at a gate presents it again on resume.
   */
  gates?: GateResolver;
  /**
   * Answer every gate with its first option at once (CI, `--skip-gates`), and hold no dialog: a step
   * with `dialog:` keeps its answer (`dialog_skipped`).
   */
  skipGates?: boolean;
  /**
   * Holds agents' dialogs with the user (e.g. in a terminal): for each turn it gives the user's next
   * message. It races `run.answerDialog` (e.g. the dashboard): the first message wins. Without it (and
   * without `skipDialogs`) a triggered dialog waits for `run.answerDialog`.
   */
  dialogs?: DialogResolver;
  /**
   * Skip dialogs that trigger, with a `dialog_skipped` event: for runs where nobody could answer (no
   * terminal, no dashboard), so a run never waits forever. The step keeps its answer.
   */
  skipDialogs?: boolean;
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
  /**
   * Metadata merged on top of `workflow.metadata` (`--metadata k=v`): recorded in `workflow_started`
   * (a run) or `workflow_resumed` (a resume) and in run.json.
   */
  metadata?: Readonly<Record<string, string>>;
  /**
   * A shared store (e.g. `postgresStore(url)` of @conductor/store-postgres) that owns the run across
   * machines: claimed there, its history copied into the home, every event, checkpoint and record
   * written there too. Default: the run lives in `$CONDUCTOR_HOME` alone.
   */
  store?: RunStore;
}
