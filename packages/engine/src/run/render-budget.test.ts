import { describe, expect, it } from 'vitest';
import { resumeWorkflow } from '../launch/resume-workflow.js';
import { runWorkflow } from '../launch/run-workflow.js';
import { tempSpace, writeWorkflow } from '../testing/durable.js';

// A render that goes on past its main-thread slice runs in the built engine's render worker.

/** A workflow whose step "report" renders n × n loop iterations: seconds of work for n in the thousands. */
const slowRender = (n: number, limits = '') => `workflow:
  name: render
  entry_point: report
${limits}agents:
  - name: report
    type: set
    value: "{% for i in range(${n}) %}{% for j in range(${n}) %}{% endfor %}{% endfor %}done"
`;

describe('template renders in a run', () => {
  it('end at timeout_seconds, naming the step and the template, with a checkpoint', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(
      dir,
      'slow.yaml',
      slowRender(5000, '  limits:\n    timeout_seconds: 1\n'),
    );
    const result = await runWorkflow(path, { home });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ type: 'TimeoutError', step: 'report' });
    // The run's timer or the render's own deadline, whichever fires first, names the template.
    expect(result.error?.message).toMatch(
      /during step "report" \(while rendering its value template\)|ran out while the template was rendering in template of step "report" \(value\)/,
    );
    expect(result.checkpointPath).toMatch(/failure\.json$|timeout\.json$/);
  });

  it('fail the step when they run past renderBudget.seconds', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'slow.yaml', slowRender(5000));
    const result = await runWorkflow(path, { home, renderBudget: { seconds: 0.5 } });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ type: 'TemplateError', step: 'report' });
    expect(result.error?.message).toContain(
      'the template ran past its render budget of 0.5 s in template of step "report" (value)',
    );
    expect(result.checkpointPath).toMatch(/\.json$/);
  });

  it('stop at once when the run is stopped, with a checkpoint a resume continues from', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'slow.yaml', slowRender(5000));
    const run = runWorkflow(path, { home });
    for await (const event of run.events) if (event.type === 'set_started') break;
    run.stop();
    const result = await run;
    expect(result.status).toBe('interrupted');
    expect(result.error?.message).toBe(
      'the run was stopped by the user during step "report" (while rendering its value template)',
    );
    expect(result.checkpointPath).toMatch(/\.json$/);

    await writeWorkflow(dir, 'slow.yaml', slowRender(3));
    const resumed = await resumeWorkflow({ from: result.checkpointPath as string, home });
    expect(resumed).toMatchObject({ status: 'completed', output: 'done' });
  });
});
