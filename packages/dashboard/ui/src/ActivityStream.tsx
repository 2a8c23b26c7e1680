import type { ResumeMark } from '@conductor/events';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { CATEGORY_ICON, ResumeDivider, Row } from './ActivityRows';
import { type ActivityWindow, CATEGORIES, type Category } from './activity';
import { type Item, itemAt, itemsOf, SIZE, startOf } from './activityItems';
import { Icon } from './Icon';

const AT_BOTTOM_PX = 24;

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
  const [query, setQuery] = useState('');

  const items = useMemo(
    () => itemsOf(activity, resumes, { step: stepFilter || null, path: pathFilter, hidden, query }),
    [activity, resumes, stepFilter, pathFilter, hidden, query],
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

  const filtered = stepFilter !== '' || hidden.size > 0 || pathFilter !== null || query.trim() !== '';
  const rowCount = activity.rows.length;

  return (
    <section className="panel activity" aria-label="Activity">
      <header className="panel-header activity-header">
        <h2 className="panel-title">Activity</h2>
        <span className="muted activity-count" title="Rows held in this view; older ones load on scroll">
          {rowCount.toLocaleString()} row{rowCount === 1 ? '' : 's'}
        </span>
        <div className="activity-filters">
          <input
            type="search"
            className="activity-search"
            placeholder="Search"
            aria-label="Search the activity"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="activity-search"
          />
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
