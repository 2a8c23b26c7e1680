import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { example, repoRoot, runMain, tempHome } from './test/main-in-process.js';

const invalidDir = join(repoRoot, 'packages/engine/src/workflow/fixtures/invalid');
const invalidFixtures = readdirSync(invalidDir).filter((f) => f.endsWith('.yaml'));

describe('conductor run', () => {
  it('prints the final output as JSON on stdout, progress on stderr, and exits 0', async () => {
    const result = await runMain(['run', example('hello.yaml'), '--input', 'topic=logs'], {
      home: tempHome(),
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      title: 'planner: title (mock)',
      article: 'writer: article (mock)',
    });
    expect(result.stderr).toMatch(/▸ planner \(agent\)/);
    expect(result.stderr).toMatch(/✓ writer {2}\d+\.\d+s/);
    expect(result.stderr).toMatch(/completed run [\w-]+ in/);
  });

  it('--quiet prints only the output', async () => {
    const result = await runMain(['run', example('scripts-and-values.yaml'), '--quiet'], {
      home: tempHome(),
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ doubled: 6 });
  });

  it('exits 1 when a step fails and names the step and error', async () => {
    const result = await runMain(
      ['run', example('release.yaml'), '--mock-responses', example('release.flaky.yaml')],
      { home: tempHome() },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/✗ review/);
    expect(result.stderr).toMatch(/failed run [\w-]+ at step "review".*upstream model overloaded/);
  });

  it('exits 1 when a terminate step says failed', async () => {
    const home = tempHome();
    const responses = join(home, 'low-scores.yaml');
    writeFileSync(responses, 'review:\n  - output: { score: 2, feedback: "no" }\n');
    const result = await runMain(['run', example('review-loop.yaml'), '--mock-responses', responses], {
      home,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/No draft scored 8 or more/);
  });

  it('exits 2 for an unknown input, a missing file and a malformed --input, without a stack trace', async () => {
    const home = tempHome();
    const unknown = await runMain(['run', example('hello.yaml'), '--input', 'bogus=1'], { home });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown input "bogus".*Declared inputs: topic/);
    const missing = await runMain(['run', 'does-not-exist.yaml'], { home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/not found: does-not-exist\.yaml/);
    const malformed = await runMain(['run', example('hello.yaml'), '--input', 'topic'], { home });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/not of the form name=value/);
    for (const r of [unknown, missing, malformed]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for an unknown command or option', async () => {
    const result = await runMain(['rnu', 'x.yaml'], { home: tempHome() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown command 'rnu'/);
  });
});

describe('conductor validate', () => {
  it('accepts every example', async () => {
    const home = tempHome();
    for (const name of ['hello', 'release', 'review-loop', 'scripts-and-values']) {
      const result = await runMain(['validate', example(`${name}.yaml`)], { home });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/valid workflow/);
    }
  });

  it(`rejects each of the ${invalidFixtures.length} broken workflows with exit 2 and file:line:column`, async () => {
    expect(invalidFixtures.length).toBeGreaterThanOrEqual(10);
    const home = tempHome();
    const results = await Promise.all(
      invalidFixtures.map((file) => runMain(['validate', join(invalidDir, file)], { home })),
    );
    results.forEach((result, i) => {
      const file = invalidFixtures[i] as string;
      expect(result.code, file).toBe(2);
      expect(result.stderr, file).toMatch(new RegExp(`${file.replace('.', '\\.')}:\\d+:\\d+ error: `));
    });
  });
});

describe('conductor --help and --version', () => {
  it('documents commands, the mock provider and exit codes', async () => {
    const home = tempHome();
    const help = await runMain(['--help'], { home });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/run \[options\] <workflow>/);
    expect(help.stdout).toMatch(/130 +interrupted/);
    expect(help.stdout).toMatch(/--no-color +no colours in the output/);
    const runHelp = await runMain(['run', '--help'], { home });
    expect(runHelp.code).toBe(0);
    expect(runHelp.stdout.replace(/\s+/g, ' ')).toMatch(/"mock" \(offline, deterministic; no API key\)/);
    const version = await runMain(['--version'], { home });
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
