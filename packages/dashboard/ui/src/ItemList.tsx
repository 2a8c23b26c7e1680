import { useState } from 'react';
import { MAX_PAGE } from '../../src/protocol';
import type { Api } from './api';
import { formatDuration } from './format';
import { StatusBadge } from './Icon';
import { collectItems, type ItemRecord, itemsPage } from './itemIndex';
import type { GroupView } from './workflowView';

/**
 * Every item of a for-each group, read from the log on demand (the state keeps only the latest few):
 * by key or value, searchable and paged.
 */
export function ItemList({ api, group }: { api: Api; group: GroupView }) {
  const [items, setItems] = useState<Map<number, ItemRecord> | null>(null);
  const [loading, setLoading] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);

  const load = async () => {
    setError(null);
    setLoading(0);
    const found = new Map<number, ItemRecord>();
    try {
      let after = 0;
      for (;;) {
        const chunk = await api.eventsAfter(after, MAX_PAGE);
        collectItems(found, chunk.events, group.name, group.path);
        const last = chunk.events[chunk.events.length - 1];
        if (!chunk.has_more || !last) break;
        after = last.seq;
        setLoading(after);
      }
      setItems(found);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(null);
    }
  };

  if (!items)
    return (
      <div className="details-section">
        <h3 className="section-title">All items</h3>
        <p>
          <button
            type="button"
            className="button"
            onClick={load}
            disabled={loading !== null}
            data-testid="load-all-items"
          >
            {loading !== null
              ? `Reading the log… (${loading.toLocaleString()} events)`
              : `Show all ${group.total.toLocaleString()} items`}
          </button>
        </p>
        {error ? (
          <p className="error-text" role="alert">
            {error}
          </p>
        ) : null}
      </div>
    );

  const shown = itemsPage(items, query, page);
  return (
    <section className="details-section" aria-label="All items" data-testid="all-items">
      <h3 className="section-title">
        All items{' '}
        <button type="button" className="link-button" onClick={load} disabled={loading !== null}>
          {loading !== null ? 'Reading…' : 'Refresh'}
        </button>
      </h3>
      <input
        type="search"
        className="activity-search item-search"
        placeholder="Search items"
        aria-label="Search the items"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setPage(0);
        }}
        data-testid="item-search"
      />
      <p className="muted" data-testid="items-count">
        {shown.matching.toLocaleString()} of {items.size.toLocaleString()} items
        {shown.pages > 1 ? ` · page ${shown.page + 1} of ${shown.pages}` : ''}
      </p>
      <ol className="item-list" aria-label="Items">
        {shown.rows.map((item) => (
          <li
            key={item.index}
            className={`item-list-row status-${item.status}`}
            data-testid="item-list-row"
            data-index={item.index}
          >
            <span className="item-list-label" title={item.label}>
              {item.label}
            </span>
            <StatusBadge status={item.status} />
            <span className="muted mono">{item.elapsed !== null ? formatDuration(item.elapsed) : ''}</span>
            {item.result ? (
              <span className="item-list-result muted" title={item.result}>
                {item.result}
              </span>
            ) : null}
          </li>
        ))}
      </ol>
      {shown.pages > 1 ? (
        <nav className="item-pager" aria-label="Item pages">
          <button
            type="button"
            className="button button-ghost"
            disabled={shown.page === 0}
            onClick={() => setPage(shown.page - 1)}
          >
            Previous
          </button>
          <button
            type="button"
            className="button button-ghost"
            disabled={shown.page >= shown.pages - 1}
            onClick={() => setPage(shown.page + 1)}
          >
            Next
          </button>
        </nav>
      ) : null}
    </section>
  );
}
