import {
  boundInputs,
  itemOutput,
  olderAttempt,
  outputFields,
  runOutput,
  TEXT_CHARS_KEPT,
  withOutput,
} from './bounded.js';
import type { ConductorEvent } from './envelope.js';
import { cutString, type SpilledOutput, scriptOutputOf } from './outputs.js';

/**
 * The projection: a pure fold of events into the state a person wants to see. The dashboard server
 * uses it for `/api/state`, the web UI for live updates; nothing else interprets events.
 *
 * Its size depends on the workflow (steps, groups) and not on the number of events nor on the size of
 * outputs: streamed text is not kept, each step keeps only its latest attempts, and outputs, prompts
 * and messages are kept as bounded heads (the whole is in the event, or in the run's `outputs/` folder).
 */

export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'interrupted';
export type StepStatus = 'pending' | 'running' | 'waiting' | 'completed' | 'failed' | 'skipped';

/** How many attempts of a step the state keeps (a loop may run one step thousands of times). */
export const MAX_ATTEMPTS_KEPT = 20;

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
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  error: StepError | null;
  retries: number;
  tool_calls: number;
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
  /** Sums over every completed agent attempt of the run, across resumes. */
  totals: RunTotals;
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
    last_seq: 0,
    event_count: 0,
    last_event_at: null,
  };
}

/** Folds many events; `projectEvents(events)` is the state after all of them. */
export function projectEvents(
  events: Iterable<ConductorEvent>,
  state: RunState = initialRunState(),
): RunState {
  let next = state;
  for (const event of events) next = applyEvent(next, event);
  return next;
}

type Data = Record<string, unknown>;

const asString = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const asNumber = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

function stepKeyOf(name: string, path: readonly string[]): string {
  return path.length === 0 ? name : `${path.join('/')}/${name}`;
}

function subPath(data: Data): string[] {
  return Array.isArray(data.subworkflow_path) ? (data.subworkflow_path as string[]) : [];
}

function newStep(name: string, path: string[], type: string | null): StepState {
  return {
    key: stepKeyOf(name, path),
    name,
    type,
    subworkflow_path: path,
    status: 'pending',
    attempt_count: 0,
    attempts: [],
  };
}

function errorOf(data: Data): StepError {
  const message = asString(data.message);
  return {
    error_type: asString(data.error_type),
    message: message === null ? null : cutString(message, TEXT_CHARS_KEPT),
  };
}

/**
 * Applies one event and returns the next state. The input state is never modified; unchanged parts
 * are shared with it.
 */
