import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from './support/cli.js';
import { events } from './support/original.js';

// The original conductor's files (§7) and its status/stop, through the real `conductor` binary.

const SLEEPY = `
workflow:
  name: sleepy
  entry_point: nap
agents:
  - name: nap
    type: wait
    duration: 120
`;

describe('status and stop', () => {
  it('status --json lists running runs as {"running": [...]}; stop --port and stop --all --json stop them', async () => {
    const home = tempDir();
    const workflow = join(home, 'sleepy.yaml');
    writeFileSync(workflow, SLEEPY);
    const web = startCli(['run', workflow, '--web', '--web-port', '0', '--web-linger', '0'], home);
    const [, port] = await web.waitFor(/dashboard: http:\/\/127\.0\.0\.1:(\d+)\//);
    const plain = startCli(['run', workflow], home);
    await plain.waitFor(/nap/);
    await expect
      .poll(async () => JSON.parse((await runCli(['status', '--json'], home)).stdout).running.length)
      .toBe(2);
    const status = JSON.parse((await runCli(['status', '--json'], home)).stdout);
    expect(Object.keys(status)).toEqual(['running']);
    const withPort = status.running.find((entry: { port: number | null }) => entry.port === Number(port));
    expect(withPort).toMatchObject({
      pid: web.child.pid,
      workflow,
      mode: 'fg-web',
      source: 'conductor',
      status: 'running',
      url: expect.stringContaining(`:${port}/`),
      event_log: expect.stringMatching(/events\.jsonl$/),
    });
    expect(withPort).toHaveProperty('run_id');
    expect(withPort).toHaveProperty('started_at');

    const byPort = await runCli(['stop', '--port', port as string, '--json'], home);
    expect(byPort.code, byPort.stderr).toBe(0);
    expect(JSON.parse(byPort.stdout)).toEqual({
      stopped: [
        {
          pid: web.child.pid,
          port: Number(port),
          workflow,
          run_id: withPort.run_id,
          outcome: 'stopped',
          rung: 'SIGINT',
        },
      ],
      failed: [],
    });
    expect((await web.done).code).toBe(130);

    const all = await runCli(['stop', '--all', '--json', '-y'], home);
    expect(all.code, all.stderr).toBe(0);
    const { stopped } = JSON.parse(all.stdout);
    expect(stopped).toEqual([
      expect.objectContaining({ pid: plain.child.pid, outcome: 'stopped', rung: 'SIGINT' }),
    ]);
    expect((await plain.done).code).toBe(130);

    const none = await runCli(['stop', '--all'], home);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no running run to stop/);
  });

  it("status shows the original conductor's run records; stop --run-id acts on them", async () => {
    const home = tempDir();
    const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => sleeper.on('exit', (_code, signal) => resolve(signal)));
    try {
      mkdirSync(join(home, 'runs'), { recursive: true });
      const record = {
        run_id: 'a1b2c3d4',
        pid: sleeper.pid,
        workflow_path: '/work/flows/triage.yaml',
        workflow_name: 'triage',
        started_at: new Date().toISOString(),
        event_log_path: '/tmp/conductor/conductor-triage-20250101-120000-a1b2c3d4.events.jsonl',
        port: 45679,
        mode: 'bg',
        checkpoint_dir: '/tmp/conductor/checkpoints',
      };
      writeFileSync(join(home, 'runs', 'a1b2c3d4.json'), JSON.stringify(record));
      const text = await runCli(['status'], home);
      expect(text.stdout).toMatch(/a1b2c3d4\s+triage\s+running \(original\)/);
      const json = JSON.parse((await runCli(['status', '--json'], home)).stdout);
      expect(json.running).toEqual([
        expect.objectContaining({
          run_id: 'a1b2c3d4',
          pid: sleeper.pid,
          port: 45679,
          mode: 'bg',
          workflow: '/work/flows/triage.yaml',
          event_log: record.event_log_path,
          source: 'original',
          status: 'running',
        }),
      ]);
      const stop = await runCli(['stop', '--run-id', 'a1b2c3d4', '--json'], home);
      expect(stop.code, stop.stderr).toBe(0);
      expect(JSON.parse(stop.stdout).stopped).toEqual([
        {
          pid: sleeper.pid,
          port: 45679,
          workflow: '/work/flows/triage.yaml',
          run_id: 'a1b2c3d4',
          outcome: 'stopped',
          rung: 'SIGINT',
        },
      ]);
      expect(await exited).toBe('SIGINT');
      // Its process gone, the record is stale: listed with --all only.
      expect((await runCli(['status', '--json'], home)).stdout).not.toContain('a1b2c3d4');
      expect((await runCli(['status', '--all'], home)).stdout).toMatch(/a1b2c3d4.*stale \(original\)/);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });
});

