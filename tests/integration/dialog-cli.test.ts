import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { runCli, tempDir } from './support/cli.js';
import { Key, type PtyProcess, ptyUnavailable, startCliInPty } from './support/pty.js';

// An agent's `dialog:` through the real `conductor` binary: in a terminal (a real pseudo-terminal) the
// user talks with the agent and the step runs again with the conversation; `--skip-gates` skips it;
// with no terminal and no dashboard it is skipped too; Ctrl-C in the dialog stops the run with a
// checkpoint, and resume runs the step again as a whole.

/** An agent step with a dialog (the mock answers below decide what it says). */
const WORKFLOW = readFileSync(new URL('./fixtures/dialog-trip.yaml', import.meta.url), 'utf8');

const RESPONSES = `
plan:
  - output: { itinerary: "Lyon, some day" }
  - output: { itinerary: "Lyon from 3 May, three days" }
"plan (dialog evaluator)":
  output: { trigger: true, reason: no dates, question: "Which dates do you travel?" }
"plan (dialog)":
  - text: "And for how many days?"
  - text: "Three days from 3 May, noted. [READY_TO_CONTINUE]"
`;

interface LoggedEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

function setup() {
  const home = tempDir('conductor-dialog-');
  const workflow = join(home, 'trip.yaml');
  const responses = join(home, 'trip.responses.yaml');
  writeFileSync(workflow, WORKFLOW);
  writeFileSync(responses, RESPONSES);
  return { home, workflow, args: [workflow, '--mock-responses', responses] };
}

function events(home: string): LoggedEvent[] {
  const runs = join(home, 'runs');
  const [runId] = existsSync(runs) ? readdirSync(runs) : [];
  const log = runId ? join(runs, runId, 'events.jsonl') : '';
  if (!log || !existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LoggedEvent);
}

const dialogOf = (home: string) =>
  events(home)
    .filter((e) => e.type.startsWith('dialog_'))
    .map((e) => [
      e.type,
      (e.type === 'dialog_skipped' ? e.data.reason : e.data.role) ?? null,
      e.data.content ?? null,
    ]);

function inPty(args: string[], home: string): PtyProcess {
  const pty = startCliInPty(args, home);
  onTestFinished(() => pty.kill());
  return pty;
}

describe('a dialog in the terminal', () => {
  it('shows the agent’s question, takes the answers typed, and runs the step again with them', async (ctx) => {
    ctx.skip(ptyUnavailable !== null, ptyUnavailable ?? '');
    const { home, args } = setup();
    const pty = inPty(['run', ...args], home);
    await pty.waitFor(/plan: Which dates do you travel\?[\s\S]*you:/);
    pty.type(`The 3rd of May${Key.Enter}`);
    await pty.waitFor(/plan: And for how many days\?[\s\S]*you:/);
    pty.type(`Three${Key.Enter}`);
    const done = await pty.done;
    if (process.env.SHOW_SCREEN) console.log(`--- screen\n${done.screen}\n---`);

    expect(done.code, done.screen).toBe(0);
    expect(done.screen).toContain('plan wants to talk');
    expect(done.screen).toContain('plan opens a dialog: answer it, and say "done" when it may go on.');
    expect(done.screen).toMatch(/you: The 3rd of May/);
    expect(done.screen).toContain('Lyon from 3 May, three days');
    expect(done.cursorShown).toBe(true);
    expect(dialogOf(home)).toEqual([
      ['dialog_evaluated', null, null],
      ['dialog_started', null, null],
      ['dialog_message', 'agent', 'Which dates do you travel?'],
      ['dialog_message', 'user', 'The 3rd of May'],
      ['dialog_message', 'agent', 'And for how many days?'],
      ['dialog_message', 'user', 'Three'],
      ['dialog_message', 'agent', 'Three days from 3 May, noted.'],
      ['dialog_completed', null, null],
    ]);
    const typed = events(home).filter((e) => e.type === 'dialog_message' && e.data.role === 'user');
    expect(typed.map((e) => e.data.answered_by)).toEqual(['resolver', 'resolver']);
    const prompts = events(home).filter((e) => e.type === 'agent_prompt_rendered');
    expect(String(prompts.at(-1)?.data.rendered_prompt)).toContain(
      '**User:** The 3rd of May\n**plan:** And for how many days?\n**User:** Three',
    );
  });

  it('Ctrl-C in a dialog stops the run with a checkpoint; resume runs the step again and holds the dialog again', async (ctx) => {
    ctx.skip(ptyUnavailable !== null, ptyUnavailable ?? '');
    const { home, args } = setup();
    const pty = inPty(['run', ...args], home);
    await pty.waitFor(/plan: Which dates do you travel\?[\s\S]*you:/);
    pty.type(Key.CtrlC);
    const stopped = await pty.done;
    expect(stopped.code, stopped.screen).toBe(130);
    expect(stopped.screen).toContain('Ctrl-C: stopping after writing a checkpoint');
    expect(stopped.screen).not.toMatch(/ExitPromptError|at .*\.js:\d+/);
    expect(stopped.cursorShown).toBe(true);
    expect(events(home).at(-1)).toMatchObject({ type: 'workflow_failed', data: { stopped_by_user: true } });

    const resumed = inPty(['resume', ...args], home);
    await resumed.waitFor(/plan: Which dates do you travel\?[\s\S]*you:/);
    resumed.type(`done${Key.Enter}`);
    const finished = await resumed.done;
    expect(finished.code, finished.screen).toBe(0);
    // "done" alone adds nothing: the step keeps the answer it gave before the dialog.
    expect(finished.screen).toContain('Lyon, some day');
    // The interrupted dialog stays in the history, and the resumed step held a new one.
    const log = events(home);
    const started = log.filter((e) => e.type === 'dialog_started');
    expect(started).toHaveLength(2);
    expect(started[0]?.data.dialog_id).not.toBe(started[1]?.data.dialog_id);
    const resumedAt = log.find((e) => e.type === 'workflow_resumed')?.seq;
    expect(started.map((e) => (e.seq < (resumedAt ?? 0) ? 'before resume' : 'after'))).toEqual([
      'before resume',
      'after',
    ]);
    expect(log.filter((e) => e.type === 'dialog_completed')).toHaveLength(1);
  });
});

describe('a dialog with nobody to talk to', () => {
  it('is skipped with --skip-gates: the step keeps its answer', async () => {
    const { home, args } = setup();
    const result = await runCli(['run', ...args, '--skip-gates'], home);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ itinerary: 'Lyon, some day' });
    expect(result.stderr).toContain('plan: dialog skipped (--skip-gates)');
    expect(dialogOf(home)).toEqual([['dialog_skipped', 'skip_gates', null]]);
  });

  it('is skipped without a terminal and without a dashboard, saying why; the run goes on', async () => {
    const { home, args } = setup();
    const result = await runCli(['run', ...args], home);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ itinerary: 'Lyon, some day' });
    expect(result.stderr).toContain('plan: wanted to talk, but there is no terminal and no dashboard');
    expect(dialogOf(home)).toEqual([
      ['dialog_evaluated', null, null],
      ['dialog_skipped', 'no_answerer', null],
    ]);
    await vi.waitFor(() => expect(events(home).at(-1)?.type).toBe('workflow_completed'));
  });
});
