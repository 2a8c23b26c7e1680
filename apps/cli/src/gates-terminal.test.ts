import { PassThrough } from 'node:stream';
import type { GateRequest } from '@conductor/engine';
import { describe, expect, it, vi } from 'vitest';
import { terminalGateResolver } from './gates.js';

const DOWN = '\u001b[B';
const CTRL_C = '\u0003';

function request(signal = new AbortController().signal): GateRequest {
  return {
    step: 'approve',
    key: 'approve',
    subworkflowPath: [],
    runId: 'r1',
    prompt: 'Ship **it**?',
    options: [
      { label: 'Ship', value: 'ship', route: 'publish' },
      { label: 'Hold', value: 'hold', route: null, prompt_for: 'reason' },
    ],
    signal,
  };
}

/** A terminal: keys typed into `input`, the screen collected from `output`. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  output.setEncoding('utf8').on('data', (chunk: string) => {
    screen += chunk;
  });
  const shows = (text: string) =>
    vi.waitFor(
      () => {
        if (!screen.includes(text))
          throw new Error(`the terminal never showed ${JSON.stringify(text)}:\n${JSON.stringify(screen)}`);
      },
      { timeout: 5000, interval: 5 },
    );
  // Each prompt attaches a keypress listener just after drawing itself: keys sent before are lost.
  let listening = 0;
  input.on('newListener', (event: string) => {
    if (event === 'keypress') listening++;
  });
  /** Types once the `n`-th prompt (1-based) listens for keys. */
  const type = async (keys: string, prompt = 1) => {
    await vi.waitFor(
      () => {
        if (listening < prompt) throw new Error(`prompt ${prompt} never listened for keys`);
      },
      { timeout: 5000, interval: 5 },
    );
    input.write(keys);
  };
  return { input, output, shows, type, screen: () => screen, listeners: () => listening };
}

describe('answering a gate in the terminal', () => {
  it('picks an option with the arrow keys and asks for the text its prompt_for names', async () => {
    const tty = terminal();
    const answer = terminalGateResolver({ input: tty.input, output: tty.output }).answer(request());
    await tty.shows('navigate');
    await tty.type(DOWN);
    await tty.shows('❯ Hold');
    const menu = tty.listeners();
    await tty.type('\r');
    await tty.shows('✔');
    // The text prompt for `prompt_for` comes next.
    await tty.type('not today\r', menu + 1);
    await expect(answer).resolves.toEqual({ value: 'hold', additional_input: 'not today' });
    expect(tty.screen()).toContain('Ship **it**?');
  });

  it('stops asking when the gate is answered elsewhere (the dashboard)', async () => {
    const tty = terminal();
    const controller = new AbortController();
    let interrupts = 0;
    const answer = terminalGateResolver({
      input: tty.input,
      output: tty.output,
      onInterrupt: () => interrupts++,
    }).answer(request(controller.signal));
    await tty.shows('navigate');
    controller.abort();
    await expect(answer).rejects.toThrow();
    expect(interrupts).toBe(0);
  });

  it('takes Ctrl-C at the prompt (a key in raw mode, not a signal) as Ctrl-C: the run is interrupted', async () => {
    const tty = terminal();
    let interrupts = 0;
    const answer = terminalGateResolver({
      input: tty.input,
      output: tty.output,
      onInterrupt: () => interrupts++,
    }).answer(request());
    await tty.shows('navigate');
    await tty.type(CTRL_C);
    await expect(answer).rejects.toThrow();
    expect(interrupts).toBe(1);
  });
});
