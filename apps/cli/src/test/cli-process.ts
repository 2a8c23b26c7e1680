import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const cliBin = join(repoRoot, 'apps/cli/bin/conductor.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** Resolves once stderr (or stdout) has printed text matching `pattern`. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
  output(): { stdout: string; stderr: string };
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'conductor-cli-test-'));
}

/** Starts the real `conductor` binary; the test's CONDUCTOR_HOME isolates its runs. */
export function startCli(
  args: string[],
  options: { home: string; env?: Record<string, string>; cwd?: string },
): CliProcess {
  const child = spawn(process.execPath, [cliBin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, CONDUCTOR_HOME: options.home, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const w of [...waiters]) w();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const w of [...waiters]) w();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      for (const w of [...waiters]) w();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    output: () => ({ stdout, stderr }),
    waitFor(pattern, stream = 'stderr', timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (stream === 'stderr' ? stderr : stdout).match(pattern);
          if (match) {
            cleanup();
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(
              new Error(
                `conductor exited before printing ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

export function runCli(
  args: string[],
  options: { home: string; env?: Record<string, string>; cwd?: string },
): Promise<CliResult> {
  return startCli(args, options).done;
}
