import { describe, expect, it } from 'vitest';
import { parseServerSentEvents, type ServerSentEvent } from './sse.js';

async function parse(chunks: string[]): Promise<ServerSentEvent[]> {
  const encoder = new TextEncoder();
  async function* body() {
    for (const chunk of chunks) yield encoder.encode(chunk);
  }
  const events: ServerSentEvent[] = [];
  for await (const event of parseServerSentEvents(body())) events.push(event);
  return events;
}

describe('parseServerSentEvents', () => {
  it('joins data lines, skips comments and ignores unknown fields', async () => {
    expect(
      await parse([': keep-alive\n', 'id: 1\ndata: a\ndata: b\n\n', 'event: done\ndata: x\n\n']),
    ).toEqual([
      { event: 'message', data: 'a\nb' },
      { event: 'done', data: 'x' },
    ]);
  });

  it('handles CRLF and CR line ends, also when split across chunks', async () => {
    expect(await parse(['data: one\r', '\n\r', '\ndata: two\r\rdata:three\n\n'])).toEqual([
      { event: 'message', data: 'one' },
      { event: 'message', data: 'two' },
      { event: 'message', data: 'three' },
    ]);
  });

  it('reassembles lines and multi-byte characters split across chunks', async () => {
    const text = 'data: {"content":"héllo 🌍"}\n\n';
    const bytes = new TextEncoder().encode(text);
    async function* body() {
      for (const byte of bytes) yield new Uint8Array([byte]);
    }
    const events: ServerSentEvent[] = [];
    for await (const event of parseServerSentEvents(body())) events.push(event);
    expect(events).toEqual([{ event: 'message', data: '{"content":"héllo 🌍"}' }]);
  });

  it('delivers a last event that lacks its blank line', async () => {
    expect(await parse(['data: [DONE]'])).toEqual([{ event: 'message', data: '[DONE]' }]);
  });
});
