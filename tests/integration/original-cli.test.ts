import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/chromium.js';
import { runCli, startCli, tempDir } from './support/cli.js';

// The original conductor's command line (its §8), through the real `conductor` binary.

const example = (name: string) => join(repoRoot, 'examples', name);

interface LoggedEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
}

function events(home: string, runId?: string): LoggedEvent[] {
  const id = runId ?? (readdirSync(join(home, 'runs')).find((name) => !name.endsWith('.json')) as string);
  return readFileSync(join(home, 'runs', id, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

const GATED = `
workflow:
  name: gated
  entry_point: ask
  input:
    topic: { type: string }
agents:
  - name: ask
    type: human_gate
    prompt: "Ship {{ workflow.input.topic }}?"
    options:
      - { label: Ship it, value: ship, route: done }
      - { label: Stop, value: stop, route: $end }
  - name: done
    type: set
    value: "shipped {{ workflow.input.topic }}"
output:
  result: "{{ done.output }}"
  choice: "{{ ask.output.selected }}"
`;

describe('global flags and run flags', () => {
  it('`conductor --silent run wf.yaml --log-file auto --skip-gates` prints only the result; the log file has the progress', async () => {
    const home = tempDir();
    const tmp = tempDir('conductor-tmp-');
    const workflow = join(home, 'gated.yaml');
    writeFileSync(workflow, GATED);
    const result = await runCli(
      ['--silent', 'run', workflow, '--log-file', 'auto', '--skip-gates', '--input.topic=v2'],
      home,
      { TMPDIR: tmp },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ result: 'shipped v2', choice: 'ship' });
    expect(result.stderr).toBe('');
    const logs = readdirSync(join(tmp, 'conductor')).filter((name) => name.endsWith('.log'));
    expect(logs).toEqual([expect.stringMatching(/^conductor-gated-\d{8}-\d{6}\.log$/)]);
    const log = readFileSync(join(tmp, 'conductor', logs[0] as string), 'utf8');
    expect(log).toMatch(/ask/);
    expect(log).toMatch(/done/);
    expect(log).toMatch(/completed run /);
    expect(log).toContain('"result": "shipped v2"');
  });

  it('-s and -q before the command; -q with -s is a usage error; -l PATH; --input.NAME VALUE', async () => {
    const home = tempDir();
    const workflow = join(home, 'gated.yaml');
    writeFileSync(workflow, GATED);
    const quiet = await runCli(['-q', 'run', workflow, '--skip-gates', '--input.topic', 'q'], home);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(JSON.parse(quiet.stdout).result).toBe('shipped q');
    expect(quiet.stderr).not.toMatch(/completed run/);
    const silentAfter = await runCli(['run', workflow, '-s', '--skip-gates', '-i', 'topic=s'], home);
    expect(silentAfter.stderr).toBe('');
    expect(JSON.parse(silentAfter.stdout).result).toBe('shipped s');
    const both = await runCli(['-q', '-s', 'run', workflow], home);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--quiet and --silent cannot be combined/);
    const path = join(home, 'mine.log');
    const logged = await runCli(['run', workflow, '-l', path, '--skip-gates', '-i', 'topic=l'], home);
    expect(logged.code).toBe(0);
    expect(logged.stderr).toContain(`log file: ${path}`);
    expect(readFileSync(path, 'utf8')).toMatch(/completed run/);
  });

  it('-m/--metadata is recorded in workflow_started and run.json; --no-interactive is accepted', async () => {
    const home = tempDir();
    const result = await runCli(
      [
        'run',
        example('hello.yaml'),
        '-m',
        'tracker=ado',
        '--metadata',
        'work_item_id=1814',
        '--no-interactive',
        '-q',
      ],
      home,
    );
    expect(result.code, result.stderr).toBe(0);
    const started = events(home).find((event) => event.type === 'workflow_started');
    expect(started?.data.metadata).toEqual({ tracker: 'ado', work_item_id: '1814' });
    const [runId] = readdirSync(join(home, 'runs'));
    const record = JSON.parse(readFileSync(join(home, 'runs', runId as string, 'run.json'), 'utf8'));
    expect(record.metadata).toEqual({ tracker: 'ado', work_item_id: '1814' });
    const bad = await runCli(['run', example('hello.yaml'), '-m', 'novalue'], home);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--metadata "novalue" is not of the form key=value/);
  });

  it('--dry-run prints the plan and runs nothing; show prints the workflow', async () => {
    const home = tempDir();
    const dry = await runCli(['run', example('review-loop.yaml'), '--dry-run', '--input.topic=x'], home);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Execution plan for workflow "review-loop"/);
    expect(dry.stdout).toMatch(/review\s+agent\s+\$end \(when score >= 8\), draft/);
    expect(dry.stdout).toMatch(/topic\s+string\s+yes\s+"x" \(given\)/);
    expect(existsSync(join(home, 'runs'))).toBe(false);
    const show = await runCli(['show', example('review-loop.yaml')], home);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Name:\s+review-loop/);
    expect(show.stdout).toMatch(/give_up\s+terminate/);
    expect(show.stdout).toMatch(/conductor run .*review-loop\.yaml --input topic="\.\.\."/);
  });

  it('--instructions adds a file to every agent prompt; --print-loaded-instructions names it', async () => {
    const home = tempDir();
    const rules = join(home, 'RULES.md');
    writeFileSync(rules, 'HOUSE RULES: answer in French.');
    const result = await runCli(
      ['run', example('hello.yaml'), '--instructions', rules, '--print-loaded-instructions'],
      home,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/loaded instructions:\n.*RULES\.md/);
    const prompts = events(home).filter((event) => event.type === 'agent_prompt_rendered');
    expect(prompts).toHaveLength(2);
    for (const prompt of prompts) expect(prompt.data.rendered_prompt).toMatch(/^HOUSE RULES/);
  });

  it('--web with --web-bg is a usage error', async () => {
    const result = await runCli(['run', example('hello.yaml'), '--web', '--web-bg'], tempDir());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--web and --web-bg cannot be combined/);
  });
});

