import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/chromium.js';
import { runCli, startCli, tempDir } from './support/cli.js';
import { events, example } from './support/original.js';

// The original conductor's command line (its §8), through the real `conductor` binary.

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
    for (const prompt of prompts)
      expect(prompt.data.rendered_prompt).toMatch(
        /^<workspace_instructions>\n.+\n\nHOUSE RULES[\s\S]*<\/workspace_instructions>/,
      );
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
    // The original types a rendered output that is JSON (§2.10): the step's stdout arrives as the object.
    expect(JSON.parse(result.stdout).stdout.failed).toEqual([
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
    for (const args of [
      ['run', 'qa-bot@team#v1.2.3'],
      ['validate', 'qa-bot@owner/repo'],
      ['show', 'qa-bot@team'],
    ]) {
      const result = await runCli(args, tempDir());
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/looks like a registry reference of the original conductor/);
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
