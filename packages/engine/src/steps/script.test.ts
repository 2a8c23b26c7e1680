import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConductorEvent, scriptOutputOf } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { find, isAlive, typesOf, WAIT, workflowOf } from '../testing/support.js';
import type { ScriptStep, StepDefinition } from '../workflow/types.js';

const node = process.execPath;

function script(name: string, code: string, extra: Partial<ScriptStep> = {}): ScriptStep {
  return { name, type: 'script', command: node, args: ['-e', code], ...extra };
}

async function run(
  steps: StepDefinition[],
  options: { path?: string; inputs?: Record<string, unknown>; env?: Record<string, string> } = {},
) {
  const handle = runWorkflow(workflowOf(steps, {}, options.path ? { path: options.path } : {}), {
    inputs: options.inputs ?? {},
    env: options.env ?? { ...process.env, FROM_RUN: 'run-env' },
  });
  const events: ConductorEvent[] = [];
  for await (const event of handle.events) events.push(event);
  return { result: await handle, events };
}

describe('script step', () => {
  it('renders command and args, captures stdout/stderr/exit_code and emits started → completed', async () => {
    const { result, events } = await run(
      [
        {
          name: 'hello',
          type: 'script',
          command: '{{ workflow.input.node }}',
          args: [
            '-e',
            'console.log("hi " + process.argv[1]); console.error("warn")',
            '{{ workflow.input.who }}',
          ],
        },
      ],
      { inputs: { who: 'ann', node } },
    );
    expect(result.status).toBe('completed');
    expect(result.output).toEqual({ stdout: 'hi ann\n', stderr: 'warn\n', exit_code: 0 });
    expect(typesOf(events)).toEqual([
      'workflow_started',
      'script_started',
      'child_process_spawned',
      'child_process_exited',
      'script_completed',
      'route_taken',
      'workflow_completed',
    ]);
    expect(find(events, 'script_started').data).toEqual({ agent_name: 'hello', iteration: 1 });
    // The process is recorded, so a resume after a crash can stop it if it outlived its owner.
    const spawned = find(events, 'child_process_spawned').data;
    expect(spawned).toMatchObject({ agent_name: 'hello', kind: 'script', command: process.execPath });
    expect(spawned.pgid).toBe(spawned.pid);
    expect(find(events, 'child_process_exited').data).toMatchObject({ pid: spawned.pid, exit_code: 0 });
    expect(find(events, 'script_completed').data).toMatchObject({
      agent_name: 'hello',
      stdout: 'hi ann\n',
      stderr: 'warn\n',
      exit_code: 0,
    });
    // stdout is stored once: the output is what the fields stand for, not a second copy of them.
    expect(find(events, 'script_completed').data).not.toHaveProperty('output');
    expect(scriptOutputOf(find(events, 'script_completed').data)).toEqual(result.output);
    expect(find(events, 'script_completed').data.elapsed).toBeGreaterThanOrEqual(0);
  });

  it('passes the run environment plus rendered env, and writes rendered stdin', async () => {
    const { result } = await run(
      [
        script(
          'envy',
          'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify({stdin:s,greet:process.env.GREETING,base:process.env.FROM_RUN})))',
          {
            env: { GREETING: 'hello {{ workflow.input.who }}' },
            stdin: '{{ workflow.input.who | upper }} via stdin',
          },
        ),
      ],
      { inputs: { who: 'bob' } },
    );
    expect(result.output).toMatchObject({
      stdin: 'BOB via stdin',
      greet: 'hello bob',
      base: 'run-env',
      exit_code: 0,
    });
  });

  it('runs in working_dir relative to the workflow folder (default: that folder)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conductor-script-'));
    await mkdir(join(dir, 'sub'));
    const { result } = await run(
      [
        script('here', 'console.log(process.cwd())', { routes: [{ to: 'there' }] }),
        script('there', 'console.log(process.cwd())', { working_dir: '{{ "sub" }}' }),
      ],
      { path: join(dir, 'flow.yaml') },
    );
    const outputs = result.output as { stdout: string };
    expect(outputs.stdout.trim()).toBe(join(dir, 'sub'));
  });

  it('merges a JSON object printed on stdout into the output, so routes can use its fields', async () => {
    const { result } = await run([
      script('detect', 'console.log(JSON.stringify({route: "planning", issue_count: 3}))', {
        routes: [{ to: 'plan', when: "route == 'planning' and issue_count > 2" }, { to: '$end' }],
      }),
      { name: 'plan', type: 'set', value: '{{ detect.output.issue_count }}' },
    ]);
    expect(result.output).toBe(3);
  });

  it('routes on a nonzero exit code like the original', async () => {
    const { result, events } = await run([
      script('check', 'process.exit(3)', {
        routes: [
          { to: 'ok', when: 'exit_code == 0' },
          { to: 'broken', when: 'exit_code != 0' },
        ],
      }),
      { name: 'ok', type: 'set', value: 'ok' },
      { name: 'broken', type: 'set', value: 'code {{ check.output.exit_code }}' },
    ]);
    expect(result.output).toBe('code 3');
    expect(find(events, 'script_completed').data.exit_code).toBe(3);
  });

  it('fails on a nonzero exit code no route handles, quoting the exit code and the stderr tail', async () => {
    const { result, events } = await run([
      script('build', 'for (let i = 1; i <= 30; i++) console.error("line " + i); process.exit(2)', {
        routes: [{ to: 'next', when: 'exit_code == 0' }],
      }),
      { name: 'next', type: 'set', value: 1 },
    ]);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ type: 'ScriptFailed', step: 'build' });
    expect(result.error?.message).toContain('exited with code 2');
    expect(result.error?.message).toContain('when: exit_code == 0');
    expect(result.error?.message).toContain('last 20 of 30 lines');
    expect(result.error?.message).toContain('line 30');
    expect(result.error?.message).not.toContain('line 10\n');
    const failed = find(events, 'script_failed').data;
    expect(failed).toMatchObject({ agent_name: 'build', error_type: 'ScriptFailed', exit_code: 2 });
    expect(typesOf(events)).not.toContain('script_completed');
    expect(find(events, 'workflow_failed').data).toMatchObject({
      error_type: 'ScriptFailed',
      agent_name: 'build',
      exit_code: 2,
    });
  });

  it('ends the run at $end on a nonzero exit code when the step has no routes, as the original does', async () => {
    const { result, events } = await run([script('solo', 'console.error("boom"); process.exit(3)')]);
    expect(result.status).toBe('completed');
    expect(result.output).toMatchObject({ exit_code: 3, stderr: 'boom\n' });
    expect(find(events, 'script_completed').data).toMatchObject({ agent_name: 'solo', exit_code: 3 });
  });

  it('with output: requires one JSON object on stdout and checks the merged output against it', async () => {
    const schema = { count: { type: 'number' as const }, exit_code: { type: 'number' as const } };
    const good = await run([script('s', 'console.log(JSON.stringify({ count: 2 }))', { output: schema })]);
    expect(good.result.output).toMatchObject({ count: 2, exit_code: 0 });

    const text = await run([script('s', 'console.log("two")', { output: {} })]);
    expect(text.result.error).toMatchObject({ type: 'ScriptOutputError', step: 's' });
    expect(text.result.error?.message).toContain('stdout must be one JSON object');

    const wrong = await run([script('s', 'console.log(JSON.stringify({ count: "2" }))', { output: schema })]);
    expect(wrong.result.error?.type).toBe('ScriptOutputError');
    expect(wrong.result.error?.message).toContain('count');

    // Without output:, a list or trailing text is ignored and the three fields stay.
    const loose = await run([script('s', 'console.log("[1, 2]")')]);
    expect(loose.result.output).toEqual({ stdout: '[1, 2]\n', stderr: '', exit_code: 0 });
  });

  it('reports a command that does not exist as ScriptNotFound', async () => {
    const { result, events } = await run([
      { name: 'x', type: 'script', command: 'conductor-no-such-command-42' },
    ]);
    expect(result.error?.type).toBe('ScriptNotFound');
    expect(result.error?.message).toContain('command not found: "conductor-no-such-command-42"');
    expect(find(events, 'script_failed').data).toMatchObject({
      agent_name: 'x',
      error_type: 'ScriptNotFound',
    });
  });

  it('kills the whole process group at the timeout and fails with ScriptTimeout', async () => {
    // The shell starts a grandchild and prints its pid; both must die.
    const { result, events } = await run([
      { name: 'slow', type: 'script', command: 'sh', args: ['-c', 'sleep 30 & echo $!; wait'], timeout: 0.3 },
    ]);
    expect(result.error).toMatchObject({ type: 'ScriptTimeout', step: 'slow' });
    expect(result.error?.message).toContain('timed out after 0.3s');
    const failed = find(events, 'script_failed').data;
    expect(failed.error_type).toBe('ScriptTimeout');
    const pid = Number(String(failed.stdout).trim());
    expect(pid).toBeGreaterThan(0);
    await expect.poll(() => isAlive(pid), WAIT).toBe(false);
  });

  it('is stopped by an interrupt: the child is killed and the run is interrupted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conductor-script-'));
    const marker = join(dir, 'started');
    await writeFile(join(dir, 'flow.yaml'), '');
    const handle = runWorkflow(
      workflowOf([
        script(
          'long',
          `require("fs").writeFileSync(${JSON.stringify(marker)}, String(process.pid)); setTimeout(() => {}, 60000)`,
        ),
      ]),
    );
    const events: ConductorEvent[] = [];
    const reading = (async () => {
      for await (const event of handle.events) events.push(event);
    })();
    const { existsSync, readFileSync } = await import('node:fs');
    await expect.poll(() => existsSync(marker) && readFileSync(marker, 'utf8') !== '', WAIT).toBe(true);
    handle.stop();
    const result = await handle;
    await reading;
    expect(result.status).toBe('interrupted');
    expect(find(events, 'script_failed').data).toMatchObject({
      agent_name: 'long',
      error_type: 'Interrupted',
    });
    expect(find(events, 'workflow_failed').data).toMatchObject({
      error_type: 'Interrupted',
      stopped_by_user: true,
    });
    const pid = Number(readFileSync(marker, 'utf8'));
    await expect.poll(() => isAlive(pid), WAIT).toBe(false);
  });
});