export function applyEvent(state: RunState, event: ConductorEvent): RunState {
  const data: Data = event.data ?? {};
  const path = subPath(data);
  const atRoot = path.length === 0;
  const base: RunState = {
    ...state,
    last_seq: Math.max(state.last_seq, event.seq),
    event_count: state.event_count + 1,
    last_event_at: event.timestamp,
  };
  const synthetic = data.synthetic === true;
  if (synthetic && !state.run.has_synthetic_history) base.run = { ...base.run, has_synthetic_history: true };

  const updateStep = (
    name: string,
    fn: (step: StepState) => StepState,
    type: string | null = null,
  ): RunState => {
    const key = stepKeyOf(name, path);
    const current = base.steps[key] ?? newStep(name, path, type);
    const next = fn(current);
    return {
      ...base,
      steps: { ...base.steps, [key]: next },
      step_order: base.steps[key] ? base.step_order : [...base.step_order, key],
    };
  };

  /** Changes the step's latest attempt (starting one if the log has none, e.g. a partial log). */
  const updateAttempt = (
    name: string,
    fn: (attempt: Attempt) => Partial<Attempt>,
    status?: StepStatus,
  ): RunState =>
    updateStep(name, (step) => {
      let attempts = step.attempts;
      let count = step.attempt_count;
      if (attempts.length === 0) {
        count += 1;
        attempts = [blankAttempt(count, state.run.generation, null, event, synthetic)];
      }
      const last = attempts[attempts.length - 1] as Attempt;
      const patch = fn(last);
      const changed: Attempt = {
        ...('output' in patch ? withOutput(last, {}) : last),
        ...patch,
        last_seq: event.seq,
      };
      if (status) changed.status = status;
      if (synthetic) changed.synthetic = true;
      return {
        ...step,
        attempt_count: count,
        attempts: [...attempts.slice(0, -1), changed],
        status: status ?? step.status,
      };
    });

  const finishAttempt = (
    name: string,
    status: StepStatus,
    extra: (a: Attempt) => Partial<Attempt> = () => ({}),
  ) =>
    updateAttempt(
      name,
      (a) => ({
        finished_at: event.timestamp,
        elapsed: asNumber(data.elapsed) ?? (a.started_at === null ? null : event.timestamp - a.started_at),
        ...extra(a),
      }),
      status,
    );

  if (isItemEvent(data) && !event.type.startsWith('for_each_')) {
    // The item's own step events (agent_started of `group[3]`...): the group is what is running.
    const group = data.group_name as string;
    return atRoot && event.type.endsWith('_started') && base.run.current_step !== group
      ? { ...base, run: { ...base.run, current_step: group } }
      : base;
  }

  switch (event.type) {
    case 'workflow_started': {
      const graph = graphOf(data);
      const agents = graph.agents;
      if (!atRoot) {
        const sub: SubworkflowState = {
          path,
          graph,
          status: 'running',
          started_at: event.timestamp,
          finished_at: null,
        };
        return { ...base, subworkflows: { ...base.subworkflows, [path.join('/')]: sub } };
      }
      const steps = { ...base.steps };
      const order = [...base.step_order];
      for (const agent of agents) {
        if (!steps[agent.name]) {
          steps[agent.name] = newStep(agent.name, [], agent.type ?? null);
          order.push(agent.name);
        }
      }
      return {
        ...base,
        graph,
        steps,
        step_order: order,
        run: {
          ...base.run,
          run_id: asString(data.run_id) ?? base.run.run_id,
          name: graph.name,
          status: 'running',
          // A log may hold a second workflow_started (e.g. a restarted original run): keep the first.
          started_at: base.run.started_at ?? event.timestamp,
          finished_at: null,
          inputs: boundInputs(data.inputs),
        },
      };
    }
    case 'workflow_resumed': {
      if (!atRoot) return base;
      const generation = asNumber(data.generation) ?? base.run.generation + 1;
      const mark: ResumeMark = {
        generation,
        seq: event.seq,
        at: event.timestamp,
        checkpoint_path: asString(data.checkpoint_path),
        checkpoint_created_at: asString(data.checkpoint_created_at),
        resumed_at_step: asString(data.resumed_at_step) ?? '',
        history_source: data.history_source === 'synthetic' ? 'synthetic' : 'log',
      };
      return {
        ...base,
        resumes: [...base.resumes, mark],
        gates: {},
        gate: null,
        run: {
          ...base.run,
          run_id: asString(data.run_id) ?? base.run.run_id,
          status: 'running',
          generation,
          started_at: base.run.started_at ?? event.timestamp,
          finished_at: null,
          error: null,
          checkpoint_unavailable_reason: null,
          has_synthetic_history: base.run.has_synthetic_history || mark.history_source === 'synthetic',
        },
      };
    }
    case 'workflow_completed': {
      if (!atRoot)
        return finishSubworkflow(
          base,
          path,
          data.status === 'failed' ? 'failed' : 'completed',
          event.timestamp,
        );
      const failed = data.status === 'failed';
      const steps = { ...base.steps };
      for (const [key, step] of Object.entries(steps)) {
        if (step.status === 'pending') steps[key] = { ...step, status: 'skipped' };
      }
      return {
        ...base,
        steps,
        gates: {},
        gate: null,
        run: {
          ...base.run,
          status: failed ? 'failed' : 'completed',
          finished_at: event.timestamp,
          current_step: null,
          ...runOutput(data.output),
          error: failed
            ? {
                error_type: 'Terminated',
                message: asString(data.termination_reason),
                agent_name: asString(data.terminated_by),
                stopped_by_user: false,
              }
            : null,
        },
      };
    }
    case 'workflow_failed': {
      if (!atRoot) return finishSubworkflow(base, path, 'failed', event.timestamp);
      const stopped = data.stopped_by_user === true || data.error_type === 'Interrupted';
      // An attempt that was running when the run ended did not finish: it failed (or was interrupted) there.
      const steps = { ...base.steps };
      for (const [key, step] of Object.entries(steps)) {
        if (step.status !== 'running' && step.status !== 'waiting') continue;
        const attempts = step.attempts.map((a, i) =>
          i === step.attempts.length - 1 && (a.status === 'running' || a.status === 'waiting')
            ? {
                ...a,
                status: 'failed' as const,
                finished_at: event.timestamp,
                error: a.error ?? {
                  error_type: asString(data.error_type),
                  message: asString(data.message),
                },
              }
            : a,
        );
        steps[key] = { ...step, status: 'failed', attempts };
      }
      return {
        ...base,
        steps,
        gates: {},
        gate: null,
        run: {
          ...base.run,
          status: stopped ? 'interrupted' : 'failed',
          finished_at: event.timestamp,
          current_step: null,
          checkpoint_unavailable_reason: asString(data.checkpoint_unavailable_reason),
          error: {
            ...errorOf(data),
            agent_name: asString(data.agent_name),
            stopped_by_user: stopped,
          },
          checkpoint_path: asString(data.checkpoint_path) ?? base.run.checkpoint_path,
        },
      };
    }
    case 'route_taken': {
      const from = asString(data.from_agent);
      const to = asString(data.to_agent);
      if (!atRoot || !from || !to) return base;
      const key = `${from}->${to}`;
      const previous = base.routes_taken[key];
      const routed: RunState = {
        ...base,
        routes_taken: {
          ...base.routes_taken,
          [key]: { from, to, count: (previous?.count ?? 0) + 1, last_seq: event.seq },
        },
      };
      // A step routes only once it completed: still running here means its completion line was lost
      // (damaged and skipped). The attempt did not complete, as resume sees it too (it runs again).
      const latest = routed.steps[from]?.attempts.at(-1);
      if (latest?.status !== 'running' && latest?.status !== 'waiting') return routed;
      const { [from]: _unanswered, ...gates } = routed.gates;
      return withGates(
        updateAttemptOf(routed, from, event, {
          status: 'failed',
          finished_at: event.timestamp,
          error: {
            error_type: 'EndNotRecorded',
            message:
              'the log holds no end of this attempt (a damaged or lost line), though the run went on past it',
          },
        }),
        gates,
      );
    }
    case 'checkpoint_saved':
      return atRoot ? { ...base, run: { ...base.run, checkpoint_path: asString(data.path) } } : base;

    case 'agent_started':
    case 'script_started':
    case 'set_started':
    case 'wait_started':
    case 'subworkflow_started': {
      const name = asString(data.agent_name);
      if (!name) return base;
      const type =
        asString(data.agent_type) ??
        (
          {
            agent_started: 'agent',
            script_started: 'script',
            set_started: 'set',
            wait_started: 'wait',
            subworkflow_started: 'workflow',
          } as Record<string, string>
        )[event.type] ??
        null;
      // The original emits agent_started before script_started for a script: one attempt, not two.
      const existing = base.steps[stepKeyOf(name, path)];
      const latest = existing?.attempts[existing.attempts.length - 1];
      const continuesAttempt =
        event.type !== 'agent_started' &&
        latest?.status === 'running' &&
        latest.generation === base.run.generation;
      const next = continuesAttempt
        ? updateAttempt(name, () => ({}), 'running')
        : updateStep(
            name,
            (step) => {
              const number = step.attempt_count + 1;
              const attempt = blankAttempt(
                number,
                base.run.generation,
                asNumber(data.iteration),
                event,
                synthetic,
              );
              const previous = step.attempts.at(-1);
              const attempts = previous
                ? [...step.attempts.slice(0, -1), olderAttempt(previous), attempt]
                : [attempt];
              return {
                ...step,
                type: step.type ?? type,
                status: 'running',
                attempt_count: number,
                attempts: attempts.length > MAX_ATTEMPTS_KEPT ? attempts.slice(-MAX_ATTEMPTS_KEPT) : attempts,
              };
            },
            type,
          );
      const group = asString(data.group_name);
      // A parallel member starting (a retry after a resume continues the same attempt: not counted twice).
      const counted =
        group && !continuesAttempt && next.groups[stepKeyOf(group, path)]?.kind === 'parallel'
          ? updateGroup(next, data, (g) => ({ running: g.running + 1 }))
          : next;
      return atRoot ? { ...counted, run: { ...counted.run, current_step: group ?? name } } : counted;
    }
    case 'agent_prompt_rendered':
      return withName(data, base, (name) =>
        updateAttempt(name, () => {
          const prompt = asString(data.rendered_prompt);
          return prompt !== null && prompt.length > TEXT_CHARS_KEPT
            ? { prompt: cutString(prompt, TEXT_CHARS_KEPT), prompt_truncated: true }
            : { prompt };
        }),
      );
    case 'agent_message':
    case 'agent_reasoning':
      // Streamed text is most of a long log: it changes no step state (the activity stream shows it),
      // which keeps folding a million-event history fast.
      return base;
    case 'agent_tool_start':
      return withName(data, base, (name) => updateAttempt(name, (a) => ({ tool_calls: a.tool_calls + 1 })));
    case 'agent_retry':
      return withName(data, base, (name) => updateAttempt(name, (a) => ({ retries: a.retries + 1 })));
    case 'agent_completed':
    case 'subworkflow_completed': {
      const next = withName(data, base, (name) =>
        finishAttempt(name, 'completed', () => ({
          ...outputFields(data.output, data),
          model: asString(data.model),
          tokens: asNumber(data.tokens),
          input_tokens: asNumber(data.input_tokens),
          output_tokens: asNumber(data.output_tokens),
          cost_usd: asNumber(data.cost_usd),
          error: null,
        })),
      );
      if (event.type !== 'agent_completed') return next;
      const totals = next.run.totals;
      return {
        ...next,
        run: {
          ...next.run,
          totals: {
            tokens: totals.tokens + (asNumber(data.tokens) ?? 0),
            input_tokens: totals.input_tokens + (asNumber(data.input_tokens) ?? 0),
            output_tokens: totals.output_tokens + (asNumber(data.output_tokens) ?? 0),
            cost_usd: totals.cost_usd + (asNumber(data.cost_usd) ?? 0),
          },
        },
      };
    }
    case 'script_completed':
      return withName(data, base, (name) =>
        finishAttempt(name, 'completed', (a) =>
          data.output === undefined && data.stdout === undefined && data.exit_code === undefined
            ? { output: a.output }
            : outputFields(scriptOutputOf(data), data),
        ),
      );
    case 'set_completed':
      return withName(data, base, (name) =>
        finishAttempt(name, 'completed', (a) =>
          'output' in data ? outputFields(data.output, data) : { output: a.output ?? data.value_repr },
        ),
      );
    case 'wait_completed':
      return withName(data, base, (name) =>
        finishAttempt(name, data.interrupted === true ? 'failed' : 'completed', () => ({
          elapsed: asNumber(data.waited_seconds),
          output: { waited_seconds: data.waited_seconds },
          error:
            data.interrupted === true ? { error_type: 'Interrupted', message: 'wait interrupted' } : null,
        })),
      );
    case 'agent_failed':
    case 'script_failed':
    case 'set_failed':
    case 'subworkflow_failed':
      return withName(data, base, (name) => finishAttempt(name, 'failed', () => ({ error: errorOf(data) })));

    case 'gate_presented':
      return withName(data, base, (name) => {
        const next = updateAttempt(name, () => ({}), 'waiting');
        const key = stepKeyOf(name, path);
        const pending: PendingGate = {
          step: key,
          path,
          prompt: asString(data.prompt) ?? '',
          options: Array.isArray(data.options) ? (data.options as PendingGate['options']) : [],
          seq: event.seq,
        };
        return withGates(next, { ...next.gates, [key]: pending });
      });
    case 'gate_resolved':
      return withName(data, base, (name) => {
        const next = finishAttempt(name, 'completed', () =>
          outputFields(
            data.output ?? {
              selected: data.selected_option,
              route: data.route,
              additional_input: data.additional_input,
            },
            data,
          ),
        );
        const { [stepKeyOf(name, path)]: _answered, ...rest } = next.gates;
        return withGates(next, rest);
      });

    case 'parallel_started':
    case 'for_each_started': {
      const name = asString(data.group_name);
      if (!name) return base;
      const kind = event.type === 'parallel_started' ? 'parallel' : 'for_each';
      const total =
        kind === 'parallel'
          ? Array.isArray(data.agents)
            ? data.agents.length
            : 0
          : (asNumber(data.item_count) ?? 0);
      const key = stepKeyOf(name, path);
      const group: GroupState = {
        key,
        name,
        kind,
        status: 'running',
        total,
        running: 0,
        completed: 0,
        failed: 0,
        started_at: event.timestamp,
        finished_at: null,
        failure_mode: asString(data.failure_mode),
        max_concurrent: asNumber(data.max_concurrent),
        recent_items: [],
        failed_items: [],
      };
      const withGroup = { ...base, groups: { ...base.groups, [key]: group } };
      return atRoot ? { ...withGroup, run: { ...withGroup.run, current_step: name } } : withGroup;
    }
    case 'for_each_item_started':
      return updateGroup(base, data, (g) => ({
        running: g.running + 1,
        recent_items: keepRecent(g.recent_items, {
          index: asNumber(data.index) ?? -1,
          key: itemKey(data),
          status: 'running',
          started_at: event.timestamp,
          finished_at: null,
          elapsed: null,
          error: null,
        }),
      }));
    case 'for_each_item_completed':
    case 'for_each_item_failed': {
      const failed = event.type === 'for_each_item_failed';
      return updateGroup(base, data, (g) => {
        const index = asNumber(data.index) ?? -1;
        const started = g.recent_items.find((item) => item.index === index);
        const item: ItemState = {
          index,
          key: itemKey(data),
          status: failed ? 'failed' : 'completed',
          started_at: started?.started_at ?? null,
          finished_at: event.timestamp,
          elapsed: asNumber(data.elapsed),
          ...(failed ? {} : itemOutput(data.output)),
          error: failed ? errorOf(data) : null,
        };
        return {
          running: Math.max(0, g.running - 1),
          completed: g.completed + (failed ? 0 : 1),
          failed: g.failed + (failed ? 1 : 0),
          recent_items: keepRecent(g.recent_items, item),
          failed_items:
            failed && g.failed_items.length < MAX_ITEMS_KEPT ? [...g.failed_items, item] : g.failed_items,
        };
      });
    }
    case 'parallel_agent_completed':
      return updateGroup(base, data, (g) => ({
        running: Math.max(0, g.running - 1),
        completed: g.completed + 1,
      }));
    case 'parallel_agent_failed':
      return updateGroup(base, data, (g) => ({ running: Math.max(0, g.running - 1), failed: g.failed + 1 }));
    case 'parallel_completed':
    case 'for_each_completed':
      return updateGroup(base, data, (g) => ({
        running: 0,
        completed: asNumber(data.success_count) ?? g.completed,
        failed: asNumber(data.failure_count) ?? g.failed,
        status:
          (asNumber(data.success_count) ?? 1) === 0 && (asNumber(data.failure_count) ?? 0) > 0
            ? 'failed'
            : 'completed',
        finished_at: event.timestamp,
      }));

    default:
      return base;
  }
}

