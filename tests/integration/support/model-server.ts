// A local HTTP server that speaks just enough of the OpenAI Chat Completions and Anthropic Messages APIs
// (streamed) for the binary's tests: the only test double, standing in for the vendors' servers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export type Answer = (req: IncomingMessage, res: ServerResponse) => void;

export interface ModelServer {
  origin: string;
  seen: Seen[];
  close(): Promise<void>;
}

/** Answers each request with the next answer (the last one repeats). */
export async function serveModel(...answers: Answer[]): Promise<ModelServer> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : {} });
      (answers[Math.min(seen.length - 1, answers.length - 1)] as Answer)(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A streamed Chat Completions answer with these text deltas, a finish reason and usage. */
export function openaiText(deltas: string[]): Answer {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(`data: ${JSON.stringify({ id: 'c1', model: 'gpt-local-1', choices, ...extra })}\n\n`);
    for (const content of deltas) send([{ index: 0, delta: { content }, finish_reason: null }]);
    send([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    send([], { usage: { prompt_tokens: 9, completion_tokens: 3 } });
    res.end('data: [DONE]\n\n');
  };
}

/** A streamed Messages API answer with these text deltas. */
export function anthropicText(deltas: string[]): Answer {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = (type: string, data: Record<string, unknown>) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event('message_start', {
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-local-1',
        content: [],
        stop_reason: null,
        usage: { input_tokens: 11, output_tokens: 1 },
      },
    });
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    for (const text of deltas)
      event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
    event('content_block_stop', { index: 0 });
    event('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } });
    event('message_stop', {});
    res.end();
  };
}

/**
 * A server that decides each answer from the request it got, as a model does: `decide` reads the request
 * body (the conversation, the tools offered) and returns the answer to stream.
 */
export async function serveDecidingModel(
  decide: (body: Record<string, unknown>) => Answer,
): Promise<ModelServer> {
  const server = await serveModel((req, res) => {
    const body = server.seen.at(-1)?.body ?? {};
    try {
      decide(body)(req, res);
    } catch (error) {
      // A test model that cannot answer says why, as a server error the run reports.
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `test model: ${(error as Error).message}` } }));
    }
  });
  return server;
}

export interface OpenAIToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** A streamed Chat Completions answer asking for these tool calls (each one's arguments in two pieces). */
export function openaiToolCalls(calls: OpenAIToolCall[]): Answer {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      res.write(`data: ${JSON.stringify({ id: 'c1', model: 'gpt-local-1', choices, ...extra })}\n\n`);
    calls.forEach((call, index) => {
      const args = JSON.stringify(call.arguments);
      const half = Math.floor(args.length / 2);
      send([
        {
          index: 0,
          delta: {
            tool_calls: [
              { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
            ],
          },
          finish_reason: null,
        },
      ]);
      for (const piece of [args.slice(0, half), args.slice(half)])
        send([
          {
            index: 0,
            delta: { tool_calls: [{ index, function: { arguments: piece } }] },
            finish_reason: null,
          },
        ]);
    });
    send([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]);
    send([], { usage: { prompt_tokens: 30, completion_tokens: 8 } });
    res.end('data: [DONE]\n\n');
  };
}

/** One message of a Chat Completions request, as the tests read the conversation. */
export interface ChatMessage {
  role: string;
  content?: string | null;
  tool_call_id?: string;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
}

/** The tool names a Chat Completions request offered. */
export function offeredTools(body: Record<string, unknown>): string[] {
  return ((body.tools ?? []) as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
}
