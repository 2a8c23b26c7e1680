import type { ResumeMark } from '@conductor/events';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { type ActivityRow, type ActivityWindow, CATEGORIES, type Category } from './activity';
import { formatDateTime, formatTime, isoOf } from './format';
import { Icon, type IconName } from './Icon';

type Item =
  | { kind: 'older'; key: string }
  | { kind: 'divider'; key: string; mark: ResumeMark }
  | { kind: 'row'; key: string; row: ActivityRow };

const SIZE: Record<Item['kind'], number> = { older: 36, divider: 40, row: 30 };
const AT_BOTTOM_PX = 24;

const CATEGORY_ICON: Record<Category, IconName> = {
  run: 'run',
  step: 'step',
  message: 'message',
  tool: 'tool',
  gate: 'gate',
  group: 'group',
  error: 'error',
};

interface ActivityStreamProps {
  activity: ActivityWindow;
  loadingOlder: boolean;
  resumes: readonly ResumeMark[];
  /** Steps to filter by, in display order. */
  steps: readonly string[];
  selectedStep: string | null;
  /** Only the events of this sub-workflow (and its own sub-workflows): its parent path, or null for all. */
  pathFilter: string | null;
  /** Leaves the sub-workflow (the graph and this stream show the whole run again). */
  onClearPath: () => void;
  onSelectStep: (key: string) => void;
  onLoadOlder: () => void;
  onJumpToLatest: () => void;
  /** Tells the model whether the user follows the newest rows (at the bottom) or reads older ones. */
  onFollowChange: (following: boolean) => void;
}

