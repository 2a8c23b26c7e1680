import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { OutputStore } from '../outputs/store.js';
import { abortError } from '../providers/abort.js';
import type { ToolSpec } from '../providers/types.js';
import { qualifiedToolName, splitToolName } from '../workflow/tool-names.js';
import type { McpServerConfig, WorkflowDefinition } from '../workflow/types.js';
import type { OfferedTool, ServerConnection } from './connection.js';
import { ToolSelectionError, ToolServerError } from './errors.js';
import { type CappedResult, capResult, resultText } from './result.js';

export interface ToolboxOptions {
  /** The run's output store: results over the cap are stored through it. */
  outputs: OutputStore;
  /** The run's environment (what stdio servers inherit from). */
  env: Record<string, string | undefined>;
  /** The run's signal: a stop aborts servers still starting. */
  signal: AbortSignal;
}

/** What a step asks of the toolbox: its workflow's servers and tools, its selection, where it runs. */
export interface ToolsRequest {
  /** The workflow the step is in (its `runtime.mcp_servers`, `tools` and `tool_output`). */
  definition: WorkflowDefinition;
  /** The workflow file's folder: relative server folders and `spill_dir` start there. */
  workflowDir: string;
  /** The step's `tools`: undefined or null for the workflow's list, `[]` for none. */
  selection: readonly string[] | null | undefined;
  /** Where stdio servers without a `cwd` of their own run (the agent's working_dir), resolved. */
  cwd: string;
  /** The step's signal: waiting for a server stops when it aborts. */
  signal: AbortSignal;
  /** Called when a server process starts, before it can exit (the step records it in the log). */
  onSpawn(child: ChildProcess, details: { server: string; command: string }): void;
  /** The step, for the names of spill files. */
  step: string;
  path?: readonly string[];
}

/** A tool call's outcome, told to the model and recorded in `agent_tool_complete`. */
export interface ToolOutcome extends CappedResult {
  /** The tool reported an error, or the call could not be made; the texts say what happened. */
  isError: boolean;
}

