import * as v from 'valibot';
import type { ConductorEvent } from './envelope.js';

// Payload schemas for every event in shared/reference/events.md. They are loose: logs may carry more
// fields than these (fields are added freely, never renamed), and readers must keep them. Each schema
// also checks the fields any event may carry (`commonFields`), so a decoded event is typed in full.

const str = v.string();
const num = v.number();
const opt = v.optional;
const any = v.unknown();

/**
 * Fields any event may carry: where it comes from (a sub-workflow, a for_each item or a parallel
 * member, whose every event the engine marks) and whether it was synthesized from a checkpoint.
 */
const commonFields = {
  /** Parent step names of a sub-workflow's event. */
  subworkflow_path: opt(v.array(str)),
  /** True when the event was synthesized (from a checkpoint) rather than read from a log. */
  synthetic: opt(v.boolean()),
  /** The group of a parallel member's or for_each item's event (and of a group's own events). */
  group_name: opt(str),
  /** The for_each item's position (on every event of the item). */
  index: opt(num),
  /** The for_each item's key. */
  item_key: opt(any),
};
/** A loose object schema with the common fields; `entries` may make one required (`group_name`). */
const event = <const TEntries extends v.ObjectEntries>(entries: TEntries) =>
  v.looseObject({ ...commonFields, ...entries } as Omit<typeof commonFields, keyof TEntries> & TEntries);

const named = { agent_name: str };
/** `data.spills`: the texts of this event stored whole in the run's `outputs/` folder (see outputs.ts). */
const spills = opt(
  v.record(str, v.object({ ref: str, path: opt(str), bytes: num, head_chars: opt(num), sha256: opt(str) })),
);
const errorFields = { error_type: opt(str), message: opt(str) };
/** An agent step's tokens and cost, summed over its model calls (`calls`, one entry each). */
const usageFields = {
  tokens: opt(v.nullable(num)),
  /** Every input token, cached ones included. */
  input_tokens: opt(v.nullable(num)),
  output_tokens: opt(v.nullable(num)),
  cache_read_tokens: opt(v.nullable(num)),
  cache_write_tokens: opt(v.nullable(num)),
  /** US dollars; null when no call had a price. */
  cost_usd: opt(v.nullable(num)),
  calls: opt(
    v.array(
      v.looseObject({
        model: opt(v.nullable(str)),
        input_tokens: opt(v.nullable(num)),
        output_tokens: opt(v.nullable(num)),
        cache_read_tokens: opt(v.nullable(num)),
        cache_write_tokens: opt(v.nullable(num)),
        cost_usd: opt(v.nullable(num)),
        /** The usage row the call counts in when it is not the step's own: `<step> (validator)`. */
        row: opt(str),
      }),
    ),
  ),
};
/** One model call's usage, on the events of a call made beside the step's answer (a validator's). */
const callUsageFields = {
  model: opt(v.nullable(str)),
  input_tokens: opt(v.nullable(num)),
  output_tokens: opt(v.nullable(num)),
  cost_usd: opt(v.nullable(num)),
};
/** The run's iteration count when a step started (null when a checkpoint's history does not know it). */
const iteration = opt(v.nullable(num));

