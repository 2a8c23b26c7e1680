import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { example, type MainResult, runMain, tempHome } from './test/main-in-process.js';

const noStack = (result: MainResult) => expect(result.stderr).not.toMatch(/\n\s+at /);

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A port something else already listens on. */
async function busyPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

describe('--web-port of a port in use', () => {
  it('run, resume and replay exit 2 with what to do, and a run starts nothing', async () => {
    const home = tempHome();
    const port = String(await busyPort());
    const log = join(home, 'events.jsonl');
    writeFileSync(log, '{"seq":1,"type":"workflow_started","timestamp":1,"data":{"name":"x"}}\n');
    const results = await Promise.all([
      runMain(['run', example('hello.yaml'), '--web-port', port], { home }),
      runMain(['run', example('hello.yaml'), '--web-bg', '--web-port', port], { home }),
      runMain(['resume', '--run', 'r1', '--web-port', port], { home }),
      runMain(['replay', log, '--web-port', port], { home }),
    ]);
    for (const result of results) {
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`--web-port ${port}: the port is already in use`);
      expect(result.stderr).toMatch(/leave --web-port out to get a free one/);
      noStack(result);
    }
    expect(existsSync(join(home, 'runs'))).toBe(false);
  });

  it('rejects port values that are not plain numbers', async () => {
    const home = tempHome();
    for (const value of ['', '0x50', '1e3', '99999']) {
      const result = await runMain(['run', example('hello.yaml'), '--web-port', value], { home });
      expect(result.code, value).toBe(2);
      expect(result.stderr).toMatch(/is not a port number/);
    }
  });
});

