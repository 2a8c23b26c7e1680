#!/usr/bin/env node
// `npm run demo`: the story this project exists for, offline.
//   1. examples/release.yaml runs; its review step's model call fails (scripted mock answer) → exit 1.
//   2. The run left a checkpoint.
//   3. `conductor resume --web` continues the same run; the dashboard shows the whole run: the steps
//      before the failure with their outputs and timestamps, the failed attempt, the resume, and the rest.
// Runs are kept in .conductor-demo/ (CONDUCTOR_HOME). Ctrl-C stops the dashboard.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const home = join(root, '.conductor-demo');
rmSync(home, { recursive: true, force: true });
mkdirSync(home, { recursive: true });
const env = { ...process.env, CONDUCTOR_HOME: home };
const conductor = [join(root, 'apps/cli/bin/conductor.js')];
const interactive = Boolean(process.stdout.isTTY) && !process.env.CI;
const bold = (text) => (process.stdout.isTTY ? `\u001b[1m${text}\u001b[0m` : text);

function title(text) {
  console.log(`\n${bold(text)}`);
}

title('1/3  conductor run examples/release.yaml --mock-responses examples/release.flaky.yaml');
console.log("     (the review step's model call is scripted to fail)");
const first = spawnSync(
  process.execPath,
  [...conductor, 'run', 'examples/release.yaml', '--mock-responses', 'examples/release.flaky.yaml'],
  {
    cwd: root,
    env,
    stdio: 'inherit',
  },
);
if (first.status !== 1) {
  console.error(`demo: expected the first run to fail with exit code 1, got ${first.status}`);
  process.exit(1);
}

title('2/3  conductor checkpoint list');
spawnSync(process.execPath, [...conductor, 'checkpoint', 'list'], { cwd: root, env, stdio: 'inherit' });

title('3/3  conductor resume examples/release.yaml --web');
const port = process.env.CONDUCTOR_DEMO_PORT ?? '0';
const resumed = spawn(
  process.execPath,
  [...conductor, 'resume', 'examples/release.yaml', '--web-port', port],
  {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'pipe'],
  },
);
let stderr = '';
let url = null;
let summarized = false;
resumed.stderr.setEncoding('utf8').on('data', async (chunk) => {
  process.stderr.write(chunk);
  stderr += chunk;
  url ??= stderr.match(/dashboard: (http:\/\/\S+)/)?.[1] ?? null;
  if (!summarized && url && /completed run|failed run|interrupted run/.test(stderr)) {
    summarized = true;
    await summarize(url);
    if (interactive) {
      console.log(
        `\n${bold('Open the dashboard:')} ${url}\nIt shows the whole run: the steps before the failure, the failed attempt, the resume, and the rest.\nPress Ctrl-C to stop.`,
      );
    } else {
      resumed.kill('SIGINT');
    }
  }
});
process.on('SIGINT', () => resumed.kill('SIGINT'));
resumed.on('close', (code) => process.exit(code ?? 1));

/** What the dashboard serves, read through its own API: proof that the history is whole. */
async function summarize(dashboardUrl) {
  const { origin, searchParams } = new URL(dashboardUrl);
  const response = await fetch(`${origin}/api/state`, {
    headers: { authorization: `Bearer ${searchParams.get('token')}` },
  });
  const { state } = await response.json();
  const time = (t) => (t ? new Date(t * 1000).toLocaleTimeString() : '-');
  title(`The dashboard's state (${state.event_count} events, ${state.resumes.length} resume):`);
  for (const key of state.step_order) {
    const step = state.steps[key];
    const attempts = step.attempts
      .map((a) => `${a.status}${a.generation > 0 ? ` (resume ${a.generation})` : ''}`)
      .join(', ');
    const last = step.attempts.at(-1);
    const output = last?.output === undefined ? '' : JSON.stringify(last.output).slice(0, 60);
    console.log(
      `  ${step.name.padEnd(8)} ${step.status.padEnd(10)} ${time(last?.started_at).padEnd(12)} ${attempts.padEnd(34)} ${output}`,
    );
  }
}
