import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { runCli, tempDir } from './support/cli.js';
import { Key, type PtyProcess, ptyUnavailable, startCliInPty } from './support/pty.js';

// Ctrl-C and SIGTERM as a person meets them: the CLI on a real pseudo-terminal, where the terminal turns
// Ctrl-C into SIGINT (or, while a prompt reads keys, into a key), the spinner draws and gates prompt.

/**
 * The script step: STEP_MODE=slow runs until stopped; stubborn also ignores SIGTERM (so stopping takes
 * the engine's grace period); unset, it prints its output. A step left running ends with its parent. A
 * running step creates the file STEP_READY once it is set up.
 */
const STEP = `
const mode = process.env.STEP_MODE;
if (mode === 'stubborn') process.on('SIGTERM', () => {});
if (mode) {
  // Says when its signal handling is in place, so a test interrupts it only then.
  require('fs').writeFileSync(process.env.STEP_READY, '');
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 100);
} else {
  console.log(JSON.stringify({ slow: 'done' }));
}
`;

const workflowYaml = (step: string) => `
workflow:
  name: terminal
  entry_point: one
  runtime:
    provider: mock
agents:
  - name: one
    type: set
    value: 1
    routes: [{ to: slow }]
  - name: slow
    type: script
    command: node
    args: [${JSON.stringify(step)}]
    routes: [{ to: approve }]
  - name: approve
    type: human_gate
    prompt: "Ship it?"
    options:
      - { label: Ship, value: ship, route: done }
      - { label: Hold, value: hold, route: done }
  - name: done
    type: set
    value: 2
output:
  slow: "{{ slow.output.slow }}"
  done: "{{ done.output }}"
`;

interface LoggedEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

function setup() {
  const home = tempDir('conductor-tty-');
  const step = join(home, 'step.js');
  writeFileSync(step, STEP);
  const workflow = join(home, 'terminal.yaml');
  writeFileSync(workflow, workflowYaml(step));
  return { home, workflow };
}

const runDir = (home: string) => {
  const [runId] = existsSync(join(home, 'runs')) ? readdirSync(join(home, 'runs')) : [];
  return runId ? join(home, 'runs', runId) : null;
};

/** The run's log; every line must parse (a line is written whole or not at all). */
function events(home: string): LoggedEvent[] {
  const dir = runDir(home);
  if (!dir || !existsSync(join(dir, 'events.jsonl'))) return [];
  return readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LoggedEvent);
}

const runRecord = (home: string) =>
  JSON.parse(readFileSync(join(runDir(home) as string, 'run.json'), 'utf8')) as {
    status: string;
    pid: number;
  };

const interruptCheckpoints = (home: string) => {
  const dir = join(runDir(home) as string, 'checkpoints');
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('-interrupt.json')) : [];
};

/** Waits until the log shows `type` for `step`: the step is under way, as a user would see it start. */
async function stepStarted(home: string, type: string, step: string): Promise<void> {
  await vi.waitFor(
    () => expect(events(home).some((e) => e.type === type && e.data.agent_name === step)).toBe(true),
    { timeout: 60_000, interval: 50 },
  );
}

function inPty(args: string[], home: string, env?: Record<string, string>): PtyProcess {
  const pty = startCliInPty(args, home, env);
  onTestFinished(() => pty.kill());
  return pty;
}

/** What an interrupted run leaves: a checkpoint, the interrupt events, run.json saying so. */
function expectStoppedWithCheckpoint(home: string, step: string) {
  const log = events(home);
  expect(interruptCheckpoints(home)).toHaveLength(1);
  expect(log.find((e) => e.type === 'checkpoint_saved')?.data).toMatchObject({
    trigger: 'interrupt',
    agent_name: step,
  });
  expect(log.at(-1)).toMatchObject({ type: 'workflow_failed', data: { stopped_by_user: true } });
  expect(runRecord(home).status).toBe('interrupted');
}

const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] slow \(script\)/;

