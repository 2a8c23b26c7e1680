import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/chromium.js';
import { tempDir } from './support/cli.js';

// What a user who installs from npm gets: every publishable package packed as it would be published
// (`node scripts/pack.mjs`, pnpm pack: no `workspace:^` left), installed with npm into an empty folder
// from those tarballs (third-party dependencies from the registry), then used three ways: the CLI
// through `npx @conductor/cli`, the engine from a script, and a dashboard embedded in a Node server.
// Uses the built packages: build first.

const WORKFLOW = `
workflow:
  name: packed
  entry_point: greet
  runtime:
    provider: mock
agents:
  - name: greet
    type: script
    command: node
    args: ["-e", "console.log(JSON.stringify({ hello: 'packed' }))"]
`;

const ENGINE_SCRIPT = `
import { parseWorkflow, runWorkflow } from '@conductor/engine';
const workflow = parseWorkflow(\`
workflow:
  name: greet
  entry_point: write
agents:
  - name: write
    prompt: "Greet Ada."
    output:
      line: { type: string }
\`);
const run = runWorkflow(workflow, { provider: 'mock', mockResponses: { write: { output: { line: 'Hello, Ada!' } } } });
const result = await run;
console.log(JSON.stringify({ status: result.status, output: result.output }));
`;

const DASHBOARD_SCRIPT = `
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { createDashboard, memoryStore } from '@conductor/dashboard';
const events = [
  { seq: 1, type: 'workflow_started', timestamp: 1763704800, data: { name: 'review', entry_point: 'planner', agents: [{ name: 'planner' }] } },
  { seq: 2, type: 'agent_started', timestamp: 1763704801, data: { agent_name: 'planner' } },
  { seq: 3, type: 'agent_completed', timestamp: 1763704805, data: { agent_name: 'planner', output: 'plan' } },
];
const dashboard = createDashboard({ history: memoryStore(events), basePath: '/conductor', token: false });
const handle = getRequestListener(dashboard.app.fetch);
const server = createServer((req, res) => (req.url?.startsWith('/conductor/') ? handle(req, res) : res.end('my app')));
dashboard.attachWebSocket(server);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = 'http://127.0.0.1:' + server.address().port;
const info = await (await fetch(base + '/conductor/api/info')).json();
const state = await (await fetch(base + '/conductor/api/state')).json();
const page = await fetch(base + '/conductor/');
const html = await page.text();
// The page names its assets under the base path (served index.html rewrites the build's ./assets).
const script = /src="(?:\\.\\/|\\/conductor\\/)(assets\\/[^"]+\\.js)"/.exec(html)?.[1];
const asset = script ? (await fetch(base + '/conductor/' + script)).status : null;
console.log(JSON.stringify({ name: info.workflow_name, status: state.state.run.status, page: page.status, asset }));
await dashboard.close();
server.close();
`;

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 300_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

describe('the packed packages, installed with npm outside the repository', () => {
  it('run a workflow with npx @conductor/cli, the engine from a script, and an embedded dashboard', () => {
    const dir = tempDir('conductor-packed-');
    const tarballs = join(dir, 'tarballs');
    const app = join(dir, 'app');
    mkdirSync(app);
    run(process.execPath, [join(repoRoot, 'scripts/pack.mjs'), tarballs], repoRoot);
    const packed = readdirSync(tarballs).filter((name) => name.endsWith('.tgz'));
    expect(packed.sort()).toEqual([
      'conductor-checkpoint-0.1.0.tgz',
      'conductor-cli-0.1.0.tgz',
      'conductor-dashboard-0.1.0.tgz',
      'conductor-engine-0.1.0.tgz',
      'conductor-event-log-0.1.0.tgz',
      'conductor-events-0.1.0.tgz',
      'conductor-replay-0.1.0.tgz',
      'conductor-run-folder-0.1.0.tgz',
      'conductor-store-0.1.0.tgz',
      'conductor-store-postgres-0.1.0.tgz',
    ]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // The embedding example's server adapter is the user's own dependency.
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        ...packed.map((name) => join(tarballs, name)),
        '@hono/node-server',
      ],
      app,
    );

    const home = join(dir, 'home');
    writeFileSync(join(app, 'packed.yaml'), WORKFLOW);
    const cli = run('npx', ['--no', '@conductor/cli', 'run', 'packed.yaml'], app, { CONDUCTOR_HOME: home });
    expect(JSON.parse(cli.stdout)).toMatchObject({ hello: 'packed', exit_code: 0 });
    expect(cli.stderr).toMatch(/completed run [\w-]+ in .* active time, .* wall time/);
    const runs = run('npx', ['--no', '@conductor/cli', 'runs', '--json'], app, { CONDUCTOR_HOME: home });
    expect(JSON.parse(runs.stdout)).toMatchObject([{ workflow: 'packed', status: 'completed' }]);

    writeFileSync(join(app, 'engine.mjs'), ENGINE_SCRIPT);
    const engine = run(process.execPath, ['engine.mjs'], app, { CONDUCTOR_HOME: home });
    expect(JSON.parse(engine.stdout)).toEqual({ status: 'completed', output: { line: 'Hello, Ada!' } });

    writeFileSync(join(app, 'dashboard.mjs'), DASHBOARD_SCRIPT);
    const dashboard = run(process.execPath, ['dashboard.mjs'], app);
    expect(JSON.parse(dashboard.stdout)).toEqual({
      name: 'review',
      status: 'running',
      page: 200,
      asset: 200,
    });
  }, 600_000);
});
