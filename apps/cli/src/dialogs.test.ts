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
  let screen = '';
  output.setEncoding('utf8').on('data', (chunk: string) => {
    screen += chunk;
  });
  let listening = 0;
  input.on('newListener', (event: string) => {
    if (event === 'keypress') listening++;
  });
  const type = async (keys: string) => {
    await vi.waitFor(() => expect(listening).toBeGreaterThan(0), { timeout: 5000, interval: 5 });
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

  it('introduces the dialog once, and shows each later message of the agent', async () => {
    const tty = terminal();
    const reply = terminalDialogResolver({ input: tty.input, output: tty.output }).reply(
      request([
        { role: 'agent', content: 'Which dates?' },
        { role: 'user', content: 'May' },
        { role: 'agent', content: 'How many days?' },
      ]),
    );
    await tty.type('3\r');
    await expect(reply).resolves.toBe('3');
    expect(tty.screen()).not.toContain('opens a dialog');
    expect(tty.screen()).toContain('plan: How many days?');
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