describe('CONDUCTOR_HOME that is not a directory', () => {
  it('is reported as such (exit 2) by every command that uses it; validate does not need it', async () => {
    const dir = tempHome();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    for (const args of [
      ['run', example('hello.yaml')],
      ['status', '--all'],
      ['checkpoint', 'list'],
      ['stop'],
    ]) {
      for (const home of [file, join(file, 'below')]) {
        const result = await runMain(args, { home });
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr).toContain(`CONDUCTOR_HOME (${home}) is not a directory`);
        noStack(result);
      }
    }
    expect((await runMain(['validate', example('hello.yaml')], { home: file })).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('CONDUCTOR_RUN_ID of an existing run', () => {
  it('exits 2 (nothing was run), says how to continue it, and leaves its log alone', async () => {
    const home = tempHome();
    const env = { CONDUCTOR_RUN_ID: 'taken' };
    expect((await runMain(['run', example('hello.yaml'), '-q'], { home, env })).code).toBe(0);
    const log = join(home, 'runs/taken/events.jsonl');
    const before = readFileSync(log, 'utf8');
    const again = await runMain(['run', example('hello.yaml'), '-q'], { home, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/run taken already has an event log .*`conductor resume --run taken`/);
    noStack(again);
    expect(readFileSync(log, 'utf8')).toBe(before);
  });
});

describe('conductor replay of something that is not an event log', () => {
  it('exits 2 for an empty file and for garbage instead of serving an empty dashboard', async () => {
    const home = tempHome();
    const empty = join(home, 'empty.jsonl');
    const garbage = join(home, 'garbage.jsonl');
    writeFileSync(empty, '');
    writeFileSync(garbage, 'not json\n{"also": "not an event"}\n');
    for (const file of [empty, garbage]) {
      const result = await runMain(['replay', file], { home });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${file} holds no events`);
      expect(result.stdout).toBe('');
    }
  });
});

describe('conductor resume: contradictory or wrong arguments', () => {
  it('--from a directory, and --from with --run, exit 2 with what to give instead', async () => {
    const home = tempHome();
    const dir = await runMain(['resume', '--from', home], { home });
    expect(dir.code).toBe(2);
    expect(dir.stderr).toMatch(/--from .* is a directory; give a checkpoint file/);
    const both = await runMain(['resume', '--from', join(home, 'x.json'), '--run', 'r1'], { home });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--from and --run both say which run to resume; give one of them/);
    for (const r of [dir, both]) noStack(r);
  });

  it('a missing workflow file names the way to pass another one (the CLI has no --workflow)', async () => {
    const home = tempHome();
    const workflow = join(home, 'fails.yaml');
    writeFileSync(
      workflow,
      // A route for success only: the failing exit code fails the run.
      'workflow:\n  name: s\n  entry_point: a\nagents:\n  - name: a\n    type: script\n    command: "false"\n    routes:\n      - to: $end\n        when: exit_code == 0\n',
    );
    expect((await runMain(['run', workflow, '-q'], { home })).code).toBe(1);
    const [runId] = readdirSync(join(home, 'runs'));
    rmSync(workflow);
    const result = await runMain(['resume', '--run', runId as string], { home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`conductor resume <workflow.yaml> --run ${runId}`);
    expect(result.stderr).not.toContain('--workflow');
  });
});

describe('other command-line values', () => {
  it('--input __proto__=x is an unknown input, not silently dropped', async () => {
    const result = await runMain(['run', example('hello.yaml'), '--input', '__proto__=x'], {
      home: tempHome(),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown input "__proto__"/);
  });

  it('stop --timeout that is not a number exits 2', async () => {
    const result = await runMain(['stop', '--timeout', 'soon'], { home: tempHome() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--timeout "soon" is not a number of seconds/);
  });
});

describe('damaged run files', () => {
  it('status warns about a run.json it cannot read; stop of that run exits 2', async () => {
    const home = tempHome();
    const env = { CONDUCTOR_RUN_ID: 'damaged' };
    expect((await runMain(['run', example('hello.yaml'), '-q'], { home, env })).code).toBe(0);
    writeFileSync(join(home, 'runs/damaged/run.json'), '{garbage');
    const status = await runMain(['status', '--all'], { home });
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(/warning: .*runs\/damaged\/run\.json is not valid JSON/);
    const stop = await runMain(['stop', 'damaged'], { home });
    expect(stop.code).toBe(2);
    expect(stop.stderr).toMatch(/run\.json is not valid JSON.*left untouched/);
    for (const r of [status, stop]) noStack(r);
  });

  it('a failed run whose checkpoint cannot be saved says so and how to continue from its log', async () => {
    const home = tempHome();
    // A file where the checkpoints folder should be.
    mkdirSync(join(home, 'runs/nockpt'), { recursive: true });
    writeFileSync(join(home, 'runs/nockpt/checkpoints'), '');
    const result = await runMain(
      ['run', example('release.yaml'), '--mock-responses', example('release.flaky.yaml')],
      { home, env: { CONDUCTOR_RUN_ID: 'nockpt' } },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/warning: the checkpoint could not be saved: /);
    expect(result.stderr).toMatch(
      /No checkpoint was written.*\nContinue with: conductor resume --run nockpt/,
    );
    const resumed = await runMain(['resume', '--run', 'nockpt', '-q'], { home });
    expect(resumed.code, resumed.stderr).toBe(0);
  });
});

describe('a pid reused after a crash', () => {
  it('is not taken for the run: status does not list it and stop does not signal it', async () => {
    const home = tempHome();
    mkdirSync(join(home, 'runs', 'ghost'), { recursive: true });
    // An unrelated process that got the dead run's pid.
    const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      writeFileSync(
        join(home, 'runs', 'ghost', 'run.json'),
        JSON.stringify({
          run_id: 'ghost',
          workflow_path: '/x.yaml',
          workflow_name: 'ghost',
          workflow_hash: null,
          status: 'running',
          pid: stranger.pid,
          started_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
          generation: 0,
          event_log_path: null,
          last_checkpoint_path: null,
        }),
      );
      const status = await runMain(['status'], { home });
      expect(status.stdout).not.toContain('ghost');
      const stop = await runMain(['stop', 'ghost'], { home });
      expect(stop.code).toBe(2);
      expect(stop.stderr).toMatch(/not running/);
      expect(stranger.exitCode).toBeNull();
      expect(stranger.signalCode).toBeNull();
    } finally {
      stranger.kill('SIGKILL');
    }
  });
});
