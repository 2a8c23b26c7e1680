import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { eventLogPath } from '@conductor/event-log';
import type { ConductorEvent } from '@conductor/events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { resumeWorkflow } from '../launch/resume-workflow.js';
import { runWorkflow } from '../launch/run-workflow.js';
import {
  expectStrictlyIncreasing,
  readLog,
  startsByStep,
  tempSpace,
  testWorkflow,
  writeWorkflow,
} from '../testing/durable.js';

// kill -9 at random instants of a real child process that runs the built engine, then resume here.
// The instants are chosen by waiting for the k-th line of the log (k random), not by timers.

const packagesDir = fileURLToPath(new URL('../../../', import.meta.url));
const chain = ['events', 'event-log', 'checkpoint', 'replay', 'engine'];
const KILLS = 30;

/** Newest modification time of the non-test sources under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt(name: string): number {
  try {
    return statSync(join(packagesDir, name, 'dist', 'index.js')).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * The engine the child imports: the built dist/ (tsup) when it is newer than the sources of the
 * engine and every package it imports, as after `pnpm build`; otherwise the same sources bundled
 * with esbuild into a private file, so a test run never tests stale code nor rewrites dist/ under
 * other test projects that use it.
 */
async function builtEngine(): Promise<string> {
  const fresh = chain.every((name) => builtAt(name) >= newestSource(join(packagesDir, name, 'src')));
  if (fresh) return join(packagesDir, 'engine', 'dist', 'index.js');
  const require = createRequire(createRequire(import.meta.url).resolve('tsup'));
  // esbuild comes with tsup (a root dev dependency); this package does not depend on it directly.
  const esbuild = (await import(pathToFileURL(require.resolve('esbuild')).href)) as {
    build(options: Record<string, unknown>): Promise<unknown>;
  };
  // Under packages/engine, so the bundle's remaining imports (yaml, valibot...) resolve as dist's do.
  const outfile = join(packagesDir, 'engine', 'node_modules', '.cache', 'conductor-kill-test', 'engine.mjs');
  await esbuild.build({
    entryPoints: [join(packagesDir, 'engine', 'src', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    alias: Object.fromEntries(
      chain
        .filter((name) => name !== 'engine')
        .map((name) => [`@conductor/${name}`, join(packagesDir, name, 'src', 'index.ts')]),
    ),
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** Eight steps of set, script and wait, each output feeding a later one; with periodic checkpoints or not. */
const workflowYaml = (periodic: boolean) =>
  testWorkflow('crash-test').replace(
    'agents:\n',
    `${periodic ? '  runtime:\n    checkpoint:\n      every_agent: true\n      keep_last: 2\n' : ''}agents:\n`,
  );

const childScript = (
  engine: string,
) => `import { runWorkflow } from ${JSON.stringify(pathToFileURL(engine).href)};
const [path, home, runId] = process.argv.slice(2);
const result = await runWorkflow(path, { home, runId });
process.exitCode = result.status === 'completed' ? 0 : 1;
`;

function linesIn(path: string): number {
  try {
    const text = readFileSync(path, 'utf8');
    let count = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
    return count;
  } catch {
    return 0;
  }
}

/** A small seeded generator, so a failure can be replayed from the seed in its message. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const COMPLETED = new Set(['set_completed', 'script_completed', 'wait_completed']);

describe('kill -9 at any instant leaves a run that resumes', () => {
  let engine = '';
  beforeAll(async () => {
    engine = await builtEngine();
  }, 60_000);

  it(`${KILLS} kills of a child running the built engine, each resumed to the uninterrupted output`, async () => {
    const { home, dir } = await tempSpace();
    const child = join(dir, 'child.mjs');
    await writeFile(child, childScript(engine));
    const variants = await Promise.all(
      [false, true].map(async (periodic) => {
        const path = await writeWorkflow(
          dir,
          `crash-${periodic ? 'periodic' : 'plain'}.yaml`,
          workflowYaml(periodic),
        );
        // The uninterrupted run: its output, and how many lines its log has.
        const reference = runWorkflow(path, { home });
        const result = await reference;
        expect(result.status).toBe('completed');
        return { path, periodic, output: result.output, lines: linesIn(eventLogPath(reference.runId, home)) };
      }),
    );
    expect(variants[0]?.output).toEqual({
      x: 3,
      z: 13,
      last: 'done 13',
      iterations: 8,
      history: 's1,s2,s3,s4,s5,s6,s7,s8',
    });

    const seed = Number(process.env.CONDUCTOR_KILL_SEED) || Date.now();
    const next = random(seed);
    const outcomes = { resumed: 0, finishedBeforeKill: 0 };
    for (let i = 0; i < KILLS; i++) {
      const variant = variants[i % 2] as (typeof variants)[number];
      const k = 1 + Math.floor(next() * (variant.lines - 1));
      const where = `seed ${seed}, kill ${i} (${variant.periodic ? 'periodic checkpoints' : 'log only'}) at line ${k}`;
      const runId = `kill-${i}`;
      const logPath = eventLogPath(runId, home);

      const process_ = spawn(process.execPath, [child, variant.path, home, runId], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      process_.stderr?.on('data', (chunk) => {
        stderr += String(chunk);
      });
      const exited = once(process_, 'exit');
      // Killed as soon as the log has k whole lines (or the child already ended), polled every ms.
      await vi.waitFor(
        () => {
          const ended = process_.exitCode !== null || process_.signalCode !== null;
          if (!ended && linesIn(logPath) < k) throw new Error(`${logPath} did not reach ${k} lines`);
        },
        { timeout: 10_000, interval: 1 },
      );
      process_.kill('SIGKILL');
      await exited;

      const before = await readLog(logPath);
      const last = before.events.at(-1);
      if (last?.type === 'workflow_completed') {
        // The child finished before the signal arrived: nothing to resume, and it says so.
        outcomes.finishedBeforeKill++;
        expect(last.data.output, where).toEqual(variant.output);
        await expect(resumeWorkflow({ runId, home }).result, where).rejects.toMatchObject({
          code: 'CONDUCTOR_RESUME_COMPLETED',
        });
        continue;
      }
      expect(stderr, where).toBe('');
      // At most the line being written when the process died is damaged.
      expect(before.skipped, where).toBeLessThanOrEqual(1);
      const completedBefore = new Set(
        before.events
          .filter((e) => COMPLETED.has(e.type) && e.data.interrupted !== true)
          .map((e) => String(e.data.agent_name)),
      );
      const lastSeqBefore = last?.seq ?? 0;

      const resumed = resumeWorkflow({ runId, home });
      const result = await resumed.result.catch((error: unknown) => {
        throw new Error(`${where}: resume rejected: ${(error as Error).message}`);
      });
      outcomes.resumed++;
      expect(result.status, where).toBe('completed');
      expect(result.output, where).toEqual(variant.output);

      const after = await readLog(logPath);
      expect(after.skipped, where).toBe(0);
      expectStrictlyIncreasing(after.events);
      const resumedEvents = after.events.filter((e) => e.seq > lastSeqBefore);
      expect(resumedEvents[0]?.type, where).toBe('workflow_resumed');
      expect(resumedEvents[0]?.data.generation, where).toBe(1);
      const restarted = resumedEvents
        .filter((e: ConductorEvent) => e.type.endsWith('_started'))
        .map((e) => String(e.data.agent_name));
      for (const step of restarted)
        expect(
          completedBefore.has(step),
          `${where}: ${step} completed before the kill but started again`,
        ).toBe(false);
      // Only the step in flight at the kill may have started twice.
      const twice = Object.entries(startsByStep(after.events)).filter(([, n]) => n > 1);
      expect(twice.length, `${where}: ${JSON.stringify(twice)}`).toBeLessThanOrEqual(1);
      expect(
        twice.every(([, n]) => n === 2),
        where,
      ).toBe(true);
    }
    // Most kills land mid-run; a run that beat its kill is checked too.
    expect(outcomes.resumed, JSON.stringify(outcomes)).toBeGreaterThan(KILLS / 2);
  }, 90_000);
});
