import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './chromium.js';

export const cliBin = join(repoRoot, 'apps/cli/bin/conductor.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
}

export function tempDir(prefix = 'conductor-it-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The real `conductor` binary in a child process, its runs kept in `home`. Waits match stdout+stderr. */
export function startCli(args: string[], home: string, env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [cliBin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, CONDUCTOR_HOME: home, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    notify();
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  done.then(notify);
  return {
    child,
    done,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`timed out waiting for ${pattern}\n${stdout}\n${stderr}`)),
          timeoutMs,
        );
        const finish = (error: Error | null, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error) reject(error);
          else resolve(match as RegExpMatchArray);
        };
        const check = () => {
          const match = `${stdout}\n${stderr}`.match(pattern);
          if (match) finish(null, match);
          else if (child.exitCode !== null)
            finish(new Error(`conductor exited (${child.exitCode}) before ${pattern}\n${stdout}\n${stderr}`));
        };
        waiters.add(check);
        check();
      });
    },
  };
}

export function runCli(args: string[], home: string, env?: Record<string, string>): Promise<CliResult> {
  return startCli(args, home, env).done;
}
