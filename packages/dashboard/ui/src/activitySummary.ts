import {
  asKnownEvent,
  type ConductorEvent,
  type EventData,
  type EventType,
  eventKindOf,
  type ResumeMark,
  timesBetween,
} from '@conductor/events';
import { formatDuration, formatUsd, preview } from './format';
import { itemLabel } from './workflowView';

/** What an activity row says of its event: one line per event type, and the run's times when it ends. */

/** Characters of streamed text a row keeps. */
export const KEPT_TEXT = 400;

export type Data = Record<string, unknown>;
export const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The events of a for-each item carry the item's group and index (as the projection tests). */
export function isItemEvent(data: Data): boolean {
  return typeof data.group_name === 'string' && typeof data.index === 'number';
}

export function itemOf(d: { index?: number; item_key?: unknown; item_preview?: unknown }): string {
  return itemLabel(
    d.index ?? null,
    d.item_key === undefined || d.item_key === null ? null : String(d.item_key),
    str(d.item_preview),
  );
}

export function errorText(data: { error_type?: unknown; message?: unknown }): string {
  return [str(data.error_type), str(data.message)].filter(Boolean).join(': ') || 'failed';
}

/**
 * What the rows need to know of the run beyond each event: when it first started and its resumes, so
 * that its "Completed" row gives the whole run's times, not the last resume's.
 */
export interface RunTiming {
  startedAt: number | null;
  resumes: readonly ResumeMark[];
}

/** "active 1m 02s · wall 2m 08s": the run's times up to `at` (its downtimes between failure and resume left out of active). */
export function runTimesText(timing: RunTiming, at: number): string | null {
  if (timing.startedAt === null) return null;
  const { wall, active } = timesBetween(timing.startedAt, at, timing.resumes);
  return `active ${formatDuration(active)} · wall ${formatDuration(wall)}`;
}

export function summarize(event: ConductorEvent): string {
  return summarizeIn(event, undefined);
}

/** What a row says of `event`, knowing the run's timing (for its "Completed" row). */
export function summarizeIn(event: ConductorEvent, timing: RunTiming | undefined): string {
  const kind = eventKindOf(event.type);
  if (timing && event.type === 'workflow_completed' && event.data?.status !== 'failed') {
    const times = runTimesText(timing, event.timestamp);
    if (times) {
      const output = event.data?.output;
      return `Completed — ${times}${withOutput(output)}`;
    }
  }
  const text = summaryOf(event);
  // A for-each item's own step events: say which item (the group's and the item's events say it already).
  const own = kind ? kind.subject === 'group' || kind.subject === 'item' : event.type.startsWith('for_each_');
  return isItemEvent(event.data ?? {}) && !own ? `${itemOf(event.data)}: ${text}` : text;
}

const took = (elapsed: number | undefined): string =>
  elapsed === undefined ? '' : ` in ${formatDuration(elapsed)}`;
const withOutput = (output: unknown): string => (output === undefined ? '' : ` — ${preview(output)}`);
const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** How each event type reads in the stream. A type not listed reads as its fields (or its error). */
type Summaries = { [K in EventType]?: (data: EventData<K>) => string };

const stepStarted = (d: { iteration?: number | null; workflow?: string }): string =>
  `Started${d.iteration != null && d.iteration > 1 ? ` (iteration ${d.iteration})` : ''}${d.workflow ? ` ${d.workflow}` : ''}`;
const groupEnded =
  (kind: string) =>
  (d: EventData<'parallel_completed' | 'for_each_completed'>): string =>
    `${kind} ${d.group_name}: ${d.success_count} done, ${d.failure_count} failed${took(d.elapsed)}`;
const mode = (failureMode: string | undefined): string =>
  failureMode ? ` · ${failureMode.replaceAll('_', ' ')}` : '';

