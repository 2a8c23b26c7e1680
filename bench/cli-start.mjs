// Start time of the built `conductor` against a bare `node -e 0`: the median wall time of N spawns each.
// The commands take turns (one spawn of each per round), so a busy machine slows them alike.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../apps/cli/bin/conductor.js', import.meta.url));
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 21);

const commands = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'conductor --version', args: [bin, '--version'] },
  // examples/hello.yaml
  { name: 'conductor validate', args: [bin, 'validate', 'examples/hello.yaml'] },
];

function timeOnce(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr || result.error}`);
  }
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export async function run() {
  const times = commands.map(() => []);
  // One warm-up round: the file system cache, not the first spawn, is what a user sees.
  for (const command of commands) timeOnce(command.args);
  for (let round = 0; round < RUNS; round++) {
    commands.forEach((command, i) => {
      times[i].push(timeOnce(command.args));
    });
  }
  const medians = times.map(median);
  const base = medians[0];
  const figures = { runs: RUNS };
  commands.forEach((command, i) => {
    figures[`${command.name} (ms)`] = Math.round(medians[i] * 10) / 10;
  });
  commands.slice(1).forEach((command, i) => {
    figures[`${command.name.replace('conductor ', '')} ÷ node -e 0`] =
      `${(medians[i + 1] / base).toFixed(2)}×`;
  });
  return { name: 'cli: median start time of the built conductor vs node -e 0', figures };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(await run());
