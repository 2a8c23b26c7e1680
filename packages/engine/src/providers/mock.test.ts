import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputJsonSchema, outputMismatch } from '../steps/output-schema.js';
import type { OutputSchema } from '../workflow/types.js';
import { MockResponsesError, ProviderError } from './errors.js';
import { checkMockResponses, createMockProvider, loadMockResponses } from './mock.js';
import type { CompletionRequest } from './types.js';

const signal = new AbortController().signal;

function request(agent: string, extra: Partial<CompletionRequest> = {}): CompletionRequest {
  return { agent, messages: [{ role: 'user', content: 'hello' }], signal, ...extra };
}

async function ask(provider: ReturnType<typeof createMockProvider>, req: CompletionRequest) {
  const chunks: string[] = [];
  const result = await provider.complete(req, (chunk) => chunks.push(chunk));
  return { ...result, chunks };
}

const schema: OutputSchema = {
  title: { type: 'string' },
  score: { type: 'number' },
  count: { type: 'integer' },
  approved: { type: 'boolean' },
  verdict: { type: 'string', enum: ['pass', 'fail'] },
  tags: { type: 'array', items: { type: 'string' } },
  findings: {
    type: 'array',
    items: { type: 'object', properties: { line: { type: 'integer' }, note: { type: 'string' } } },
  },
  meta: { type: 'object', properties: { reviewer: { type: 'string' } } },
};

describe('mock provider', () => {
  it('answers with output that conforms to the JSON Schema of the step', async () => {
    const answer = await ask(
      createMockProvider(),
      request('reviewer', { jsonSchema: outputJsonSchema(schema) }),
    );
    const value = JSON.parse(answer.text);
    expect(outputMismatch(value, schema)).toBeNull();
    expect(value).toEqual({
      title: 'reviewer: title (mock)',
      score: 1,
      count: 1,
      approved: true,
      verdict: 'pass',
      tags: ['reviewer: tags (mock)'],
      findings: [{ line: 1, note: 'reviewer: note (mock)' }],
      meta: { reviewer: 'reviewer: reviewer (mock)' },
    });
    expect(answer.model).toBe('mock');
  });

  it('keeps its answers within the length and range bounds of the schema', async () => {
    const bounded: OutputSchema = {
      code: { type: 'string', maxLength: 4 },
      long: { type: 'string', minLength: 40 },
      score: { type: 'integer', minimum: 5, maximum: 9 },
      ratio: { type: 'number', maximum: 0.5 },
    };
    const answer = await ask(createMockProvider(), request('r', { jsonSchema: outputJsonSchema(bounded) }));
    const value = JSON.parse(answer.text);
    expect(outputMismatch(value, bounded)).toBeNull();
    expect(value).toMatchObject({ code: 'r: c', score: 5, ratio: 0.5 });
  });

  it('reports the token counts a scripted answer gives, to be priced as its model', async () => {
    const responses = checkMockResponses(
      { r: { text: 'x', usage: { input_tokens: 1200, output_tokens: 30, cache_read_tokens: 1000 } } },
      'inline',
    );
    const answer = await ask(createMockProvider({ responses }), request('r'));
    expect(answer).toMatchObject({ inputTokens: 1200, outputTokens: 30, cacheReadTokens: 1000 });
    // Played usage is priced as the model's would be; the mock's own answers are free.
    expect(answer.costUsd).toBeUndefined();
    expect((await ask(createMockProvider(), request('r'))).costUsd).toBe(0);
    expect(() => checkMockResponses({ r: { text: 'x', usage: { input_tokens: -1 } } }, 'inline')).toThrow(
      /usage\.input_tokens/,
    );
  });

  it('streams its answer as a few chunks that join to the text', async () => {
    const answer = await ask(createMockProvider(), request('writer'));
    expect(answer.text).toBe('writer: result (mock)');
    expect(answer.chunks.length).toBeGreaterThan(1);
    expect(answer.chunks.join('')).toBe(answer.text);
  });

  it('plays scripted answers in order and repeats the last one', async () => {
    const responses = checkMockResponses(
      { reviewer: [{ output: { score: 3 } }, { text: 'raw words' }, { output: { score: 9 } }] },
      'inline',
    );
    const provider = createMockProvider({ responses });
    const texts: string[] = [];
    for (let i = 0; i < 5; i++) texts.push((await ask(provider, request('reviewer'))).text);
    expect(texts).toEqual(['{"score":3}', 'raw words', '{"score":9}', '{"score":9}', '{"score":9}']);
    // Agents without a script still get schema answers.
    expect((await ask(provider, request('other'))).text).toBe('other: result (mock)');
  });

  it('accepts a single entry instead of a list', async () => {
    const provider = createMockProvider({
      responses: checkMockResponses({ writer: { text: 'draft' } }, 'inline'),
    });
    expect((await ask(provider, request('writer'))).text).toBe('draft');
    expect((await ask(provider, request('writer'))).text).toBe('draft');
  });

  it('fails a call with a scripted error', async () => {
    const provider = createMockProvider({
      responses: checkMockResponses({ writer: [{ error: 'quota gone' }, { text: 'ok' }] }, 'x'),
    });
    const error = await provider.complete(request('writer'), () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).errorType).toBe('ProviderError');
    expect((error as Error).message).toContain('quota gone');
    expect((await ask(provider, request('writer'))).text).toBe('ok');
  });

  it('rejects with an AbortError when the request is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await createMockProvider()
      .complete(request('a', { signal: controller.signal }), () => {})
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
  });
});

