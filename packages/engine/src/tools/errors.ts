/**
 * An MCP server the step needs could not be used: it would not start, did not answer the handshake, or
 * could not list its tools. The agent step fails with `error_type` `ToolServerError` (a checkpoint is
 * written; a resume starts the server again).
 */
export class ToolServerError extends Error {
  readonly code = 'CONDUCTOR_TOOL_SERVER';
  readonly errorType = 'ToolServerError';
  readonly server: string;
  constructor(server: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ToolServerError';
    this.server = server;
  }
}

/**
 * A step selects a tool no server offers (a name the server does not have, or one its `tools` filter
 * leaves out). The agent step fails with `error_type` `ToolSelectionError`.
 */
export class ToolSelectionError extends Error {
  readonly code = 'CONDUCTOR_TOOL_SELECTION';
  readonly errorType = 'ToolSelectionError';
  constructor(message: string) {
    super(message);
    this.name = 'ToolSelectionError';
  }
}