/** The tools one step may call. */
export interface StepTools {
  /** What the provider sends the model: `server__tool` names, descriptions, input schemas. */
  readonly specs: readonly ToolSpec[];
  /**
   * Calls a tool by its `server__tool` name. A tool's error, an unknown name or a failed call is an
   * outcome (the model is told); only an abort of `signal` rejects.
   */
  call(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome>;
}

/**
 * A run's MCP servers: each is started (or connected to) when a step first needs it, once per run and
 * working folder, shared by the steps after it; `close` ends them all. The run creates one and closes it
 * on every way the run ends; a resume creates a new one.
 */
export interface Toolbox {
  toolsFor(request: ToolsRequest): Promise<StepTools>;
  close(): Promise<void>;
}

interface PoolEntry {
  started: Promise<ServerConnection>;
  connection?: ServerConnection;
}

export function createToolbox(options: ToolboxOptions): Toolbox {
  const pool = new Map<string, PoolEntry>();
  /** Every server started, also those a restart replaced in `pool`: `close` ends them all. */
  const started: Array<Promise<ServerConnection>> = [];
  let closed = false;

  const start = (name: string, config: McpServerConfig, request: ToolsRequest): Promise<ServerConnection> => {
    const stdio = (config.type ?? 'stdio') === 'stdio';
    const cwd = stdio
      ? config.cwd === undefined
        ? request.cwd
        : resolve(request.workflowDir, config.cwd)
      : '';
    const key = JSON.stringify([name, cwd, config]);
    const existing = pool.get(key);
    if (existing && (!existing.connection || existing.connection.alive)) return existing.started;
    // It exited or dropped the connection: whatever is left of it goes, and it starts again.
    void existing?.connection?.close();
    const entry: PoolEntry = {
      // The MCP SDK is loaded by the first run that uses a server: a run without tools never pays for it.
      started: import('./connection.js').then(({ connectServer }) =>
        connectServer({
          name,
          config,
          cwd,
          env: options.env,
          signal: options.signal,
          // The command only, as for script steps: arguments may carry a ${VAR} secret.
          onSpawn: (child) => request.onSpawn(child, { server: name, command: config.command ?? '' }),
        }),
      ),
    };
    pool.set(key, entry);
    started.push(entry.started);
    entry.started.then(
      (connection) => {
        entry.connection = connection;
      },
      () => {
        // A server that could not start is tried again by the next step that needs it.
        if (pool.get(key) === entry) pool.delete(key);
      },
    );
    return entry.started;
  };

  return {
    async toolsFor(request) {
      if (closed) throw new ToolServerError('', 'the run has ended: its MCP servers are closed');
      const { definition } = request;
      const servers = definition.workflow.runtime?.mcp_servers ?? {};
      const serverNames = Object.keys(servers);
      const wanted = selectionOf(request.selection, definition.tools);
      if (wanted !== null && wanted.length === 0) return { specs: [], call: unknownTool([]) };
      const needed = new Map<string, string[]>();
      if (wanted === null) for (const server of serverNames) needed.set(server, []);
      for (const name of wanted ?? []) {
        const split = splitToolName(name, serverNames);
        if (!split) {
          throw new ToolSelectionError(
            `step "${request.step}" selects tool "${name}", which is not <server>__<tool> for a server of ` +
              `workflow.runtime.mcp_servers (${serverNames.join(', ') || 'none'})`,
          );
        }
        needed.set(split.server, [...(needed.get(split.server) ?? []), split.tool]);
      }

      const connections = await abortable(
        Promise.all([...needed.keys()].map((server) => start(server, servers[server] ?? {}, request))),
        request.signal,
      );
      const byName = new Map<string, { connection: ServerConnection; tool: OfferedTool }>();
      for (const connection of connections) {
        const only = needed.get(connection.name) ?? [];
        for (const tool of connection.tools) {
          if (wanted === null || only.includes(tool.name))
            byName.set(qualifiedToolName(connection.name, tool.name), { connection, tool });
        }
        for (const tool of only) {
          if (connection.tools.some((offered) => offered.name === tool)) continue;
          const filtered = connection.listed.includes(tool);
          throw new ToolSelectionError(
            `step "${request.step}" selects tool "${qualifiedToolName(connection.name, tool)}", but MCP server ` +
              `${connection.label} ${filtered ? 'leaves it out with its tools filter' : 'has no such tool'}; ` +
              `it offers: ${connection.tools.map((t) => qualifiedToolName(connection.name, t.name)).join(', ') || 'nothing'}`,
          );
        }
      }

      const toolOutput = definition.workflow.runtime?.tool_output ?? {};
      const spillDir =
        toolOutput.spill_dir === undefined ? undefined : resolve(request.workflowDir, toolOutput.spill_dir);
      const names = [...byName.keys()];
      return {
        specs: [...byName].map(([name, { tool }]) => ({
          name,
          description: tool.description,
          inputSchema: tool.inputSchema,
        })),
        async call(name, args, signal) {
          const target = byName.get(name);
          if (!target) return unknownTool(names)(name);
          const outputName = {
            step: request.step,
            ...(request.path ? { path: request.path } : {}),
            field: 'result',
          };
          let text: string;
          let isError: boolean;
          try {
            const result = await target.connection.call(target.tool.name, args, signal);
            text = resultText(result);
            isError = result.isError === true;
          } catch (error) {
            if (signal.aborted) throw error;
            const message = `the call to ${name} failed: ${(error as Error).message}`;
            return { model: message, event: message, isError: true };
          }
          return { ...(await capResult(text, toolOutput, options.outputs, outputName, spillDir)), isError };
        },
      };
    },

    async close() {
      closed = true;
      pool.clear();
      await Promise.all(
        started.splice(0).map((connection) =>
          connection.then(
            (open) => open.close(),
            () => {},
          ),
        ),
      );
    },
  };
}

/** The tool names a selection stands for, or null for every tool of every server. */
function selectionOf(
  selection: readonly string[] | null | undefined,
  workflowTools: readonly string[] | undefined,
): readonly string[] | null {
  if (selection !== undefined && selection !== null) return selection;
  return workflowTools && workflowTools.length > 0 ? workflowTools : null;
}

function unknownTool(names: readonly string[]) {
  return async (name: string): Promise<ToolOutcome> => {
    const message =
      names.length === 0
        ? `there is no tool "${name}": this step has no tools`
        : `there is no tool "${name}"; the tools are: ${names.join(', ')}`;
    return { model: message, event: message, isError: true };
  };
}

/** `promise`, or a rejection with an AbortError as soon as `signal` aborts (the work itself goes on). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolvePromise, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