describe('mock provider tool calls', () => {
  it('answers with the scripted tool calls, then goes on with the next answer', async () => {
    const provider = createMockProvider({
      responses: checkMockResponses(
        {
          worker: [
            {
              text: 'Looking.',
              tool_calls: [
                { name: 'notes__read', arguments: { name: 'a.md' } },
                { name: 'notes__list' },
                { name: 'notes__write', arguments: '{"name": "b.md",' },
                { name: 'notes__write', arguments: '["b.md"]' },
              ],
            },
            { text: 'done' },
          ],
        },
        'test',
      ),
    });
    const first = await ask(provider, request('worker'));
    expect(first).toMatchObject({ text: 'Looking.', finishReason: 'tool-calls' });
    expect(first.toolCalls).toEqual([
      {
        id: 'mock-call-1',
        name: 'notes__read',
        argumentsText: '{"name":"a.md"}',
        arguments: { name: 'a.md' },
      },
      { id: 'mock-call-2', name: 'notes__list', argumentsText: '{}', arguments: {} },
      {
        id: 'mock-call-3',
        name: 'notes__write',
        argumentsText: '{"name": "b.md",',
        arguments: null,
        argumentsError: expect.stringContaining('not valid JSON'),
      },
      {
        id: 'mock-call-4',
        name: 'notes__write',
        argumentsText: '["b.md"]',
        arguments: null,
        argumentsError: 'not a JSON object',
      },
    ]);
    const second = await ask(provider, request('worker'));
    expect(second).toMatchObject({ text: 'done', finishReason: 'stop' });
    expect(second.toolCalls).toBeUndefined();
  });

  it('rejects tool calls mixed with an output or an error, and calls without a name', () => {
    expect(() => checkMockResponses({ w: { tool_calls: [{ name: 'a__b' }], output: {} } }, 'f')).toThrow(
      /exactly one of "output", "error", "text" or "tool_calls"/,
    );
    expect(() => checkMockResponses({ w: { tool_calls: [{ arguments: {} }] } }, 'f')).toThrow(
      /agent "w", its answer \(tool_calls.0.name\)/,
    );
    expect(() => checkMockResponses({ w: { tool_calls: [] } }, 'f')).toThrow(/tool_calls must list a call/);
  });
});

describe('loadMockResponses', () => {
  async function file(text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'conductor-mock-'));
    const path = join(dir, 'responses.yaml');
    await writeFile(path, text);
    return path;
  }

  it('reads YAML (and so JSON) files', async () => {
    const path = await file('reviewer:\n  - output: { score: 2 }\n  - error: boom\nwriter:\n  text: hi\n');
    expect(await loadMockResponses(path, { agents: ['reviewer', 'writer'] })).toEqual({
      reviewer: [{ output: { score: 2 } }, { error: 'boom' }],
      writer: [{ text: 'hi' }],
    });
  });

  it('names the file, the agent and the entry for a bad entry', async () => {
    const path = await file('reviewer:\n  - output: { score: 2 }\n  - output: {}\n    text: both\n');
    const error = await loadMockResponses(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MockResponsesError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('agent "reviewer", answer 2');
    expect((error as Error).message).toContain('exactly one of');
  });

  it('rejects unknown keys in an entry', async () => {
    const error = await loadMockResponses({ reviewer: [{ outptu: { a: 1 } } as never] }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/agent "reviewer", answer 1 \(outptu\)/);
  });

  it('rejects agents the workflow does not have, listing the ones it has', async () => {
    const path = await file('reveiwer:\n  text: hi\n');
    const error = await loadMockResponses(path, { agents: ['reviewer', 'writer'] }).catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      `${path}: agent "reveiwer" is not an agent step of this workflow (agent steps: reviewer, writer)`,
    );
  });

  it("accepts a step's validator and dialog answers, and for-each items' by their group", async () => {
    const path = await file(
      [
        '"reviewer (validator)": { output: { passed: true, issues: [] } }',
        '"writer (dialog evaluator)": { output: { trigger: false } }',
        '"writer (dialog)": { text: hi }',
        '"each (validator)": { output: { passed: false, issues: [x] } }',
        '"reviewer (critic)": { text: no }',
      ].join('\n'),
    );
    const error = await loadMockResponses(path, { agents: ['reviewer', 'writer', 'each'] }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toContain('agent "reviewer (critic)" is not an agent step');
    expect((error as Error).message).toContain('"<step> (validator)"');
    const responses = await loadMockResponses(
      { 'each (validator)': { output: { passed: false, issues: ['x'] } } },
      { agents: ['each'] },
    );
    const provider = createMockProvider({ responses });
    const answer = await provider.complete(
      { agent: 'each[2] (validator)', messages: [], signal: new AbortController().signal },
      () => {},
    );
    expect(JSON.parse(answer.text)).toEqual({ passed: false, issues: ['x'] });
  });

  it('reports a missing file and a file that is not a mapping', async () => {
    const missing = await loadMockResponses('/nonexistent/responses.yaml').catch((e: unknown) => e);
    expect((missing as Error).message).toContain(
      'cannot read mock responses file /nonexistent/responses.yaml',
    );
    expect((missing as Error).message).toContain('Check the path given to --mock-responses');
    const list = await loadMockResponses(await file('- a\n- b\n')).catch((e: unknown) => e);
    expect((list as Error).message).toContain('expected a mapping of agent name to answers');
  });
});
