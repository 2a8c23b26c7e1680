/**
 * Output fields' `pattern:`. The original searches with Python's `re` under a 1 s limit, because a
 * backtracking engine can take exponential time on a pathological pattern. Here patterns run on RE2
 * (`re2js`), whose matching is linear in the text's length: no pattern can hang a run, so no time limit
 * (nor a worker to enforce one) is needed. RE2 reads the Python syntax workflows use (`(?P<name>...)`,
 * `(?i)`, `\d`, `\A`; Python's `\Z` is read as RE2's `\z`, the same end of text); lookarounds and
 * backreferences do not exist there and are reported at load.
 */
import { RE2JS } from 're2js';

const compiled = new Map<string, RE2JS>();
const MAX_CACHED = 500;

/** The compiled pattern; throws (an RE2 syntax error) when it does not compile. */
function compile(pattern: string): RE2JS {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    regex = RE2JS.compile(fromPython(pattern));
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(pattern, regex);
  }
  return regex;
}

/** Why `pattern` does not compile, or null when it does. */
export function patternProblem(pattern: string): string | null {
  try {
    compile(pattern);
    return null;
  } catch (error) {
    return (error as Error).message.replace(/^error parsing regexp: /, '');
  }
}

/** Whether `text` contains a match of `pattern` (an unanchored search, as Python's `re.search`). */
export function searchPattern(pattern: string, text: string): boolean {
  return compile(pattern).matcher(text).find();
}

/** Python's `\Z` (end of text) is spelled `\z` in RE2; an escaped backslash before a Z stays as it is. */
function fromPython(pattern: string): string {
  if (!pattern.includes('\\Z')) return pattern;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\' && i + 1 < pattern.length) {
      const next = pattern[i + 1];
      out += next === 'Z' ? '\\z' : `${char}${next}`;
      i++;
    } else {
      out += char;
    }
  }
  return out;
}