describe('more of the original commands and flags', () => {
  it('gate respond answers the gate of a run with a dashboard, by port', async () => {
    const home = tempDir();
    const workflow = join(home, 'ask.yaml');
    writeFileSync(
      workflow,
      `
workflow: { name: ask, entry_point: ask }
agents:
  - name: ask
    type: human_gate
    prompt: Ship?
    options:
      - { label: Ship it, value: ship, route: $end }
      - { label: Why, value: why, route: $end, prompt_for: Reason }
output:
  choice: "{{ ask.output.selected }}"
  reason: "{{ ask.output.additional_input.Reason | default('') }}"
`,
    );
    const run = startCli(['run', workflow, '--web', '--web-port', '0', '--web-linger', '0'], home);
    const [, port, token] = await run.waitFor(/dashboard: http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)/);
    await run.waitFor(/ask/);
    const bad = await runCli(
      ['gate', 'respond', '-p', port as string, '-c', 'maybe', '-a', 'ask', '--token', token as string],
      home,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the dashboard refused the answer \(400\)/);
    const answered = await runCli(
      ['gate', 'respond', '-p', port as string, '-c', 'why', '--input', 'tests first'],
      home,
    );
    expect(answered.code, answered.stderr).toBe(0);
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ choice: 'why' });
    const resolved = events(home).find((event) => event.type === 'gate_resolved');
    expect(resolved?.data).toMatchObject({ selected_option: 'why' });
  });

  it('--workspace-instructions reads AGENTS.md and applyTo "**" instruction files up to the git root', async () => {
    const home = tempDir();
    const repo = join(home, 'repo');
    const sub = join(repo, 'pkg');
    mkdirSync(join(repo, '.git'), { recursive: true });
    mkdirSync(join(repo, '.github', 'instructions'), { recursive: true });
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(repo, 'AGENTS.md'), 'ROOT AGENTS');
    writeFileSync(join(sub, 'CLAUDE.md'), 'PKG CLAUDE');
    writeFileSync(
      join(repo, '.github', 'instructions', 'all.instructions.md'),
      '---\napplyTo: "**"\n---\nEVERYWHERE',
    );
    writeFileSync(
      join(repo, '.github', 'instructions', 'ts.instructions.md'),
      '---\napplyTo: "**/*.ts"\n---\nONLY TS',
    );
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'apps/cli/bin/conductor.js'),
        'run',
        example('hello.yaml'),
        '--workspace-instructions',
        '--print-loaded-instructions',
      ],
      {
        cwd: sub,
        env: { ...process.env, CONDUCTOR_HOME: home, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/loaded instructions:\n\s+CLAUDE\.md\n.*AGENTS\.md\n.*all\.instructions\.md\n/);
    const prompt = events(home).find((event) => event.type === 'agent_prompt_rendered');
    const text = prompt?.data.rendered_prompt as string;
    expect(text).toContain('PKG CLAUDE');
    expect(text).toContain('ROOT AGENTS');
    expect(text).toContain('EVERYWHERE');
    expect(text).not.toContain('ONLY TS');
  });

  it('stop --force kills a run that does not stop in time; without it, exit 1 and "timeout"', async () => {
    const home = tempDir();
    // A process of the original conductor that ignores SIGINT.
    const stubborn = spawn(
      process.execPath,
      ['-e', "process.on('SIGINT', () => {}); setInterval(() => {}, 1000); console.log('up')"],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await new Promise((resolve) => stubborn.stdout.once('data', resolve));
    const exited = new Promise((resolve) => stubborn.on('exit', (_code, signal) => resolve(signal)));
    try {
      mkdirSync(join(home, 'runs'), { recursive: true });
      writeFileSync(
        join(home, 'runs', 'feedbeef.json'),
        JSON.stringify({
          run_id: 'feedbeef',
          pid: stubborn.pid,
          workflow_path: '/w.yaml',
          workflow_name: 'w',
          port: null,
          mode: 'fg',
        }),
      );
      const soft = await runCli(['stop', 'feedbeef', '--timeout', '0.3', '--json'], home);
      expect(soft.code).toBe(1);
      expect(JSON.parse(soft.stdout).failed).toEqual([
        expect.objectContaining({ run_id: 'feedbeef', outcome: 'timeout', rung: 'SIGINT' }),
      ]);
      const hard = await runCli(['stop', 'feedbeef', '--timeout', '0.3', '--force', '--json'], home);
      expect(hard.code, hard.stderr).toBe(0);
      expect(JSON.parse(hard.stdout).stopped).toEqual([
        expect.objectContaining({ run_id: 'feedbeef', outcome: 'killed', rung: 'SIGKILL' }),
      ]);
      expect(await exited).toBe('SIGKILL');
    } finally {
      stubborn.kill('SIGKILL');
    }
  });

  it('a step that calls `conductor stop --all` does not stop its own run, unless --allow-self', async () => {
    const home = tempDir();
    const cli = join(repoRoot, 'apps/cli/bin/conductor.js');
    const workflow = (flags: string) => `
workflow: { name: self, entry_point: stopper }
agents:
  - name: stopper
    type: script
    command: sh
    args: ["-c", "node ${cli} stop --all --json ${flags} --timeout 30; exit 0"]
output:
  stdout: "{{ stopper.output.stdout }}"
`;
    const refuses = join(home, 'refuses.yaml');
    writeFileSync(refuses, workflow(''));
    const result = await runCli(['run', refuses, '-q'], home);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(JSON.parse(result.stdout).stdout).failed).toEqual([
      expect.objectContaining({ outcome: 'refused-self', rung: null }),
    ]);
    const allows = join(home, 'allows.yaml');
    writeFileSync(allows, workflow('--allow-self'));
    const stopped = await runCli(['run', allows, '-q'], home);
    expect(stopped.code).toBe(130);
  });

  it("the original's other commands say what to use instead (exit 2)", async () => {
    for (const command of [
      ['guide', '-t', 'be brief'],
      ['fleet', 'list'],
      ['registry', 'list'],
      ['plugin', 'list'],
      ['doctor'],
      ['update'],
    ]) {
      const result = await runCli(command, tempDir());
      expect(result.code, command.join(' ')).toBe(2);
      expect(result.stderr).toContain(`\`conductor ${command[0]}\` is a command of the original conductor`);
    }
  });
});

