// A script printing 50 MB through the real `conductor` binary (tests/integration/fixtures/big-stdout.yaml,
// 500,000 lines of 100 bytes), with its dashboard on. Reports the CLI process's peak RSS (VmHWM from
// /proc/<pid>/status, read once the run has completed and the dashboard still serves), the size of the
// script's log line and of the whole log, the spill file, and GET /api/state. Then the peak RSS of
// refusing a 50 MB workflow file (loadWorkflow in a child process).
// `node bench/big-stdout.mjs [lines] [cli.js]` after `pnpm build`, or `import { run }` (bench/run.mjs).
// The optional cli.js runs another build (e.g. an older checkout's apps/cli/bin/conductor.js) to compare.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const WORKFLOW = join(root, 'tests/integration/fixtures/big-stdout.yaml');
const mb = (bytes) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

function peakRssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb * 1024;
}

async function bigStdout(lines, cli) {
  const home = mkdtempSync(join(tmpdir(), 'conductor-bench-stdout-'));
  const child = spawn(process.execPath, [cli, 'run', WORKFLOW, '--web-port', '0'], {
    env: { ...process.env, CONDUCTOR_HOME: home, STDOUT_LINES: String(lines), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = performance.now();
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  const exited = new Promise((resolve) => child.on('close', resolve));
  const url = await new Promise((resolve, reject) => {
    let found = null;
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      found ??= /dashboard: (http:\/\/\S+)/.exec(stderr)?.[1] ?? null;
      if (found && /completed run|failed run/.test(stderr)) resolve(found);
    });
    child.on('close', () => reject(new Error(`conductor exited early:\n${stderr}`)));
  });
  const elapsed = (performance.now() - started) / 1000;
  const peak = peakRssOf(child.pid);
  const base = new URL(url);
  const headers = { authorization: `Bearer ${base.searchParams.get('token')}` };
  const state = await (await fetch(new URL('/api/state', base), { headers })).text();
  child.kill('SIGINT');
  await exited;

  const [runId] = readdirSync(join(home, 'runs'));
  const folder = join(home, 'runs', runId);
  const log = readFileSync(join(folder, 'events.jsonl'), 'utf8');
  const line = log.split('\n').find((l) => l.includes('"type":"script_completed"')) ?? '';
  const outputs = (() => {
    try {
      return readdirSync(join(folder, 'outputs')).map((name) => statSync(join(folder, 'outputs', name)).size);
    } catch {
      return [];
    }
  })();
  return {
    name: `script printing ${mb(lines * 100)} (${lines.toLocaleString()} lines), conductor run --web`,
    figures: {
      'peak RSS (VmHWM)': mb(peak),
      'run time': `${elapsed.toFixed(2)} s`,
      'script_completed log line': `${Buffer.byteLength(line).toLocaleString()} bytes`,
      'events.jsonl': `${Buffer.byteLength(log).toLocaleString()} bytes`,
      'spill files': outputs.length
        ? outputs.map((size) => `${size.toLocaleString()} bytes`).join(', ')
        : 'none',
      '/api/state': `${Buffer.byteLength(state).toLocaleString()} bytes`,
      'final output': stdout.trim(),
    },
  };
}

function hugeWorkflow(megabytes) {
  const dir = mkdtempSync(join(tmpdir(), 'conductor-bench-yaml-'));
  const path = join(dir, 'huge.yaml');
  // A real 50 MB YAML file (not sparse): a long prompt.
  const line = `      ${'lorem ipsum dolor sit amet '.repeat(3)}\n`;
  const body = line.repeat(Math.ceil((megabytes * 1024 * 1024) / line.length));
  writeFileSync(
    path,
    `workflow:\n  name: huge\n  entry_point: a\nagents:\n  - name: a\n    type: set\n    value: |\n${body}`,
  );
  const engine = new URL('../packages/engine/dist/index.js', import.meta.url).href;
  const script = `
    const { loadWorkflow } = await import(${JSON.stringify(engine)});
    const started = performance.now();
    let outcome;
    try { await loadWorkflow(${JSON.stringify(path)}); outcome = 'loaded'; }
    catch (error) { outcome = error.code; }
    console.log(JSON.stringify({ outcome, ms: performance.now() - started, maxRss: process.resourceUsage().maxRSS * 1024 }));`;
  const result = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  );
  truncateSync(path, 0);
  return {
    name: `loadWorkflow of a ${megabytes} MiB workflow file`,
    figures: {
      outcome: result.outcome,
      time: `${result.ms.toFixed(1)} ms`,
      'peak RSS (maxRSS)': mb(result.maxRss),
    },
  };
}

export async function run(lines = 500_000, cli = join(root, 'apps/cli/bin/conductor.js')) {
  return [await bigStdout(lines, cli), hugeWorkflow(50)];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lines = Number(process.argv[2] ?? 500_000);
  for (const entry of await run(lines, process.argv[3])) {
    console.log(entry.name);
    for (const [key, value] of Object.entries(entry.figures)) console.log(`  ${key.padEnd(28)} ${value}`);
  }
}
