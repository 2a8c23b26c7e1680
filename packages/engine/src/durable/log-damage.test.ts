import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventLogPath } from '@conductor/event-log';
import { projectEvents } from '@conductor/events';
import { beforeAll, describe, expect, it } from 'vitest';
import { resumeWorkflow } from '../launch/resume-workflow.js';
import { runWorkflow } from '../launch/run-workflow.js';
import {
  expectStrictlyIncreasing,
  readLog,
  tempSpace,
  testWorkflow,
  writeWorkflow,
} from '../testing/durable.js';

// Eight steps of script and set; `g` fails until its marker file exists. Every output feeds a later
// one, and the final output holds the history and iteration, so a step run twice, or one missing
// from the state, changes it.
const EIGHT_STEPS = testWorkflow('eight-steps');

/** A kind of damage to line `k` (0-based) of a log: its lines afterwards, or null where it does not apply. */
type Damage = (lines: string[], k: number) => string[] | null;

const seqOf = (line: string) => (JSON.parse(line) as { seq: number }).seq;
const withSeq = (line: string, seq: number) => JSON.stringify({ ...JSON.parse(line), seq });
const replace = (lines: string[], k: number, line: string) => lines.map((l, i) => (i === k ? line : l));

const DAMAGES: Record<string, Damage> = {
  garbage: (lines, k) => replace(lines, k, '\u0000\u0000#garbage'),
  'truncated JSON': (lines, k) => replace(lines, k, (lines[k] as string).slice(0, 40)),
  'JSON that is not an envelope': (lines, k) =>
    replace(lines, k, JSON.stringify({ data: JSON.parse(lines[k] as string).data })),
  'seq jumped far ahead': (lines, k) => replace(lines, k, withSeq(lines[k] as string, 999_999_999)),
  'seq jumped ahead by one': (lines, k) =>
    replace(lines, k, withSeq(lines[k] as string, seqOf(lines[k] as string) + 1)),
  'seq went back below its predecessor': (lines, k) =>
    k < 2 ? null : replace(lines, k, withSeq(lines[k] as string, seqOf(lines[k - 2] as string))),
  'seq equal to the first': (lines, k) => (k < 1 ? null : replace(lines, k, withSeq(lines[k] as string, 1))),
  'duplicated right after': (lines, k) => [
    ...lines.slice(0, k + 1),
    lines[k] as string,
    ...lines.slice(k + 1),
  ],
  'duplicated 5 lines later': (lines, k) => [
    ...lines.slice(0, k + 6),
    lines[k] as string,
    ...lines.slice(k + 6),
  ],
  deleted: (lines, k) => lines.filter((_, i) => i !== k),
  'swapped with the next line': (lines, k) =>
    k + 1 >= lines.length
      ? null
      : lines.map((l, i) => (i === k ? lines[k + 1] : i === k + 1 ? lines[k] : l) as string),
};

/** Kinds that leave no readable workflow_started when they hit line 1. */
const LOSES_LINE = new Set([
  'garbage',
  'truncated JSON',
  'JSON that is not an envelope',
  'seq jumped far ahead',
  'deleted',
]);

interface Scenario {
  /** A stopped run's folder, to copy for each case. */
  runDir: string;
  runId: string;
  lines: string[];
  hasCheckpoint: boolean;
  /** The output of resuming the undamaged copy. */
  expected: unknown;
}

const RUN_ID = 'damaged-run';
let space: { home: string; dir: string };
let marker: string;
const scenarios: Record<string, Scenario> = {};

/** Copies the run into a fresh home, damages its log, and resumes it. */
async function resumeCopy(scenario: Scenario, lines: string[], name: string) {
  const home = join(space.dir, 'cases', name);
  await rm(home, { recursive: true, force: true });
  await cp(scenario.runDir, join(home, 'runs', scenario.runId), { recursive: true });
  const logPath = eventLogPath(scenario.runId, home);
  await writeFile(logPath, `${lines.join('\n')}\n`);
  const run = resumeWorkflow({ runId: scenario.runId, home });
  const outcome = await run.result.then(
    (result) => ({ result, error: null }),
    (error: Error & { code?: string }) => ({ result: null, error }),
  );
  return { ...outcome, warnings: run.warnings, logPath, home };
}

