import type { ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { DEFAULT_INHERITED_ENV_VARS } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from '../workflow/types.js';
import { ToolServerError } from './errors.js';
import { ProcessGroupStdioTransport } from './stdio-transport.js';

const CLIENT_INFO = { name: 'conductor', version: '0.1.0' };
/** How long an HTTP server gets to end its session when the run closes it. */
const END_SESSION_MS = 2000;

/** A tool as a server offers it, with its name on the server. */
export interface OfferedTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** One running MCP server (or an open HTTP session with one) and its tools. */
export interface ServerConnection {
  readonly name: string;
  /** `"notes" (node server.mjs in /work)`, for messages. */
  readonly label: string;
  /** Its tools, after the server's `tools` filter. */
  readonly tools: readonly OfferedTool[];
  /** The names of every tool it lists, filtered or not. */
  readonly listed: readonly string[];
  /** False once the server exited or the connection dropped: the next step that needs it starts it again. */
  readonly alive: boolean;
  call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  name: string;
  config: McpServerConfig;
  /** Where a stdio server runs, resolved. */
  cwd: string;
  /** The run's environment: a stdio server inherits only HOME, LOGNAME, PATH, SHELL, TERM and USER from it. */
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  onSpawn(child: ChildProcess): void;
}

/** Starts (or connects to) a server, completes the MCP handshake and lists its tools. */
export async function connectServer(options: ConnectOptions): Promise<ServerConnection> {
  const { name, config, signal } = options;
  const type = config.type ?? 'stdio';
  let transport: Transport;
  let stdio: ProcessGroupStdioTransport | undefined;
  let label: string;
  if (type === 'stdio') {
    const command = config.command ?? '';
    const args = config.args ?? [];
    // The command only: its arguments may carry a ${VAR} secret, and messages end up in the log.
    label = `"${name}" (${command} in ${options.cwd})`;
    const folder = await stat(options.cwd).catch(() => undefined);
    if (!folder?.isDirectory()) {
      throw new ToolServerError(
        name,
        `MCP server ${label} could not start: its folder ${options.cwd} does not exist. ` +
          "Check the server's cwd, or the agent's working_dir (relative paths start at the workflow file's folder).",
      );
    }
    stdio = new ProcessGroupStdioTransport({
      command,
      args,
      cwd: options.cwd,
      env: serverEnvironment(options.env, config.env),
      onSpawn: options.onSpawn,
    });
    transport = stdio;
  } else {
    const url = new URL(config.url ?? '');
    // Without user info, query or fragment, which may hold credentials.
    label = `"${name}" (${type} ${url.origin}${url.pathname})`;
    const requestInit = config.headers ? { headers: config.headers } : undefined;
    transport =
      type === 'sse'
        ? new SSEClientTransport(url, requestInit ? { requestInit } : undefined)
        : new StreamableHTTPClientTransport(url, requestInit ? { requestInit } : undefined);
  }

  const client = new Client(CLIENT_INFO);
  let alive = true;
  client.onclose = () => {
    alive = false;
  };
  const requestOptions = { signal, ...(config.timeout === undefined ? {} : { timeout: config.timeout }) };
  try {
    await client.connect(transport, requestOptions);
  } catch (cause) {
    await client.close().catch(() => {});
    if (signal.aborted) throw cause;
    throw new ToolServerError(name, startFailure(label, cause, stdio), { cause });
  }

  const listed: OfferedTool[] = [];
  try {
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? undefined : { cursor }, requestOptions);
      for (const tool of page.tools) {
        listed.push({
          name: tool.name,
          description: tool.description ?? '',
          inputSchema: tool.inputSchema as Record<string, unknown>,
        });
      }
      cursor = page.nextCursor;
    } while (cursor);
  } catch (cause) {
    await client.close().catch(() => {});
    if (signal.aborted) throw cause;
    throw new ToolServerError(
      name,
      `MCP server ${label} did not list its tools: ${(cause as Error).message}${stderrOf(stdio)}`,
      { cause },
    );
  }
  const filter = config.tools ?? ['*'];
  const tools = filter.includes('*') ? listed : listed.filter((tool) => filter.includes(tool.name));

  let closing: Promise<void> | undefined;
  return {
    name,
    label,
    tools,
    listed: listed.map((tool) => tool.name),
    get alive() {
      return alive && !closing;
    },
    async call(tool, args, callSignal) {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, {
        signal: callSignal,
        ...(config.timeout === undefined ? {} : { timeout: config.timeout }),
      });
      if ('content' in result && Array.isArray(result.content)) return result as CallToolResult;
      // A server of the 2024-10 protocol answers `{ toolResult }`.
      const legacy = (result as { toolResult?: unknown }).toolResult;
      return {
        content: [{ type: 'text', text: typeof legacy === 'string' ? legacy : JSON.stringify(legacy) }],
      };
    },
    close() {
      closing ??= (async () => {
        if (transport instanceof StreamableHTTPClientTransport && alive) {
          // Ends the session on the server, which would otherwise keep it until it expires.
          await Promise.race([
            transport.terminateSession().catch(() => {}),
            new Promise((resolve) => setTimeout(resolve, END_SESSION_MS).unref()),
          ]);
        }
        await client.close().catch(() => {});
      })();
      return closing;
    },
  };
}

/** The variables a stdio server gets: the SDK's short safe list from the run's environment, then its own `env`. */
function serverEnvironment(
  runEnv: Record<string, string | undefined>,
  own: Record<string, string> | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of DEFAULT_INHERITED_ENV_VARS) {
    const value = runEnv[key];
    // A shell function exported into the environment is not passed on (as the SDK does).
    if (value !== undefined && !value.startsWith('()')) env[key] = value;
  }
  return { ...env, ...own };
}

function startFailure(label: string, cause: unknown, stdio: ProcessGroupStdioTransport | undefined): string {
  const error = cause as NodeJS.ErrnoException;
  if (stdio && stdio.pid === undefined) {
    if (error.code === 'ENOENT')
      return (
        `MCP server ${label} could not start: command not found. ` +
        'Install it or put it on PATH, or give its path (commands run without a shell).'
      );
    if (error.code === 'EACCES') return `MCP server ${label} could not start: the command is not executable.`;
    return `MCP server ${label} could not start: ${error.message}`;
  }
  const exit = stdio?.exitStatus;
  const how = exit ? `; it exited ${exit.signal ? `on ${exit.signal}` : `with code ${exit.code}`}` : '';
  const what = stdio ? 'did not complete the MCP handshake' : 'could not be reached';
  return `MCP server ${label} ${what}: ${error.message}${how}${stderrOf(stdio)}`;
}

function stderrOf(stdio: ProcessGroupStdioTransport | undefined): string {
  const tail = stdio?.stderrTail().trimEnd();
  return tail ? `\nIts stderr ends with:\n${tail}` : '';
}
