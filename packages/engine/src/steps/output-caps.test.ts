import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type ConductorEvent, type SpilledOutput, scriptOutputOf } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { resumeStateFromEvents } from '../durable/resume-state.js';
import { type RunOptions, runWorkflow } from '../launch/run-workflow.js';
import { find, workflowOf } from '../testing/support.js';
import type { ScriptStep, StepDefinition } from '../workflow/types.js';

const node = process.execPath;
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function script(name: string, code: string, extra: Partial<ScriptStep> = {}): ScriptStep {
  return { name, type: 'script', command: node, args: ['-e', code], ...extra };
}

async function run(steps: StepDefinition[], options: RunOptions = {}) {
  const handle = runWorkflow(workflowOf(steps, { runtime: { provider: 'mock' } }), options);
  const events: ConductorEvent[] = [];
  for await (const event of handle.events) events.push(event);
  return { result: await handle, events };
}

/** Prints `count` lines `line <n>` of 100 characters each (101 bytes with the newline). */
const printLines = (count: number, stream = 'stdout') =>
  `const out = []; for (let i = 1; i <= ${count}; i++) out.push(("line " + i).padEnd(100, ".")); process.${stream}.write(out.join("\\n") + "\\n")`;
const expectedLines = (count: number) =>
  `${Array.from({ length: count }, (_, i) => `line ${i + 1}`.padEnd(100, '.')).join('\n')}\n`;

describe('output caps', () => {
  it('keeps the head of a stdout over the cap in the event and the context, and the whole in a file', async () => {
    const { result, events } = await run(
      [
        script('big', printLines(3000), { routes: [{ to: 'count' }] }),
        // A later step reaches the whole through the path in the output.
        {
          name: 'count',
          type: 'script',
          command: node,
          args: [
            '-e',
            'process.stdout.write(String(require("fs").readFileSync(process.argv[1]).length))',
            '{{ big.output.stdout_file }}',
          ],
          routes: [{ to: 'report' }],
        },
        {
          name: 'report',
          type: 'set',
          values: {
            truncated: '{{ big.output.stdout_truncated }}',
            bytes: '{{ big.output.stdout_bytes }}',
            head_chars: '{{ big.output.stdout | length }}',
          },
        },
      ],
      { maxOutputChars: 1000 },
    );
    const whole = expectedLines(3000);
    expect(result.status).toBe('completed');
    const completed = events.find(
      (e) => e.type === 'script_completed' && e.data.agent_name === 'big',
    ) as ConductorEvent;
    const spill = (completed.data.spills as Record<string, SpilledOutput>).stdout as SpilledOutput;
    expect(completed.data.stdout).toBe(whole.slice(0, 500));
    expect(completed.data).not.toHaveProperty('output');
    expect(spill).toMatchObject({ bytes: whole.length, head_chars: 500, sha256: sha256(whole) });
    expect(readFileSync(spill.path, 'utf8')).toBe(whole);
    // The event stays under the cap: the head, not the 300 KB.
    expect(JSON.stringify(completed).length).toBeLessThan(1000);
    expect(
      events.find((e) => e.type === 'script_completed' && e.data.agent_name === 'count')?.data.stdout,
    ).toBe(String(whole.length));
    expect(result.output).toEqual({ truncated: true, bytes: whole.length, head_chars: 500 });
  });

  it('leaves an output under the cap as it was: whole stdout, JSON fields merged', async () => {
    const { result, events } = await run(
      [script('small', 'console.log(JSON.stringify({ ok: true, text: "x".repeat(900) }))')],
      { maxOutputChars: 1000 },
    );
    const output = result.output as Record<string, unknown>;
    expect(output.ok).toBe(true);
    expect(output.text).toBe('x'.repeat(900));
    expect(output).not.toHaveProperty('stdout_truncated');
    expect(find(events, 'script_completed').data).not.toHaveProperty('spills');
  });

  it('does not parse a JSON stdout over the cap (only its head is kept), and says so', async () => {
    const { result } = await run(
      [script('json', 'console.log(JSON.stringify({ ok: true, text: "x".repeat(5000) }))')],
      { maxOutputChars: 1000 },
    );
    const output = result.output as Record<string, unknown>;
    expect(output).not.toHaveProperty('ok');
    expect(output.stdout_truncated).toBe(true);
    expect(String(output.stdout)).toHaveLength(500);
  });

  it('quotes the end of a stderr over the cap when the exit code fails the step', async () => {
    // A route for success only: a nonzero exit that no route matches fails the step.
    const routes = [{ to: '$end', when: 'exit_code == 0' }];
    const { result, events } = await run(
      [script('noisy', `${printLines(500, 'stderr')}; process.exit(4)`, { routes })],
      {
        maxOutputChars: 1000,
      },
    );
    expect(result.error?.type).toBe('ScriptFailed');
    const failed = find(events, 'script_failed').data;
    const spill = (failed.spills as Record<string, SpilledOutput>).stderr as SpilledOutput;
    expect(readFileSync(spill.path, 'utf8')).toBe(expectedLines(500));
    expect(result.error?.message).toContain(`all ${spill.bytes} bytes are in ${spill.path}`);
    expect(result.error?.message).toContain('line 500.');
    expect(String(failed.stderr)).toHaveLength(500);
  });

  it("caps an agent's text answer the same way", async () => {
    const answer = `${'word '.repeat(1000)}THE END`;
    const { result, events } = await run([{ name: 'writer', type: 'agent', prompt: 'Write.' }], {
      maxOutputChars: 1000,
      mockResponses: { writer: [{ text: answer }] },
    });
    const output = result.output as Record<string, unknown>;
    expect(output.result).toBe(answer.slice(0, 500));
    expect(output).toMatchObject({ result_truncated: true, result_bytes: answer.length });
    expect(readFileSync(String(output.result_file), 'utf8')).toBe(answer);
    const completed = find(events, 'agent_completed').data;
    expect((completed.spills as Record<string, SpilledOutput>).result?.sha256).toBe(sha256(answer));
  });

  it('refuses to start with an unusable cap', async () => {
    const handle = runWorkflow(workflowOf([script('x', '')]), {
      env: { ...process.env, CONDUCTOR_MAX_OUTPUT_CHARS: 'lots' },
    });
    await expect(handle.result).rejects.toMatchObject({ code: 'CONDUCTOR_OUTPUT_CAP' });
  });

  it('rebuilds the same output from the event when a run is resumed from its log', async () => {
    const { result, events } = await run(
      [
        script('big', `${printLines(30)}; console.log(JSON.stringify({ n: 1 }))`, { routes: [{ to: 'j' }] }),
        script('j', 'console.log(JSON.stringify({ n: 2 }))'),
      ],
      { maxOutputChars: 1000 },
    );
    expect(result.status).toBe('completed');
    const folded = resumeStateFromEvents(events.filter((e) => e.type !== 'workflow_completed'));
    const outputs = folded.state?.stepOutputs ?? {};
    expect(outputs.big).toEqual(
      scriptOutputOf(
        events.find((e) => e.data.agent_name === 'big' && e.type === 'script_completed')?.data ?? {},
      ),
    );
    expect(outputs.big).toMatchObject({ stdout_truncated: true });
    expect(outputs.j).toMatchObject({ n: 2, exit_code: 0 });
  });
});
