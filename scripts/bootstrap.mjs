#!/usr/bin/env node
// The README's commands run through here so that they work on a machine with only Node.js and npm:
// install the workspace with pnpm (fetched by npx, no corepack needed), build, then do the task.
//
//   node scripts/bootstrap.mjs demo   # the failing → resumed run with its dashboard
//   node scripts/bootstrap.mjs test   # every test, including the real-Chromium one
//   node scripts/bootstrap.mjs bench  # the benchmarks
//   node scripts/bootstrap.mjs bench:peers  # the loop against LangGraph.js and Mastra (installs bench/peers)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const task = process.argv[2];
const rest = process.argv.slice(3);
// pnpm fetched by npx (no corepack, no global install); inside `pnpm run`, the pnpm already running.
const pnpm = process.env.npm_execpath?.includes('pnpm')
  ? [process.execPath, [process.env.npm_execpath]]
  : ['npx', ['-y', 'pnpm@10']];
// turbo looks for the package manager on PATH: run it through pnpm, which puts itself there.
const turbo = (...args) => [pnpm[0], [...pnpm[1], 'exec', 'turbo', ...args]];
const tasks = {
  demo: [['node', ['scripts/demo.mjs', ...rest]]],
  test: [
    ['node', ['scripts/ensure-chromium.mjs']],
    // The PostgreSQL store's tests start their own server from the machine's initdb/pg_ctl.
    ['node', ['scripts/ensure-postgres.mjs']],
    turbo('run', 'typecheck', '--output-logs=errors-only'),
    ['node_modules/.bin/biome', ['check', '.']],
    // Import rules (.dependency-cruiser.mjs): no cycles, the engine's layers, packages used by name.
    [pnpm[0], [...pnpm[1], 'run', 'deps']],
    ['node', ['scripts/check-packages.mjs']],
    ['node_modules/.bin/vitest', ['run', ...rest]],
  ],
  bench: [
    ...(process.env.CONDUCTOR_BENCH_PG ? [] : [['node', ['scripts/ensure-postgres.mjs']]]),
    ['node', ['bench/run.mjs', ...rest]],
  ],
  // bench/peers has its own lockfile, outside the workspace: only this task installs it (npm ci; the
  // SQLite drivers build or download native code), never `npm test` or the demo.
  'bench:peers': [
    ['npm', ['ci', '--prefix', 'bench/peers', '--no-audit', '--no-fund']],
    ['node', ['bench/peers/run.mjs', ...rest]],
  ],
};
if (!tasks[task]) {
  console.error(`usage: node scripts/bootstrap.mjs <${Object.keys(tasks).join('|')}> [args...]`);
  process.exit(2);
}

function step(title, command, args) {
  if (title) console.error(`\n── ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.error) {
    console.error(`could not start ${command}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

step('install (pnpm)', pnpm[0], [...pnpm[1], 'install', '--frozen-lockfile', '--reporter=append-only']);
step('build', ...turbo('run', 'build', '--output-logs=errors-only'));
for (const [command, args] of tasks[task]) step(`${command} ${args.join(' ')}`, command, args);