// A workflow and checkpoints in the original's format (§7): `run_id: ""` and `event_log_path: ""`
// are what it writes for a run without an id or a log.
const ORIGINAL = `
workflow:
  name: orig
  entry_point: one
  input:
    who: { type: string }
agents:
  - name: one
    type: set
    value: "{{ workflow.input.who }}"
    routes: [{ to: two }]
  - name: two
    type: script
    command: node
    args: ["-e", "console.log(JSON.stringify({ n: 2 }))"]
    routes: [{ to: three }]
  - name: three
    type: set
    value: "{{ one.output }}-{{ two.output.n }}"
output:
  result: "{{ three.output }}"
`;

function originalCheckpoint(workflow: string, who: string, createdAt: string) {
  return {
    version: 1,
    workflow_path: workflow,
    workflow_hash: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
    created_at: createdAt,
    trigger: 'failure',
    failure: { error_type: 'ProviderError', message: 'boom', agent: 'two', iteration: 2 },
    inputs: { who },
    current_agent: 'two',
    context: {
      workflow_inputs: { who },
      agent_outputs: { one: who },
      current_iteration: 1,
      execution_history: ['one'],
      user_guidance: who === 'ada' ? ['mind the tests'] : [],
    },
    limits: { current_iteration: 1, max_iterations: 10, execution_history: ['one'] },
    copilot_session_ids: {},
    copilot_session_cwds: {},
    system: {},
    instructions_preamble: null,
    run_id: '',
    event_log_path: '',
  };
}