/** Sets fields of a root step's latest attempt (and the step's status) as of `event`. */
function updateAttemptOf(
  state: RunState,
  key: string,
  event: ConductorEvent,
  fields: Partial<Attempt> & { status: StepStatus },
): RunState {
  const step = state.steps[key];
  const last = step?.attempts.at(-1);
  if (!step || !last) return state;
  const changed: Attempt = { ...last, ...fields, last_seq: event.seq };
  return {
    ...state,
    steps: {
      ...state.steps,
      [key]: { ...step, status: fields.status, attempts: [...step.attempts.slice(0, -1), changed] },
    },
  };
}

/** A step event of a for_each item (it carries the item's group and index): counted in the group, not a step. */
function isItemEvent(data: Data): boolean {
  return typeof data.group_name === 'string' && typeof data.index === 'number';
}

function graphOf(data: Data): WorkflowGraph {
  const agents = Array.isArray(data.agents) ? (data.agents as WorkflowGraph['agents']) : [];
  return {
    name: asString(data.name) ?? 'workflow',
    version: asString(data.version),
    entry_point: asString(data.entry_point) ?? agents[0]?.name ?? '',
    agents,
    routes: Array.isArray(data.routes) ? (data.routes as WorkflowGraph['routes']) : [],
    parallel_groups: Array.isArray(data.parallel_groups)
      ? (data.parallel_groups as WorkflowGraph['parallel_groups'])
      : [],
    for_each_groups: Array.isArray(data.for_each_groups)
      ? (data.for_each_groups as WorkflowGraph['for_each_groups'])
      : [],
  };
}

