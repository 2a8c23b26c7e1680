import { describe, expect, it } from 'vitest';
import type { WorkflowIssue } from './errors.js';
import { parseWorkflow, validateWorkflow } from './load.js';

function errorsOf(source: string): Array<Pick<WorkflowIssue, 'line' | 'column' | 'message' | 'hint'>> {
  return validateWorkflow(source, { env: {} })
    .issues.filter((issue) => issue.severity === 'error')
    .map(({ line, column, message, hint }) => ({ line, column, message, hint }));
}

const withServers = (servers: string, rest = '') => `workflow:
  name: t
  entry_point: a
  runtime:
    mcp_servers:
${servers}${rest}agents:
  - name: a
    prompt: Go.
`;

describe('MCP servers and tools in a workflow', () => {
  it("loads the original's keys: servers of each type, tool lists, limits and tool_output", () => {
    const loaded = parseWorkflow(
      `workflow:
  name: t
  entry_point: a
  runtime:
    max_agent_iterations: 20
    max_session_seconds: 600
    working_dir: "{{ workflow.input.repo }}"
    tool_output: { enabled: true, max_chars: 2000, spill_to_file: false, spill_dir: spills }
    mcp_servers:
      notes:
        command: node
        args: [server.mjs]
        env: { NOTES: "1" }
        cwd: servers
        timeout: 30000
        tools: [read, write]
      remote:
        type: http
        url: http://127.0.0.1:9000/mcp
        headers: { Authorization: Bearer x }
  input:
    repo: { type: string }
tools: [notes__read, remote__search]
agents:
  - name: a
    prompt: Go.
    tools: [notes__read]
    working_dir: sub
    max_agent_iterations: 5
    max_session_seconds: 60
    timeout_seconds: 120
    routes: [{ to: b }]
  - name: b
    prompt: Go on.
    tools: null
    routes: [{ to: c }]
  - name: c
    prompt: No tools.
    tools: []
`,
      { env: {} },
    );
    const { definition } = loaded;
    expect(definition.tools).toEqual(['notes__read', 'remote__search']);
    expect(definition.workflow.runtime?.mcp_servers?.remote).toEqual({
      type: 'http',
      url: 'http://127.0.0.1:9000/mcp',
      headers: { Authorization: 'Bearer x' },
    });
    expect(definition.agents[0]).toMatchObject({
      tools: ['notes__read'],
      working_dir: 'sub',
      max_agent_iterations: 5,
      max_session_seconds: 60,
      timeout_seconds: 120,
    });
    expect(definition.agents[1]).toMatchObject({ tools: null });
    expect(definition.agents[2]).toMatchObject({ tools: [] });
  });

  it('needs a command for a stdio server and a URL for an http one, and no key of the other kind', () => {
    expect(
      errorsOf(
        withServers(`      local:
        args: [x]
        url: http://x
      remote:
        type: http
        command: node
      broken:
        type: sse
        url: not a url
`),
      ),
    ).toEqual([
      expect.objectContaining({
        line: 6,
        column: 7,
        message: 'MCP server "local" is a stdio server and needs "command"',
      }),
      expect.objectContaining({
        line: 8,
        column: 9,
        message: '"url" belongs to http and sse MCP servers; MCP server "local" is a stdio server',
      }),
      expect.objectContaining({
        line: 9,
        column: 7,
        message: 'MCP server "remote" is an http server and needs "url"',
      }),
      expect.objectContaining({
        line: 11,
        column: 9,
        message: '"command" belongs to stdio MCP servers; MCP server "remote" is an http server',
      }),
      expect.objectContaining({
        line: 14,
        column: 14,
        message: 'MCP server "broken": "not a url" is not an http or https URL',
      }),
    ]);
  });

  it('rejects a server name that would make server__tool ambiguous', () => {
    expect(errorsOf(withServers('      my__server:\n        command: x\n'))).toEqual([
      expect.objectContaining({
        line: 6,
        column: 7,
        message: expect.stringContaining(
          'MCP server name "my__server" cannot be used: it may not contain "__"',
        ),
      }),
    ]);
  });

  it('checks that every tool named is server__tool of a configured server', () => {
    expect(
      errorsOf(withServers('      notes:\n        command: x\n', 'tools: [note__read, search]\n')),
    ).toEqual([
      {
        line: 8,
        column: 9,
        message: `the workflow's "tools" names tool "note__read", which is not <server>__<tool> for an MCP server of workflow.runtime.mcp_servers`,
        hint: 'Did you mean server "notes" (notes__read)?',
      },
      expect.objectContaining({ line: 8, column: 21, hint: 'Servers: notes.' }),
    ]);
    expect(
      errorsOf(`workflow:
  name: t
  entry_point: a
agents:
  - name: a
    tools: [notes__read]
`),
    ).toEqual([
      expect.objectContaining({
        line: 6,
        column: 13,
        message: 'step "a" names tool "notes__read", but workflow.runtime.mcp_servers defines no MCP server',
      }),
    ]);
  });

  it("checks an agent's tools against the workflow's list, in steps and for-each bodies", () => {
    const errors = errorsOf(`workflow:
  name: t
  entry_point: a
  runtime:
    mcp_servers:
      notes: { command: x }
tools: [notes__read]
agents:
  - name: a
    prompt: Go.
    tools: [notes__write]
    routes: [{ to: each }]
for_each:
  - name: each
    type: for_each
    source: a.output.items
    as: item
    agent:
      prompt: "{{ item }}"
      tools: [notes__reed]
`);
    expect(errors).toEqual([
      expect.objectContaining({
        line: 11,
        column: 13,
        message: `step "a" selects tool "notes__write", which is not in the workflow's "tools" list`,
        hint: "An agent's tools must be a subset of the top-level tools: notes__read.",
      }),
      expect.objectContaining({
        line: 20,
        column: 15,
        message: `the agent of for-each group "each" selects tool "notes__reed", which is not in the workflow's "tools" list`,
        hint: 'Did you mean "notes__read"?',
      }),
    ]);
  });

  it('checks the ranges of the limits and of tool_output.max_chars', () => {
    const messages = errorsOf(`workflow:
  name: t
  entry_point: a
  runtime:
    max_agent_iterations: 501
    tool_output: { max_chars: 999 }
agents:
  - name: a
    prompt: Go.
    max_session_seconds: 0
    timeout_seconds: 0.5
`).map((issue) => issue.message);
    expect(messages).toEqual([
      expect.stringContaining('runtime.max_agent_iterations must be between 1 and 500'),
      expect.stringContaining('tool_output.max_chars must be at least 1000'),
      expect.stringContaining('max_session_seconds must be at least 1'),
      expect.stringContaining('timeout_seconds must be at least 1'),
    ]);
  });

  it("checks an agent's working_dir as a template", () => {
    expect(
      errorsOf(`workflow:
  name: t
  entry_point: a
agents:
  - name: a
    prompt: Go.
    working_dir: "{{ nope.output.dir }}"
`).map((issue) => issue.message),
    ).toEqual(['step "a" (working_dir) references "nope", which is not a step']);
  });
});
