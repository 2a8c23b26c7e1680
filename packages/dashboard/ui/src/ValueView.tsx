import { useState } from 'react';
import { type defaultStyles, JsonView } from 'react-json-view-lite';
import { CodeBlock } from './CodeBlock';
import { pretty } from './format';
import { Markdown } from './Markdown';
import { isProse, readingOrder } from './valueShape';

/**
 * The tree's class names (styled in values.css from the page's theme variables), and its labels.
 * react-json-view-lite renders elements only; no HTML from the value reaches the page.
 */
const TREE_STYLE: typeof defaultStyles = {
  container: 'json-tree',
  basicChildStyle: 'json-child',
  label: 'json-key',
  clickableLabel: 'json-key json-clickable',
  nullValue: 'json-null',
  undefinedValue: 'json-null',
  numberValue: 'json-number',
  stringValue: 'json-string',
  booleanValue: 'json-boolean',
  otherValue: 'json-other',
  punctuation: 'json-punctuation',
  expandIcon: 'json-icon json-expand',
  collapseIcon: 'json-icon json-collapse',
  collapsedContent: 'json-collapsed',
  childFieldsContainer: 'json-children',
  noQuotesForStringValues: false,
  quotesForFieldNames: true,
  ariaLables: { collapseJson: 'Collapse', expandJson: 'Expand' },
  stringifyStringValues: true,
};

/** Levels open at first: the top two (a deeper value is a click away). */
const OPEN_LEVELS = 2;

interface ValueViewProps {
  value: unknown;
  label: string;
  testId?: string;
}

/**
 * An output as a person reads it: objects and lists as a collapsible, highlighted tree with a copy
 * button (a script's parsed fields first, its raw stdout folded away), prose as Markdown, other text as
 * it is.
 */
export function ValueView({ value, label, testId }: ValueViewProps) {
  if (typeof value === 'string') return <TextView text={value} label={label} testId={testId} />;
  if (value === null || typeof value !== 'object')
    return <CodeBlock value={value} label={label} testId={testId} />;
  const { shown, raw } = readingOrder(value);
  return (
    <section className="value-view" aria-label={label} data-testid={testId}>
      <div className="value-toolbar">
        <CopyButton text={pretty(value)} what={label} />
      </div>
      <div className="json-scroll" data-testid="json-tree">
        <JsonView
          data={shown as object}
          style={TREE_STYLE}
          shouldExpandNode={(level) => level < OPEN_LEVELS}
          aria-label={`${label} as a tree`}
        />
      </div>
      {raw.map(({ field, text, folded }) => (
        <details key={field} className="raw-text" data-testid={`raw-${field}`} open={!folded}>
          <summary>
            Raw <span className="mono">{field}</span>{' '}
            <span className="muted">({lineCount(text).toLocaleString()} lines)</span>
          </summary>
          <CodeBlock value={text} label={`Raw ${field}`} />
        </details>
      ))}
    </section>
  );
}

function TextView({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const prose = isProse(text);
  const [rendered, setRendered] = useState(true);
  if (!prose) return <CodeBlock value={text} label={label} testId={testId} />;
  return (
    <section className="value-view" aria-label={label}>
      <div className="value-toolbar">
        <button
          type="button"
          className="link-button"
          aria-pressed={!rendered}
          onClick={() => setRendered(!rendered)}
        >
          {rendered ? 'Show the text' : 'Show formatted'}
        </button>
        <CopyButton text={text} what={label} />
      </div>
      {rendered ? (
        <div className="prose-output" data-rendered="markdown">
          <Markdown source={text} testId={testId} />
        </div>
      ) : (
        <CodeBlock value={text} label={label} testId={testId} />
      )}
    </section>
  );
}

function CopyButton({ text, what }: { text: string; what: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 1500);
  };
  return (
    <button
      type="button"
      className="button button-ghost copy-button"
      onClick={copy}
      aria-label={`Copy ${what}`}
      data-testid="copy-value"
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}
    </button>
  );
}

function lineCount(text: string): number {
  return text === '' ? 0 : text.replace(/\n$/, '').split('\n').length;
}
