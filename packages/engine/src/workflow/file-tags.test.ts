// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the included files use ${VAR} substitution.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateWorkflow } from './load.js';

function tree(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'conductor-file-tag-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

const workflow = (lines: string) => `workflow:
  name: t
  entry_point: a
${lines}`;

describe('!file', () => {
  it('inlines text into any scalar, relative to the file holding the tag, with ${VAR} applied to it', () => {
    const root = tree({
      'wf.yaml': workflow(`  runtime: !file settings/runtime.yaml
agents:
  - name: a
    model: !file model.txt
    prompt: !file prompts/a.md
`),
      'model.txt': 'mock-model',
      'prompts/a.md': 'Write about ${TOPIC:-cats}.\n',
      'settings/runtime.yaml': 'provider: mock\ndefault_model: !file ../model.txt\n',
    });
    const result = validateWorkflow(join(root, 'wf.yaml'), { env: {} });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { definition } = result.workflow;
    expect(definition.agents[0]).toMatchObject({ prompt: 'Write about cats.\n', model: 'mock-model' });
    expect(definition.workflow.runtime).toEqual({ provider: 'mock', default_model: 'mock-model' });
    expect(result.issues).toEqual([]);
  });

  it("expands {% include %} in a prompt's !file text, relative to that text's file", () => {
    const root = tree({
      'wf.yaml': workflow(`agents:
  - name: a
    prompt: !file prompts/a.md
`),
      'prompts/a.md': "Intro. {% include 'parts/rules.md' %} Done.",
      'prompts/parts/rules.md': 'Rule ${RULE:-one}; {% include "more.md" %}',
      'prompts/parts/more.md': 'and {{ workflow.name }}',
    });
    const result = validateWorkflow(join(root, 'wf.yaml'), { env: {} });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.workflow.definition.agents[0]).toMatchObject({
      prompt: 'Intro. Rule one; and {{ workflow.name }} Done.',
    });
  });

  it('reports a missing file, a cycle and a file that is not UTF-8 at the tag', () => {
    const root = tree({
      'wf.yaml': workflow(`  runtime: !file loop-a.yaml
agents:
  - name: a
    prompt: !file missing.md
  - name: b
    prompt: !file latin1.md
`),
      'loop-a.yaml': 'provider: !file loop-b.yaml\n',
      'loop-b.yaml': 'x: !file loop-a.yaml\n',
      'latin1.md': Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    });
    const result = validateWorkflow(join(root, 'wf.yaml'), { env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const lines = result.errors.map((issue) => `${issue.line}:${issue.column} ${issue.message}`);
    expect(lines).toEqual([
      expect.stringMatching(/^4:18 !file .*loop-a\.yaml includes itself/),
      expect.stringMatching(/^7:19 !file .*missing\.md does not exist$/),
      expect.stringMatching(/^9:19 !file .*latin1\.md is not UTF-8 text$/),
    ]);
    expect(result.errors[0]?.file).toBe(join(root, 'wf.yaml'));
  });
});
