import type { RunState } from '@conductor/events';
import { useMemo, useState } from 'react';
import { formatDateTime, formatDuration, isoOf } from './format';
import { position, type TimelineLane, type TimelineModel, ticks, timelineModel } from './timelineModel';

interface TimelineProps {
  state: RunState;
  /** The clock: wall time while the run goes, the last event's time otherwise (and in replay). */
  now: number;
  selected: string | null;
  onSelect: (key: string) => void;
}

/** Every step and attempt on one time axis, across resumes; the run's downtimes shaded. */
export function Timeline({ state, now, selected, onSelect }: TimelineProps) {
  const model = useMemo(() => timelineModel(state, now), [state, now]);
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  if (!model) return <p className="empty graph-empty">The run has not started yet.</p>;
  const toggle = (key: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const rows: TimelineLane[] = [];
  for (const lane of model.lanes) {
    rows.push(lane);
    if (open.has(lane.key)) rows.push(...lane.children);
  }
  return (
    <div className="timeline" data-testid="timeline">
      <p className="timeline-summary muted" data-testid="timeline-times">
        <span>
          Active <strong className="mono">{formatDuration(model.active)}</strong>
        </span>
        <span>
          Wall <strong className="mono">{formatDuration(model.wall)}</strong>
        </span>
        {model.downtimes.length > 0 ? (
          <span>
            Down{' '}
            <strong className="mono">
              {formatDuration(model.downtimes.reduce((sum, d) => sum + d.to - d.from, 0))}
            </strong>{' '}
            between {model.downtimes.length === 1 ? 'a failure and its resume' : 'failures and resumes'}
          </span>
        ) : null}
      </p>
      <div className="timeline-grid">
        <div className="timeline-axis" aria-hidden="true">
          <span className="timeline-label" />
          <span className="timeline-track">
            {ticks(model, 3).map((t) => (
              <span key={t} className="timeline-tick" style={{ left: `${position(model, t)}%` }}>
                +{formatDuration(t - model.start)}
              </span>
            ))}
          </span>
        </div>
        <ul className="timeline-lanes" aria-label="Steps over time">
          {rows.map((lane) => (
            <Lane
              key={lane.key}
              lane={lane}
              model={model}
              open={open.has(lane.key)}
              selected={selected === lane.selectKey}
              onToggle={toggle}
              onSelect={onSelect}
            />
          ))}
          <Overlay model={model} />
        </ul>
      </div>
    </div>
  );
}

function Lane({
  lane,
  model,
  open,
  selected,
  onToggle,
  onSelect,
}: {
  lane: TimelineLane;
  model: TimelineModel;
  open: boolean;
  selected: boolean;
  onToggle: (key: string) => void;
  onSelect: (key: string) => void;
}) {
  const expandable = lane.children.length > 0;
  return (
    <li
      className={`timeline-lane lane-${lane.kind}${selected ? ' is-selected' : ''}`}
      data-testid="timeline-lane"
      data-key={lane.key}
    >
      <span className="timeline-label" style={{ paddingLeft: `${0.5 + lane.depth}rem` }}>
        {expandable ? (
          <button
            type="button"
            className="timeline-expand"
            aria-expanded={open}
            aria-label={`${open ? 'Collapse' : 'Expand'} ${lane.label}`}
            onClick={() => onToggle(lane.key)}
          >
            {open ? '▾' : '▸'}
          </button>
        ) : null}
        <button
          type="button"
          className="step-link timeline-name"
          title={lane.label}
          onClick={() => onSelect(lane.selectKey)}
        >
          {lane.label}
        </button>
      </span>
      <span className="timeline-track">
        {lane.bars.map((bar) => {
          const left = position(model, bar.from);
          const width = Math.max(0.4, position(model, bar.to) - left);
          return (
            <button
              type="button"
              key={bar.id}
              className={`timeline-bar status-${bar.status}${bar.running ? ' is-running' : ''}${
                bar.synthetic ? ' is-synthetic' : ''
              }${bar.generation > 0 ? ' is-resumed' : ''}`}
              style={{ left: `${left}%`, width: `${width}%` }}
              title={bar.label}
              aria-label={bar.label}
              data-testid="timeline-bar"
              data-status={bar.status}
              data-generation={bar.generation}
              data-attempt={bar.attempt}
              onClick={() => onSelect(lane.selectKey)}
            />
          );
        })}
        {lane.tools.map((tool) => (
          <span
            key={tool.id}
            className={`timeline-tool status-${tool.status}`}
            style={{ left: `${position(model, tool.at)}%` }}
            title={`Tool call ${tool.name} (${tool.status}) at ${formatDateTime(tool.at)}`}
            data-testid="timeline-tool"
          />
        ))}
      </span>
    </li>
  );
}

/** Downtimes and resumes drawn across every lane. */
function Overlay({ model }: { model: TimelineModel }) {
  return (
    <li className="timeline-overlay" aria-hidden="false">
      <span className="timeline-label" />
      <span className="timeline-track">
        {model.downtimes.map((d) => {
          const left = position(model, d.from);
          return (
            <span
              key={`down-${d.generation}`}
              className="timeline-downtime"
              style={{ left: `${left}%`, width: `${Math.max(0.4, position(model, d.to) - left)}%` }}
              data-testid="timeline-downtime"
              title={`Down ${formatDuration(d.to - d.from)}: from ${isoOf(d.from)} until resume ${d.generation}`}
            >
              <span className="timeline-downtime-label">down {formatDuration(d.to - d.from)}</span>
            </span>
          );
        })}
        {model.resumes.map((r) => (
          <span
            key={`resume-${r.generation}`}
            className="timeline-resume"
            style={{ left: `${position(model, r.at)}%` }}
            data-testid="timeline-resume"
            title={`Resume ${r.generation} at ${formatDateTime(r.at)}`}
          >
            <span className="timeline-resume-label">resume {r.generation}</span>
          </span>
        ))}
      </span>
    </li>
  );
}