function finishSubworkflow(state: RunState, path: string[], status: RunStatus, at: number): RunState {
  const key = path.join('/');
  const sub = state.subworkflows[key];
  if (!sub) return state;
  return { ...state, subworkflows: { ...state.subworkflows, [key]: { ...sub, status, finished_at: at } } };
}

function withName(data: Data, state: RunState, fn: (name: string) => RunState): RunState {
  const name = asString(data.agent_name);
  return name ? fn(name) : state;
}

function updateGroup(state: RunState, data: Data, fn: (group: GroupState) => Partial<GroupState>): RunState {
  const name = asString(data.group_name);
  if (!name) return state;
  const key = stepKeyOf(name, subPath(data));
  const group = state.groups[key];
  if (!group) return state;
  return { ...state, groups: { ...state.groups, [key]: { ...group, ...fn(group) } } };
}

/** Sets the pending gates; `gate` is the one waiting longest. */
function withGates(state: RunState, gates: Record<string, PendingGate>): RunState {
  let oldest: PendingGate | null = null;
  for (const gate of Object.values(gates)) if (!oldest || gate.seq < oldest.seq) oldest = gate;
  return { ...state, gates, gate: oldest };
}

function itemKey(data: Data): string | null {
  return data.item_key === undefined || data.item_key === null ? null : String(data.item_key);
}

/** Replaces the item's entry (or appends it), keeping the newest MAX_ITEMS_KEPT. */
function keepRecent(items: ItemState[], item: ItemState): ItemState[] {
  const next = [...items.filter((existing) => existing.index !== item.index), item];
  return next.length > MAX_ITEMS_KEPT ? next.slice(-MAX_ITEMS_KEPT) : next;
}

function blankAttempt(
  number: number,
  generation: number,
  iteration: number | null,
  event: ConductorEvent,
  synthetic: boolean,
): Attempt {
  return {
    number,
    generation,
    iteration,
    status: 'running',
    started_at: event.timestamp,
    finished_at: null,
    elapsed: null,
    prompt: null,
    model: null,
    tokens: null,
    input_tokens: null,
    output_tokens: null,
    cost_usd: null,
    error: null,
    retries: 0,
    tool_calls: 0,
    synthetic,
    first_seq: event.seq,
    last_seq: event.seq,
  };
}

/** Whole seconds the run has been going: from its very first start, across resumes. */
export function runElapsedSeconds(state: RunState, now: number): number | null {
  if (state.run.started_at === null) return null;
  const end = state.run.finished_at ?? now;
  return Math.max(0, end - state.run.started_at);
}