describe("the original conductor's files", () => {
  it('checkpoints with run_id "" and event_log_path "" resume, each as its own run, with a summary for history', async () => {
    const home = tempDir();
    const workflow = join(home, 'orig.yaml');
    writeFileSync(workflow, ORIGINAL);
    const first = join(home, 'orig-20250101-120000-1a2b3c4d.json');
    const second = join(home, 'orig-20250101-130000-5e6f7a8b.json');
    writeFileSync(
      first,
      JSON.stringify(originalCheckpoint(workflow, 'ada', '2025-01-01T12:00:00Z'), null, 2),
    );
    writeFileSync(
      second,
      JSON.stringify(originalCheckpoint(workflow, 'bob', '2025-01-01T13:00:00Z'), null, 2),
    );
    const a = await runCli(['resume', '--from', first, '-q'], home);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual({ result: 'ada-2' });
    const b = await runCli(['resume', '--from', second, '-q'], home);
    expect(b.code, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout)).toEqual({ result: 'bob-2' });
    const runs = readdirSync(join(home, 'runs'));
    // The guidance the original kept in its checkpoint goes on applying.
    const guided = runs.map(
      (runId) => events(home, runId).find((e) => e.type === 'workflow_resumed')?.data.guidance,
    );
    expect(guided.sort()).toEqual([['mind the tests'], undefined]);
    expect(runs).toHaveLength(2);
    for (const runId of runs) {
      expect(runId).toMatch(/^legacy-[0-9a-f]{16}$/);
      const log = events(home, runId);
      // The earlier step, from the checkpoint (no log to import), then the resumed run.
      expect(log.find((event) => event.type === 'workflow_resumed')?.data.history_source).toBe('synthetic');
      expect(log.some((event) => event.type === 'set_completed' && event.data.agent_name === 'one')).toBe(
        true,
      );
    }
    // The same file again: its run completed.
    const again = await runCli(['resume', '--from', first], home);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already completed/);
  });

  it('checkpoint list and resume <workflow> find checkpoints in $TMPDIR/conductor/checkpoints, and say where they looked', async () => {
    const home = tempDir();
    const tmp = tempDir('conductor-tmp-');
    const workflow = join(home, 'orig.yaml');
    writeFileSync(workflow, ORIGINAL);
    const dir = join(tmp, 'conductor', 'checkpoints');
    mkdirSync(dir, { recursive: true });
    const older = join(dir, 'orig-20250101-120000-1a2b3c4d.json');
    const newer = join(dir, 'orig-20250102-120000-5e6f7a8b.json');
    writeFileSync(older, JSON.stringify(originalCheckpoint(workflow, 'cyd', '2025-01-01T12:00:00Z')));
    writeFileSync(newer, JSON.stringify(originalCheckpoint(workflow, 'dee', '2025-01-02T12:00:00Z')));
    const env = { TMPDIR: tmp };

    const list = await runCli(['checkpoint', 'list', workflow], home, env);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n').filter((line) => line.includes('.json'))).toEqual([
      expect.stringMatching(
        /^legacy-[0-9a-f]{16}\s.*\s+two\s+failure\s.*orig-20250102-120000-5e6f7a8b\.json$/,
      ),
      expect.stringMatching(/orig-20250101-120000-1a2b3c4d\.json$/),
    ]);
    expect(list.stderr).toContain(`looked in ${join(home, 'runs')} and ${dir}`);
    const alias = await runCli(['checkpoints', '--json'], home, env);
    expect(JSON.parse(alias.stdout)).toEqual([
      expect.objectContaining({ path: newer, location: 'original', migrated_from: 1 }),
      expect.objectContaining({ path: older, location: 'original' }),
    ]);

    const resumed = await runCli(['resume', workflow, '-q'], home, env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming the original conductor's checkpoint ${newer}`);
    expect(JSON.parse(resumed.stdout)).toEqual({ result: 'dee-2' });
    const next = await runCli(['resume', workflow, '-q'], home, env);
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toEqual({ result: 'cyd-2' });
    const none = await runCli(['resume', workflow], home, env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      `no checkpoint of the original conductor to resume for ${workflow} in ${dir} (2 already resumed here)`,
    );
    expect(none.stderr).toMatch(/nothing to resume for workflow .*looked at 2 run\(s\) under/);
    // Its files are only read.
    expect(JSON.parse(readFileSync(newer, 'utf8')).run_id).toBe('');
  });

  it("replay serves the original dashboard's JSON-array download", async () => {
    const home = tempDir();
    const file = join(home, 'conductor-logs.json');
    const t = 1735732800;
    writeFileSync(
      file,
      JSON.stringify([
        {
          type: 'workflow_started',
          timestamp: t,
          data: {
            name: 'triage',
            entry_point: 'a',
            agents: [{ name: 'a', type: 'agent' }],
            run_id: 'a1b2c3d4',
          },
        },
        { type: 'agent_started', timestamp: t + 1, data: { agent_name: 'a', iteration: 1 } },
        {
          type: 'agent_completed',
          timestamp: t + 2,
          data: { agent_name: 'a', elapsed: 1, output: { x: 1 } },
        },
        { type: 'workflow_completed', timestamp: t + 3, data: { elapsed: 3, output: { x: 1 } } },
      ]),
    );
    const replay = startCli(['replay', file, '--speed', 'max'], home);
    try {
      await replay.waitFor(/replaying .*conductor-logs\.json: 4 events of run a1b2c3d4 \(triage\)/);
      const [url] = await replay.waitFor(/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/);
      const token = new URL(url).searchParams.get('token') as string;
      const state = (await (
        await fetch(new URL('/api/state', url), { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { state: { run: Record<string, unknown> } };
      expect(state.state.run).toMatchObject({ run_id: 'a1b2c3d4', status: 'completed' });
    } finally {
      replay.child.kill('SIGINT');
    }
    expect((await replay.done).code).toBe(0);
    const broken = join(home, 'broken.json');
    writeFileSync(broken, '[{"type": ');
    const bad = await runCli(['replay', broken], home);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/starts with "\[" but is not valid JSON/);
  });
});
