/**
 * How MCP tools are named in a workflow and to a model, as in the original: `<server>__<tool>`, where
 * `<server>` is a key of `runtime.mcp_servers` and `<tool>` the name the server gives the tool.
 */

export const TOOL_NAME_SEPARATOR = '__';

/** The name a model and a workflow use for `tool` of `server`. */
export function qualifiedToolName(server: string, tool: string): string {
  return `${server}${TOOL_NAME_SEPARATOR}${tool}`;
}

/** The server and tool a qualified name stands for, given the servers there are; undefined when none fits. */
export function splitToolName(
  name: string,
  servers: Iterable<string>,
): { server: string; tool: string } | undefined {
  for (const server of servers) {
    const prefix = `${server}${TOOL_NAME_SEPARATOR}`;
    if (name.startsWith(prefix) && name.length > prefix.length)
      return { server, tool: name.slice(prefix.length) };
  }
  return undefined;
}

/**
 * Why `name` cannot name an MCP server, or undefined when it can: a model sees `<server>__<tool>`, so
 * the name must be a valid part of a function name and must not make that split ambiguous.
 */
export function serverNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) return 'use only letters, digits, "-" and "_"';
  if (name.includes(TOOL_NAME_SEPARATOR) || name.endsWith('_'))
    return `it may not contain "${TOOL_NAME_SEPARATOR}" or end with "_" (tools are named <server>${TOOL_NAME_SEPARATOR}<tool>)`;
  return undefined;
}
