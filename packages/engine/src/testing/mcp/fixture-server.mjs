// An MCP server for the engine's tests, written with the SDK's low-level Server (no zod). Run as a
// program it serves stdio; `createHttpFixture()` serves Streamable HTTP on a real port in the test's
// process. Its tools cover what the tool loop must handle: results, big results, tool errors, a tool
// that waits until cancelled, its folder and environment, and a process it leaves in its group.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  isInitializeRequest,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

const object = (properties, required = Object.keys(properties)) => ({ type: 'object', properties, required });
const TOOLS = [
  { name: 'echo', description: 'Returns its text.', inputSchema: object({ text: { type: 'string' } }) },
  {
    name: 'add',
    description: 'Adds two numbers.',
    inputSchema: object({ a: { type: 'number' }, b: { type: 'number' } }),
  },
  {
    name: 'big',
    description: 'Returns `chars` characters.',
    inputSchema: object({ chars: { type: 'number' } }),
  },
  { name: 'fail', description: 'Reports an error.', inputSchema: object({ message: { type: 'string' } }) },
  { name: 'wait', description: 'Answers only when cancelled.', inputSchema: object({}) },
  {
    name: 'where',
    description: 'Its folder and one environment variable.',
    inputSchema: object({ env: { type: 'string' } }, []),
  },
  {
    name: 'spawn_sleeper',
    description: 'Starts a process in its group that sleeps; returns its pid.',
    inputSchema: object({}),
  },
];

/** A Server with the fixture's tools. `calls` records each call (HTTP mode shares it with the test). */
export function createFixtureServer(calls = []) {
  const server = new Server({ name: 'fixture', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args = {} } = request.params;
    calls.push({ name, args });
    const text = (value) => ({ content: [{ type: 'text', text: String(value) }] });
    switch (name) {
      case 'echo':
        return text(args.text);
      case 'add':
        if (typeof args.a !== 'number' || typeof args.b !== 'number')
          return { content: [{ type: 'text', text: 'a and b must be numbers' }], isError: true };
        return text(args.a + args.b);
      case 'big':
        return text('x'.repeat(Number(args.chars)));
      case 'fail':
        return { content: [{ type: 'text', text: `failed: ${args.message}` }], isError: true };
      case 'wait':
        return new Promise((resolve) =>
          extra.signal.addEventListener('abort', () => resolve(text('cancelled'))),
        );
      case 'where':
        return text(
          JSON.stringify({
            cwd: process.cwd(),
            env: args.env ? (process.env[args.env] ?? null) : null,
            pid: process.pid,
          }),
        );
      case 'spawn_sleeper': {
        const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
        child.unref();
        return text(child.pid);
      }
      default:
        throw new Error(`no tool ${name}`);
    }
  });
  return server;
}

/**
 * Serves the fixture over Streamable HTTP on 127.0.0.1 (a port of the OS's choosing), one session per
 * client. `headers` records the headers of each request; `sessions` the ids still open.
 */
export async function createHttpFixture() {
  const transports = new Map();
  const calls = [];
  const headers = [];
  const http = createServer(async (req, res) => {
    headers.push(req.headers);
    const sessionId = req.headers['mcp-session-id'];
    let body;
    if (req.method === 'POST') {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    }
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport && req.method === 'POST' && isInitializeRequest(body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => transports.set(id, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) transports.delete(transport.sessionId);
      };
      await createFixtureServer(calls).connect(transport);
    }
    if (!transport) {
      res.writeHead(404).end();
      return;
    }
    await transport.handleRequest(req, res, body);
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address();
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    headers,
    sessions: () => [...transports.keys()],
    close: () =>
      new Promise((resolve) => {
        for (const transport of transports.values()) void transport.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** Serves the fixture over the older HTTP+SSE transport (GET /sse, POST /messages) on 127.0.0.1. */
export async function createSseFixture() {
  const transports = new Map();
  const calls = [];
  const headers = [];
  const http = createServer(async (req, res) => {
    headers.push(req.headers);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      transports.set(transport.sessionId, transport);
      res.on('close', () => transports.delete(transport.sessionId));
      await createFixtureServer(calls).connect(transport);
      return;
    }
    const transport = transports.get(url.searchParams.get('sessionId'));
    if (req.method === 'POST' && transport) {
      await transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address();
  return {
    url: `http://127.0.0.1:${port}/sse`,
    calls,
    headers,
    sessions: () => [...transports.keys()],
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await createFixtureServer().connect(new StdioServerTransport());
  if (process.env.FIXTURE_STDERR) process.stderr.write(`${process.env.FIXTURE_STDERR}\n`);
  if (process.env.FIXTURE_EXIT) process.exit(Number(process.env.FIXTURE_EXIT));
}