export const EventDataSchemas = {
  // Run lifecycle and routing
  workflow_started: event({
    name: str,
    version: opt(v.nullable(str)),
    entry_point: str,
    agents: v.array(
      v.looseObject({
        name: str,
        type: opt(str),
        model: opt(v.nullable(str)),
        provider: opt(v.nullable(str)),
      }),
    ),
    parallel_groups: opt(v.array(v.looseObject({ name: str, agents: v.array(str) }))),
    for_each_groups: opt(v.array(v.looseObject({ name: str, source: str }))),
    routes: opt(v.array(v.looseObject({ from: str, to: str, when: opt(v.nullable(str)) }))),
    inputs: opt(v.record(str, any)),
    metadata: opt(v.record(str, any)),
    run_id: opt(str),
    log_file: opt(v.nullable(str)),
    yaml_source: opt(v.nullable(str)),
  }),
  workflow_resumed: event({
    run_id: str,
    checkpoint_path: opt(v.nullable(str)),
    checkpoint_created_at: opt(v.nullable(str)),
    resumed_at_step: str,
    generation: num,
    history_source: v.picklist(['log', 'synthetic']),
  }),
  workflow_completed: event({
    elapsed: opt(num),
    output: opt(any),
    termination_reason: opt(str),
    terminated_by: opt(str),
    status: opt(str),
    is_explicit: opt(v.boolean()),
  }),
  workflow_failed: event({
    error_type: opt(str),
    message: opt(str),
    agent_name: opt(v.nullable(str)),
    stopped_by_user: opt(v.boolean()),
    checkpoint_path: opt(v.nullable(str)),
    checkpoint_unavailable_reason: opt(v.nullable(str)),
    elapsed_seconds: opt(num),
    timeout_seconds: opt(num),
  }),
  route_taken: event({ from_agent: str, to_agent: str }),
  checkpoint_saved: event({
    path: str,
    agent_name: opt(v.nullable(str)),
    error_type: opt(v.nullable(str)),
    trigger: str,
  }),
  checkpoint_save_failed: event({
    agent_name: opt(v.nullable(str)),
    trigger: str,
    error_type: opt(str),
    consecutive_failures: opt(num),
  }),
  iteration_limit_reached: event({
    agent_name: opt(str),
    group_name: opt(str),
    current_iteration: num,
    max_iterations: num,
  }),
  /** Spend passed `limits.budget_usd` (again each time it grows by another whole budget). */
  budget_exceeded: event({
    /** The step after which the budget was checked. */
    agent_name: opt(v.nullable(str)),
    total_cost_usd: num,
    budget_usd: num,
    budget_mode: v.picklist(['audit', 'enforce']),
    /** The multiple of the budget passed: budget_usd × the number of whole budgets spent. */
    threshold_usd: opt(num),
  }),
  iteration_limit_resolved: event({
    agent_name: opt(str),
    group_name: opt(str),
    continue_execution: v.boolean(),
    additional_iterations: opt(num),
  }),

  // Steps
  agent_started: event({ ...named, iteration, agent_type: opt(str) }),
  agent_prompt_rendered: event({ ...named, rendered_prompt: str }),
  /** Streamed text; `dialog_id` marks an agent's reply in a dialog. */
  agent_message: event({ ...named, content: str, dialog_id: opt(str) }),
  agent_reasoning: event({ ...named, content: str }),
  agent_tool_start: event({
    ...named,
    tool_name: str,
    /** The arguments the model sent: an object, or its text when that is not a JSON object. */
    arguments: opt(any),
    /** Pairs the start with its completion (several calls may be asked for at once). */
    call_id: opt(str),
    /** Why `arguments` could not be used (not JSON, not an object). */
    arguments_error: opt(str),
    spills,
  }),
  agent_tool_complete: event({
    ...named,
    tool_name: str,
    /** The tool's result as text (its head when it is longer than the cap; `spills.result` has the whole). */
    result: opt(any),
    call_id: opt(str),
    elapsed: opt(num),
    /** What went wrong (the tool's error text, a malformed argument, an unknown tool); null on success. */
    error: opt(v.nullable(str)),
    /** Characters of the whole result when it was cut without being stored in a file. */
    result_chars: opt(num),
    spills,
  }),
  agent_retry: event({ ...named, attempt: num, max_attempts: num, error: opt(str), delay: opt(num) }),
  /** An agent step's own `timeout_seconds` ran out: the step is cancelled (and fails), not retried. */
  agent_timeout: event({ ...named, timeout_seconds: num, elapsed: opt(num) }),
  agent_completed: event({
    ...named,
    elapsed: opt(num),
    model: opt(v.nullable(str)),
    ...usageFields,
    output: opt(any),
    spills,
  }),
  /** A failed agent step carries the usage of the calls it made before failing, when it made any. */
  agent_failed: event({
    ...named,
    elapsed: opt(num),
    ...errorFields,
    model: opt(v.nullable(str)),
    ...usageFields,
  }),
  // The validator (§3.9 of the original): a second call grading the answer against `criteria`.
  agent_validator_start: event({ ...named, model: opt(v.nullable(str)) }),
  agent_validator_complete: event({
    ...named,
    /** The verdict; true also when the validator failed open (`errored`). */
    passed: v.boolean(),
    issues: opt(v.array(str)),
    /** The call failed or its answer had no usable `passed`: counted as a pass. */
    errored: opt(v.boolean()),
    error: opt(str),
    elapsed: opt(num),
    /** The usage row of the call: `<step> (validator)`. */
    row: opt(str),
    ...callUsageFields,
  }),
  agent_validation_failed: event({
    ...named,
    issues: v.array(str),
    /** The agent runs once more with the issues as feedback (`max_retries` 1). */
    will_retry: v.boolean(),
  }),
  /** A re-run after the validator's feedback or a dialog failed: the answer before it is kept. */
  agent_rerun_failed: event({ ...named, cause: v.picklist(['validator', 'dialog']), ...errorFields }),
  // Dialog (§3.10 of the original): an evaluator decides whether the agent talks with the user.
  dialog_evaluated: event({
    ...named,
    trigger: v.boolean(),
    reason: opt(str),
    question: opt(str),
    /** The evaluator failed or its answer did not parse: no dialog. */
    errored: opt(v.boolean()),
  }),
  /** A dialog that nobody could hold: `--skip-gates`, or no terminal and no dashboard. */
  dialog_skipped: event({
    ...named,
    reason: v.picklist(['skip_gates', 'no_answerer']),
    question: opt(str),
  }),
  dialog_started: event({ ...named, dialog_id: str, opening_question: str, reason: opt(str) }),
  dialog_message: event({
    ...named,
    dialog_id: str,
    role: v.picklist(['user', 'agent']),
    content: str,
    /** Who wrote a user message: the terminal (`resolver`) or the dashboard (`api`). */
    answered_by: opt(str),
    /** The agent's reply failed; `content` says why. */
    error: opt(v.boolean()),
  }),
  dialog_completed: event({
    ...named,
    dialog_id: str,
    turn_count: num,
    /** The user ended it ("done", "continue"...). */
    user_dismissed: opt(v.boolean()),
    /** The agent said it had what it needed. */
    agent_proposed_continue: opt(v.boolean()),
  }),
  script_started: event({ ...named, iteration }),
  script_completed: event({
    ...named,
    elapsed: opt(num),
    /** Written by earlier versions (and synthesized history) instead of the streams. */
    output: opt(any),
    stdout: opt(str),
    stderr: opt(str),
    exit_code: opt(v.nullable(num)),
    spills,
  }),
  /** What the script wrote when it ran and failed (exit code, timeout); absent when it never started. */
  script_failed: event({
    ...named,
    elapsed: opt(num),
    ...errorFields,
    stdout: opt(str),
    stderr: opt(str),
    exit_code: opt(v.nullable(num)),
    spills,
  }),
  // A child process the engine started (a script, a tool server), recorded so that a resume after a
  // crash can stop it if it outlived its owner: pid, process group and start time identify it.
  child_process_spawned: event({
    ...named,
    kind: str,
    pid: num,
    pgid: num,
    process_start: v.nullable(str),
    host: str,
    command: opt(str),
  }),
  child_process_exited: event({
    ...named,
    pid: num,
    exit_code: opt(v.nullable(num)),
    signal: opt(v.nullable(str)),
    stopped_by_resume: opt(v.boolean()),
  }),
  set_started: event({ ...named, iteration }),
  set_completed: event({
    ...named,
    elapsed: opt(num),
    output_type: opt(str),
    value_repr: opt(str),
    output: opt(any),
  }),
  set_failed: event({ ...named, elapsed: opt(num), ...errorFields }),
  wait_started: event({ ...named, duration_seconds: num, reason: opt(v.nullable(str)), iteration }),
  wait_completed: event({ ...named, waited_seconds: num, interrupted: v.boolean(), output: opt(any) }),
  gate_presented: event({
    ...named,
    iteration,
    prompt: str,
    options: v.array(
      v.looseObject({
        label: str,
        value: str,
        route: opt(v.nullable(str)),
        /** The option asks for additional free text under this label. */
        prompt_for: opt(v.nullable(str)),
        multiline: opt(v.boolean()),
        description: opt(v.nullable(str)),
      }),
    ),
  }),
  gate_resolved: event({
    ...named,
    selected_option: str,
    label: opt(str),
    route: opt(v.nullable(str)),
    additional_input: opt(any),
    /** Who answered: the terminal, the dashboard, a resolver. */
    answered_by: opt(str),
    elapsed: opt(num),
    output: opt(any),
  }),
  /** A questions step starts: its questions, each then asked as a gate (`gate_presented`). */
  questions_presented: event({
    ...named,
    iteration,
    question_ids: v.array(str),
    prompt: opt(str),
    /** On a resume: the questions an earlier attempt answered, not asked again. */
    resumed_answers: opt(v.array(str)),
  }),
  /** A questions step's answer to one question. */
  questions_answered: event({
    ...named,
    question_id: str,
    answer: v.nullable(str),
    source: str,
  }),
  questions_answer_rejected: event({ ...named, question_id: str, reason: str }),
  questions_completed: event({ ...named, outcome: str, answered_count: num }),
  subworkflow_started: event({
    ...named,
    workflow: str,
    workflow_path: opt(str),
    parent_path: opt(v.array(str)),
    iteration,
  }),
  subworkflow_completed: event({ ...named, elapsed: opt(num), output: opt(any) }),
  subworkflow_failed: event({ ...named, elapsed: opt(num), ...errorFields }),

  // Groups
  parallel_started: event({ group_name: str, agents: v.array(str), failure_mode: opt(str) }),
  parallel_completed: event({
    group_name: str,
    success_count: num,
    failure_count: num,
    elapsed: opt(num),
  }),
  parallel_agent_completed: event({ group_name: str, ...named, elapsed: opt(num), output: opt(any) }),
  parallel_agent_failed: event({ group_name: str, ...named, elapsed: opt(num), ...errorFields }),
  for_each_started: event({
    group_name: str,
    item_count: num,
    max_concurrent: opt(num),
    failure_mode: opt(str),
  }),
  /** `item_preview`: the start of the item's value as text (a label for items without `key_by`). */
  for_each_item_started: event({ group_name: str, item_key: opt(any), index: num, item_preview: opt(str) }),
  for_each_item_completed: event({
    group_name: str,
    item_key: opt(any),
    index: num,
    elapsed: opt(num),
    output: opt(any),
  }),
  for_each_item_failed: event({
    group_name: str,
    item_key: opt(any),
    index: num,
    elapsed: opt(num),
    ...errorFields,
  }),
  for_each_completed: event({
    group_name: str,
    success_count: num,
    failure_count: num,
    elapsed: opt(num),
  }),
} as const;

