import { spawn, spawnSync } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import xterm from '@xterm/headless';
import { repoRoot } from './chromium.js';
import { cliBin, watchProcess } from './cli.js';

/**
 * Why the CLI cannot be run under a pseudo-terminal here, or null when it can. The terminal comes from
 * util-linux `script` (Debian's essential package bsdutils, so on every Debian machine and CI runner):
 * nothing to build or download.
 */
export const ptyUnavailable: string | null = (() => {
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (probe.error) {
    return 'no `script` command to run the CLI under a pseudo-terminal (install util-linux: Debian bsdutils)';
  }
  if (!/util-linux/.test(`${probe.stdout}${probe.stderr}`)) {
    return '`script` is not the util-linux one (its -q -e -f -c flags are needed)';
  }
  return null;
})();

/** Control keys as a terminal sends them. */
export const Key = { CtrlC: '\u0003', Enter: '\r', Down: '\u001b[B' } as const;

const SHOW_CURSOR = '\u001b[?25h';
const HIDE_CURSOR = '\u001b[?25l';

export interface PtyResult {
  /** The CLI's exit code (`script -e` passes it on). */
  code: number | null;
  /** What the terminal shows at the end (with its scrollback), as a terminal emulator draws it. */
  screen: string;
  /** Everything written to the terminal, escape sequences removed (text later erased included). */
  output: string;
  /** Whether the cursor was left visible (no hide without a later show). */
  cursorShown: boolean;
}

export interface PtyProcess {
  /** Types keys into the terminal: control keys are turned into signals by the terminal, as for a user. */
  type(keys: string): void;
  /** Resolves once the terminal has shown text matching `pattern` (escape sequences removed). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Everything written to the terminal so far, escape sequences removed. */
  output(): string;
  done: Promise<PtyResult>;
  /** Ends the terminal's process if the test left it running. */
  kill(): void;
}

const shellQuote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

const COLS = 100;
const ROWS = 40;

/** The text a terminal emulator shows after `raw` was written to it, trailing blank lines left out. */
function render(raw: string): Promise<string> {
  const terminal = new xterm.Terminal({ cols: COLS, rows: ROWS, scrollback: 10_000, allowProposedApi: true });
  return new Promise((resolve) =>
    terminal.write(raw, () => {
      const buffer = terminal.buffer.active;
      const lines: string[] = [];
      for (let row = 0; row < buffer.length; row++) {
        const line = buffer.getLine(row);
        const text = line?.translateToString(true) ?? '';
        // A line longer than the terminal is one line, as a person reads (and copies) it.
        if (line?.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
        else lines.push(text);
      }
      terminal.dispose();
      resolve(lines.join('\n').trimEnd());
    }),
  );
}

/**
 * The real `conductor` binary on a pseudo-terminal: stdin, stdout and stderr are a terminal, as when a
 * person runs it, so the spinner spins, gates prompt with arrow keys, and Ctrl-C is the terminal's.
 */
export function startCliInPty(args: string[], home: string, env: Record<string, string> = {}): PtyProcess {
  // A fixed size (script gives a terminal of 0x0 when its own stdin is not one) and `exec` so the CLI
  // is the terminal's foreground process, which Ctrl-C signals.
  const command = `stty cols ${COLS} rows ${ROWS}; exec ${[process.execPath, cliBin, ...args].map(shellQuote).join(' ')}`;
  const { CI: _ci, ...inherited } = process.env;
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    cwd: repoRoot,
    // Without CI the spinner draws as it does for a user; the test's CONDUCTOR_HOME isolates its runs.
    env: { ...inherited, SHELL: '/bin/sh', TERM: 'xterm-256color', CONDUCTOR_HOME: home, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const watched = watchProcess(child, 'the terminal');
  // script(1) writes the terminal to its stdout; its stderr has only its own complaints.
  const raw = () => watched.stdout() + watched.stderr();
  const output = () => stripVTControlCharacters(raw()).replaceAll('\r', '');
  let exited = false;
  const done = watched.closed.then(async ({ code }): Promise<PtyResult> => {
    exited = true;
    child.stdin.end();
    const all = raw();
    return {
      code,
      screen: await render(all),
      output: output(),
      cursorShown: all.lastIndexOf(HIDE_CURSOR) <= all.lastIndexOf(SHOW_CURSOR),
    };
  });
  return {
    type(keys) {
      child.stdin.write(keys);
    },
    output,
    done,
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
    waitFor: (pattern, timeoutMs = 60_000) => watched.waitFor(pattern, output, timeoutMs),
  };
}
