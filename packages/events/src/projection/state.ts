/**
 * The run state the projection folds events into: what a person wants to see of a run. Its size
 * depends on the workflow (steps, groups) and not on the number of events nor on the size of outputs:
 * streamed text is not kept, each step keeps only its latest attempts, and outputs, prompts and
 * messages are kept as bounded heads (the whole is in the event, or in the run's `outputs/` folder).
 */
import type { SpilledOutput } from '../outputs.js';

export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'interrupted';
export type StepStatus = 'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'skipped';

/** How many attempts of a step the state keeps (a loop may run one step thousands of times). */
export const MAX_ATTEMPTS_KEPT = 20;

/** Tool calls kept per attempt: the latest ones (an older attempt keeps {@link OLDER_TOOL_CALLS_KEPT}). */
export const MAX_TOOL_CALLS_KEPT = 20;
export const OLDER_TOOL_CALLS_KEPT = 5;

/**
 * One tool call of an attempt (`agent_tool_start`, then `agent_tool_complete`): its arguments and result
 * as bounded heads; the whole is in those events (`start_seq`, `end_seq`) and, when long, in `spills`.
 */
export interface ToolCallRecord {
  /** Pairs the start and the completion; null in logs of the original conductor. */
  call_id: string | null;
  name: string;
  /** `running` until its completion; a call of a finished attempt still `running` never finished. */
  status: 'running' | 'completed' | 'failed';
  /** The arguments, or a bounded copy when `arguments_truncated`. */
  arguments?: unknown;
  arguments_truncated?: true;
  /** The result's head (null for a failed call). */
  result?: unknown;
  result_truncated?: true;
  /** Characters of the whole result, when `result_truncated`. */
  result_size?: number;
  /** What went wrong: the tool's error, a malformed argument, an unknown tool. */
  error: string | null;
  started_at: number;
  elapsed: number | null;
  /** Texts of the call stored whole in the run's `outputs/` folder (`arguments`, `result`, `error`). */
  spills?: Record<string, SpilledOutput>;
  start_seq: number;
  end_seq: number | null;
}

export interface StepError {
  error_type: string | null;
  message: string | null;
}

/** One execution of a step: a loop iteration, a retry after a resume, or an item of a group. */
export interface Attempt {
  /** 1-based, counted over the whole run including earlier attempts before resumes. */
  number: number;
  /** 0 for the original run, N after the N-th resume. */
  generation: number;
  iteration: number | null;
  status: StepStatus;
  started_at: number | null;
  finished_at: number | null;
  elapsed: number | null;
  /** The output, or a bounded copy of it when `output_truncated`. */
  output?: unknown;
  /** Set when `output` is cut: the whole is in the completion event (seq `last_seq`). */
  output_truncated?: true;
  /** Characters of the whole output as JSON, when `output_truncated`. */
  output_size?: number;
  /** Texts of the output stored whole in the run's `outputs/` folder, by field (`stdout`, `result`). */
  spills?: Record<string, SpilledOutput>;
  prompt: string | null;
  /** Set when `prompt` is only the head of the rendered prompt (the whole is in `agent_prompt_rendered`). */
  prompt_truncated?: true;
  model: string | null;
  tokens: number | null;
  /** Every input token of the attempt's model calls, cached ones included. */
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  /** US dollars; null when no call of the attempt had a price. */
  cost_usd: number | null;
  error: StepError | null;
  retries: number;
  /** Tool calls started in the attempt (all of them; `tools` keeps the latest). */
  tool_calls: number;
  /** The latest tool calls, oldest first, at most MAX_TOOL_CALLS_KEPT (absent before the first). */
  tools?: ToolCallRecord[];
  /** A wait step's attempt: when the wait ends (its start plus `duration_seconds`). */
  wait_until?: number;
  /** Made up from a checkpoint, not read from a log. */
  synthetic: boolean;
  first_seq: number;
  last_seq: number;
}