export type EventType = keyof typeof EventDataSchemas;
export type EventDataMap = { [K in EventType]: v.InferOutput<(typeof EventDataSchemas)[K]> };
/** The payload of an event type: its fields, the fields any event may carry, and any others. */
export type EventData<K extends EventType> = EventDataMap[K];

/** Fields any event may carry (each event type's schema checks them too). */
export type CommonEventData = v.InferOutput<v.LooseObjectSchema<typeof commonFields, undefined>>;

/** An event of type `K` whose data fits the type's schema (of each type, for a union of types). */
export type EventOf<K extends EventType> = K extends EventType ? ConductorEvent<K, EventData<K>> : never;

/**
 * Every event this version knows, discriminated by `type`: a `switch (event.type)` narrows `data`.
 * Derived from the schemas, so the types cannot drift from what `decodeEvent` checks. An event of a
 * type not listed here (a newer conductor's) stays a plain {@link ConductorEvent}.
 */
export type KnownEvent = { [K in EventType]: EventOf<K> }[EventType];

export const EVENT_TYPES = Object.keys(EventDataSchemas) as EventType[];

export function isKnownEventType(type: string): type is EventType {
  return Object.hasOwn(EventDataSchemas, type);
}

/** Whether `data` fits the schema of the (known) event type: the fast check, no message. */
export function fitsEventData(type: EventType, data: unknown): boolean {
  return v.is(EventDataSchemas[type], data);
}

/** Why `data` does not fit the schema of `type`: `<type>.data.<path>: <issue>`; null when it fits. */
export function eventDataProblem(type: EventType, data: unknown): string | null {
  const result = v.safeParse(EventDataSchemas[type], data);
  if (result.success) return null;
  const issue = result.issues[0];
  const path = v.getDotPath(issue) ?? '(root)';
  return `${type}.data.${path}: ${issue.message}`;
}

/**
 * Checks a payload against its type's schema. Unknown types pass: logs may hold events a newer
 * conductor added.
 */
export function validateEventData(
  type: string,
  data: unknown,
): { ok: true } | { ok: false; message: string } {
  if (!isKnownEventType(type)) return { ok: true };
  const message = eventDataProblem(type, data);
  return message === null ? { ok: true } : { ok: false, message };
}
