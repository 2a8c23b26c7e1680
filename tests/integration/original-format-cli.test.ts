import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliProcess, runCli, startCli, tempDir } from './support/cli.js';

// Workflows in the original's format through the real binary: provider-only keys warned about by validate and
// run, a missing !file, a child that inherits the run's provider, and a questions step answered from the
// dashboard's API.
const compat = fileURLToPath(new URL('./compat/workflows/', import.meta.url));
const clis: CliProcess[] = [];
afterEach(() => {
  for (const cli of clis.splice(0)) cli.child.kill('SIGKILL');
});

const PROVIDER_ONLY_KEYS = [
  'default_context_tier',
  'skills',
  'plugins',
  'context_tier',
  'session_key',
  'sandbox',
];
const warningsAbout = (text: string, key: string) =>
  text.split('\n').filter((line) => line.includes(`warning: "${key}" has no effect`)).length;

describe("the original's workflow format through the CLI", () => {
  it('validate and run accept provider-only keys and warn once about each', async () => {
    const home = tempDir();
    const workflow = join(compat, 'provider-only.yaml');
    const validated = await runCli(['validate', workflow], home);
    expect(validated.code).toBe(0);
    for (const key of PROVIDER_ONLY_KEYS)
      expect(warningsAbout(validated.stdout + validated.stderr, key)).toBe(1);

    const run = await runCli(
      ['run', workflow, '--provider', 'mock', '--mock-responses', join(compat, 'provider-only.mock.json')],
      home,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ line: 'Owls, at dusk.' });
    for (const key of PROVIDER_ONLY_KEYS) expect(warningsAbout(run.stderr, key)).toBe(1);
  });

  it('a !file that does not exist is an error at its file:line:column (exit 2), for validate and run', async () => {
    const home = tempDir();
    const workflow = join(home, 'wf.yaml');
    writeFileSync(
      workflow,
      'workflow:\n  name: t\n  entry_point: a\nagents:\n  - name: a\n    prompt: !file prompts/missing.md\n',
    );
    for (const command of ['validate', 'run']) {
      const result = await runCli(
        [command, workflow, '--provider', 'mock'].slice(0, command === 'run' ? 4 : 2),
        home,
      );
      expect(result.code).toBe(2);
      expect(result.stderr + result.stdout).toMatch(
        /wf\.yaml:6:19 error: !file .*prompts\/missing\.md does not exist/,
      );
    }
  });

  it("a sub-workflow runs with the parent's runtime.provider, and a script exiting 4 without routes ends at $end", async () => {
    const home = tempDir();
    const child = await runCli(
      [
        'run',
        join(compat, 'subworkflow.yaml'),
        '--input',
        'topic=owls',
        '--mock-responses',
        join(compat, 'subworkflow.mock.json'),
      ],
      home,
    );
    expect(child.code).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ summary: 'Owls hunt at night.' });

    const script = await runCli(['run', join(compat, 'script.yaml')], home);
    expect(script.code).toBe(0);
    expect(JSON.parse(script.stdout)).toMatchObject({ exit: 4, stderr: 'soft' });
  });

  it('a questions step is answered question by question from the dashboard API', async () => {
    const home = tempDir();
    const workflow = join(home, 'ask.yaml');
    writeFileSync(
      workflow,
      `workflow:
  name: ask
  entry_point: ask
agents:
  - name: ask
    type: questions
    questions:
      - id: tone
        text: Which tone?
        choices: [formal, casual]
      - id: note
        text: Anything else?
output:
  answers: "{{ ask.output.answers | json }}"
  outcome: "{{ ask.output.outcome }}"
`,
    );
    const cli = startCli(['run', workflow, '--web-port', '0'], home);
    clis.push(cli);
    const [, url] = await cli.waitFor(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
    const base = new URL(url as string);
    const token = base.searchParams.get('token') ?? '';
    const api = (path: string, init?: RequestInit) =>
      fetch(new URL(path, base), {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
    const waitingFor = async (text: string) =>
      expect
        .poll(
          async () => {
            const body = (await (await api('/api/state')).json()) as {
              state: { gates: Record<string, { prompt: string }> };
            };
            return body.state.gates.ask?.prompt ?? '';
          },
          { timeout: 30_000 },
        )
        .toContain(text);

    await waitingFor('Which tone?');
    expect(
      (await api('/api/gate', { method: 'POST', body: JSON.stringify({ step: 'ask', value: 'formal' }) }))
        .status,
    ).toBe(200);
    await waitingFor('Anything else?');
    const free = await api('/api/gate', {
      method: 'POST',
      body: JSON.stringify({ step: 'ask', value: '__free_text__', additional_input: 'bring snacks' }),
    });
    expect(free.status).toBe(200);
    // The dashboard stays up after the run (until Ctrl-C): the final output is what shows the answers.
    const [printed] = await cli.waitFor(/\{\n {2}"answers"[\s\S]*?\n\}/);
    expect(JSON.parse(printed)).toEqual({
      answers: { tone: 'formal', note: 'bring snacks' },
      outcome: 'completed',
    });
  });
});
