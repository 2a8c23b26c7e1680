import { PassThrough } from 'node:stream';
import type { DialogRequest } from '@conductor/engine';
import { describe, expect, it, vi } from 'vitest';
import { dialogOptions, terminalDialogResolver } from './dialogs.js';
import type { CliIo } from './io.js';

const CTRL_C = '\u0003';

function request(
  transcript: DialogRequest['transcript'],
  signal = new AbortController().signal,
): DialogRequest {
  return {
    step: 'plan',
    key: 'plan',
    dialogId: 'd1',
    question: 'Which dates?',
    transcript,
    subworkflowPath: [],
    runId: 'r1',
    signal,
  };
}

/** A terminal: keys typed into `input` once the prompt listens, the screen collected from `output`. */
function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  // Each prompt pipes into the output and ends it when done; a terminal, like process.stderr, stays open.
  output.end = () => output;
  let screen = '';
  output.setEncoding('utf8').on('data', (chunk: string) => {
    screen += chunk;
  });
  let listening = 0;
  input.on('newListener', (event: string) => {
    if (event === 'keypress') listening++;
  });
  /** Types once the `n`-th prompt (1-based) listens for keys: keys sent before are lost. */
  const type = async (keys: string, prompt = 1) => {
    await vi.waitFor(() => expect(listening).toBeGreaterThanOrEqual(prompt), { timeout: 5000, interval: 5 });
    input.write(keys);
  };
  return { input, output, type, screen: () => screen };
}

describe('a dialog in the terminal', () => {
  it("shows the agent's message and gives back the line typed", async () => {
    const tty = terminal();
    const reply = terminalDialogResolver({ input: tty.input, output: tty.output }).reply(
      request([{ role: 'agent', content: 'Which dates?' }]),
    );
    await tty.type('In May\r');
    await expect(reply).resolves.toBe('In May');
    expect(tty.screen()).toContain('plan opens a dialog');
    expect(tty.screen()).toContain('plan: Which dates?');
  });

  it('introduces the dialog once, then shows what was said since: the agent, the dashboard, a failed reply', async () => {
    const tty = terminal();
    const resolver = terminalDialogResolver({ input: tty.input, output: tty.output });
    const first = resolver.reply(request([{ role: 'agent', content: 'Which dates?' }]));
    await tty.type('May\r');
    await expect(first).resolves.toBe('May');
    const second = resolver.reply(
      request([
        { role: 'agent', content: 'Which dates?' },
        { role: 'user', content: 'May' },
        { role: 'agent', content: 'How many days?' },
        { role: 'user', content: 'Three, and by train' },
      ]),
    );
    await tty.type('Fine\r', 2);
    await expect(second).resolves.toBe('Fine');
    const third = resolver.reply({
      ...request([{ role: 'agent', content: 'Which dates?' }]),
      transcript: [
        { role: 'agent', content: 'Which dates?' },
        { role: 'user', content: 'May' },
        { role: 'agent', content: 'How many days?' },
        { role: 'user', content: 'Three, and by train' },
        { role: 'user', content: 'Fine' },
      ],
      error: '(The reply failed: ProviderError: HTTP 500. Write again, or "done" to let plan go on.)',
    });
    await tty.type('done\r', 3);
    await expect(third).resolves.toBe('done');
    const screen = tty.screen();
    expect(screen.match(/opens a dialog/g)).toHaveLength(1);
    expect(screen.match(/plan: Which dates\?/g)).toHaveLength(1);
    expect(screen).toContain('plan: How many days?');
    expect(screen).toContain('you (in the dashboard): Three, and by train');
    // What was typed here is not written again.
    expect(screen).not.toContain('you (in the dashboard): May');
    expect(screen).not.toContain('you (in the dashboard): Fine');
  });

  it('stops asking when the message came from the dashboard, and takes Ctrl-C as Ctrl-C', async () => {
    const elsewhere = terminal();
    const controller = new AbortController();
    let interrupts = 0;
    const onInterrupt = () => interrupts++;
    const answered = terminalDialogResolver({ ...elsewhere, onInterrupt }).reply(
      request([{ role: 'agent', content: 'Which dates?' }], controller.signal),
    );
    await vi.waitFor(() => expect(elsewhere.screen()).toContain('you:'), { timeout: 5000, interval: 5 });
    controller.abort();
    await expect(answered).rejects.toThrow();
    expect(interrupts).toBe(0);

    const tty = terminal();
    const cut = terminalDialogResolver({ input: tty.input, output: tty.output, onInterrupt }).reply(
      request([{ role: 'agent', content: 'Which dates?' }]),
    );
    await tty.type(CTRL_C);
    await expect(cut).rejects.toThrow();
    expect(interrupts).toBe(1);
  });
});

describe('who holds dialogs for a command line', () => {
  const io = (tty: boolean) =>
    ({ stdin: { isTTY: tty }, stderr: { isTTY: tty }, stdout: {}, env: {} }) as unknown as CliIo;

  it('the terminal when there is one; the dashboard alone without; nobody (skipped) without either', () => {
    expect(dialogOptions(io(true), {}).dialogs).toBeDefined();
    expect(dialogOptions(io(false), { web: true })).toEqual({});
    expect(dialogOptions(io(false), { webPort: '0' })).toEqual({});
    expect(dialogOptions(io(false), {})).toEqual({ skipDialogs: true });
    // --skip-gates skips dialogs in the engine (skipGates), whatever the terminal.
    expect(dialogOptions(io(true), { skipGates: true })).toEqual({});
  });
});
