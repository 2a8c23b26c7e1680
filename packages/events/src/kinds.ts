import type { EventType } from './vocabulary.js';

/**
 * What each event type is about, in one table that every reader of events consults instead of
 * matching type names: the projection, resume's fold, the dashboard's activity list, the CLI's
 * progress and the history synthesized from a checkpoint. A new event type must get a row here (the
 * table is checked to list every type of the vocabulary), a schema, and a reducer if it changes state.
 */

/** What an event is about. */
export type EventSubject =
  /** The run (or, with `subworkflow_path`, a sub-workflow's run). */
  | 'run'
  /** The route taken from one step to the next. */
  | 'route'
  | 'checkpoint'
  /** The run's iteration limit. */
  | 'limit'
  /** One execution of an agent, script, set, wait or workflow step. */
  | 'step'
  /** A human_gate step: the question, then its answer. */
  | 'gate'
  /** A step's text: its rendered prompt, its streamed message or reasoning. */
  | 'text'
  /** A tool call of an agent step. */
  | 'tool'
  /** The validator of an agent step: its call and its verdict. */
  | 'validation'
  /** An agent step's dialog with the user: the evaluation, the messages, its end. */
  | 'dialog'
  /** A child process a step started. */
  | 'process'
  /** A parallel or for_each group. */
  | 'group'
  /** A member of a parallel group (its own step events are `step` events carrying `group_name`). */
  | 'member'
  /** An item of a for_each group (its own step events are `step` events carrying `group_name` and `index`). */
  | 'item';

/** What happened to the subject. */
export type EventPhase =
  | 'started'
  | 'completed'
  | 'failed'
  /** The run continues after a stop (a new generation). */
  | 'resumed'
  /** The step tries its call again after an error. */
  | 'retried'
  /** A chunk of streamed text. */
  | 'streamed'
  /** A fact about the subject that neither starts nor ends it. */
  | 'noted';

/** The step types of a workflow, as `workflow_started.agents[].type` and the groups name them. */
export type StepType =
  | 'agent'
  | 'script'
  | 'set'
  | 'wait'
  | 'human_gate'
  | 'workflow'
  | 'parallel'
  | 'for_each';

export interface EventKind {
  readonly subject: EventSubject;
  readonly phase: EventPhase;
  /**
   * For an event that starts or ends one execution of a workflow step (a group is a step too): the
   * step's type. `agent_started` says `agent`; its `agent_type` may say more (a script's agent_started).
   */
  readonly stepType: StepType | null;
  /** The data field naming the step (`agent_name`) or the group (`group_name`) the event updates. */
  readonly nameField: 'agent_name' | 'group_name' | null;
}

const kind = (
  subject: EventSubject,
  phase: EventPhase,
  stepType: StepType | null = null,
  nameField: EventKind['nameField'] = null,
): EventKind => ({ subject, phase, stepType, nameField });
const run = (phase: EventPhase) => kind('run', phase);
const step = (stepType: StepType | null, phase: EventPhase) => kind('step', phase, stepType, 'agent_name');
const of = (subject: EventSubject, phase: EventPhase) => kind(subject, phase, null, 'agent_name');
const group = (subject: 'group' | 'member' | 'item', phase: EventPhase, stepType: StepType | null = null) =>
  kind(subject, phase, stepType, 'group_name');

export const EVENT_KINDS: Readonly<Record<EventType, EventKind>> = {
  workflow_started: run('started'),
  workflow_resumed: run('resumed'),
  workflow_completed: run('completed'),
  workflow_failed: run('failed'),
  route_taken: kind('route', 'noted'),
  checkpoint_saved: kind('checkpoint', 'completed'),
  checkpoint_save_failed: kind('checkpoint', 'failed'),
  iteration_limit_reached: kind('limit', 'started'),
  iteration_limit_resolved: kind('limit', 'completed'),
  budget_exceeded: kind('limit', 'noted'),

  agent_started: step('agent', 'started'),
  agent_prompt_rendered: of('text', 'noted'),
  agent_message: of('text', 'streamed'),
  agent_reasoning: of('text', 'streamed'),
  agent_tool_start: of('tool', 'started'),
  agent_tool_complete: of('tool', 'completed'),
  agent_retry: step(null, 'retried'),
  agent_timeout: step(null, 'noted'),
  agent_completed: step('agent', 'completed'),
  agent_validator_start: of('validation', 'started'),
  agent_validator_complete: of('validation', 'completed'),
  agent_validation_failed: of('validation', 'noted'),
  agent_rerun_failed: of('step', 'failed'),
  dialog_evaluated: of('dialog', 'noted'),
  dialog_skipped: of('dialog', 'noted'),
  dialog_started: of('dialog', 'started'),
  dialog_message: of('dialog', 'noted'),
  dialog_completed: of('dialog', 'completed'),
  agent_failed: step('agent', 'failed'),
  script_started: step('script', 'started'),
  script_completed: step('script', 'completed'),
  script_failed: step('script', 'failed'),
  child_process_spawned: of('process', 'started'),
  child_process_exited: of('process', 'completed'),
  set_started: step('set', 'started'),
  set_completed: step('set', 'completed'),
  set_failed: step('set', 'failed'),
  wait_started: step('wait', 'started'),
  wait_completed: step('wait', 'completed'),
  gate_presented: kind('gate', 'started', 'human_gate', 'agent_name'),
  gate_resolved: kind('gate', 'completed', 'human_gate', 'agent_name'),
  questions_presented: of('gate', 'noted'),
  questions_answered: of('gate', 'noted'),
  questions_answer_rejected: of('gate', 'noted'),
  questions_completed: of('gate', 'noted'),
  subworkflow_started: step('workflow', 'started'),
  subworkflow_completed: step('workflow', 'completed'),
  subworkflow_failed: step('workflow', 'failed'),

  parallel_started: group('group', 'started', 'parallel'),
  parallel_completed: group('group', 'completed', 'parallel'),
  parallel_agent_completed: group('member', 'completed'),
  parallel_agent_failed: group('member', 'failed'),
  for_each_started: group('group', 'started', 'for_each'),
  for_each_item_started: group('item', 'started'),
  for_each_item_completed: group('item', 'completed'),
  for_each_item_failed: group('item', 'failed'),
  for_each_completed: group('group', 'completed', 'for_each'),
};

/** The kind of an event type; undefined for a type this version does not know. */
export function eventKindOf(type: string): EventKind | undefined {
  return Object.hasOwn(EVENT_KINDS, type) ? EVENT_KINDS[type as EventType] : undefined;
}

const byStep = new Map<string, EventType>();
for (const [type, { stepType, phase }] of Object.entries(EVENT_KINDS) as Array<[EventType, EventKind]>) {
  if (stepType !== null) byStep.set(`${stepType} ${phase}`, type);
}

/**
 * The event type that starts (`started`), ends (`completed`) or fails (`failed`) a step of `stepType`,
 * or undefined when there is none (a wait or a gate has no failure event of its own; a group none).
 */
export function stepEventType(
  stepType: StepType,
  phase: 'started' | 'completed' | 'failed',
): EventType | undefined {
  return byStep.get(`${stepType} ${phase}`);
}