describe('signals in a terminal', () => {
  it('Ctrl-C during a script step exits 130 with a checkpoint and interrupt events; resume finishes', async (ctx) => {
    ctx.skip(ptyUnavailable !== null, ptyUnavailable ?? '');
    const { home, workflow } = setup();
    const pty = inPty(['run', workflow], home, { STEP_MODE: 'slow', STEP_READY: join(home, 'step-ready') });
    await stepStarted(home, 'script_started', 'slow');
    await pty.waitFor(SPINNER);
    pty.type(Key.CtrlC);
    const stopped = await pty.done;
    if (process.env.SHOW_SCREEN) console.log(`--- screen\n${stopped.screen}\n---`);

    expect(stopped.code, stopped.screen).toBe(130);
    expect(stopped.screen).toContain('Ctrl-C: stopping after writing a checkpoint');
    expect(stopped.screen).toMatch(/checkpoint saved: .*-interrupt\.json/);
    expect(stopped.screen).toMatch(/interrupted run \S+ at step "slow"/);
    // The spinner spun, and is gone; the cursor is back.
    expect(stopped.output).toMatch(SPINNER);
    expect(stopped.screen).not.toMatch(SPINNER);
    expect(stopped.cursorShown).toBe(true);
    expectStoppedWithCheckpoint(home, 'slow');

    const resumed = await runCli(['resume', workflow, '--skip-gates'], home);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ slow: 'done', done: 2 });
    expect(runRecord(home).status).toBe('completed');
  });

  it('SIGTERM during a script step does the same', async (ctx) => {
    ctx.skip(ptyUnavailable !== null, ptyUnavailable ?? '');
    const { home, workflow } = setup();
    const pty = inPty(['run', workflow], home, { STEP_MODE: 'slow', STEP_READY: join(home, 'step-ready') });
    await stepStarted(home, 'script_started', 'slow');
    await pty.waitFor(SPINNER);
    process.kill(runRecord(home).pid, 'SIGTERM');
    const stopped = await pty.done;
    if (process.env.SHOW_SCREEN) console.log(`--- screen\n${stopped.screen}\n---`);

    expect(stopped.code, stopped.screen).toBe(130);
    expect(stopped.screen).toContain('SIGTERM: stopping after writing a checkpoint');
    expect(stopped.screen).not.toMatch(SPINNER);
    expect(stopped.cursorShown).toBe(true);
    expectStoppedWithCheckpoint(home, 'slow');

    const resumed = await runCli(['resume', workflow, '--skip-gates'], home);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ slow: 'done', done: 2 });
  });

  it('a second Ctrl-C while the run stops exits at once, leaving a log that resume continues', async (ctx) => {
    ctx.skip(ptyUnavailable !== null, ptyUnavailable ?? '');
    const { home, workflow } = setup();
    // The step ignores SIGTERM, so the first Ctrl-C waits out the engine's grace period before SIGKILL.
    const ready = join(home, 'step-ready');
    const pty = inPty(['run', workflow], home, { STEP_MODE: 'stubborn', STEP_READY: ready });
    await stepStarted(home, 'script_started', 'slow');
    await expect.poll(() => existsSync(ready), { timeout: 30_000 }).toBe(true);
    await pty.waitFor(SPINNER);
    pty.type(Key.CtrlC);
    await pty.waitFor(/stopping after writing a checkpoint/);
    pty.type(Key.CtrlC);
    const stopped = await pty.done;
    if (process.env.SHOW_SCREEN) console.log(`--- screen\n${stopped.screen}\n---`);

    expect(stopped.code, stopped.screen).toBe(130);
    expect(stopped.screen.split('\n').at(-1)).toBe('exiting now');
    expect(stopped.screen).not.toMatch(SPINNER);
    expect(stopped.cursorShown).toBe(true);
    // Every line parses (events() would throw) and seqs still count up.
    const seqs = events(home).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));

    const resumed = await runCli(['resume', workflow, '--skip-gates'], home);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ slow: 'done', done: 2 });
  });

  it('Ctrl-C at a gate prompt stops the run with a checkpoint; resume asks again and finishes', async (ctx) => {
    ctx.skip(ptyUnavailable !== null, ptyUnavailable ?? '');
    const { home, workflow } = setup();
    const pty = inPty(['run', workflow], home);
    await stepStarted(home, 'gate_presented', 'approve');
    // The prompt's key help is drawn once it reads keys: Ctrl-C then reaches it as a key, not a signal.
    await pty.waitFor(/navigate/);
    pty.type(Key.CtrlC);
    const stopped = await pty.done;
    if (process.env.SHOW_SCREEN) console.log(`--- screen\n${stopped.screen}\n---`);

    expect(stopped.code, stopped.screen).toBe(130);
    expect(stopped.screen).toContain('Ctrl-C: stopping after writing a checkpoint');
    expect(stopped.screen).not.toMatch(/ExitPromptError|at .*\.js:\d+/);
    expect(stopped.cursorShown).toBe(true);
    expectStoppedWithCheckpoint(home, 'approve');

    const resumed = inPty(['resume', workflow], home);
    await resumed.waitFor(/navigate/);
    resumed.type(Key.Down);
    await resumed.waitFor(/❯ Hold/);
    resumed.type(Key.Enter);
    const finished = await resumed.done;
    expect(finished.code, finished.screen).toBe(0);
    expect(finished.screen).toMatch(/completed run/);
    expect(
      events(home)
        .filter((e) => e.type === 'gate_resolved')
        .map((e) => e.data.selected_option),
    ).toEqual(['hold']);
    expect(runRecord(home).status).toBe('completed');
  });
});
