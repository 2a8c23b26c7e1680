import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { projectEvents } from '@conductor/events';
import { processState } from '@conductor/run-folder';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from './support/chromium.js';
import { runCli, startCli, tempDir } from './support/cli.js';

// Agents with tools over MCP through the real binary: the offline example, servers over stdio and HTTP
// started by the test, and no server left behind however a run ends (success, failure, Ctrl-C,
// kill -9 then resume).

type LogEvent = { seq: number; type: string; timestamp: number; data: Record<string, unknown> };
const FIXTURE = fileURLToPath(new URL('./fixtures/mcp-fixture.mjs', import.meta.url));

function readLog(home: string, runId?: string): LogEvent[] {
  const id = runId ?? (readdirSync(join(home, 'runs'))[0] as string);
  const path = join(home, 'runs', id, 'events.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogEvent);
}

/** The tool servers a log says were started: pid, start time and host, as a resume would check them. */
function serversIn(log: LogEvent[]) {
  return log
    .filter((e) => e.type === 'child_process_spawned' && e.data.kind === 'mcp_server')
    .map((e) => ({
      pid: e.data.pid as number,
      start: e.data.process_start as string,
      host: e.data.host as string,
    }));
}

/** Whether that very process (pid and start time) still runs. */
const running = (server: ReturnType<typeof serversIn>[number]) => processState(server) === 'alive';

/** A workflow whose agent `work` uses the fixture server over stdio (`linger`: it outlives its stdin). */
function fixtureWorkflow(home: string, options: { linger?: boolean; extra?: string } = {}): string {
  const path = join(home, 'tools.yaml');
  writeFileSync(
    path,
    `workflow:
  name: tools
  entry_point: work
  runtime:
    mcp_servers:
      fx:
        command: node
        args: [${JSON.stringify(FIXTURE)}]
${options.linger ? '        env: { FIXTURE_LINGER: "1" }\n' : ''}${options.extra ?? ''}agents:
  - name: work
    prompt: Use the tools.
    output:
      said: { type: string }
`,
  );
  return path;
}

function responses(home: string, name: string, text: string): string {
  const path = join(home, name);
  writeFileSync(path, text);
  return path;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('agents with MCP tools, through the conductor binary', () => {
  it('runs the notes example offline: real tool calls read and write notes on disk', async () => {
    const home = tempDir();
    const notes = join(home, 'notes');
    cpSync(join(repoRoot, 'examples/notes-mcp/sample'), notes, { recursive: true });
    const valid = await runCli(['validate', 'examples/notes-digest.yaml'], home);
    expect(valid.code, valid.stderr).toBe(0);

    const result = await runCli(
      [
        'run',
        'examples/notes-digest.yaml',
        '--provider',
        'mock',
        '--mock-responses',
        'examples/notes-digest.responses.yaml',
      ],
      home,
      { NOTES_DIR: notes },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      digest: 'digest.md',
      checked_items: 3,
      complete: true,
    });
    // The write tool wrote the digest into the folder the workflow gave the server.
    expect(readFileSync(join(notes, 'digest.md'), 'utf8')).toBe(
      '# Action items\n\n- Bo: quarantine the flaky payment test by Wednesday\n' +
        '- Ana: finish the changelog before the release review\n' +
        '- Chen: run the migration dry run on a copy of production\n',
    );

    const log = readLog(home);
    const completes = log.filter((e) => e.type === 'agent_tool_complete');
    expect(completes.map((e) => [e.data.agent_name, e.data.tool_name, e.data.error])).toEqual([
      ['gather', 'notes__list_notes', null],
      ['gather', 'notes__read_note', null],
      ['gather', 'notes__read_note', null],
      ['write', 'notes__write_note', null],
      ['check', 'notes__read_note', null],
    ]);
    // Results are what the server read from disk.
    expect(completes[1]?.data.result).toContain(
      'TODO: Bo to quarantine the flaky payment test by Wednesday.',
    );
    expect(completes[4]?.data.result).toContain('- Chen: run the migration dry run');
    const servers = serversIn(log);
    expect(servers).toHaveLength(1);
    expect(servers.every((server) => !running(server))).toBe(true);
  });

  it('calls a Streamable HTTP server started by the test, and ends its session with the run', async () => {
    const { serveHttp } = (await import(pathToFileURL(FIXTURE).href)) as {
      serveHttp(): Promise<{ url: string; calls: unknown[]; sessions(): string[]; close(): Promise<void> }>;
    };
    const server = await serveHttp();
    closers.push(() => server.close());
    const home = tempDir();
    const workflow = join(home, 'http.yaml');
    writeFileSync(
      workflow,
      `workflow:
  name: http-tools
  entry_point: work
  runtime:
    mcp_servers:
      remote: { type: http, url: "${server.url}" }
agents:
  - name: work
    prompt: Use the tools.
`,
    );
    const answers = responses(
      home,
      'answers.yaml',
      'work:\n  - tool_calls: [{ name: remote__echo, arguments: { text: over http } }]\n  - text: done\n',
    );
    const result = await runCli(['run', workflow, '--provider', 'mock', '--mock-responses', answers], home);
    expect(result.code, result.stderr).toBe(0);
    expect(server.calls).toEqual([{ name: 'echo', arguments: { text: 'over http' } }]);
    const complete = readLog(home).find((e) => e.type === 'agent_tool_complete');
    expect(complete?.data).toMatchObject({ tool_name: 'remote__echo', result: 'over http', error: null });
    expect(server.sessions()).toEqual([]);
  });

  it('a run that fails at max_agent_iterations leaves no server running', async () => {
    const home = tempDir();
    const workflow = fixtureWorkflow(home, { extra: '    max_agent_iterations: 2\n' });
    const answers = responses(
      home,
      'loop.yaml',
      'work:\n  tool_calls: [{ name: fx__echo, arguments: { text: again } }]\n',
    );
    const result = await runCli(['run', workflow, '--provider', 'mock', '--mock-responses', answers], home);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('MaxAgentIterationsExceeded');
    expect(result.stderr).toMatch(/Continue with: conductor resume --from /);
    const log = readLog(home);
    expect(log.filter((e) => e.type === 'agent_tool_start')).toHaveLength(2);
    const servers = serversIn(log);
    expect(servers).toHaveLength(1);
    expect(servers.every((server) => !running(server))).toBe(true);
    const exited = log.findIndex((e) => e.type === 'child_process_exited');
    expect(exited).toBeLessThan(log.findIndex((e) => e.type === 'workflow_failed'));
  });

  it('Ctrl-C during a tool call stops the run with a checkpoint and closes its server', async () => {
    const home = tempDir();
    const workflow = fixtureWorkflow(home, { linger: true });
    const answers = responses(home, 'wait.yaml', 'work:\n  tool_calls: [{ name: fx__wait }]\n');
    const run = startCli(['run', workflow, '--provider', 'mock', '--mock-responses', answers], home);
    await expect
      .poll(() => readLog(home).some((e) => e.type === 'agent_tool_start'), { timeout: 60_000 })
      .toBe(true);
    const servers = serversIn(readLog(home));
    expect(servers.every(running)).toBe(true);
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/checkpoint saved: .*interrupt/);
    expect(servers.every((server) => !running(server))).toBe(true);
    const log = readLog(home);
    expect(log.find((e) => e.type === 'agent_tool_complete')?.data.error).toContain('the call was stopped');
  });

  it('kill -9 in a tool loop, then resume: the old server is stopped, the step runs again whole, the first calls stay in the history', async () => {
    const home = tempDir();
    const workflow = fixtureWorkflow(home, { linger: true });
    const first = responses(
      home,
      'first.yaml',
      `work:
  - tool_calls: [{ name: fx__echo, arguments: { text: before the crash } }]
  - tool_calls: [{ name: fx__wait }]
`,
    );
    const run = startCli(['run', workflow, '--provider', 'mock', '--mock-responses', first], home, {
      CONDUCTOR_RUN_ID: 'crashed',
    });
    await expect
      .poll(
        () =>
          readLog(home, 'crashed').some(
            (e) => e.type === 'agent_tool_start' && e.data.tool_name === 'fx__wait',
          ),
        {
          timeout: 60_000,
        },
      )
      .toBe(true);
    run.child.kill('SIGKILL');
    await run.done;
    const [old] = serversIn(readLog(home, 'crashed'));
    expect(old).toBeDefined();
    // The killed run's server has no owner and goes on running.
    expect(running(old as NonNullable<typeof old>)).toBe(true);

    const second = responses(
      home,
      'second.yaml',
      `work:
  - tool_calls: [{ name: fx__echo, arguments: { text: after the resume } }]
  - output: { said: done }
`,
    );
    const resumed = await runCli(
      ['resume', '--run', 'crashed', '--provider', 'mock', '--mock-responses', second],
      home,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({ said: 'done' });
    expect(running(old as NonNullable<typeof old>)).toBe(false);

    const log = readLog(home, 'crashed');
    const resumedAt = log.findIndex((e) => e.type === 'workflow_resumed');
    const stoppedAt = log.findIndex(
      (e) =>
        e.type === 'child_process_exited' && e.data.pid === old?.pid && e.data.stopped_by_resume === true,
    );
    const restartedAt = log.findIndex((e, i) => i > resumedAt && e.type === 'agent_started');
    expect(stoppedAt).toBeGreaterThan(resumedAt);
    expect(restartedAt).toBeGreaterThan(stoppedAt);
    // Every server of both generations is gone.
    expect(serversIn(log)).toHaveLength(2);
    expect(serversIn(log).every((server) => !running(server))).toBe(true);

    // The step ran again as a whole; the interrupted attempt keeps its own calls.
    const results = log.filter((e) => e.type === 'agent_tool_complete').map((e) => e.data.result);
    expect(results).toEqual(['before the crash', 'after the resume']);
    const attempts = projectEvents(log).steps.work?.attempts ?? [];
    expect(
      attempts.map((a) => [a.generation, a.tool_calls, a.tools?.map((c) => [c.name, c.status])]),
    ).toEqual([
      [
        0,
        2,
        [
          ['fx__echo', 'completed'],
          ['fx__wait', 'running'],
        ],
      ],
      [1, 1, [['fx__echo', 'completed']]],
    ]);
    // Its process was killed: the attempt never completed (the projection leaves it unfinished).
    expect(attempts[0]?.status).not.toBe('completed');
    expect(attempts[1]?.status).toBe('completed');
  }, 180_000);
});
