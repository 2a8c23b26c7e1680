/**
 * The original's context trimming (`workflow.context.max_tokens` and `trim_strategy`), applied to what an
 * agent's prompt sees. The size is estimated as the length of the step outputs' JSON / 4, as there.
 * `workflow` and `context` are never trimmed.
 */
import type { TemplateScope } from '../steps/types.js';

export type TrimStrategy = 'summarize' | 'truncate' | 'drop_oldest';

const KEPT = new Set(['workflow', 'context']);
const estimate = (entries: [string, unknown][]) => Math.ceil((JSON.stringify(entries) ?? '').length / 4);

function truncateStrings(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.length <= 100) return value;
    const keep = Math.max(200, Math.floor(value.length / 4));
    return keep >= value.length ? value : `${value.slice(0, keep)}... [truncated]`;
  }
  if (Array.isArray(value)) return value.map(truncateStrings);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, truncateStrings(item)]));
  }
  return value;
}

function summary(entries: [string, unknown][]): string {
  return entries
    .map(([name, entry]) => {
      const text = JSON.stringify(entry) ?? 'null';
      return `${name}: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
    })
    .join('\n');
}

/** `scope` trimmed to about `maxTokens` (estimated), oldest step outputs first; a new object. */
export function trimScope(scope: TemplateScope, maxTokens: number, strategy: TrimStrategy): TemplateScope {
  const kept = Object.entries(scope).filter(([name]) => KEPT.has(name));
  let steps = Object.entries(scope).filter(([name]) => !KEPT.has(name));
  if (estimate(steps) <= maxTokens) return scope;
  if (strategy === 'truncate') {
    steps = steps.map(([name, entry]) => [name, truncateStrings(entry)]);
  } else if (strategy === 'summarize') {
    const older = steps.slice(0, Math.ceil(steps.length / 2));
    steps = [['_context_summary', summary(older)], ...steps.slice(older.length)];
  } else {
    while (steps.length > 0 && estimate(steps) > maxTokens) steps = steps.slice(1);
  }
  return Object.fromEntries([...steps, ...kept]) as TemplateScope;
}
