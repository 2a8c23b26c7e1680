import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from './support/cli.js';
import {
  type Answer,
  anthropicText,
  type ModelServer,
  openaiText,
  serveModel,
} from './support/model-server.js';

// Agent steps through the real binary against local servers that speak the OpenAI and Anthropic APIs.
const servers: ModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
async function serve(...answers: Answer[]): Promise<ModelServer> {
  const server = await serveModel(...answers);
  servers.push(server);
  return server;
}

function workflowFile(home: string, runtime: string): string {
  const path = join(home, 'bird.yaml');
  writeFileSync(
    path,
    `workflow:
  name: bird
  entry_point: write
  runtime:
${runtime}
agents:
  - name: write
    prompt: Name a bird.
output:
  bird: "{{ write.output.result }}"
`,
  );
  return path;
}

function logOf(home: string): Array<{ type: string; data: Record<string, unknown> }> {
  const [runId] = readdirSync(join(home, 'runs'));
  return readFileSync(join(home, 'runs', runId as string, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('providers through the binary', () => {
  it('runs openai from the runtime.provider mapping (base_url, api_key), validate accepting it', async () => {
    const server = await serve(openaiText(['A ', 'robin.']));
    const home = tempDir();
    const path = workflowFile(
      home,
      `    provider:\n      name: openai\n      base_url: ${server.origin}/v1\n      api_key: sk-local\n    default_model: llama3`,
    );
    const validated = await runCli(['validate', path], home);
    expect(validated.code, validated.stderr).toBe(0);

    const result = await runCli(['run', path], home, { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ bird: 'A robin.' });
    expect(server.seen[0]).toMatchObject({ url: '/v1/chat/completions', body: { model: 'llama3' } });
    expect(server.seen[0]?.headers.authorization).toBe('Bearer sk-local');
    const log = logOf(home);
    expect(log.filter((e) => e.type === 'agent_message').map((e) => e.data.content)).toEqual([
      'A ',
      'robin.',
    ]);
    expect(log.find((e) => e.type === 'agent_completed')?.data).toMatchObject({
      model: 'gpt-local-1',
      input_tokens: 9,
      output_tokens: 3,
    });
  });

  it('runs claude against ANTHROPIC_BASE_URL with ANTHROPIC_API_KEY', async () => {
    const server = await serve(anthropicText(['A ', 'wren.']));
    const home = tempDir();
    const path = workflowFile(home, '    provider: claude');
    const result = await runCli(['run', path], home, {
      ANTHROPIC_BASE_URL: server.origin,
      ANTHROPIC_API_KEY: 'sk-ant-local',
      ANTHROPIC_AUTH_TOKEN: '',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ bird: 'A wren.' });
    expect(server.seen[0]?.url).toBe('/v1/messages');
    expect(server.seen[0]?.headers['x-api-key']).toBe('sk-ant-local');
    expect(logOf(home).find((e) => e.type === 'agent_completed')?.data).toMatchObject({
      model: 'claude-local-1',
      input_tokens: 11,
      output_tokens: 4,
    });
  });

  it('refuses copilot at once in validate and run (exit 2, saying how to choose), and --provider replaces it', async () => {
    const home = tempDir();
    const path = workflowFile(home, '    provider: copilot');
    const validated = await runCli(['validate', path], home);
    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain('bird.yaml:5:15 error: the "copilot" provider');
    expect(validated.stderr).toContain(
      'Choose one with --provider <name> on the command line, or with runtime.provider',
    );

    const refused = await runCli(['run', path], home);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the "copilot" provider .* is not available in this version of conductor/);
    expect(refused.stderr).toContain('The providers here are openai');
    expect(readdirSync(home)).not.toContain('runs');

    const server = await serve(openaiText(['A kite.']));
    const replaced = await runCli(['run', path, '--provider', 'openai'], home, {
      OPENAI_BASE_URL: `${server.origin}/v1`,
      OPENAI_API_KEY: 'k',
    });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout)).toEqual({ bird: 'A kite.' });
  });

  it('keeps the API key out of the run folder and the dashboard, even when the API echoes it', async () => {
    const secret = 'sk-live-INTEGRATION-SECRET-77';
    const echo =
      (status: number): Answer =>
      (req, res) => {
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' });
        res.end(
          JSON.stringify({ error: { message: `Incorrect API key provided: ${req.headers.authorization}` } }),
        );
      };
    const server = await serve(echo(429), echo(401));
    const home = tempDir();
    const path = workflowFile(
      home,
      `    provider:\n      name: openai\n      base_url: ${server.origin}/v1\n      api_key: \${MY_KEY}`,
    );
    const cli = startCli(['run', path, '--web'], home, { MY_KEY: secret });
    try {
      const [url] = await cli.waitFor(/http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/);
      const { origin, searchParams } = new URL(url as string);
      const headers = { authorization: `Bearer ${searchParams.get('token')}` };
      const state = async () => (await fetch(`${origin}/api/state`, { headers })).text();
      await expect.poll(state, { timeout: 30_000, interval: 50 }).toContain('"status":"failed"');
      const answers = [
        await state(),
        await (await fetch(`${origin}/api/events?after=0&limit=1000`, { headers })).text(),
      ];
      expect(answers[1]).toContain('Incorrect API key provided: Bearer [redacted]');
      for (const answer of answers) expect(answer).not.toContain(secret);
      await cli.waitFor(/press Ctrl-C to exit/);
      expect(cli.child.kill('SIGINT')).toBe(true);
    } finally {
      cli.child.kill('SIGINT');
    }
    const result = await cli.done;
    expect(result.stderr).toContain('Incorrect API key provided: Bearer [redacted]');
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    const files = filesUnder(join(home, 'runs'));
    expect(files.some((file) => file.includes('checkpoints'))).toBe(true);
    for (const file of files) expect(readFileSync(file, 'utf8'), file).not.toContain(secret);
  });
});
