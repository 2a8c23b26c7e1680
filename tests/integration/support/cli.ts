import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { repoRoot } from './chromium.js';

export const cliBin = join(repoRoot, 'apps/cli/bin/conductor.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** Resolves once stdout or stderr has shown text matching `pattern`; fails if conductor exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
  /** What it printed so far, stdout then stderr: for the report of a test that failed. */
  output(): string;
}

export function tempDir(prefix = 'conductor-it-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A child process's output as it arrives, and waits on it. */
export interface WatchedProcess {
  stdout(): string;
  stderr(): string;
  /** Once the process has exited and all its output has been read. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Waits (the framework retrying) until `text()` matches `pattern`, and fails at once, with what was
   * shown, when the process ends first.
   */
  waitFor(pattern: RegExp, text: () => string, timeoutMs: number): Promise<RegExpMatchArray>;
}

/** Watches a child spawned with piped stdout and stderr; `name` says who it is in a failure. */
export function watchProcess(child: ChildProcess, name: string): WatchedProcess {
  let stdout = '';
  let stderr = '';
  let ended: string | null = null;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      ended = `${name} exited (${code ?? signal})`;
      resolve({ code, signal });
    }),
  );
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    closed,
    async waitFor(pattern, text, timeoutMs) {
      const match = await vi.waitFor(
        () => {
          const found = text().match(pattern);
          if (found || ended) return found;
          throw new Error(`timed out waiting for ${pattern}:\n${text()}`);
        },
        { timeout: timeoutMs, interval: 20 },
      );
      if (!match) throw new Error(`${ended} before ${pattern}:\n${text()}`);
      return match;
    },
  };
}

/** The real `conductor` binary in a child process, its runs kept in `home`. Waits match stdout+stderr. */
export function startCli(args: string[], home: string, env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [cliBin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, CONDUCTOR_HOME: home, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watchProcess(child, 'conductor');
  const both = () => `${watched.stdout()}\n${watched.stderr()}`;
  return {
    child,
    done: watched.closed.then(({ code, signal }) => ({
      code,
      signal,
      stdout: watched.stdout(),
      stderr: watched.stderr(),
    })),
    waitFor: (pattern, timeoutMs = 60_000) => watched.waitFor(pattern, both, timeoutMs),
    output: () =>
      `conductor ${args.join(' ')}\n--- stdout\n${watched.stdout()}\n--- stderr\n${watched.stderr()}`,
  };
}

export function runCli(args: string[], home: string, env?: Record<string, string>): Promise<CliResult> {
  return startCli(args, home, env).done;
}
