import { describe, expect, it } from 'vitest';
import { patternProblem, searchPattern } from './pattern.js';

describe('output field patterns', () => {
  it("searches anywhere in the text, as Python's re.search", () => {
    expect(searchPattern('\\d{3}', 'call 555 now')).toBe(true);
    expect(searchPattern('^\\d{3}$', 'call 555 now')).toBe(false);
  });

  it('reads the Python syntax workflows use: named groups, inline flags, \\A and \\Z', () => {
    expect(searchPattern('(?P<area>[A-Z]{2})-\\d', 'ref AB-1')).toBe(true);
    expect(searchPattern('(?i)^yes$', 'YES')).toBe(true);
    expect(searchPattern('\\A\\d+\\Z', '123')).toBe(true);
    expect(searchPattern('\\A\\d+\\Z', '123\n')).toBe(false);
    // An escaped backslash before a Z is a backslash and a Z.
    expect(searchPattern('a\\\\Z', 'a\\Z')).toBe(true);
  });

  it('names what does not compile: lookarounds and backreferences are not RE2', () => {
    expect(patternProblem('(?=x)')).toMatch(/unsupported Perl syntax/);
    expect(patternProblem('(a)\\1')).toMatch(/invalid escape sequence/);
    expect(patternProblem('[a-')).toMatch(/missing closing \]/);
    expect(patternProblem('ok+')).toBeNull();
  });
});
