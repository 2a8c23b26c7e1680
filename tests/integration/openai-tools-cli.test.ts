import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from './support/chromium.js';
import { runCli, tempDir } from './support/cli.js';
import {
  type Answer,
  type ChatMessage,
  type ModelServer,
  offeredTools,
  openaiText,
  openaiToolCalls,
  serveDecidingModel,
} from './support/model-server.js';

// Real agents through the real binary: a local server that speaks OpenAI's Chat Completions API decides
// each answer from the request, as a model would (ask for a tool, then answer from its result), and the
// MCP server of the notes example does real work on disk over stdio.

type LogEvent = { type: string; data: Record<string, unknown> };
const NOTES_SERVER = join(repoRoot, 'examples/notes-mcp/server.mjs');

function readLog(home: string): LogEvent[] {
  const [runId] = readdirSync(join(home, 'runs'));
  return readFileSync(join(home, 'runs', runId as string, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogEvent);
}

const servers: ModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
async function serve(decide: (body: Record<string, unknown>) => Answer): Promise<ModelServer> {
  const server = await serveDecidingModel(decide);
  servers.push(server);
  return server;
}

/** The conversation of a request: its messages, and each tool result with the call it answers. */
function conversation(body: Record<string, unknown>) {
  const messages = body.messages as ChatMessage[];
  const calls = new Map<string, { name: string; arguments: Record<string, unknown> }>();
  for (const message of messages) {
    for (const call of message.tool_calls ?? [])
      calls.set(call.id, { name: call.function.name, arguments: JSON.parse(call.function.arguments) });
  }
  const results = messages
    .filter((m) => m.role === 'tool')
    .map((m) => ({
      ...(calls.get(m.tool_call_id ?? '') ?? { name: '', arguments: {} }),
      text: String(m.content),
    }));
  const prompt = messages
    .filter((m) => m.role === 'user')
    .map((m) => String(m.content))
    .join('\n');
  return { messages, results, prompt };
}

describe('a workflow in the original format, through the binary, against an OpenAI-compatible server', () => {
  it('calls the stdio MCP tool the agent selects, logs both tool events, and answers from its result', async () => {
    const home = tempDir();
    const notes = join(home, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'launch.md'), '# Launch\n\nOwner: Dana Whitfield\nCode word: heliotrope-42\n');
    const server = await serve((body) => {
      const { results } = conversation(body);
      if (results.length === 0) {
        return openaiToolCalls([
          { id: 'call_read', name: 'notes__read_note', arguments: { name: 'launch.md' } },
        ]);
      }
      const note = results[0]?.text ?? '';
      const owner = /Owner: (.+)/.exec(note)?.[1] ?? 'unknown';
      const code = /Code word: (.+)/.exec(note)?.[1] ?? 'unknown';
      return openaiText([`{"owner": "${owner}", `, `"code_word": "${code}"}`]);
    });
    const path = join(home, 'launch.yaml');
    // The original's keys: runtime.provider and mcp_servers (type stdio), the tools list and an agent's
    // selection, system_prompt, retry, reasoning, output_mode; OPENAI_BASE_URL and OPENAI_API_KEY.
    writeFileSync(
      path,
      `workflow:
  name: launch-facts
  entry_point: lookup
  runtime:
    provider: openai
    default_model: gpt-4o-mini
    mcp_servers:
      notes:
        type: stdio
        command: node
        args: [${JSON.stringify(NOTES_SERVER)}, ${JSON.stringify(notes)}]
tools: [notes__list_notes, notes__read_note, notes__write_note]
agents:
  - name: lookup
    system_prompt: You answer from the team's notes, using the tools.
    prompt: Who owns the launch, and what is its code word? Read launch.md.
    tools: [notes__read_note]
    retry: { max_attempts: 2, backoff: fixed, delay_seconds: 1 }
    reasoning: { effort: low }
    output_mode: envelope
    output:
      owner: { type: string }
      code_word: { type: string }
    routes:
      - to: $end
output:
  owner: "{{ lookup.output.owner }}"
  code_word: "{{ lookup.output.code_word }}"
`,
    );
    const env = { OPENAI_BASE_URL: `${server.origin}/v1`, OPENAI_API_KEY: 'local' };
    const valid = await runCli(['validate', path], home, env);
    expect(valid.code, valid.stderr).toBe(0);

    const result = await runCli(['run', path], home, env);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ owner: 'Dana Whitfield', code_word: 'heliotrope-42' });

    // The model was offered only the selected tool, with the system prompt and the effort, and got the
    // note's text back in the second request.
    expect(server.seen).toHaveLength(2);
    expect(offeredTools(server.seen[0]?.body ?? {})).toEqual(['notes__read_note']);
    expect(server.seen[0]?.body).toMatchObject({
      model: 'gpt-4o-mini',
      reasoning_effort: 'low',
      messages: [
        { role: 'system', content: "You answer from the team's notes, using the tools." },
        expect.anything(),
      ],
    });
    expect(conversation(server.seen[1]?.body ?? {}).results).toEqual([
      {
        name: 'notes__read_note',
        arguments: { name: 'launch.md' },
        text: expect.stringContaining('Owner: Dana'),
      },
    ]);

    const log = readLog(home);
    const start = log.find((e) => e.type === 'agent_tool_start');
    const complete = log.find((e) => e.type === 'agent_tool_complete');
    expect(start?.data).toMatchObject({
      agent_name: 'lookup',
      tool_name: 'notes__read_note',
      call_id: 'call_read',
      arguments: { name: 'launch.md' },
    });
    expect(complete?.data).toMatchObject({
      tool_name: 'notes__read_note',
      call_id: 'call_read',
      error: null,
    });
    expect(complete?.data.result).toContain('Code word: heliotrope-42');
    expect(log.find((e) => e.type === 'agent_completed')?.data).toMatchObject({
      output: { owner: 'Dana Whitfield', code_word: 'heliotrope-42' },
      input_tokens: 30 + 9,
    });
  });
});

