import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from './support/cli.js';

// One owner per run, through the real binary: concurrent resumes, and a resume after kill -9 that
// finds the killed run's script still running.

type LogEvent = { seq: number; type: string; data: Record<string, unknown> };

function readEvents(home: string, runId: string): LogEvent[] {
  return readFileSync(join(home, 'runs', runId, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogEvent);
}

// Step four fails the first time (it removes the marker it fails on, and no route matches its exit
// code), so the run can be resumed.
const FAILS_ONCE = `
workflow:
  name: fails-once
  entry_point: one
agents:
  - name: one
    type: set
    value: 1
    routes: [{ to: two }]
  - name: two
    type: set
    value: 2
    routes: [{ to: three }]
  - name: three
    type: set
    value: 3
    routes: [{ to: four }]
  - name: four
    type: script
    command: node
    args: ["-e", "const fs = require('fs'); if (fs.existsSync('fail-once')) { fs.rmSync('fail-once'); process.exit(1) } console.log(JSON.stringify({ ok: true }))"]
    routes: [{ to: five, when: "exit_code == 0" }]
  - name: five
    type: wait
    duration: 200ms
    routes: [{ to: six }]
  - name: six
    type: set
    value: "{{ three.output + 3 }}"
output:
  six: "{{ six.output }}"
`;

describe('one owner per run', () => {
  it('of 10 resumes of one run started at once, exactly one proceeds, in each of 20 trials', async () => {
    for (let trial = 0; trial < 20; trial++) {
      const home = tempDir();
      const workflow = join(home, 'fails-once.yaml');
      writeFileSync(workflow, FAILS_ONCE);
      writeFileSync(join(home, 'fail-once'), '');
      const runId = `race-${trial}`;
      const failed = await runCli(['run', workflow, '-q'], home, { CONDUCTOR_RUN_ID: runId });
      expect(failed.code, failed.stderr).toBe(1);

      // Half the trials name the run, half find it by its workflow, as users do both.
      const args = trial % 2 === 0 ? ['resume', '--run', runId, '-q'] : ['resume', workflow, '-q'];
      const results = await Promise.all(Array.from({ length: 10 }, () => runCli(args, home)));
      const proceeded = results.filter((r) => r.code === 0);
      expect(proceeded, results.map((r) => `${r.code}: ${r.stderr}`).join('\n')).toHaveLength(1);
      expect(JSON.parse(proceeded[0]?.stdout ?? '')).toEqual({ six: 6 });
      for (const refused of results.filter((r) => r.code !== 0)) {
        // Owned while the winner runs (exit 3), or already completed once it has ended (exit 2).
        expect([2, 3]).toContain(refused.code);
        expect(refused.stderr).toMatch(
          new RegExp(
            `run ${runId} is owned by process \\d+ \\(conductor resume|run ${runId} already completed|${runId} \\(completed\\)`,
          ),
        );
      }

      const log = readEvents(home, runId);
      const seqs = log.map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(log.filter((e) => e.type === 'workflow_resumed')).toHaveLength(1);
      expect(log.filter((e) => e.type === 'workflow_completed')).toHaveLength(1);
      const starts = (step: string) =>
        log.filter((e) => e.type.endsWith('_started') && e.data.agent_name === step).length;
      expect(['one', 'two', 'three', 'four', 'five', 'six'].map(starts)).toEqual([1, 1, 1, 2, 1, 1]);
    }
  }, 600_000);

  it('kill -9 during a long script step, then resume: the old script is stopped before the step runs again', async () => {
    const home = tempDir();
    const trace = join(home, 'trace.txt');
    writeFileSync(
      join(home, 'long.cjs'),
      `const fs = require('fs');
const trace = process.env.TRACE;
const first = !fs.existsSync(trace);
fs.appendFileSync(trace, 'start ' + process.pid + '\\n');
process.on('SIGTERM', () => { fs.appendFileSync(trace, 'term ' + process.pid + '\\n'); process.exit(143); });
let ticks = 0;
const timer = setInterval(() => {
  fs.appendFileSync(trace, 'tick ' + process.pid + '\\n');
  if (++ticks >= (first ? 1e9 : 3)) {
    clearInterval(timer);
    fs.appendFileSync(trace, 'end ' + process.pid + '\\n');
    console.log(JSON.stringify({ ticks }));
  }
}, 20);
`,
    );
    const workflow = join(home, 'long.yaml');
    writeFileSync(
      workflow,
      `workflow:
  name: long-script
  entry_point: prepare
agents:
  - name: prepare
    type: set
    value: ready
    routes: [{ to: long }]
  - name: long
    type: script
    command: node
    args: [long.cjs]
    env: { TRACE: "${trace}" }
`,
    );
    const run = startCli(['run', workflow], home, { CONDUCTOR_RUN_ID: 'orphan' });
    await expect.poll(() => ticksIn(trace), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    run.child.kill('SIGKILL');
    await run.done;
    const oldPid = Number(/^start (\d+)$/m.exec(readFileSync(trace, 'utf8'))?.[1]);
    expect(alive(oldPid)).toBe(true);
    // The killed run's script goes on ticking with no owner.
    const before = ticksIn(trace);
    await expect.poll(() => ticksIn(trace), { timeout: 10_000 }).toBeGreaterThan(before);

    const resumed = await runCli(['resume', '--run', 'orphan'], home);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ ticks: 3 });
    expect(alive(oldPid)).toBe(false);

    const lines = readFileSync(trace, 'utf8').trim().split('\n');
    const newStart = lines.findIndex((line, i) => i > 0 && line.startsWith('start '));
    expect(newStart).toBeGreaterThan(0);
    // No line of the old process after the new one started: the two never ran side by side.
    expect(lines.slice(newStart).filter((line) => line.endsWith(` ${oldPid}`))).toEqual([]);
    expect(lines.slice(0, newStart)).toContain(`term ${oldPid}`);

    const log = readEvents(home, 'orphan');
    const stoppedAt = log.findIndex(
      (e) => e.type === 'child_process_exited' && e.data.pid === oldPid && e.data.stopped_by_resume,
    );
    const restartedAt = log.findIndex(
      (e, i) => i > stoppedAt && e.type === 'script_started' && e.data.agent_name === 'long',
    );
    expect(stoppedAt).toBeGreaterThan(log.findIndex((e) => e.type === 'workflow_resumed'));
    expect(restartedAt).toBeGreaterThan(stoppedAt);
    expect(existsSync(join(home, 'runs', 'orphan', 'claims'))).toBe(true);
    expect(readdirSync(join(home, 'runs', 'orphan', 'claims'))).toEqual(['1.json', '2.json']);
  }, 180_000);
});

function ticksIn(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('tick ')).length;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited process that nobody has reaped yet (a zombie: its parent, the killed run, is gone) does not run.
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
