import { type ChildProcess, spawn } from 'node:child_process';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** How long a server gets to exit after its stdin closes, then after SIGTERM, before its group is killed. */
const STDIN_GRACE_MS = 1000;
const TERM_GRACE_MS = 2000;
/** Bytes of the end of a server's stderr kept for error messages. */
const STDERR_TAIL_BYTES = 4096;

export interface StdioServerParameters {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Called once the process exists, before it can exit (to record it in the run's log). */
  onSpawn(child: ChildProcess): void;
}

/**
 * The MCP stdio transport (newline-delimited JSON-RPC over the server's stdin and stdout, with the SDK's
 * framing), for a server started in a process group of its own, as script steps are: closing it
 * signals the whole group, and its pid and start time are recorded so that a resume after the run's
 * process died can stop it. The SDK's StdioClientTransport starts the server in the conductor's own
 * process group, which a recorded group could not name. The server's stderr is kept (its end) for
 * error messages instead of being written over the terminal's progress.
 */
export class ProcessGroupStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private child: ChildProcess | undefined;
  private readonly buffer = new ReadBuffer();
  private stderr = Buffer.alloc(0);
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly params: StdioServerParameters) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the process ended, once it has. */
  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exit;
  }

  /** The end of what the server wrote to stderr. */
  stderrTail(): string {
    return this.stderr.toString('utf8').replace(/^\uFFFD+/, '');
  }

  start(): Promise<void> {
    const { command, args, cwd, env } = this.params;
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(command, args, {
          cwd,
          env,
          // Its own process group: closing it stops whatever it started, and a terminal's Ctrl-C reaches
          // conductor, which closes it, rather than the server directly.
          detached: process.platform !== 'win32',
          stdio: ['pipe', 'pipe', 'pipe'],
          windowsHide: true,
        });
      } catch (error) {
        reject(error);
        return;
      }
      this.child = child;
      this.exited = new Promise((done) => child.once('close', () => done()));
      child.once('error', (error) => {
        if (child.pid === undefined) reject(error);
        else this.onerror?.(error);
      });
      child.once('spawn', () => {
        this.params.onSpawn(child);
        resolve();
      });
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
      });
      child.once('close', () => {
        this.onclose?.();
      });
      child.stdin?.on('error', (error) => this.onerror?.(error));
      child.stdout?.on('data', (chunk: Buffer) => {
        try {
          this.buffer.append(chunk);
          for (let message = this.buffer.readMessage(); message; message = this.buffer.readMessage()) {
            this.onmessage?.(message);
          }
        } catch (error) {
          this.onerror?.(error as Error);
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        const joined = Buffer.concat([this.stderr, chunk]);
        this.stderr = joined.length > STDERR_TAIL_BYTES ? joined.subarray(-STDERR_TAIL_BYTES) : joined;
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || this.exit)
      return Promise.reject(new Error('the MCP server is not running'));
    return new Promise((resolve) => {
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /**
   * Ends the server as the MCP specification asks (close its stdin, then SIGTERM, then SIGKILL), each
   * signal to its whole process group, and resolves once the process is gone.
   */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined) return;
    child.stdin?.end();
    if (!this.exit) await within(this.exited, STDIN_GRACE_MS);
    if (!this.exit) {
      signalGroup(child, 'SIGTERM');
      await within(this.exited, TERM_GRACE_MS);
    }
    if (!this.exit) signalGroup(child, 'SIGKILL');
    // Whatever the server started in its group goes with it.
    signalGroup(child, 'SIGTERM');
    await this.exited;
    this.buffer.clear();
  }
}

function within(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (process.platform !== 'win32' && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // The group is gone.
  }
}
