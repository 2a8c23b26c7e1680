import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from './support/cli.js';
import { Key, type PtyProcess, ptyUnavailable, startCliInPty } from './support/pty.js';

// The original's `questions` step through the real `conductor` binary on a real pseudo-terminal: each
// question is a prompt answered with the arrow keys (a choice) or typed text; Ctrl-C at the third stops
// the run with a checkpoint, and `conductor resume` asks only the question not answered yet.

const WORKFLOW = `
workflow:
  name: survey
  entry_point: ask
agents:
  - name: ask
    type: questions
    prompt: A few questions about the piece.
    questions:
      - { id: tone, text: Which tone?, choices: [formal, casual] }
      - { id: length, text: How long? }
      - { id: colour, text: Which colour?, default: blue }
output:
  answers: "{{ ask.output.answers | json }}"
  outcome: "{{ ask.output.outcome }}"
  answered: "{{ ask.output.answered_count }}"
`;

interface LoggedEvent {
  type: string;
  data: Record<string, unknown>;
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

function inPty(args: string[], home: string): PtyProcess {
  const pty = startCliInPty(args, home);
  onTestFinished(() => pty.kill());
  return pty;
}

describe('questions in the terminal', () => {
  it('asks each question, keeps the answers across Ctrl-C, and resume asks only the rest', async (ctx) => {
    ctx.skip(ptyUnavailable !== null, ptyUnavailable ?? '');
    const home = tempDir('conductor-questions-');
    const workflow = join(home, 'survey.yaml');
    writeFileSync(workflow, WORKFLOW);

    const pty = inPty(['run', workflow], home);
    await pty.waitFor(/Question 1 of 3:\*\* Which tone\?[\s\S]*navigate/);
    pty.type(Key.Down);
    await pty.waitFor(/❯ casual/);
    pty.type(Key.Enter);
    await pty.waitFor(/Question 2 of 3:\*\* How long\?[\s\S]*navigate/);
    pty.type(Key.Enter); // "Answer": then the text
    await pty.waitFor(/Question 2 of 3[\s\S]*choose Answer[\s\S]*answer/);
    pty.type(`two pages${Key.Enter}`);
    await pty.waitFor(/Question 3 of 3:\*\* Which colour\?[\s\S]*Default: blue[\s\S]*navigate/);
    pty.type(Key.CtrlC);
    const stopped = await pty.done;
    if (process.env.SHOW_SCREEN) console.log(`--- screen\n${stopped.screen}\n---`);
    expect(stopped.code, stopped.screen).toBe(130);
    expect(
      events(home)
        .filter((e) => e.type === 'questions_answered')
        .map((e) => [e.data.question_id, e.data.answer]),
    ).toEqual([
      ['tone', 'casual'],
      ['length', 'two pages'],
    ]);

    const resumed = inPty(['resume', workflow], home);
    await resumed.waitFor(/Question 3 of 3:\*\* Which colour\?[\s\S]*navigate/);
    resumed.type(Key.Down);
    await resumed.waitFor(/❯ Skip\b/);
    resumed.type(Key.Enter);
    const finished = await resumed.done;
    if (process.env.SHOW_SCREEN) console.log(`--- screen\n${finished.screen}\n---`);
    expect(finished.code, finished.screen).toBe(0);
    expect(finished.output).not.toContain('Question 1 of 3');
    expect(finished.output).not.toContain('Question 2 of 3');
    const completed = events(home).find((e) => e.type === 'workflow_completed');
    expect(completed?.data.output).toEqual({
      answers: { tone: 'casual', length: 'two pages', colour: 'blue' },
      outcome: 'completed',
      answered: 2,
    });
  });
});
