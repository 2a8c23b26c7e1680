import { describe, expect, it } from 'vitest';
import type { TemplateScope } from '../steps/types.js';
import { trimScope } from './trim.js';

const long = 'x'.repeat(1000);
const scope = {
  first: { output: { text: long } },
  second: { output: { text: long } },
  third: { output: { text: 'short' } },
  workflow: { input: { topic: long } },
  context: { iteration: 3 },
} as unknown as TemplateScope;

describe('context trimming (context.max_tokens)', () => {
  it('leaves a scope under the limit alone', () => {
    expect(trimScope(scope, 10_000, 'drop_oldest')).toBe(scope);
  });

  it('drop_oldest removes the oldest outputs until it fits, never workflow or context', () => {
    const trimmed = trimScope(scope, 300, 'drop_oldest');
    expect(Object.keys(trimmed)).toEqual(['second', 'third', 'workflow', 'context']);
  });

  it('truncate cuts long strings to max(200, length/4) and marks them', () => {
    const trimmed = trimScope(scope, 300, 'truncate') as Record<string, { output: { text: string } }>;
    expect(trimmed.first?.output.text).toBe(`${'x'.repeat(250)}... [truncated]`);
    expect(trimmed.third?.output.text).toBe('short');
  });

  it('summarize replaces the older half with _context_summary', () => {
    const trimmed = trimScope(scope, 300, 'summarize');
    expect(Object.keys(trimmed)).toEqual(['_context_summary', 'third', 'workflow', 'context']);
    expect(trimmed._context_summary).toMatch(/^first: \{"output"/);
  });
});