export interface StepState {
  /** Unique key: the step name, prefixed with `parent/` for sub-workflow steps. */
  key: string;
  name: string;
  type: string | null;
  subworkflow_path: string[];
  status: StepStatus;
  attempt_count: number;
  /** The latest attempts, oldest first, at most MAX_ATTEMPTS_KEPT. */
  attempts: Attempt[];
  /**
   * Tokens and cost of every attempt, those no longer kept too; a workflow step's include its
   * sub-workflow's.
   */
  usage: UsageTotals;
  /**
   * The part of `usage` counted in rows of their own, by row name (`review (validator)`): calls made
   * beside the step's answer. Absent while there is none.
   */
  usage_rows?: Record<string, UsageTotals>;
}

/** Tokens and cost summed over agent attempts (completed, or failed after calling the model). */
export interface UsageTotals {
  /** Agent attempts that reported usage. */
  attempts: number;
  tokens: number;
  /** Cached tokens included. */
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  /** US dollars over the priced attempts; null while none was priced. */
  cost_usd: number | null;
  /** Attempts that used tokens but had no price: `cost_usd` leaves them out (it is then partial). */
  unpriced: number;
}

export function emptyUsage(): UsageTotals {
  return {
    attempts: 0,
    tokens: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cost_usd: null,
    unpriced: 0,
  };
}

/** The last `budget_exceeded` of the run. */
export interface BudgetExceeded {
  total_cost_usd: number;
  budget_usd: number;
  budget_mode: 'audit' | 'enforce';
  agent_name: string | null;
  seq: number;
}

export interface GroupState {
  /** The group's key in `groups`: its name, prefixed `parent/` inside a sub-workflow. */
  key: string;
  name: string;
  kind: 'parallel' | 'for_each';
  status: StepStatus;
  total: number;
  running: number;
  completed: number;
  failed: number;
  started_at: number | null;
  finished_at: number | null;
  failure_mode: string | null;
  /** for_each: the sliding window's size. */
  max_concurrent: number | null;
  /** for_each: the items most recently started or finished, newest last, at most MAX_ITEMS_KEPT. */
  recent_items: ItemState[];
  /** for_each: failed items, oldest first, at most MAX_ITEMS_KEPT. */
  failed_items: ItemState[];
  /** Tokens and cost of the group's members or items. */
  usage: UsageTotals;
}

/** One item of a for_each group. Items are not steps: a group may have thousands. */
export interface ItemState {
  index: number;
  key: string | null;
  status: StepStatus;
  started_at: number | null;
  finished_at: number | null;
  elapsed: number | null;
  output?: unknown;
  output_truncated?: true;
  error: StepError | null;
}

/** How many items of a for_each group the state keeps in each list. */
export const MAX_ITEMS_KEPT = 30;

export interface SubworkflowState {
  /** The parent step names, outermost first. */
  path: string[];
  graph: WorkflowGraph;
  status: RunStatus;
  started_at: number;
  finished_at: number | null;
}

export interface ResumeMark {
  generation: number;
  /** The first seq of the resumed generation: the activity stream's divider goes before it. */
  seq: number;
  at: number;
  /**
   * When the generation before stopped: the time of the last event before the resume (its failure, its
   * stop, or the last thing a killed process wrote). Up to `at` the run was down. Null without history.
   */
  stopped_at: number | null;
  checkpoint_path: string | null;
  checkpoint_created_at: string | null;
  resumed_at_step: string;
  history_source: 'log' | 'synthetic';
}

export interface PendingGate {
  /** The gate's step key: its name, prefixed `parent/` inside a sub-workflow (what POST /api/gate takes). */
  step: string;
  /** Parent step names when the gate is inside a sub-workflow. */
  path: string[];
  prompt: string;
  /** `prompt_for`: the option asks for additional free text under this label. */
  options: Array<{
    label: string;
    value: string;
    route?: string | null;
    prompt_for?: string | null;
    multiline?: boolean;
    description?: string | null;
  }>;
  seq: number;
}

/** One message of a dialog, as the state keeps it: a bounded head. */
export interface DialogMessageRecord {
  role: 'user' | 'agent';
  content: string;
  /** `content` is the head of a longer message (the whole is in its `dialog_message` event, `seq`). */
  content_truncated?: true;
  /** The agent's reply failed; `content` says why. */
  error?: true;
  seq: number;
}

/** Messages of a pending dialog the state keeps: the latest ones. */
export const MAX_DIALOG_MESSAGES_KEPT = 50;

