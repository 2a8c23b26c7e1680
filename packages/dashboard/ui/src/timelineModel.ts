import { type Downtime, type RunState, runTimes, type StepState } from '@conductor/events';
import { formatDuration } from './format';
import { itemLabel } from './workflowView';

/**
 * The timeline's rows: every step and attempt as a bar on the run's one time axis, across resumes,
 * with the downtimes between a failure and its resume. Pure, read from the projection only.
 */

export interface TimelineBar {
  /** Unique among the bars of the timeline. */
  id: string;
  from: number;
  /** Where the bar ends: its finish, or the timeline's end while it runs. */
  to: number;
  running: boolean;
  status: string;
  /** 1-based attempt number over the whole run (0 for a group or an item). */
  attempt: number;
  generation: number;
  /** Made up from a checkpoint: its times are not known, only its order. */
  synthetic: boolean;
  /** What a tooltip and a screen reader say of it. */
  label: string;
}

export interface ToolMark {
  id: string;
  at: number;
  name: string;
  status: string;
}

export interface TimelineLane {
  /** The step's or group's key; `group#index` for an item. */
  key: string;
  /** The key to select in the details panel (the step, or the item's group). */
  selectKey: string;
  label: string;
  kind: 'step' | 'group' | 'member' | 'item';
  depth: number;
  bars: TimelineBar[];
  tools: ToolMark[];
  /** A group's members and items (shown when the lane is expanded). */
  children: TimelineLane[];
}

export interface TimelineModel {
  start: number;
  end: number;
  lanes: TimelineLane[];
  downtimes: Downtime[];
  /** Resumes (their time and generation) to mark on the axis. */
  resumes: Array<{ at: number; generation: number }>;
  /** Wall and active seconds of the run up to `end`. */
  wall: number;
  active: number;
}

export function timelineModel(state: RunState, now: number): TimelineModel | null {
  const times = runTimes(state, now);
  const start = state.run.started_at;
  if (times === null || start === null) return null;
  const end = Math.max(start + times.wall, start + 0.001);

  const members = new Map<string, string>();
  for (const group of state.graph?.parallel_groups ?? [])
    for (const member of group.agents) members.set(member, group.name);

  const stepLane = (step: StepState, kind: TimelineLane['kind'], depth: number): TimelineLane => ({
    key: step.key,
    selectKey: step.key,
    label: step.subworkflow_path.length > 0 ? step.key : step.name,
    kind,
    depth: depth + step.subworkflow_path.length,
    bars: step.attempts
      .filter((a) => a.started_at !== null)
      .map((a) => {
        const running = a.finished_at === null;
        const from = a.started_at as number;
        const to = Math.max(from, a.finished_at ?? end);
        return {
          id: `${step.key}#${a.number}`,
          from,
          to,
          running,
          status: running && state.run.status !== 'running' ? 'interrupted' : a.status,
          attempt: a.number,
          generation: a.generation,
          synthetic: a.synthetic,
          label: `${step.key}, attempt ${a.number}${a.generation > 0 ? ` (resume ${a.generation})` : ''}: ${a.status}${
            a.synthetic
              ? ', from the checkpoint summary (time not recorded)'
              : `, ${durationText(from, a.finished_at, a.elapsed)}`
          }`,
        };
      }),
    tools: step.attempts.flatMap((a) =>
      (a.tools ?? []).map((t) => ({
        id: `${step.key}#${a.number}:${t.start_seq}`,
        at: t.started_at,
        name: t.name,
        status: t.status,
      })),
    ),
    children: [],
  });

  const lanes: TimelineLane[] = [];
  const groupLanes = new Map<string, TimelineLane>();
  for (const group of Object.values(state.groups)) {
    const bar: TimelineBar[] =
      group.started_at === null
        ? []
        : [
            {
              id: `${group.key}#group`,
              from: group.started_at,
              to: Math.max(group.started_at, group.finished_at ?? end),
              running: group.finished_at === null,
              status: group.status,
              attempt: 0,
              generation: 0,
              synthetic: false,
              label: `${group.key} (${group.kind === 'parallel' ? 'parallel group' : 'for-each group'}): ${
                group.status
              }, ${durationText(group.started_at, group.finished_at, null)}`,
            },
          ];
    const items = [...group.failed_items, ...group.recent_items]
      .filter((item, i, all) => all.findIndex((o) => o.index === item.index) === i)
      .sort((a, b) => a.index - b.index)
      .filter((item) => item.started_at !== null)
      .map((item): TimelineLane => {
        const from = item.started_at as number;
        const name = itemLabel(item.index, item.key);
        return {
          key: `${group.key}#${item.index}`,
          selectKey: group.key,
          label: name,
          kind: 'item',
          depth: 1,
          bars: [
            {
              id: `${group.key}#item${item.index}`,
              from,
              to: Math.max(from, item.finished_at ?? end),
              running: item.finished_at === null,
              status: item.status,
              attempt: 0,
              generation: 0,
              synthetic: false,
              label: `${group.key} ${name}: ${item.status}, ${durationText(from, item.finished_at, item.elapsed)}`,
            },
          ],
          tools: [],
          children: [],
        };
      });
    const lane: TimelineLane = {
      key: group.key,
      selectKey: group.key,
      label: group.key,
      kind: 'group',
      depth: 0,
      bars: bar,
      tools: [],
      children: items,
    };
    groupLanes.set(group.key, lane);
  }

  for (const key of state.step_order) {
    const step = state.steps[key];
    if (!step) continue;
    const groupName = step.subworkflow_path.length === 0 ? members.get(step.name) : undefined;
    const group = groupName ? groupLanes.get(groupName) : undefined;
    if (group) {
      group.children.push(stepLane(step, 'member', 1));
      continue;
    }
    lanes.push(stepLane(step, 'step', 0));
  }
  lanes.push(...groupLanes.values());
  // Earliest first; lanes that never ran last, in the order the run first saw them.
  const first = (lane: TimelineLane) =>
    lane.bars[0]?.from ?? lane.children.find((c) => c.bars[0])?.bars[0]?.from ?? Number.POSITIVE_INFINITY;
  const order = new Map(lanes.map((lane, i) => [lane.key, i]));
  lanes.sort((a, b) => first(a) - first(b) || (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));

  return {
    start,
    end,
    lanes,
    downtimes: times.downtimes,
    resumes: state.resumes.map((m) => ({ at: m.at, generation: m.generation })),
    wall: times.wall,
    active: times.active,
  };
}

function durationText(from: number, to: number | null, elapsed: number | null): string {
  if (to === null) return 'running';
  return formatDuration(elapsed ?? to - from);
}

/** Where `t` falls on the axis, in percent of its width. */
export function position(model: Pick<TimelineModel, 'start' | 'end'>, t: number): number {
  const span = model.end - model.start;
  return span <= 0 ? 0 : Math.min(100, Math.max(0, ((t - model.start) / span) * 100));
}

/** Tick times for the axis: about `count` round steps from the start. */
export function ticks(model: Pick<TimelineModel, 'start' | 'end'>, count = 5): number[] {
  const span = model.end - model.start;
  if (span <= 0) return [model.start];
  const steps = [0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400];
  const step = steps.find((s) => span / s <= count) ?? span / count;
  const out: number[] = [];
  for (let t = 0; t <= span + 1e-9; t += step) out.push(model.start + t);
  return out;
}
