import { closestName } from '../../template/suggest.js';
import type { YamlPath } from '../locate.js';
import { asString, isPlainObject as isObject, type Raw } from '../raw.js';
import { stepLabel } from '../schema-issues.js';
import { serverNameProblem, splitToolName, TOOL_NAME_SEPARATOR } from '../tool-names.js';
import { list, type SemanticContext } from './context.js';

const STDIO_ONLY = ['command', 'args', 'env', 'cwd'] as const;
const REMOTE_ONLY = ['url', 'headers'] as const;

/**
 * MCP servers and tool selections: each server has what its type needs (a command, or a URL) and no key
 * of the other type; every tool a workflow or agent names is `<server>__<tool>` for a configured server,
 * and an agent's `tools` are a subset of the workflow's `tools` when that list is given (the original's
 * rule, there a run-time error).
 */
export function checkTools(ctx: SemanticContext): void {
  const runtime = isObject(ctx.settings.runtime) ? ctx.settings.runtime : {};
  const servers = isObject(runtime.mcp_servers) ? runtime.mcp_servers : {};
  const serverNames = Object.keys(servers);
  for (const [name, server] of Object.entries(servers)) checkServer(ctx, name, server);

  const checkToolName = (path: YamlPath, name: string, owner: string) => {
    if (serverNames.length === 0) {
      ctx.error(
        path,
        `${owner} names tool "${name}", but workflow.runtime.mcp_servers defines no MCP server`,
        {
          hint: `Tools are <server>${TOOL_NAME_SEPARATOR}<tool>: add the server under workflow.runtime.mcp_servers.`,
        },
      );
      return;
    }
    if (splitToolName(name, serverNames)) return;
    const server = name.includes(TOOL_NAME_SEPARATOR)
      ? name.slice(0, name.indexOf(TOOL_NAME_SEPARATOR))
      : name;
    const suggestion = closestName(server, serverNames);
    ctx.error(
      path,
      `${owner} names tool "${name}", which is not <server>${TOOL_NAME_SEPARATOR}<tool> for an MCP server of workflow.runtime.mcp_servers`,
      {
        hint: suggestion
          ? `Did you mean server "${suggestion}" (${suggestion}${TOOL_NAME_SEPARATOR}${name.slice(server.length + TOOL_NAME_SEPARATOR.length) || '<tool>'})?`
          : `Servers: ${list(serverNames)}.`,
      },
    );
  };

  const workflowTools = stringsAt(ctx.data.tools);
  workflowTools.forEach(({ value, index }) => {
    checkToolName(['tools', index], value, 'the workflow\'s "tools"');
  });
  const allowed = workflowTools.map((entry) => entry.value);

  const checkSelection = (raw: Raw, base: YamlPath, owner: string) => {
    for (const { value, index } of stringsAt(raw.tools)) {
      const path = [...base, 'tools', index];
      if (allowed.length === 0) {
        checkToolName(path, value, owner);
      } else if (!allowed.includes(value)) {
        const suggestion = closestName(value, allowed);
        ctx.error(path, `${owner} selects tool "${value}", which is not in the workflow's "tools" list`, {
          hint: suggestion
            ? `Did you mean "${suggestion}"?`
            : `An agent's tools must be a subset of the top-level tools: ${list(allowed)}.`,
        });
      }
    }
  };
  for (const step of ctx.steps) {
    if (step.checked && step.type === 'agent')
      checkSelection(step.raw, ['agents', step.index], stepLabel(ctx.data, step.index));
  }
  for (const group of ctx.groups) {
    const body = group.raw.agent;
    if (group.kind !== 'for_each' || !group.checked || !isObject(body)) continue;
    if ((body.type ?? 'agent') === 'agent')
      checkSelection(body, ['for_each', group.index, 'agent'], `the agent of ${ctx.groupLabel(group)}`);
  }
}

function checkServer(ctx: SemanticContext, name: string, server: unknown): void {
  const at: YamlPath = ['workflow', 'runtime', 'mcp_servers', name];
  const problem = serverNameProblem(name);
  if (problem) ctx.error(at, `MCP server name "${name}" cannot be used: ${problem}`, { key: true });
  if (!isObject(server)) return;
  const type = asString(server.type) ?? 'stdio';
  const label = `MCP server "${name}"`;
  if (type === 'stdio') {
    if (server.command === undefined) {
      ctx.error(at, `${label} is a stdio server and needs "command"`, {
        key: true,
        hint: 'Give the program that serves it (command: node, args: [./server.js]), or type: http and url: for a server already running.',
      });
    }
    for (const key of REMOTE_ONLY) {
      if (server[key] !== undefined)
        ctx.error([...at, key], `"${key}" belongs to http and sse MCP servers; ${label} is a stdio server`, {
          key: true,
          hint: 'Set type: http (or sse) to connect to a URL, or remove it.',
        });
    }
    return;
  }
  if (type !== 'http' && type !== 'sse') return;
  const url = asString(server.url);
  if (url === undefined) {
    if (server.url === undefined)
      ctx.error(at, `${label} is an ${type} server and needs "url"`, {
        key: true,
        hint: 'Give its endpoint, e.g. url: http://127.0.0.1:8000/mcp.',
      });
  } else if (!isHttpUrl(url)) {
    ctx.error([...at, 'url'], `${label}: "${url}" is not an http or https URL`);
  }
  for (const key of STDIO_ONLY) {
    if (server[key] !== undefined)
      ctx.error([...at, key], `"${key}" belongs to stdio MCP servers; ${label} is an ${type} server`, {
        key: true,
        hint: 'Remove it, or set type: stdio to start the server as a program.',
      });
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function stringsAt(value: unknown): Array<{ value: string; index: number }> {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item, index) => (typeof item === 'string' ? [{ value: item, index }] : []));
}