/** An agent step talking with the user (`dialog:`), until the dialog ends. */
export interface PendingDialog {
  /** The step key: its name, prefixed `parent/` inside a sub-workflow (what POST /api/dialog takes). */
  step: string;
  path: string[];
  dialog_id: string;
  /** The agent's opening question. */
  question: string;
  /** The latest messages, oldest first (at most MAX_DIALOG_MESSAGES_KEPT). */
  messages: DialogMessageRecord[];
  /** Every message so far, those no longer kept included. */
  message_count: number;
  /** Who writes next: the user, or the agent (its reply is on its way). */
  awaiting: 'user' | 'agent';
  /** Seq of `dialog_started`. */
  seq: number;
}

export interface WorkflowGraph {
  name: string;
  version: string | null;
  entry_point: string;
  agents: Array<{ name: string; type?: string; model?: string | null }>;
  routes: Array<{ from: string; to: string; when?: string | null }>;
  parallel_groups: Array<{ name: string; agents: string[] }>;
  for_each_groups: Array<{ name: string; source: string }>;
}

export interface RunInfo {
  run_id: string | null;
  name: string | null;
  status: RunStatus;
  /** Number of resumes so far (0 for a run never resumed). */
  generation: number;
  /** Timestamp of the run's very first start, never reset by a resume. */
  started_at: number | null;
  finished_at: number | null;
  current_step: string | null;
  output?: unknown;
  /** Set when `output` is a bounded copy of the final output (the whole is in `workflow_completed`). */
  output_truncated?: true;
  error: (StepError & { agent_name: string | null; stopped_by_user: boolean }) | null;
  /** Set while the run is not finished but the last generation ended (failed, interrupted). */
  checkpoint_path: string | null;
  inputs: Record<string, unknown>;
  /** True when some of the history was synthesized from a checkpoint because the log was missing. */
  has_synthetic_history: boolean;
  /** Why no checkpoint could be written when the run last ended, if so. */
  checkpoint_unavailable_reason: string | null;
  /** Sums over every agent attempt of the run, across resumes (the short form of `usage`). */
  totals: RunTotals;
  /** Tokens and cost of every agent attempt of the run, at every depth, across resumes. */
  usage: UsageTotals;
  /** The last time spend passed `limits.budget_usd`, or null. */
  budget_exceeded: BudgetExceeded | null;
}

export interface RunTotals {
  tokens: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** How often a route was taken; keyed `from->to`. Bounded by the workflow's routes. */
export interface RouteTaken {
  from: string;
  to: string;
  count: number;
  last_seq: number;
}

export interface RunState {
  run: RunInfo;
  graph: WorkflowGraph | null;
  steps: Record<string, StepState>;
  /** Step keys in the order they were first seen (graph order for declared steps). */
  step_order: string[];
  /** Parallel and for_each groups that started, by key (the name, `parent/name` inside a sub-workflow). */
  groups: Record<string, GroupState>;
  /** Sub-workflows that started, keyed by their parent path (`review` or `review/inner`): graph and status. */
  subworkflows: Record<string, SubworkflowState>;
  resumes: ResumeMark[];
  routes_taken: Record<string, RouteTaken>;
  /** Every gate waiting for an answer, at any depth, by step key. */
  gates: Record<string, PendingGate>;
  /** The gate waiting longest (of `gates`), or null. */
  gate: PendingGate | null;
  /** Every dialog under way, at any depth, by step key. */
  dialogs: Record<string, PendingDialog>;
  last_seq: number;
  event_count: number;
  last_event_at: number | null;
}

export function initialRunState(): RunState {
  return {
    run: {
      run_id: null,
      name: null,
      status: 'pending',
      generation: 0,
      started_at: null,
      finished_at: null,
      current_step: null,
      error: null,
      checkpoint_path: null,
      inputs: {},
      has_synthetic_history: false,
      checkpoint_unavailable_reason: null,
      totals: { tokens: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 },
      usage: emptyUsage(),
      budget_exceeded: null,
    },
    graph: null,
    steps: {},
    step_order: [],
    groups: {},
    subworkflows: {},
    resumes: [],
    routes_taken: {},
    gates: {},
    gate: null,
    dialogs: {},
    last_seq: 0,
    event_count: 0,
    last_event_at: null,
  };
}
