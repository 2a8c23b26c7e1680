import { describe, expect, it } from 'vitest';
import { runWorkflow } from '../launch/run-workflow.js';
import { find, typesOf, workflowOf } from '../testing/support.js';

describe('limits', () => {
  it('fails a loop at max_iterations after emitting iteration_limit_reached', async () => {
    const workflow = workflowOf(
      [
        { name: 'ping', type: 'set', value: '{{ context.iteration }}', routes: [{ to: 'pong' }] },
        { name: 'pong', type: 'set', value: 'x', routes: [{ to: 'ping' }] },
      ],
      { limits: { max_iterations: 3 } },
    );
    const run = runWorkflow(workflow);
    const events = [];
    for await (const event of run.events) events.push(event);
    const result = await run;
    expect(result.status).toBe('failed');
    expect(result.iterations).toBe(3);
    expect(result.error).toMatchObject({ type: 'MaxIterationsExceeded', step: 'pong' });
    expect(result.error?.message).toContain('max_iterations (3)');
    expect(result.error?.message).toContain('raise workflow.limits.max_iterations');
    expect(result.error?.message).toContain('ping → pong → ping');
    expect(typesOf(events).slice(-2)).toEqual(['iteration_limit_reached', 'workflow_failed']);
    expect(find(events, 'iteration_limit_reached').data).toEqual({
      agent_name: 'pong',
      current_iteration: 3,
      max_iterations: 3,
    });
    // context.iteration is 1-based for the running step.
    const setOutputs = events
      .filter((e) => e.type === 'set_completed' && e.data.agent_name === 'ping')
      .map((e) => e.data.output);
    expect(setOutputs).toEqual([1, 3]);
  });

  it('defaults max_iterations to 10', async () => {
    const workflow = workflowOf([{ name: 'loop', type: 'set', value: 1, routes: [{ to: 'loop' }] }]);
    const result = await runWorkflow(workflow);
    expect(result.iterations).toBe(10);
    expect(result.error?.type).toBe('MaxIterationsExceeded');
  });

  it('stops the run at timeout_seconds, interrupting the running step', async () => {
    const workflow = workflowOf([{ name: 'nap', type: 'wait', duration: '60s' }], {
      limits: { timeout_seconds: 0.2 },
    });
    const run = runWorkflow(workflow);
    const events = [];
    for await (const event of run.events) events.push(event);
    const result = await run;
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ type: 'TimeoutError', step: 'nap' });
    expect(result.error?.message).toContain('exceeded its timeout of 0.2s');
    expect(find(events, 'wait_completed').data).toMatchObject({ agent_name: 'nap', interrupted: true });
    const failed = find(events, 'workflow_failed').data;
    expect(failed).toMatchObject({
      error_type: 'TimeoutError',
      stopped_by_user: false,
      timeout_seconds: 0.2,
      agent_name: 'nap',
    });
    // Timers and the wall clock may disagree by a millisecond: the elapsed time is reported, roughly the limit.
    expect(failed.elapsed_seconds).toBeCloseTo(0.2, 1);
  });
});