/**
 * A model for the notes example, deciding from each request as a real one would: the tools it is offered
 * say which agent asks; the tool results so far say what it has done.
 */
function notesModel(body: Record<string, unknown>): Answer {
  const tools = offeredTools(body);
  const { results, prompt } = conversation(body);
  const last = results.at(-1);
  if (tools.includes('notes__list_notes')) {
    // gather: list, read every note but the digest, then collect the TODO lines.
    if (!last) return openaiToolCalls([{ id: 'call_list', name: 'notes__list_notes', arguments: {} }]);
    if (last.name === 'notes__list_notes') {
      const names = last.text
        .split('\n')
        .map((line) => line.split(':')[0] ?? '')
        .filter((name) => name.endsWith('.md') && name !== 'digest.md');
      return openaiToolCalls(
        names.map((name, i) => ({ id: `call_read_${i}`, name: 'notes__read_note', arguments: { name } })),
      );
    }
    const reads = results.filter((r) => r.name === 'notes__read_note');
    const items = reads.flatMap((r) =>
      [...r.text.matchAll(/^- TODO: (\w+) to (.+?)\.?$/gm)].map((m) => `${m[1]}: ${m[2]}`),
    );
    const notesRead = reads.map((r) => String(r.arguments.name));
    return openaiText([JSON.stringify({ action_items: items, notes_read: notesRead })]);
  }
  if (tools.includes('notes__write_note')) {
    // write: the items are the prompt's "- " lines.
    if (!last) {
      const lines = [...prompt.matchAll(/^\s*- (.+)$/gm)].map((m) => `- ${m[1]}`);
      const text = `# Action items\n\n${lines.join('\n')}\n`;
      return openaiToolCalls([
        { id: 'call_write', name: 'notes__write_note', arguments: { name: 'digest.md', text } },
      ]);
    }
    return openaiText([JSON.stringify({ note: 'digest.md' })]);
  }
  // check: read the note the prompt names, count its "- " lines.
  const note = /Read the note (\S+) back/.exec(prompt)?.[1] ?? 'digest.md';
  if (!last)
    return openaiToolCalls([{ id: 'call_check', name: 'notes__read_note', arguments: { name: note } }]);
  const count = last.text.split('\n').filter((line) => line.startsWith('- ')).length;
  const expected = Number(/It should have\s+(\d+)/.exec(prompt)?.[1]);
  return openaiText([JSON.stringify({ items: count, complete: count === expected })]);
}

describe('the notes example with a model', () => {
  it('runs unchanged with --provider openai against an OpenAI-compatible server, the model choosing the tools', async () => {
    const home = tempDir();
    const notes = join(home, 'notes');
    cpSync(join(repoRoot, 'examples/notes-mcp/sample'), notes, { recursive: true });
    const server = await serve(notesModel);
    const result = await runCli(['run', 'examples/notes-digest.yaml', '--provider', 'openai'], home, {
      NOTES_DIR: notes,
      MODEL: 'qwen-local',
      OPENAI_BASE_URL: `${server.origin}/v1`,
      OPENAI_API_KEY: 'local',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      digest: 'digest.md',
      action_items: [
        'Chen: run the migration dry run on a copy of production',
        'Bo: quarantine the flaky payment test by Wednesday',
        'Ana: finish the changelog before the release review',
      ],
      checked_items: 3,
      complete: true,
    });
    expect(readFileSync(join(notes, 'digest.md'), 'utf8')).toBe(
      '# Action items\n\n- Chen: run the migration dry run on a copy of production\n' +
        '- Bo: quarantine the flaky payment test by Wednesday\n' +
        '- Ana: finish the changelog before the release review\n',
    );
    // Every request went to the model the workflow names through MODEL, each agent with its own tools.
    expect(new Set(server.seen.map((seen) => seen.body.model))).toEqual(new Set(['qwen-local']));
    expect(server.seen.map((seen) => offeredTools(seen.body).length)).toEqual([3, 3, 3, 1, 1, 1, 1]);
    const calls = readLog(home)
      .filter((e) => e.type === 'agent_tool_complete')
      .map((e) => [e.data.agent_name, e.data.tool_name, e.data.error]);
    expect(calls).toEqual([
      ['gather', 'notes__list_notes', null],
      ['gather', 'notes__read_note', null],
      ['gather', 'notes__read_note', null],
      ['gather', 'notes__read_note', null],
      ['write', 'notes__write_note', null],
      ['check', 'notes__read_note', null],
    ]);
  });
});
