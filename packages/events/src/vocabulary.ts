import * as v from 'valibot';

// Payload schemas for every event in shared/reference/events.md. They are loose: logs may carry more
// fields than these (fields are added freely, never renamed), and readers must keep them.

const str = v.string();
const num = v.number();
const opt = v.optional;
const any = v.unknown();

const named = { agent_name: str };
/** `data.spills`: the texts of this event stored whole in the run's `outputs/` folder (see outputs.ts). */
const spills = opt(
  v.record(str, v.object({ ref: str, path: opt(str), bytes: num, head_chars: opt(num), sha256: opt(str) })),
);
const errorFields = { error_type: opt(str), message: opt(str) };

export const EventDataSchemas = {
  // Run lifecycle and routing
  workflow_started: v.looseObject({
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
  workflow_resumed: v.looseObject({
    run_id: str,
    checkpoint_path: opt(v.nullable(str)),
    checkpoint_created_at: opt(v.nullable(str)),
    resumed_at_step: str,
    generation: num,
    history_source: v.picklist(['log', 'synthetic']),
  }),
  workflow_completed: v.looseObject({
    elapsed: opt(num),
    output: opt(any),
    termination_reason: opt(str),
    terminated_by: opt(str),
    status: opt(str),
    is_explicit: opt(v.boolean()),
  }),
  workflow_failed: v.looseObject({
    error_type: opt(str),
    message: opt(str),
    agent_name: opt(v.nullable(str)),
    stopped_by_user: opt(v.boolean()),
    checkpoint_path: opt(v.nullable(str)),
    checkpoint_unavailable_reason: opt(v.nullable(str)),
    elapsed_seconds: opt(num),
    timeout_seconds: opt(num),
  }),
  route_taken: v.looseObject({ from_agent: str, to_agent: str }),
  checkpoint_saved: v.looseObject({
    path: str,
    agent_name: opt(v.nullable(str)),
    error_type: opt(v.nullable(str)),
    trigger: str,
  }),
  checkpoint_save_failed: v.looseObject({
    agent_name: opt(v.nullable(str)),
    trigger: str,
    error_type: opt(str),
    consecutive_failures: opt(num),
  }),
  iteration_limit_reached: v.looseObject({
    agent_name: opt(str),
    group_name: opt(str),
    current_iteration: num,
    max_iterations: num,
  }),
  iteration_limit_resolved: v.looseObject({
    agent_name: opt(str),
    group_name: opt(str),
    continue_execution: v.boolean(),
    additional_iterations: opt(num),
  }),

  // Steps
  agent_started: v.looseObject({ ...named, iteration: opt(num), agent_type: opt(str) }),
  agent_prompt_rendered: v.looseObject({ ...named, rendered_prompt: str }),
  agent_message: v.looseObject({ ...named, content: str }),
  agent_reasoning: v.looseObject({ ...named, content: str }),
  agent_tool_start: v.looseObject({ ...named, tool_name: str, arguments: opt(any) }),
  agent_tool_complete: v.looseObject({ ...named, tool_name: str, result: opt(any) }),
  agent_retry: v.looseObject({ ...named, attempt: num, max_attempts: num, error: opt(str), delay: opt(num) }),
  agent_completed: v.looseObject({
    ...named,
    elapsed: opt(num),
    model: opt(v.nullable(str)),
    tokens: opt(v.nullable(num)),
    input_tokens: opt(v.nullable(num)),
    output_tokens: opt(v.nullable(num)),
    cost_usd: opt(v.nullable(num)),
    output: opt(any),
    spills,
  }),
  agent_failed: v.looseObject({ ...named, elapsed: opt(num), ...errorFields }),
  script_started: v.looseObject({ ...named, iteration: opt(num) }),
  script_completed: v.looseObject({
    ...named,
    elapsed: opt(num),
    stdout: opt(str),
    stderr: opt(str),
    exit_code: opt(v.nullable(num)),
    spills,
  }),
  script_failed: v.looseObject({ ...named, elapsed: opt(num), ...errorFields, spills }),
  // A child process the engine started (a script, a tool server), recorded so that a resume after a
  // crash can stop it if it outlived its owner: pid, process group and start time identify it.
  child_process_spawned: v.looseObject({
    ...named,
    kind: str,
    pid: num,
    pgid: num,
    process_start: v.nullable(str),
    host: str,
    command: opt(str),
  }),
  child_process_exited: v.looseObject({
    ...named,
    pid: num,
    exit_code: opt(v.nullable(num)),
    signal: opt(v.nullable(str)),
    stopped_by_resume: opt(v.boolean()),
  }),
  set_started: v.looseObject({ ...named }),
  set_completed: v.looseObject({ ...named, elapsed: opt(num), output_type: opt(str), value_repr: opt(str) }),
  set_failed: v.looseObject({ ...named, elapsed: opt(num), ...errorFields }),
  wait_started: v.looseObject({ ...named, duration_seconds: num, reason: opt(v.nullable(str)) }),
  wait_completed: v.looseObject({ ...named, waited_seconds: num, interrupted: v.boolean() }),
  gate_presented: v.looseObject({
    ...named,
    prompt: str,
    options: v.array(v.looseObject({ label: str, value: str, route: opt(v.nullable(str)) })),
  }),
  gate_resolved: v.looseObject({
    ...named,
    selected_option: str,
    route: opt(v.nullable(str)),
    additional_input: opt(any),
  }),
  subworkflow_started: v.looseObject({ ...named, workflow: str, parent_path: opt(v.array(str)) }),
  subworkflow_completed: v.looseObject({ ...named, output: opt(any) }),
  subworkflow_failed: v.looseObject({ ...named, ...errorFields }),

  // Groups
  parallel_started: v.looseObject({ group_name: str, agents: v.array(str) }),
  parallel_completed: v.looseObject({
    group_name: str,
    success_count: num,
    failure_count: num,
    elapsed: opt(num),
  }),
  parallel_agent_completed: v.looseObject({ group_name: str, ...named, elapsed: opt(num), output: opt(any) }),
  parallel_agent_failed: v.looseObject({ group_name: str, ...named, elapsed: opt(num), ...errorFields }),
  for_each_started: v.looseObject({
    group_name: str,
    item_count: num,
    max_concurrent: opt(num),
    failure_mode: opt(str),
  }),
  for_each_item_started: v.looseObject({ group_name: str, item_key: opt(any), index: num }),
  for_each_item_completed: v.looseObject({
    group_name: str,
    item_key: opt(any),
    index: num,
    elapsed: opt(num),
    output: opt(any),
  }),
  for_each_item_failed: v.looseObject({
    group_name: str,
    item_key: opt(any),
    index: num,
    elapsed: opt(num),
    ...errorFields,
  }),
  for_each_completed: v.looseObject({
    group_name: str,
    success_count: num,
    failure_count: num,
    elapsed: opt(num),
  }),
} as const;

export type EventType = keyof typeof EventDataSchemas;
export type EventDataMap = { [K in EventType]: v.InferOutput<(typeof EventDataSchemas)[K]> };
/** The payload of an event type, plus the envelope-wide optional markers. */
export type EventData<K extends EventType> = EventDataMap[K] & CommonEventData;

/** Fields any event may carry. */
export interface CommonEventData {
  /** Parent step names of a sub-workflow's event. */
  subworkflow_path?: string[];
  /** True when the event was synthesized (from a checkpoint) rather than read from a log. */
  synthetic?: boolean;
  [key: string]: unknown;
}

export const EVENT_TYPES = Object.keys(EventDataSchemas) as EventType[];

export function isKnownEventType(type: string): type is EventType {
  return Object.hasOwn(EventDataSchemas, type);
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
  const result = v.safeParse(EventDataSchemas[type], data);
  if (result.success) return { ok: true };
  const issue = result.issues[0];
  const path = v.getDotPath(issue) ?? '(root)';
  return { ok: false, message: `${type}.data.${path}: ${issue.message}` };
}
