import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkflowError } from './errors.js';
import { loadWorkflow, parseWorkflow, validateWorkflow, validateWorkflowFile } from './load.js';
import { DEFAULT_MAX_WORKFLOW_BYTES } from './read.js';

const SMALL = `workflow:
  name: small
  entry_point: one
agents:
  - name: one
    type: set
    value: 1
`;

const dir = () => mkdtempSync(join(tmpdir(), 'conductor-read-'));

describe('workflow size limit', () => {
  it('is 2 MiB', () => {
    expect(DEFAULT_MAX_WORKFLOW_BYTES).toBe(2 * 1024 * 1024);
  });

  it('refuses a file over it before reading it: a 20 GB (sparse) file fails at once, naming file, size and limit', async () => {
    const path = join(dir(), 'huge.yaml');
    writeFileSync(path, SMALL);
    truncateSync(path, 20 * 1024 ** 3);
    const error = await loadWorkflow(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowError);
    expect(error).toMatchObject({ code: 'CONDUCTOR_WORKFLOW_TOO_LARGE' });
    const message = (error as Error).message;
    expect(message).toContain('huge.yaml is 21,474,836,480 bytes (20480 MiB)');
    expect(message).toContain('over the limit of 2,097,152 bytes (2 MiB)');
    expect(message).toContain('CONDUCTOR_MAX_WORKFLOW_BYTES');
    const validation = validateWorkflow(path);
    expect(validation).toMatchObject({ ok: false, code: 'CONDUCTOR_WORKFLOW_TOO_LARGE' });
    expect(await validateWorkflowFile(path)).toMatchObject({
      ok: false,
      code: 'CONDUCTOR_WORKFLOW_TOO_LARGE',
    });
  });

  it('loads a file just under it', async () => {
    const path = join(dir(), 'padded.yaml');
    const padding = `# ${'x'.repeat(DEFAULT_MAX_WORKFLOW_BYTES - SMALL.length - 3)}\n`;
    writeFileSync(path, SMALL + padding);
    expect((await loadWorkflow(path)).definition.workflow.name).toBe('small');
  });

  it('follows CONDUCTOR_MAX_WORKFLOW_BYTES, for files and for source given as text', async () => {
    const env = { CONDUCTOR_MAX_WORKFLOW_BYTES: '50' };
    const path = join(dir(), 'small.yaml');
    writeFileSync(path, SMALL);
    await expect(loadWorkflow(path, { env })).rejects.toThrow(/over the limit of 50 bytes/);
    expect(() => parseWorkflow(SMALL, { env })).toThrow(/the workflow source is \d+ bytes/);
    expect(() => parseWorkflow(SMALL, { env: { CONDUCTOR_MAX_WORKFLOW_BYTES: 'big' } })).toThrow(
      /CONDUCTOR_MAX_WORKFLOW_BYTES="big" is not a size in bytes/,
    );
  });

  it('reports a sub-workflow over the limit at the step that runs it', () => {
    const folder = dir();
    const child = join(folder, 'child.yaml');
    writeFileSync(child, SMALL);
    truncateSync(child, 3 * 1024 * 1024);
    const parent = join(folder, 'parent.yaml');
    writeFileSync(
      parent,
      'workflow:\n  name: parent\n  entry_point: sub\nagents:\n  - name: sub\n    type: workflow\n    workflow: child.yaml\n',
    );
    const validation = validateWorkflow(parent);
    expect(validation.ok).toBe(false);
    const errors = validation.ok ? [] : validation.errors;
    expect(errors[0]?.message).toMatch(
      /sub-workflow child\.yaml: workflow file .*child\.yaml is 3,145,728 bytes/,
    );
    expect(errors[0]?.line).toBe(7);
  });
});
