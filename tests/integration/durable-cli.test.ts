import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from './support/cli.js';

// Durable runs as a user meets them: through the `conductor` binary, with real files and processes.
const FIVE_STEPS = `
workflow:
  name: five-steps
  entry_point: one
  runtime:
    provider: mock
agents:
  - name: one
    type: set
    value: 1
    routes: [{ to: two }]
  - name: two
    type: script
    command: node
    args: ["-e", "console.log(JSON.stringify({ two: 2 }))"]
    routes: [{ to: three }]
  - name: three
    prompt: "Add {{ one.output }} and {{ two.output.two }}"
    output:
      sum: { type: integer }
    routes: [{ to: four }]
  - name: four
    type: wait
    duration: \${PAUSE:-10ms}
    routes: [{ to: five }]
  - name: five
    type: set
    values:
      total: "{{ three.output.sum + two.output.two }}"
output:
  total: "{{ five.output.total }}"
`;

function setup() {
  const home = tempDir();
  const workflow = join(home, 'five.yaml');
  writeFileSync(workflow, FIVE_STEPS);
  return { home, workflow };
}

function events(home: string): Array<{ seq: number; type: string; data: Record<string, unknown> }> {
  const [runId] = readdirSync(join(home, 'runs'));
  return readFileSync(join(home, 'runs', runId as string, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

function checkpointFiles(home: string): string[] {
  const [runId] = readdirSync(join(home, 'runs'));
  const dir = join(home, 'runs', runId as string, 'checkpoints');
  return existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
}

const startsOf = (log: ReturnType<typeof events>, step: string) =>
  log.filter((e) => e.type.endsWith('_started') && e.data.agent_name === step).length;

describe('conductor resume', () => {
  it('a run failing at step 3 of 5 resumes at step 3 and ends with the output of a run that never failed', async () => {
    const clean = setup();
    const reference = await runCli(['run', clean.workflow], clean.home);
    expect(reference.code).toBe(0);

    const { home, workflow } = setup();
    const responses = join(home, 'fail-three.yaml');
    writeFileSync(responses, 'three:\n  - error: "model unavailable"\n');
    const failed = await runCli(['run', workflow, '--mock-responses', responses], home);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/Continue with: conductor resume --from /);
    const listed = await runCli(['checkpoint', 'list', workflow], home);
    expect(listed.stdout).toMatch(/three\s+failure/);

    const resumed = await runCli(['resume', workflow], home);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual(JSON.parse(reference.stdout));

    const log = events(home);
    expect(startsOf(log, 'one')).toBe(1);
    expect(startsOf(log, 'two')).toBe(1);
    expect(startsOf(log, 'three')).toBe(2);
    const seqs = log.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(new Set(log.map((e) => e.data.run_id).filter(Boolean)).size).toBe(1);
  });

  it('a second failure and a second resume continue one run: one id, one log, generations 1 and 2', async () => {
    const { home, workflow } = setup();
    const responses = join(home, 'fail.yaml');
    writeFileSync(responses, 'three:\n  - error: "down"\n');
    expect((await runCli(['run', workflow, '--mock-responses', responses], home)).code).toBe(1);
    expect((await runCli(['resume', workflow, '--mock-responses', responses], home)).code).toBe(1);
    const done = await runCli(['resume', workflow], home);
    expect(done.code).toBe(0);
    const log = events(home);
    expect(readdirSync(join(home, 'runs'))).toHaveLength(1);
    expect(log.filter((e) => e.type === 'workflow_resumed').map((e) => e.data.generation)).toEqual([1, 2]);
    const seqs = log.map((e) => e.seq);
    expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number))).toBe(true);
  });

  it('Ctrl-C during a wait step writes a checkpoint and exits 130; resume completes', async () => {
    const { home, workflow } = setup();
    const run = startCli(['run', workflow], home, { PAUSE: '60s' });
    await run.waitFor(/▸ four \(wait\)/);
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/checkpoint saved: .*interrupt/);
    expect(checkpointFiles(home).some((f) => f.endsWith('-interrupt.json'))).toBe(true);
    const resumed = await runCli(['resume', workflow], home, { PAUSE: '10ms' });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ total: 3 });
  });

  it('repairs a truncated last line of the log, keeps the fragment, and continues', async () => {
    const { home, workflow } = setup();
    const responses = join(home, 'fail.yaml');
    writeFileSync(responses, 'three:\n  - error: "down"\n');
    expect((await runCli(['run', workflow, '--mock-responses', responses], home)).code).toBe(1);
    const [runId] = readdirSync(join(home, 'runs'));
    const logPath = join(home, 'runs', runId as string, 'events.jsonl');
    appendFileSync(logPath, '{"seq":999,"type":"agent_mess');
    const resumed = await runCli(['resume', workflow], home);
    expect(resumed.code, resumed.stderr).toBe(0);
    const dir = readdirSync(join(home, 'runs', runId as string));
    const fragment = dir.find((f) => f.startsWith('events.jsonl.fragment-'));
    expect(fragment).toBeDefined();
    expect(readFileSync(join(home, 'runs', runId as string, fragment as string), 'utf8')).toBe(
      '{"seq":999,"type":"agent_mess',
    );
    expect(() => events(home)).not.toThrow();
  });

  it('a damaged line in the log costs only that line: a step whose completion it held runs again', async () => {
    const clean = setup();
    const reference = await runCli(['run', clean.workflow], clean.home);
    const { home, workflow } = setup();
    const responses = join(home, 'fail.yaml');
    writeFileSync(responses, 'three:\n  - error: "down"\n');
    expect((await runCli(['run', workflow, '--mock-responses', responses], home)).code).toBe(1);
    // As if killed before a checkpoint was written, and step two's completion got a seq far ahead.
    const { rmSync } = await import('node:fs');
    for (const file of checkpointFiles(home)) rmSync(file);
    const [runId] = readdirSync(join(home, 'runs'));
    const logPath = join(home, 'runs', runId as string, 'events.jsonl');
    const lines = readFileSync(logPath, 'utf8').trimEnd().split('\n');
    const at = lines.findIndex((line) => line.includes('"script_completed"'));
    lines[at] = JSON.stringify({ ...JSON.parse(lines[at] as string), seq: 999_999_999 });
    writeFileSync(logPath, `${lines.join('\n')}\n`);

    const resumed = await runCli(['resume', workflow], home);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual(JSON.parse(reference.stdout));
    expect(resumed.stderr).toContain(`warning: step "two" started but its completion is not in ${logPath}`);
    expect(resumed.stderr).toContain(`${logPath}:${at + 1} (seq_outlier`);
    const log = events(home);
    expect(startsOf(log, 'one')).toBe(1);
    expect(startsOf(log, 'two')).toBe(2);
    // The resumed run numbers on from the last line read, not from the damaged one.
    const resumedAt = log.findIndex((e) => e.type === 'workflow_resumed');
    expect(log[resumedAt]?.seq).toBe((log[resumedAt - 1]?.seq as number) + 1);
  });

  it('refuses (exit 2) naming the line when the run has no checkpoint and its first line is unreadable', async () => {
    const { home, workflow } = setup();
    const responses = join(home, 'fail.yaml');
    writeFileSync(responses, 'three:\n  - error: "down"\n');
    expect((await runCli(['run', workflow, '--mock-responses', responses], home)).code).toBe(1);
    const { rmSync } = await import('node:fs');
    for (const file of checkpointFiles(home)) rmSync(file);
    const [runId] = readdirSync(join(home, 'runs'));
    const logPath = join(home, 'runs', runId as string, 'events.jsonl');
    const damaged = readFileSync(logPath, 'utf8').replace(/^[^\n]*/, '{"seq":1,"type":"workflow_sta');
    writeFileSync(logPath, damaged);
    const result = await runCli(['resume', workflow], home);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${logPath}:1 is damaged (invalid_json`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(logPath, 'utf8')).toBe(damaged);
  });

  it('rejects a corrupt checkpoint, an unknown version and a missing workflow with exit 2, deleting nothing', async () => {
    const { home, workflow } = setup();
    const responses = join(home, 'fail.yaml');
    writeFileSync(responses, 'three:\n  - error: "down"\n');
    expect((await runCli(['run', workflow, '--mock-responses', responses], home)).code).toBe(1);
    const [checkpoint] = checkpointFiles(home);
    const original = readFileSync(checkpoint as string, 'utf8');

    const corrupt = join(home, 'corrupt.json');
    writeFileSync(corrupt, original.slice(0, 120));
    const r1 = await runCli(['resume', '--from', corrupt], home);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/corrupt\.json/);

    const future = join(home, 'future.json');
    writeFileSync(future, JSON.stringify({ ...JSON.parse(original), version: 7 }));
    const r2 = await runCli(['resume', '--from', future], home);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/version 7/);

    const moved = join(home, 'elsewhere.yaml');
    writeFileSync(moved, readFileSync(workflow));
    const { rmSync } = await import('node:fs');
    rmSync(workflow);
    const r3 = await runCli(['resume', '--from', checkpoint as string], home);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/five\.yaml/);

    for (const r of [r1, r2, r3]) expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(corrupt, 'utf8')).toBe(original.slice(0, 120));
    expect(existsSync(future)).toBe(true);
    expect(readFileSync(checkpoint as string, 'utf8')).toBe(original);
  });

  it('says clearly when there is nothing to resume (exit 2)', async () => {
    const { home, workflow } = setup();
    const result = await runCli(['resume', workflow], home);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/checkpoint list/);
  });
});

describe('background runs', () => {
  it('--web-bg prints the dashboard URL and exits 0 while the run goes on; status lists it; stop stops it with a checkpoint', async () => {
    const { home, workflow } = setup();
    const started = await runCli(['run', workflow, '--web-bg'], home, {
      PAUSE: '120s',
      CONDUCTOR_WEB_LINGER: '0',
    });
    expect(started.code, started.stderr).toBe(0);
    const url = started.stdout.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/);
    const { origin, searchParams } = new URL(url);
    const headers = { authorization: `Bearer ${searchParams.get('token')}` };

    // Wait on the condition: the run reaches the 120 s wait step.
    const currentStep = async () => {
      const { state } = (await (await fetch(`${origin}/api/state`, { headers })).json()) as {
        state: { run: { current_step: string | null } };
      };
      return state.run.current_step;
    };
    await expect.poll(currentStep, { timeout: 30_000, interval: 50 }).toBe('four');

    const status = await runCli(['status'], home);
    expect(status.stdout).toMatch(/five-steps\s+running/);
    expect(status.stdout).toContain(origin);

    const stop = await runCli(['stop'], home);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stderr).toMatch(/stopped \(interrupted\)/);
    expect(checkpointFiles(home).some((f) => f.endsWith('-interrupt.json'))).toBe(true);
  });
});

describe('conductor replay', () => {
  it('serves a log in the original conductor format (no seq) for playback', async () => {
    const home = tempDir();
    const log = join(home, 'conductor-old.events.jsonl');
    const t = 1_700_000_000;
    const lines = [
      {
        type: 'workflow_started',
        timestamp: t,
        data: { name: 'old', entry_point: 'a', agents: [{ name: 'a', type: 'agent' }] },
      },
      { type: 'agent_started', timestamp: t + 1, data: { agent_name: 'a', iteration: 1 } },
      {
        type: 'agent_completed',
        timestamp: t + 2,
        data: { agent_name: 'a', elapsed: 1, output: { ok: true } },
      },
      { type: 'workflow_completed', timestamp: t + 3, data: { elapsed: 3, output: { ok: true } } },
    ];
    writeFileSync(log, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const replay = startCli(['replay', log, '--speed', '5', '--web-port', '0'], home);
    try {
      const [url] = await replay.waitFor(/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/);
      const { origin, searchParams } = new URL(url as string);
      const headers = { authorization: `Bearer ${searchParams.get('token')}` };
      const info = (await (await fetch(`${origin}/api/info`, { headers })).json()) as Record<string, unknown>;
      expect(info).toMatchObject({ mode: 'replay', replay_speed: 5 });
      const page = (await (await fetch(`${origin}/api/events?after=0`, { headers })).json()) as {
        events: Array<{ seq: number }>;
      };
      expect(page.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      const { state } = (await (await fetch(`${origin}/api/state`, { headers })).json()) as {
        state: { steps: Record<string, { status: string }>; run: { status: string } };
      };
      expect(state.run.status).toBe('completed');
      expect(state.steps.a?.status).toBe('completed');
    } finally {
      replay.child.kill('SIGINT');
    }
    expect((await replay.done).code).toBe(0);
  });

  it('exits 2 for a missing log', async () => {
    const result = await runCli(['replay', '/nonexistent/events.jsonl'], tempDir());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/event log not found/);
  });
});
