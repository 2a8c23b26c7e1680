/** One server-sent event: its `event:` name (default "message") and its joined `data:` lines. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/**
 * Parses a `text/event-stream` body per the WHATWG rules that matter for chat APIs: lines end in
 * LF, CRLF or CR; `data:` lines of one event are joined with "\n"; a blank line dispatches; comment
 * lines (":") and unknown fields are ignored. Unlike a browser, an event cut off by the end of the
 * stream is still delivered: some servers omit the blank line after the last `data:`.
 */
export async function* parseServerSentEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let pendingCR = false;

  function* takeLines(final: boolean): Generator<string> {
    // A CRLF split across two chunks: the LF belongs to the line the CR already ended.
    if (pendingCR && buffer.startsWith('\n')) buffer = buffer.slice(1);
    pendingCR = false;
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const ch = buffer[i];
      if (ch !== '\n' && ch !== '\r') continue;
      yield buffer.slice(start, i);
      if (ch === '\r') {
        if (i + 1 === buffer.length) pendingCR = true;
        else if (buffer[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    buffer = buffer.slice(start);
    if (final && buffer.length > 0) {
      yield buffer;
      buffer = '';
    }
  }

  function dispatchLine(line: string): ServerSentEvent | undefined {
    if (line === '') {
      if (data.length === 0) {
        event = '';
        return undefined;
      }
      const out = { event: event || 'message', data: data.join('\n') };
      data = [];
      event = '';
      return out;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    return undefined;
  }

  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (const line of takeLines(false)) {
      const out = dispatchLine(line);
      if (out) yield out;
    }
  }
  buffer += decoder.decode();
  for (const line of takeLines(true)) {
    const out = dispatchLine(line);
    if (out) yield out;
  }
  if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
}
