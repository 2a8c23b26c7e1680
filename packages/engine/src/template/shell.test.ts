import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from './render.js';
import { shellQuote } from './shell.js';

describe('shellQuote', () => {
  it("quotes as Python's shlex.quote does", () => {
    expect(shellQuote('report-2024.txt')).toBe('report-2024.txt');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('two words')).toBe("'two words'");
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
    expect(shellQuote(['a b', 'c'])).toBe("'a b' c");
  });
});

describe('the shell_quote filter', () => {
  it('quotes strings, numbers, null and lists (one word per item)', () => {
    const scope = { msg: 'a; b', n: 3, none: null, files: ['x y.txt', 'z.txt'] };
    expect(
      renderTemplate('{{ msg | shell_quote }} {{ n | shell_quote }} {{ none | shell_quote }}', scope),
    ).toBe("'a; b' 3 ''");
    expect(renderTemplate('ls {{ files | shell_quote }}', scope)).toBe("ls 'x y.txt' z.txt");
  });

  it('makes a hostile value print literally through sh -c, and run nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conductor-shell-quote-'));
    const hostile = [
      'x; touch pwned1',
      '$(touch pwned2)',
      '`touch pwned3`',
      "' ; touch pwned4 ; '",
      '" ; touch pwned5 ; "',
      'a\nb && touch pwned6',
      '$HOME * ~ \\ | & > out',
    ].join(' ');
    const script = renderTemplate('printf "%s" {{ msg | shell_quote }}', { msg: hostile });
    const printed = execFileSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8' });
    expect(printed).toBe(hostile);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'pwned1'))).toBe(false);
  });

  it('without it, the same value runs as shell code (what validation warns about)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conductor-shell-raw-'));
    const script = renderTemplate('echo {{ msg }}', { msg: 'x; touch pwned' });
    execFileSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8' });
    expect(readdirSync(dir)).toEqual(['pwned']);
  });
});
