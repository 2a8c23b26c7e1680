import { useState } from 'react';
import { pretty } from './format';

const COLLAPSED_LINES = 14;

/** A value as formatted JSON (or text), folded when long. */
export function CodeBlock({ value, testId, label }: { value: unknown; testId?: string; label: string }) {
  const [open, setOpen] = useState(false);
  const text = pretty(value);
  const lines = text.split('\n');
  const long = lines.length > COLLAPSED_LINES + 4 || text.length > 4000;
  const shown = long && !open ? `${lines.slice(0, COLLAPSED_LINES).join('\n').slice(0, 2000)}\n…` : text;
  return (
    <section className="code-block" aria-label={label}>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling block must be reachable by keyboard. */}
      <pre data-testid={testId} tabIndex={0}>
        {shown}
      </pre>
      {long ? (
        <button type="button" className="link-button" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'Show less' : `Show all ${lines.length.toLocaleString()} lines`}
        </button>
      ) : null}
    </section>
  );
}
