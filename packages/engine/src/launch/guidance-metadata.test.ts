import { eventLogPath } from '@conductor/event-log';
import { readRunRecord } from '@conductor/run-folder';
import { describe, expect, it } from 'vitest';
import { readLog, tempSpace, writeWorkflow } from '../testing/durable.js';
import { resumeWorkflow } from './resume-workflow.js';
import { runWorkflow } from './run-workflow.js';

const WORKFLOW = `
workflow:
  name: guided
  entry_point: write
  runtime: { provider: mock }
  metadata: { team: docs, tracker: jira }
agents:
  - name: write
    prompt: Write a haiku.
`;

describe("metadata and guidance (the original's --metadata and resume --guidance)", () => {
  it('merges metadata on top of workflow.metadata; a resume adds guidance to every agent prompt', async () => {
    const { home, dir } = await tempSpace();
    const path = await writeWorkflow(dir, 'guided.yaml', WORKFLOW);
    const failed = await runWorkflow(path, {
      home,
      metadata: { tracker: 'ado', item: '1814' },
      mockResponses: { write: [{ error: 'model overloaded' }] },
    });
    expect(failed.status).toBe('failed');
    const runId = failed.runId;
    const first = (await readLog(eventLogPath(runId, home))).events;
    expect(first.find((e) => e.type === 'workflow_started')?.data.metadata).toEqual({
      team: 'docs',
      tracker: 'ado',
      item: '1814',
    });
    expect(first.find((e) => e.type === 'agent_prompt_rendered')?.data.rendered_prompt).toBe(
      'Write a haiku.',
    );

    const resumed = await resumeWorkflow({
      runId,
      home,
      guidance: ['five-seven-five', 'about rivers'],
      metadata: { attempt: '2' },
    });
    expect(resumed.status).toBe('completed');
    const events = (await readLog(eventLogPath(runId, home))).events;
    const at = events.findIndex((e) => e.type === 'workflow_resumed');
    expect(events[at]?.data).toMatchObject({
      guidance: ['five-seven-five', 'about rivers'],
      metadata: { attempt: '2' },
    });
    const prompt = events.slice(at).find((e) => e.type === 'agent_prompt_rendered')?.data.rendered_prompt;
    expect(prompt).toBe(
      'Write a haiku.\n\n[User Guidance]\nThe user gave this guidance for the rest of the run; follow it:\n- five-seven-five\n- about rivers',
    );
    expect((await readRunRecord(runId, { home }))?.metadata).toEqual({
      tracker: 'ado',
      item: '1814',
      attempt: '2',
    });
  });
});
