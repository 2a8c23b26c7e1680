import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { coloursFor } from './colour.js';
import { example, runMain, tempHome } from './test/main-in-process.js';

const ESC = '\u001b[';
const pipe = { isTTY: false };
const terminal = { isTTY: true, hasColors: () => true };

describe('when the CLI colours its output', () => {
  it('a terminal gets colours, a pipe none; NO_COLOR and --no-color turn them off, FORCE_COLOR on', () => {
    expect(coloursFor(terminal, {})).toBe(true);
    expect(coloursFor(pipe, {})).toBe(false);
    expect(coloursFor(terminal, { NO_COLOR: '1' })).toBe(false);
    expect(coloursFor(terminal, {}, false)).toBe(false);
    expect(coloursFor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(coloursFor(terminal, { FORCE_COLOR: '0' })).toBe(false);
    // NO_COLOR wins over FORCE_COLOR, and an empty NO_COLOR is no request (https://no-color.org).
    expect(coloursFor(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
    expect(coloursFor(pipe, { FORCE_COLOR: '1', NO_COLOR: '' })).toBe(true);
  });

  it('progress is coloured with FORCE_COLOR, and the same text without; --no-color wins, before or after the command', async () => {
    const run = (args: string[], env: Record<string, string | undefined>) =>
      runMain(['run', example('hello.yaml'), '--input', 'topic=logs', ...args], {
        home: tempHome(),
        env: { NO_COLOR: undefined, ...env },
      });
    const coloured = await run([], { FORCE_COLOR: '1' });
    const plain = await run([], { NO_COLOR: '1' });
    expect(coloured.code).toBe(0);
    expect(coloured.stderr).toContain(ESC);
    expect(plain.stderr).not.toContain(ESC);
    const lines = (text: string) => stripVTControlCharacters(text).replace(/\d+\.\d+s|run [\w-]+/g, '…');
    expect(lines(coloured.stderr)).toBe(lines(plain.stderr));
    // The output JSON is never coloured.
    expect(coloured.stdout).toBe(plain.stdout);

    const after = await run(['--no-color'], { FORCE_COLOR: '1' });
    expect(after.code).toBe(0);
    expect(after.stderr).not.toContain(ESC);
    const before = await runMain(['--no-color', 'run', example('hello.yaml'), '--input', 'topic=logs'], {
      home: tempHome(),
      env: { NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(before.code).toBe(0);
    expect(before.stderr).not.toContain(ESC);
    expect(before.stderr).toMatch(/✓ writer/);
  });
});