const SUMMARIES: Summaries = {
  workflow_started: (d) => `Started “${d.name}” with ${plural(d.agents.length, 'step')}`,
  workflow_resumed: (d) =>
    `Resumed at ${d.resumed_at_step} (resume ${d.generation}, history from ${
      d.history_source === 'synthetic' ? 'checkpoint summary' : 'log'
    })`,
  workflow_completed: (d) =>
    d.status === 'failed'
      ? `Terminated: ${d.termination_reason ?? 'by a step'}`
      : `Completed${took(d.elapsed)}${withOutput(d.output)}`,
  workflow_failed: (d) =>
    `${d.stopped_by_user === true ? 'Stopped by user' : errorText(d)}${d.checkpoint_path ? ' — checkpoint saved' : ''}`,
  route_taken: (d) => `${d.from_agent} → ${d.to_agent}`,
  checkpoint_saved: (d) => `Checkpoint saved (${d.trigger}): ${d.path}`,
  checkpoint_save_failed: (d) => `Checkpoint not saved (${d.trigger}): ${d.error_type ?? 'error'}`,
  iteration_limit_reached: (d) => `Iteration limit reached: ${d.current_iteration}/${d.max_iterations}`,
  iteration_limit_resolved: (d) =>
    d.continue_execution
      ? `Continuing for ${d.additional_iterations ?? '?'} more iterations`
      : 'Stopping at the iteration limit',
  budget_exceeded: (d) =>
    `Spend ${formatUsd(d.total_cost_usd)} passed the budget of ${formatUsd(d.budget_usd)}${
      d.budget_mode === 'enforce' ? ' — the run stops (enforce)' : ' (audit)'
    }`,
  agent_started: stepStarted,
  script_started: stepStarted,
  set_started: stepStarted,
  subworkflow_started: stepStarted,
  wait_started: (d) => `Waiting ${formatDuration(d.duration_seconds)}${d.reason ? ` — ${d.reason}` : ''}`,
  wait_completed: (d) => (d.interrupted ? 'Wait interrupted' : `Waited ${formatDuration(d.waited_seconds)}`),
  agent_prompt_rendered: (d) => preview(d.rendered_prompt),
  agent_message: (d) => d.content.slice(0, KEPT_TEXT),
  agent_reasoning: (d) => d.content.slice(0, KEPT_TEXT),
  agent_tool_start: (d) => `${d.tool_name}(${d.arguments === undefined ? '' : preview(d.arguments, 80)})`,
  agent_tool_complete: (d) =>
    typeof d.error === 'string'
      ? `${d.tool_name} failed: ${preview(d.error)}`
      : `${d.tool_name} → ${d.result === undefined || d.result === null ? 'done' : preview(d.result)}`,
  agent_retry: (d) => `Retry ${d.attempt}/${d.max_attempts}: ${d.error ?? ''}`,
  agent_timeout: (d) => `Timed out after ${d.timeout_seconds}s (timeout_seconds): cancelled`,
  agent_completed: (d) => {
    const parts = [`Completed${took(d.elapsed)}`];
    const tokens = d.tokens ?? sum(d.input_tokens ?? null, d.output_tokens ?? null);
    if (tokens !== null) parts.push(`${tokens.toLocaleString()} tokens`);
    if (d.cost_usd != null) parts.push(formatUsd(d.cost_usd));
    return `${parts.join(' · ')}${withOutput(d.output)}`;
  },
  // A summary rebuilt from a checkpoint knows no exit code: say only what is known.
  script_completed: (d) =>
    `${d.exit_code == null ? 'Completed' : `Exited ${d.exit_code}`}${took(d.elapsed)}${
      d.stdout ? ` — ${preview(d.stdout)}` : ''
    }`,
  set_completed: (d) => `Set${took(d.elapsed)}${d.value_repr ? ` — ${preview(d.value_repr)}` : ''}`,
  subworkflow_completed: (d) => `Completed${took(d.elapsed)}${withOutput(d.output)}`,
  gate_presented: (d) => `Waiting for a decision: ${preview(d.prompt)}`,
  gate_resolved: (d) => {
    const input = d.additional_input;
    const texts =
      typeof input === 'object' && input !== null
        ? Object.entries(input as Data).filter(([, v]) => v !== '' && v !== null)
        : typeof input === 'string' && input !== ''
          ? [['text', input] as const]
          : [];
    const given = texts.map(([k, v]) => `${k}: ${preview(v, 80)}`).join(', ');
    return `Selected “${d.selected_option}”${d.route ? ` → ${d.route}` : ''}${given ? ` — ${given}` : ''}`;
  },
  agent_validator_start: (d) => `Validating the answer${d.model ? ` with ${d.model}` : ''}`,
  agent_validator_complete: (d) =>
    d.errored
      ? `Validation could not decide (counted as a pass): ${preview(d.error ?? '')}`
      : d.passed
        ? `Validation passed${d.cost_usd != null ? ` · ${formatUsd(d.cost_usd)}` : ''}`
        : `Validation failed: ${preview((d.issues ?? []).join('; '))}`,
  agent_validation_failed: (d) =>
    `${d.will_retry ? 'Running again with the feedback' : 'Not run again (max_retries 0)'}: ${preview(d.issues.join('; '))}`,
  agent_rerun_failed: (d) =>
    `The re-run after the ${d.cause} failed; the answer before it is kept: ${errorText(d)}`,
  dialog_evaluated: (d) =>
    d.trigger
      ? `Wants to talk: ${preview(d.question ?? '')}`
      : `No dialog needed${d.reason ? ` — ${preview(d.reason)}` : ''}`,
  dialog_skipped: (d) =>
    d.reason === 'skip_gates'
      ? 'Dialog skipped (--skip-gates)'
      : `Dialog skipped: nobody could answer${d.question ? ` “${preview(d.question)}”` : ''}`,
  dialog_started: (d) => `Dialog opened: ${preview(d.opening_question)}`,
  dialog_message: (d) => `${d.role === 'agent' ? 'Agent' : 'You'}: ${preview(d.content)}`,
  dialog_completed: (d) =>
    `Dialog ended${d.agent_proposed_continue ? ' by the agent' : d.user_dismissed ? ' by you' : ''} after ${plural(d.turn_count, 'message')}`,
  parallel_started: (d) =>
    `parallel group ${d.group_name}: started ${plural(d.agents.length, 'member')}${
      d.agents.length > 0 ? ` (${d.agents.join(', ')})` : ''
    }${mode(d.failure_mode)}`,
  for_each_started: (d) =>
    `for-each group ${d.group_name}: ${plural(d.item_count, 'item')}${
      d.max_concurrent !== undefined ? `, ${d.max_concurrent} at once` : ''
    }${mode(d.failure_mode)}`,
  parallel_completed: groupEnded('parallel group'),
  for_each_completed: groupEnded('for-each group'),
  for_each_item_started: (d) => `${itemOf(d)} started`,
  for_each_item_completed: (d) => `${itemOf(d)} completed${took(d.elapsed)}${withOutput(d.output)}`,
  for_each_item_failed: (d) => `${itemOf(d)} failed${took(d.elapsed)}: ${errorText(d)}`,
  parallel_agent_completed: (d) => `${d.agent_name} completed${took(d.elapsed)}${withOutput(d.output)}`,
  parallel_agent_failed: (d) => `${d.agent_name} failed${took(d.elapsed)}: ${errorText(d)}`,
};

function summaryOf(event: ConductorEvent): string {
  const known = asKnownEvent(event);
  const summary = known ? (SUMMARIES[known.type] as ((data: unknown) => string) | undefined) : undefined;
  if (known && summary) return summary(known.data);
  const d: Data = event.data ?? {};
  const kind = eventKindOf(event.type);
  if (kind ? kind.phase === 'failed' : event.type.endsWith('_failed')) return errorText(d);
  return preview(withoutKeys(d, ['agent_name', 'group_name', 'subworkflow_path', 'synthetic']));
}

function sum(a: number | null, b: number | null): number | null {
  return a === null && b === null ? null : (a ?? 0) + (b ?? 0);
}

function withoutKeys(data: Data, keys: string[]): Data {
  const copy: Data = {};
  for (const [key, value] of Object.entries(data)) if (!keys.includes(key)) copy[key] = value;
  return copy;
}
