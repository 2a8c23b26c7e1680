import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutputStore } from '../outputs/store.js';
import {
  FIXTURE_SERVER,
  type HttpFixture,
  startHttpFixture,
  startSseFixture,
  stdioFixture,
} from '../testing/mcp/fixture.js';
import { isAlive as alive, WAIT } from '../testing/support.js';
import type { McpServerConfig, ToolOutputConfig, WorkflowDefinition } from '../workflow/types.js';
import { ToolSelectionError, ToolServerError } from './errors.js';
import { createToolbox, type ToolsRequest } from './toolbox.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function setup(
  servers: Record<string, McpServerConfig>,
  options: { tools?: string[]; toolOutput?: ToolOutputConfig } = {},
) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'conductor-toolbox-')));
  const outputs = createOutputStore({ dir: join(dir, 'outputs') });
  const controller = new AbortController();
  const toolbox = createToolbox({ outputs, env: process.env, signal: controller.signal });
  closers.push(() => toolbox.close());
  const spawned: Array<{ child: ChildProcess; server: string }> = [];
  const definition: WorkflowDefinition = {
    workflow: {
      name: 't',
      entry_point: 'a',
      runtime: { mcp_servers: servers, ...(options.toolOutput ? { tool_output: options.toolOutput } : {}) },
    },
    agents: [],
    ...(options.tools ? { tools: options.tools } : {}),
  };
  const request = (extra: Partial<ToolsRequest> = {}): ToolsRequest => ({
    definition,
    workflowDir: dir,
    selection: undefined,
    cwd: dir,
    signal: new AbortController().signal,
    onSpawn: (child, details) => {
      spawned.push({ child, server: details.server });
    },
    step: 'a',
    ...extra,
  });
  return { dir, toolbox, request, spawned, controller };
}

