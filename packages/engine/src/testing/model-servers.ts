// Local HTTP servers that speak the model APIs the providers call (OpenAI Chat Completions, Anthropic
// Messages), for the engine's tests: the only test doubles, standing in for the vendors' servers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server received it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void;

export interface ModelServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const open = new Set<Server>();

/** Closes every server the tests of a file started (call in `afterEach`). */
export async function closeModelServers(): Promise<void> {
  await Promise.all(
    [...open].map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
  open.clear();
}

/** A server answering each request with the next handler (the last one repeats). */
export async function serveModel(...handlers: Handler[]): Promise<ModelServer> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const entry: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: raw ? JSON.parse(raw) : {},
      };
      seen.push(entry);
      const handler = handlers[Math.min(seen.length - 1, handlers.length - 1)] as Handler;
      handler(req, res, entry);
    });
  });
  open.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        open.delete(server);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An error answer with a JSON body in the shape both APIs use. */
export function failWith(status: number, message: string, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ type: 'error', error: { message, type: 'test_error' } }));
  };
}

export interface OpenAIToolCallScript {
  id: string;
  name: string;
  /** The arguments text, sent in these pieces (split across chunks as real servers do). */
  pieces: string[];
}

/** A streamed Chat Completions answer: text deltas, tool-call deltas, a finish reason, usage last. */
export function openaiStream(
  options: {
    deltas?: string[];
    toolCalls?: OpenAIToolCallScript[];
    model?: string;
    usage?: Record<string, unknown> | false;
    /** The finish reason; null sends none (some compatible servers don't). */
    finish?: string | null;
  } = {},
): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const model = options.model ?? 'gpt-test-2025';
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      res.write(
        `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
      );
    for (const delta of options.deltas ?? []) chunk({ content: delta });
    (options.toolCalls ?? []).forEach((call, index) => {
      chunk({
        tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
      });
      for (const piece of call.pieces) chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
    });
    const finish =
      options.finish === undefined ? (options.toolCalls?.length ? 'tool_calls' : 'stop') : options.finish;
    if (finish !== null) chunk({}, finish);
    if (options.usage !== false) {
      const usage = options.usage ?? { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };
      res.write(`data: ${JSON.stringify({ id: 'chatcmpl-1', model, choices: [], usage })}\n\n`);
    }
    res.end('data: [DONE]\n\n');
  };
}

export interface AnthropicToolUseScript {
  id: string;
  name: string;
  /** The input JSON, streamed as `input_json_delta` pieces. */
  pieces: string[];
}

/** A streamed Messages API answer: message_start, text and tool_use blocks, message_delta with usage. */
export function anthropicStream(
  options: {
    text?: string[];
    toolUses?: AnthropicToolUseScript[];
    /** A thinking block first (extended thinking): its text in pieces, and its signature. */
    thinking?: { text: string[]; signature: string };
    model?: string;
    usage?: { input_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
    outputTokens?: number;
    stopReason?: string;
  } = {},
): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = (type: string, data: Record<string, unknown>) =>
      res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    event('message_start', {
      message: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: options.model ?? 'claude-test-1',
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { output_tokens: 1, ...(options.usage ?? { input_tokens: 20 }) },
      },
    });
    let index = 0;
    if (options.thinking) {
      event('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } });
      for (const thinking of options.thinking.text)
        event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking } });
      event('content_block_delta', {
        index,
        delta: { type: 'signature_delta', signature: options.thinking.signature },
      });
      event('content_block_stop', { index });
      index++;
    }
    if (options.text?.length) {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const text of options.text)
        event('content_block_delta', { index, delta: { type: 'text_delta', text } });
      event('content_block_stop', { index });
      index++;
    }
    for (const use of options.toolUses ?? []) {
      event('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: use.id, name: use.name, input: {} },
      });
      for (const piece of use.pieces)
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      event('content_block_stop', { index });
      index++;
    }
    event('message_delta', {
      delta: { stop_reason: options.stopReason ?? (options.toolUses?.length ? 'tool_use' : 'end_turn') },
      usage: { output_tokens: options.outputTokens ?? 15 },
    });
    event('message_stop', {});
    res.end();
  };
}
