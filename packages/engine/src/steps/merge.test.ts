import { describe, expect, it } from 'vitest';
import { merged } from './merge.js';

describe('merged', () => {
  it('gives what { ...first, ...second } gives: keys in order, the second winning, the sources untouched', () => {
    const first = { agent_name: 'each[0]', index: -1, elapsed: 0.5 };
    const second = { group_name: 'each', index: 0 };
    const result = merged(first, second);
    expect(result).toEqual({ ...first, ...second });
    expect(Object.keys(result)).toEqual(['agent_name', 'index', 'elapsed', 'group_name']);
    expect(first).toEqual({ agent_name: 'each[0]', index: -1, elapsed: 0.5 });
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });

  it('keeps an own "__proto__" key (JSON.parse makes them) as a key, as the spread does, not as the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const result = merged(parsed, { b: 2 }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(result.polluted).toBeUndefined();
    expect(Object.keys(result)).toEqual(['__proto__', 'a', 'b']);
    expect(merged({ b: 2 }, parsed)).toEqual({ b: 2, ...parsed });
  });
});