/** The process group of a running process, from /proc. */
function groupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe('toolbox over stdio', () => {
  it('starts a server in its own process group, lists its tools as server__tool and calls them', async () => {
    const { toolbox, request, spawned } = setup({ fx: stdioFixture() });
    const tools = await toolbox.toolsFor(request());
    expect(tools.specs.map((spec) => spec.name)).toEqual([
      'fx__echo',
      'fx__add',
      'fx__big',
      'fx__fail',
      'fx__wait',
      'fx__where',
      'fx__spawn_sleeper',
    ]);
    expect(tools.specs[1]).toMatchObject({
      description: 'Adds two numbers.',
      inputSchema: { type: 'object', properties: { a: { type: 'number' } }, required: ['a', 'b'] },
    });
    expect(spawned).toHaveLength(1);
    const pid = spawned[0]?.child.pid as number;
    expect(groupOf(pid)).toBe(pid);
    expect(groupOf(process.pid)).not.toBe(pid);

    expect(await tools.call('fx__echo', { text: 'hi' }, new AbortController().signal)).toEqual({
      model: 'hi',
      event: 'hi',
      isError: false,
    });
    expect((await tools.call('fx__add', { a: 2, b: 3 }, new AbortController().signal)).model).toBe('5');
  });

  it('starts a server once for steps that ask for it at the same time', async () => {
    const { toolbox, request, spawned } = setup({ fx: stdioFixture() });
    const [a, b] = await Promise.all([toolbox.toolsFor(request()), toolbox.toolsFor(request({ step: 'b' }))]);
    expect(spawned).toHaveLength(1);
    expect(a.specs).toEqual(b.specs);
  });

  it('starts each server once per run and folder, and closes every one with its process group', async () => {
    const { toolbox, request, spawned, dir } = setup({ fx: stdioFixture() });
    const first = await toolbox.toolsFor(request());
    await toolbox.toolsFor(request({ step: 'b' }));
    expect(spawned).toHaveLength(1);
    const other = join(dir, 'other');
    mkdirSync(other);
    const elsewhere = await toolbox.toolsFor(request({ cwd: other }));
    expect(spawned).toHaveLength(2);
    const where = JSON.parse((await elsewhere.call('fx__where', {}, new AbortController().signal)).model);
    expect(where.cwd).toBe(other);

    const sleeper = Number((await first.call('fx__spawn_sleeper', {}, new AbortController().signal)).model);
    expect(alive(sleeper)).toBe(true);
    await toolbox.close();
    for (const { child } of spawned) expect(alive(child.pid as number)).toBe(false);
    // What the server started in its group went with it.
    await expect.poll(() => alive(sleeper), WAIT).toBe(false);
    await expect(toolbox.toolsFor(request())).rejects.toBeInstanceOf(ToolServerError);
  });

  it("runs a server in its own cwd with only the safe variables of the run's environment and its env", async () => {
    const { toolbox, request, dir } = setup({
      fx: stdioFixture({ cwd: '.', env: { FIXTURE_TOKEN: 'abc' } }),
    });
    process.env.CONDUCTOR_TEST_SECRET = 'not for servers';
    try {
      const tools = await toolbox.toolsFor(request({ cwd: '/' }));
      const signal = new AbortController().signal;
      const own = JSON.parse((await tools.call('fx__where', { env: 'FIXTURE_TOKEN' }, signal)).model);
      expect(own).toMatchObject({ cwd: dir, env: 'abc' });
      const secret = JSON.parse(
        (await tools.call('fx__where', { env: 'CONDUCTOR_TEST_SECRET' }, signal)).model,
      );
      expect(secret.env).toBeNull();
      const path = JSON.parse((await tools.call('fx__where', { env: 'PATH' }, signal)).model);
      expect(path.env).toBe(process.env.PATH);
    } finally {
      delete process.env.CONDUCTOR_TEST_SECRET;
    }
  });

  it('caps a long result: the model gets max_chars and the marker, the whole is in a spill file', async () => {
    const { toolbox, request, dir } = setup({ fx: stdioFixture() }, { toolOutput: { max_chars: 1000 } });
    const tools = await toolbox.toolsFor(request());
    const outcome = await tools.call('fx__big', { chars: 5000 }, new AbortController().signal);
    expect(outcome.isError).toBe(false);
    expect(outcome.event).toBe('x'.repeat(500));
    expect(outcome.spill).toMatchObject({ bytes: 5000, head_chars: 500 });
    const path = outcome.spill?.path as string;
    expect(path.startsWith(join(dir, 'outputs'))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('x'.repeat(5000));
    expect(outcome.model).toBe(
      `${'x'.repeat(1000)}\n\n[output truncated: 5000 chars -> 1000 kept; full output saved to: ${path}. Read that file for the rest.]`,
    );
    // Under the cap nothing changes.
    expect((await tools.call('fx__big', { chars: 1000 }, new AbortController().signal)).model).toBe(
      'x'.repeat(1000),
    );
  });

  it('spills to spill_dir, or cuts without a file when spill_to_file is false', async () => {
    const spilled = setup({ fx: stdioFixture() }, { toolOutput: { max_chars: 1000, spill_dir: 'spills' } });
    const outcome = await (await spilled.toolbox.toolsFor(spilled.request())).call(
      'fx__big',
      { chars: 3000 },
      new AbortController().signal,
    );
    expect(outcome.spill?.path.startsWith(join(spilled.dir, 'spills'))).toBe(true);
    expect(existsSync(outcome.spill?.path as string)).toBe(true);

    const cut = setup({ fx: stdioFixture() }, { toolOutput: { max_chars: 1000, spill_to_file: false } });
    const kept = await (await cut.toolbox.toolsFor(cut.request())).call(
      'fx__big',
      { chars: 3000 },
      new AbortController().signal,
    );
    expect(kept.spill).toBeUndefined();
    expect(kept.truncatedFrom).toBe(3000);
    expect(kept.model).toBe(
      `${'x'.repeat(1000)}\n\n[output truncated: 3000 chars -> 1000 kept; the full output was not saved]`,
    );
    expect(existsSync(join(cut.dir, 'outputs'))).toBe(false);
  });

  it("reports a tool's error, an unknown tool and a failed call as outcomes, not exceptions", async () => {
    const { toolbox, request } = setup({ fx: stdioFixture() });
    const tools = await toolbox.toolsFor(request());
    const signal = new AbortController().signal;
    expect(await tools.call('fx__fail', { message: 'disk full' }, signal)).toMatchObject({
      isError: true,
      model: 'failed: disk full',
    });
    const unknown = await tools.call('fx__nope', {}, signal);
    expect(unknown.isError).toBe(true);
    expect(unknown.model).toContain('there is no tool "fx__nope"; the tools are: fx__echo, fx__add');
  });

  it('stops waiting for a call when its signal aborts, and the server lives on', async () => {
    const { toolbox, request } = setup({ fx: stdioFixture() });
    const tools = await toolbox.toolsFor(request());
    const controller = new AbortController();
    const waiting = tools.call('fx__wait', {}, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();
    expect((await tools.call('fx__echo', { text: 'still here' }, new AbortController().signal)).model).toBe(
      'still here',
    );
  });

  it('offers only the selected tools, and none for an empty selection', async () => {
    const { toolbox, request, spawned } = setup(
      { fx: stdioFixture({ tools: ['echo', 'add', 'fail'] }) },
      { tools: ['fx__echo', 'fx__add'] },
    );
    expect((await toolbox.toolsFor(request({ selection: [] }))).specs).toEqual([]);
    expect(spawned).toHaveLength(0);
    expect((await toolbox.toolsFor(request())).specs.map((s) => s.name)).toEqual(['fx__echo', 'fx__add']);
    expect((await toolbox.toolsFor(request({ selection: ['fx__add'] }))).specs.map((s) => s.name)).toEqual([
      'fx__add',
    ]);
    await expect(toolbox.toolsFor(request({ selection: ['fx__big'] }))).rejects.toThrow(
      /selects tool "fx__big", but MCP server "fx" .* leaves it out with its tools filter/,
    );
    await expect(toolbox.toolsFor(request({ selection: ['fx__missing'] }))).rejects.toBeInstanceOf(
      ToolSelectionError,
    );
  });

  it('says why a server could not start: a missing command, or an exit during the handshake with its stderr', async () => {
    const missing = setup({ fx: { command: 'conductor-no-such-server' } });
    await expect(missing.toolbox.toolsFor(missing.request())).rejects.toThrow(
      /MCP server "fx" \(conductor-no-such-server in .*\) could not start: command not found/,
    );
    const exits = setup({
      fx: {
        command: process.execPath,
        args: [FIXTURE_SERVER],
        env: { FIXTURE_EXIT: '3', FIXTURE_STDERR: 'bad config' },
      },
    });
    const error = await exits.toolbox.toolsFor(exits.request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolServerError);
    expect((error as Error).message).toMatch(/did not complete the MCP handshake: .*; it exited with code 3/);
    expect((error as Error).message).toContain('Its stderr ends with:\nbad config');
  });
});

describe('toolbox over Streamable HTTP', () => {
  let fixture: HttpFixture;
  const start = async () => {
    fixture = await startHttpFixture();
    closers.unshift(() => fixture.close());
    return fixture;
  };

  it('connects with its headers, calls tools, and ends its session on close', async () => {
    const server = await start();
    const { toolbox, request, spawned } = setup({
      remote: { type: 'http', url: server.url, headers: { Authorization: 'Bearer t0ken' } },
    });
    const tools = await toolbox.toolsFor(request());
    expect(spawned).toEqual([]);
    expect(tools.specs.map((s) => s.name)).toContain('remote__echo');
    const outcome = await tools.call('remote__add', { a: 40, b: 2 }, new AbortController().signal);
    expect(outcome.model).toBe('42');
    expect(server.calls).toEqual([{ name: 'add', args: { a: 40, b: 2 } }]);
    expect(server.headers.every((h) => h.authorization === 'Bearer t0ken')).toBe(true);
    expect(server.sessions()).toHaveLength(1);
    await toolbox.close();
    await expect.poll(() => server.sessions(), WAIT).toEqual([]);
  });

  it('connects to an SSE server with its headers', async () => {
    const server = await startSseFixture();
    closers.unshift(() => server.close());
    const { toolbox, request } = setup({
      old: { type: 'sse', url: server.url, headers: { 'X-Team': 'docs' } },
    });
    const tools = await toolbox.toolsFor(request());
    expect((await tools.call('old__echo', { text: 'over sse' }, new AbortController().signal)).model).toBe(
      'over sse',
    );
    expect(server.calls).toEqual([{ name: 'echo', args: { text: 'over sse' } }]);
    expect(server.headers.every((h) => h['x-team'] === 'docs')).toBe(true);
  });

  it('says when a server cannot be reached', async () => {
    const server = await start();
    const url = server.url;
    await server.close();
    const { toolbox, request } = setup({ remote: { type: 'http', url } });
    await expect(toolbox.toolsFor(request())).rejects.toThrow(
      /MCP server "remote" \(http .*\) could not be reached/,
    );
  });
});