export function ActivityStream(props: ActivityStreamProps) {
  const {
    activity,
    loadingOlder,
    resumes,
    steps,
    selectedStep,
    pathFilter,
    onClearPath,
    onSelectStep,
    onLoadOlder,
    onJumpToLatest,
    onFollowChange,
  } = props;
  const [stepFilter, setStepFilter] = useState<string>('');
  const [hidden, setHidden] = useState<ReadonlySet<Category>>(() => new Set());

  const items = useMemo(
    () => itemsOf(activity, resumes, stepFilter || null, pathFilter, hidden),
    [activity, resumes, stepFilter, pathFilter, hidden],
  );

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (index) => SIZE[(items[index] as Item).kind],
    getItemKey: (index) => (items[index] as Item).key,
    overscan: 12,
  });

  // Follow the newest row while the user is at the bottom; otherwise keep still and offer a jump.
  const atBottomRef = useRef(true);
  const [atBottom, setAtBottom] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const previous = useRef<{ items: Item[]; lastKey: string | null }>({ items: [], lastKey: null });

  const scrollTopRef = useRef(0);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    const before = previous.current;
    previous.current = { items, lastKey: items[items.length - 1]?.key ?? null };
    if (!el) return;
    if (atBottomRef.current) {
      el.scrollTop = el.scrollHeight;
      scrollTopRef.current = el.scrollTop;
      return;
    }
    // Rows were added on top (older page) or dropped from it (window cap): keep the row the user is
    // reading at the same place on screen.
    const anchor = itemAt(before.items, scrollTopRef.current);
    const moved = anchor ? startOf(items, anchor.key) : null;
    if (anchor && moved !== null && moved !== anchor.start) {
      el.scrollTop = scrollTopRef.current + (moved - anchor.start);
      scrollTopRef.current = el.scrollTop;
    }
    if (before.lastKey !== previous.current.lastKey) {
      const lastIndex = before.lastKey === null ? -1 : items.findIndex((i) => i.key === before.lastKey);
      setUnseen((n) => n + Math.max(0, items.length - 1 - lastIndex));
    }
  }, [items]);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    scrollTopRef.current = el.scrollTop;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < AT_BOTTOM_PX;
    atBottomRef.current = bottom && !activity.hasNewer;
    setAtBottom(atBottomRef.current);
    onFollowChange(atBottomRef.current);
    if (atBottomRef.current) setUnseen(0);
    if (el.scrollTop < SIZE.older * 2 && activity.hasOlder && !loadingOlder) onLoadOlder();
  }, [activity.hasNewer, activity.hasOlder, loadingOlder, onLoadOlder, onFollowChange]);

  useEffect(() => {
    if (activity.hasNewer) {
      atBottomRef.current = false;
      setAtBottom(false);
    }
  }, [activity.hasNewer]);

  const jumpToLatest = () => {
    onJumpToLatest();
    onFollowChange(true);
    atBottomRef.current = true;
    setAtBottom(true);
    setUnseen(0);
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  const toggle = (category: Category) =>
    setHidden((current) => {
      const next = new Set(current);
      if (next.has(category)) next.delete(category);
      else next.add(category);
      return next;
    });

  const filtered = stepFilter !== '' || hidden.size > 0 || pathFilter !== null;
  const rowCount = activity.rows.length;

  return (
    <section className="panel activity" aria-label="Activity">
      <header className="panel-header activity-header">
        <h2 className="panel-title">Activity</h2>
        <span className="muted activity-count" title="Rows held in this view; older ones load on scroll">
          {rowCount.toLocaleString()} row{rowCount === 1 ? '' : 's'}
        </span>
        <div className="activity-filters">
          <label className="select">
            <span className="visually-hidden">Filter by step</span>
            <select
              value={stepFilter}
              onChange={(e) => setStepFilter(e.target.value)}
              data-testid="activity-step-filter"
            >
              <option value="">All steps</option>
              {steps.map((key) => (
                <option key={key} value={key}>
                  {key}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="category-filter">
            <legend className="visually-hidden">Event types</legend>
            {CATEGORIES.map(({ id, label }) => (
              <button
                key={id}
                type="button"
                className={`filter-chip category-${id}`}
                aria-pressed={!hidden.has(id)}
                data-testid={`activity-filter-${id}`}
                onClick={() => toggle(id)}
                aria-label={label}
                title={hidden.has(id) ? `Show ${label.toLowerCase()}` : `Hide ${label.toLowerCase()}`}
              >
                <Icon name={CATEGORY_ICON[id]} />
                <span className="filter-chip-label">{label}</span>
              </button>
            ))}
          </fieldset>
        </div>
      </header>
      {pathFilter !== null ? (
        <div className="activity-scope" data-testid="activity-path-filter" data-path={pathFilter}>
          <Icon name="group" className="scope-icon" />
          <span>
            Events of sub-workflow <strong className="mono">{pathFilter}</strong>
          </span>
          <button type="button" className="link-button" onClick={onClearPath}>
            Show the whole run
          </button>
        </div>
      ) : null}
      <div className="activity-body">
        <div
          ref={scrollRef}
          className="activity-scroll"
          data-testid="activity"
          onScroll={onScroll}
          role="log"
          aria-live="off"
          aria-label="Activity stream"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard.
          tabIndex={0}
        >
          {items.length === 0 ? (
            <p className="empty activity-empty">
              {filtered ? 'No events match the filters.' : 'Waiting for events…'}
            </p>
          ) : null}
          <div className="activity-inner" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((virtual) => {
              const item = items[virtual.index] as Item;
              return (
                <div
                  key={virtual.key}
                  className="activity-item"
                  style={{ height: virtual.size, transform: `translateY(${virtual.start}px)` }}
                >
                  {item.kind === 'row' ? (
                    <Row
                      row={item.row}
                      selected={item.row.step !== null && item.row.step === selectedStep}
                      onSelectStep={onSelectStep}
                    />
                  ) : item.kind === 'divider' ? (
                    <ResumeDivider mark={item.mark} />
                  ) : (
                    <button
                      type="button"
                      className="load-older"
                      onClick={onLoadOlder}
                      disabled={loadingOlder}
                    >
                      {loadingOlder ? 'Loading older events…' : 'Load older events'}
                    </button>
                  )}
                </div>
              );
            })}
          </div>
        </div>
        {!atBottom || activity.hasNewer ? (
          <button type="button" className="jump-latest" onClick={jumpToLatest} data-testid="jump-to-latest">
            <Icon name="down" />
            Jump to latest{unseen > 0 ? ` (${unseen.toLocaleString()} new)` : ''}
          </button>
        ) : null}
      </div>
    </section>
  );
}

function Row({
  row,
  selected,
  onSelectStep,
}: {
  row: ActivityRow;
  selected: boolean;
  onSelectStep: (key: string) => void;
}) {
  return (
    <div
      className={`activity-row category-${row.category}${row.synthetic ? ' is-synthetic' : ''}${selected ? ' is-selected' : ''}`}
      data-testid="activity-row"
      data-seq={row.seq}
      data-type={row.type}
      data-step={row.step ?? undefined}
      data-path={row.path}
    >
      <time
        className="activity-time mono"
        dateTime={isoOf(row.timestamp)}
        title={`${isoOf(row.timestamp)} · seq ${row.seq}`}
      >
        {formatTime(row.timestamp)}
      </time>
      <span className="activity-type" title={row.type}>
        <Icon name={CATEGORY_ICON[row.category]} />
        <span className="activity-type-name">{row.type}</span>
      </span>
      <span className="activity-step">
        {row.step ? (
          <button
            type="button"
            className="step-link"
            onClick={() => onSelectStep(row.step as string)}
            title={`Show ${row.step}`}
          >
            {row.step}
          </button>
        ) : null}
      </span>
      <span className="activity-summary" title={row.summary}>
        {row.synthetic ? <span className="tag tag-synthetic">summary</span> : null}
        {row.count > 1 ? (
          <span
            className="tag"
            title={`${row.count} streamed chunks, ${row.chars.toLocaleString()} characters`}
          >
            ×{row.count}
          </span>
        ) : null}
        {row.summary}
      </span>
    </div>
  );
}

function ResumeDivider({ mark }: { mark: ResumeMark }) {
  return (
    <div
      className="resume-divider"
      data-testid="resume-divider"
      data-seq={mark.seq}
      data-generation={mark.generation}
      title={
        mark.history_source === 'synthetic'
          ? 'History before this point is a summary rebuilt from the checkpoint'
          : undefined
      }
    >
      <span className="resume-divider-line" />
      <span className="resume-divider-text">
        <Icon name="resume" />
        <span className="resume-divider-label">
          Resumed — resume {mark.generation}, at{' '}
          <time dateTime={isoOf(mark.at)} title={isoOf(mark.at)}>
            {formatDateTime(mark.at)}
          </time>
          , from step {mark.resumed_at_step || '—'}
        </span>
      </span>
      <span className="resume-divider-line" />
    </div>
  );
}

function itemsOf(
  activity: ActivityWindow,
  resumes: readonly ResumeMark[],
  step: string | null,
  path: string | null,
  hidden: ReadonlySet<Category>,
): Item[] {
  const items: Item[] = [];
  if (activity.hasOlder) items.push({ kind: 'older', key: 'older' });
  const rows = activity.rows;
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first || !last) return items;
  // Only the resumes whose first event is inside this window get a divider here.
  const marks = resumes.filter((m) => m.seq >= first.seq && m.seq <= last.lastSeq);
  let next = 0;
  for (const row of rows) {
    if (step !== null && !rowOfStep(row, step)) continue;
    if (path !== null && row.path !== path && !row.path.startsWith(`${path}/`)) continue;
    if (hidden.has(row.category)) continue;
    while (next < marks.length && (marks[next] as ResumeMark).seq <= row.seq) {
      const mark = marks[next++] as ResumeMark;
      items.push({ kind: 'divider', key: `resume-${mark.seq}`, mark });
    }
    items.push({ kind: 'row', key: String(row.seq), row });
  }
  for (; next < marks.length; next++) {
    const mark = marks[next] as ResumeMark;
    items.push({ kind: 'divider', key: `resume-${mark.seq}`, mark });
  }
  return items;
}

/** The step's own rows, its sub-workflow's, and for a group its members' and items'. */
function rowOfStep(row: ActivityRow, step: string): boolean {
  if (row.step === step || row.group === step) return true;
  const prefix = `${step}/`;
  return row.step?.startsWith(prefix) === true || row.path === step || row.path.startsWith(prefix);
}

/** Where the item `key` starts in the list, or null when it is not there. */
function startOf(items: readonly Item[], key: string): number | null {
  let offset = 0;
  for (const item of items) {
    if (item.key === key) return offset;
    offset += SIZE[item.kind];
  }
  return null;
}

/** The item at `offset` pixels from the top of the list, with its start. */
function itemAt(items: readonly Item[], offset: number): { key: string; start: number } | null {
  let start = 0;
  for (const item of items) {
    const end = start + SIZE[item.kind];
    if (offset < end) return { key: item.key, start };
    start = end;
  }
  return null;
}