describe('resume --guidance', () => {
  it('adds the guidance to the prompts of the resumed run and records it', async () => {
    const home = tempDir();
    const failed = await runCli(
      ['run', example('release.yaml'), '--mock-responses', example('release.flaky.yaml'), '-q'],
      home,
      { PAUSE: '1ms' },
    );
    expect(failed.code).toBe(1);
    const tooLong = await runCli(['resume', example('release.yaml'), '--guidance', 'x'.repeat(10_001)], home);
    expect(tooLong.code).toBe(2);
    const logFile = join(home, 'resume.log');
    const resumed = await runCli(
      [
        'resume',
        example('release.yaml'),
        '--guidance',
        'keep it short',
        '--guidance',
        'no emoji',
        '-m',
        'retry=1',
        '-l',
        logFile,
        '--no-interactive',
        '--skip-gates',
      ],
      home,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(logFile, 'utf8')).toMatch(/completed run /);
    const log = events(home);
    const at = log.findIndex((event) => event.type === 'workflow_resumed');
    expect(log[at]?.data).toMatchObject({
      guidance: ['keep it short', 'no emoji'],
      metadata: { retry: '1' },
    });
    const prompt = log.slice(at).find((event) => event.type === 'agent_prompt_rendered');
    expect(prompt?.data.rendered_prompt).toMatch(/\[User Guidance\]\n.*\n- keep it short\n- no emoji$/);
  });
});

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
      user_guidance: [],
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
      const state = await (
        await fetch(new URL('/api/state', url), { headers: { authorization: `Bearer ${token}` } })
      ).json();
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