beforeAll(async () => {
  space = await tempSpace();
  const path = await writeWorkflow(space.dir, 'eight.yaml', EIGHT_STEPS);
  marker = join(space.dir, 'marker');
  const failed = await runWorkflow(path, { home: space.home, inputs: { marker }, runId: RUN_ID });
  expect(failed).toMatchObject({ status: 'failed', error: { step: 'g' } });
  const runDir = join(space.home, 'runs', RUN_ID);
  const log = (await readFile(eventLogPath(RUN_ID, space.home), 'utf8')).trimEnd().split('\n');

  // Killed while g ran: the log ends at g's start, and no checkpoint was written.
  const killedDir = join(space.dir, 'killed', RUN_ID);
  await cp(runDir, killedDir, { recursive: true });
  await rm(join(killedDir, 'checkpoints'), { recursive: true, force: true });
  const killedLines = log.slice(
    0,
    log.findIndex((line) => line.includes('"script_started"') && line.includes('"g"')) + 1,
  );

  // Resumed once without a checkpoint (it failed at g again), then killed while g ran a third time.
  const twiceHome = join(space.dir, 'twice');
  await cp(killedDir, join(twiceHome, 'runs', RUN_ID), { recursive: true });
  await writeFile(eventLogPath(RUN_ID, twiceHome), `${log.join('\n')}\n`);
  const again = await resumeWorkflow({ runId: RUN_ID, home: twiceHome });
  expect(again).toMatchObject({ status: 'failed', error: { step: 'g' } });
  await rm(join(twiceHome, 'runs', RUN_ID, 'checkpoints'), { recursive: true, force: true });
  const twice = (await readFile(eventLogPath(RUN_ID, twiceHome), 'utf8')).trimEnd().split('\n');
  const resumedAt = twice.findIndex((line) => line.includes('"workflow_resumed"'));
  const twiceLines = twice.slice(
    0,
    twice.findIndex((line, i) => i > resumedAt && line.includes('"script_started"')) + 1,
  );

  await writeFile(marker, '');
  const variants = [
    { name: 'failed at g, with its checkpoint', runDir, lines: log, hasCheckpoint: true },
    { name: 'killed at g, no checkpoint', runDir: killedDir, lines: killedLines, hasCheckpoint: false },
    {
      name: 'resumed once, then killed at g, no checkpoint',
      runDir: join(twiceHome, 'runs', RUN_ID),
      lines: twiceLines,
      hasCheckpoint: false,
    },
  ];
  for (const variant of variants) {
    const { result } = await resumeCopy(
      { ...variant, runId: RUN_ID, expected: null },
      variant.lines,
      'undamaged',
    );
    expect(result).toMatchObject({ status: 'completed' });
    scenarios[variant.name] = { ...variant, runId: RUN_ID, expected: result?.output };
  }
  // Every step ran once, and the output says so.
  expect(scenarios['killed at g, no checkpoint']?.expected).toEqual({
    value: '9-8',
    steps: 'a,b,c,d,e,f,g,h',
  });
  await mkdir(join(space.dir, 'cases'), { recursive: true });
}, 60_000);

describe.each([
  'killed at g, no checkpoint',
  'failed at g, with its checkpoint',
  'resumed once, then killed at g, no checkpoint',
])('resume of a run %s, with one damaged line at any position', (scenarioName) => {
  it.each(Object.keys(DAMAGES))('%s: the undamaged output, or a refusal naming the line', async (kind) => {
    const scenario = scenarios[scenarioName] as Scenario;
    const damage = DAMAGES[kind] as Damage;
    const failures: string[] = [];
    /** What is wrong with resuming the log damaged at line k + 1, if anything. */
    const check = async (k: number): Promise<string | null> => {
      const damaged = damage(scenario.lines, k);
      if (!damaged) return null;
      const where = `line ${k + 1} (${JSON.parse(scenario.lines[k] as string).type})`;
      const { result, error, warnings, logPath } = await resumeCopy(scenario, damaged, `${kind}-${k}`);
      if (!scenario.hasCheckpoint && k === 0 && LOSES_LINE.has(kind)) {
        return error?.code === 'CONDUCTOR_RESUME_LOG_DAMAGED' && error.message.includes(`${logPath}:1 `)
          ? null
          : `${where}: expected a refusal naming ${logPath}:1, got ${error?.message ?? result?.status}`;
      }
      if (error || result?.status !== 'completed') {
        return `${where}: ${error?.message ?? JSON.stringify(result?.error)}`;
      }
      if (JSON.stringify(result.output) !== JSON.stringify(scenario.expected)) {
        return `${where}: output ${JSON.stringify(result.output)}`;
      }
      // The log stays whole: the resumed generation's events are all read after the old ones, and
      // the dashboard's fold sees the run completed with the same output.
      const { events, skipped } = await readLog(logPath);
      expectStrictlyIncreasing(events);
      const state = projectEvents(events);
      if (
        !events.some((e) => e.type === 'workflow_resumed') ||
        events.at(-1)?.type !== 'workflow_completed' ||
        state.run.status !== 'completed'
      ) {
        return `${where}: the resumed run's events are not all read back`;
      }
      if (JSON.stringify(state.run.output) !== JSON.stringify(scenario.expected)) {
        return `${where}: the dashboard's output ${JSON.stringify(state.run.output)}`;
      }
      // A line the reader skipped is named in the resume's warnings.
      if (skipped > 0 && !warnings.some((w) => w.includes(`${logPath}:`))) {
        return `${where}: no warning names the damaged line (${warnings.join(' | ')})`;
      }
      return null;
    };
    // One at a time: a process resumes a run id once at a time, whatever its home.
    for (let k = 0; k < scenario.lines.length; k++) {
      const failure = await check(k);
      if (failure) failures.push(failure);
    }
    expect(failures).toEqual([]);
  });
});
