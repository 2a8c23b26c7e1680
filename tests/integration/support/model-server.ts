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
