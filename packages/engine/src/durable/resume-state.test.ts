import type { ConductorEvent } from '@conductor/events';
import { describe, expect, it } from 'vitest';
import type { ExecutorState } from '../run/state.js';
import { resumeStateFromEvents } from './resume-state.js';

/** Events numbered 1..N from [type, data] pairs. */
function log(...entries: [string, Record<string, unknown>][]): ConductorEvent[] {
  return entries.map(([type, data], i) => ({ seq: i + 1, type, timestamp: 1000 + i, data }));
}

const started: [string, Record<string, unknown>] = [
  'workflow_started',
  { name: 'w', entry_point: 'a', inputs: { topic: 'owls' }, run_id: 'r1', yaml_source: '/w.yaml' },
];
const set = (name: string, output: unknown): [string, Record<string, unknown>][] => [
  ['set_started', { agent_name: name }],
  ['set_completed', { agent_name: name, output }],
];
const route = (from: string, to: string): [string, Record<string, unknown>] => [
  'route_taken',
  { from_agent: from, to_agent: to },
];

describe('resumeStateFromEvents', () => {
  it('rebuilds inputs, outputs, history and the next step from a log alone', () => {
    const result = resumeStateFromEvents(
      log(started, ...set('a', 1), route('a', 'b'), ...set('b', { x: 2 }), route('b', 'c')),
    );
    expect(result).toMatchObject({
      status: 'resumable',
      inputs: { topic: 'owls' },
      inFlight: null,
      lastSeq: 7,
      generation: 0,
      runId: 'r1',
      workflowPath: '/w.yaml',
    });
    expect(result.state).toEqual({
      currentStep: 'c',
      awaitingRoute: false,
      iteration: 2,
      stepOutputs: { a: 1, b: { x: 2 } },
      history: [
        { step: 'a', iteration: 1, status: 'completed' },
        { step: 'b', iteration: 2, status: 'completed' },
      ],
      lastOutputStep: 'b',
      startedAt: 1000,
    });
  });

  it('continues at a step that started but did not complete (it runs again)', () => {
    const result = resumeStateFromEvents(
      log(
        started,
        ...set('a', 1),
        route('a', 'b'),
        ['script_started', { agent_name: 'b' }],
        ['agent_message', { agent_name: 'b' }],
      ),
    );
    expect(result.inFlight).toBe('b');
    expect(result.state).toMatchObject({ currentStep: 'b', awaitingRoute: false, iteration: 1 });
    expect(result.state.stepOutputs).toEqual({ a: 1 });
  });

  it('continues at a step that failed, and at a wait that was interrupted', () => {
    const failed = resumeStateFromEvents(
      log(
        started,
        ...set('a', 1),
        route('a', 'b'),
        ['agent_started', { agent_name: 'b' }],
        ['agent_failed', { agent_name: 'b' }],
        ['workflow_failed', { agent_name: 'b' }],
      ),
    );
    expect(failed.state).toMatchObject({ currentStep: 'b', iteration: 1, awaitingRoute: false });
    const waited = resumeStateFromEvents(
      log(
        started,
        ['wait_started', { agent_name: 'a' }],
        ['wait_completed', { agent_name: 'a', interrupted: true, output: { waited_seconds: 1 } }],
      ),
    );
    expect(waited.state).toMatchObject({ currentStep: 'a', iteration: 0, stepOutputs: {} });
    expect(waited.inFlight).toBe('a');
  });

  it('re-evaluates the routes of a step that completed without a route_taken after it', () => {
    const result = resumeStateFromEvents(log(started, ...set('a', 1)));
    expect(result.state).toMatchObject({
      currentStep: 'a',
      awaitingRoute: true,
      iteration: 1,
      stepOutputs: { a: 1 },
    });
    expect(result.inFlight).toBeNull();
    // A route to $end without workflow_completed: the final output is rendered again from a's routes.
    const ended = resumeStateFromEvents(log(started, ...set('a', 1), route('a', '$end')));
    expect(ended.status).toBe('resumable');
    expect(ended.state).toMatchObject({ currentStep: 'a', awaitingRoute: true });
  });

  it('says completed for a log that ends with workflow_completed, empty for one without workflow_started', () => {
    expect(
      resumeStateFromEvents(log(started, ...set('a', 1), route('a', '$end'), ['workflow_completed', {}]))
        .status,
    ).toBe('completed');
    expect(resumeStateFromEvents(log(['agent_message', { agent_name: 'a' }])).status).toBe('empty');
    expect(resumeStateFromEvents([]).status).toBe('empty');
  });

  it('folds only the events after the base (a checkpoint), counting iterations on from it', () => {
    const base: ExecutorState = {
      currentStep: 'b',
      iteration: 1,
      stepOutputs: { a: 'from checkpoint' },
      history: [{ step: 'a', iteration: 1, status: 'completed' }],
      lastOutputStep: 'a',
      startedAt: 5,
    };
    const events = log(
      started,
      ...set('a', 'from log, older'),
      route('a', 'b'),
      ['checkpoint_saved', { trigger: 'periodic' }],
      ...set('b', 'b done'),
      route('b', 'a'),
      ['set_started', { agent_name: 'a' }],
    );
    const result = resumeStateFromEvents(events, {
      inputs: { topic: 'cp' },
      state: base,
      lastSeq: 5,
      generation: 1,
    });
    expect(result).toMatchObject({
      status: 'resumable',
      inputs: { topic: 'cp' },
      lastSeq: 9,
      generation: 1,
      inFlight: 'a',
    });
    expect(result.state).toMatchObject({
      currentStep: 'a',
      iteration: 2,
      stepOutputs: { a: 'from checkpoint', b: 'b done' },
      lastOutputStep: 'b',
      startedAt: 5,
    });
    expect(result.state.history.map((r) => r.step)).toEqual(['a', 'b']);
    // The base itself is not changed.
    expect(base.iteration).toBe(1);
  });

  it('takes the generation from workflow_resumed and ignores sub-workflow events', () => {
    const result = resumeStateFromEvents(
      log(
        started,
        ['workflow_resumed', { generation: 1 }],
        ['set_started', { agent_name: 'inner', subworkflow_path: ['a'] }],
        ['set_completed', { agent_name: 'inner', subworkflow_path: ['a'], output: 1 }],
        ['workflow_resumed', { generation: 2 }],
      ),
    );
    expect(result.generation).toBe(2);
    expect(result.state).toMatchObject({ currentStep: 'a', iteration: 0, stepOutputs: {} });
  });

  it('keeps the finished members and items of an unfinished group; a finished group is one step', () => {
    const midGroup = resumeStateFromEvents(
      log(
        started,
        ['for_each_started', { group_name: 'each', item_count: 3 }],
        ['for_each_item_started', { group_name: 'each', item_key: '0', index: 0 }],
        ['agent_started', { agent_name: 'each[0]', group_name: 'each', index: 0 }],
        ['agent_completed', { agent_name: 'each[0]', group_name: 'each', index: 0, output: 'zero' }],
        ['for_each_item_completed', { group_name: 'each', item_key: '0', index: 0, output: 'zero' }],
        ['for_each_item_started', { group_name: 'each', item_key: '1', index: 1 }],
        ['agent_started', { agent_name: 'each[1]', group_name: 'each', index: 1 }],
      ),
    );
    expect(midGroup.inFlight).toBe('each');
    expect(midGroup.state).toMatchObject({
      currentStep: 'each',
      iteration: 0,
      stepOutputs: {},
      groups: { each: { completed: { '0': 'zero' }, item_count: 3 } },
    });

    const members = [
      ['parallel_started', { group_name: 'g', agents: ['x', 'y'] }],
      ['set_started', { agent_name: 'x', group_name: 'g' }],
      ['set_completed', { agent_name: 'x', group_name: 'g', output: 1 }],
      ['parallel_agent_completed', { group_name: 'g', agent_name: 'x', output: 1 }],
    ] as [string, Record<string, unknown>][];
    const stopped = resumeStateFromEvents(
      log(started, ...members, ['parallel_completed', { group_name: 'g', failed: true }]),
    );
    expect(stopped.state).toMatchObject({
      currentStep: 'g',
      iteration: 0,
      groups: { g: { completed: { x: 1 } } },
    });

    const done = resumeStateFromEvents(
      log(
        started,
        ...members,
        ['parallel_completed', { group_name: 'g', output: { outputs: { x: 1, y: 2 } } }],
        route('g', 'h'),
      ),
    );
    expect(done.state).toMatchObject({
      currentStep: 'h',
      iteration: 1,
      stepOutputs: { g: { outputs: { x: 1, y: 2 } } },
    });
    expect(done.state).not.toHaveProperty('groups');
  });

  it('a gate that was presented is presented again; one that was resolved is committed', () => {
    const presented = resumeStateFromEvents(log(started, ['gate_presented', { agent_name: 'approve' }]));
    expect(presented.state).toMatchObject({ currentStep: 'approve', iteration: 0 });
    const resolved = resumeStateFromEvents(
      log(
        started,
        ['gate_presented', { agent_name: 'approve' }],
        ['gate_resolved', { agent_name: 'approve', output: { selected: 'yes' } }],
      ),
    );
    expect(resolved.state).toMatchObject({
      currentStep: 'approve',
      awaitingRoute: true,
      stepOutputs: { approve: { selected: 'yes' } },
    });
  });

  it("keeps a questions step's answers until the step completes", () => {
    const asked: [string, Record<string, unknown>][] = [
      ['questions_presented', { agent_name: 'ask', question_ids: ['tone', 'q2'] }],
      ['gate_presented', { agent_name: 'ask', question_id: 'tone' }],
      ['questions_answered', { agent_name: 'ask', question_id: 'tone', answer: 'formal', source: 'choice' }],
      ['gate_presented', { agent_name: 'ask', question_id: 'q2' }],
    ];
    const midway = resumeStateFromEvents(log(started, ...asked));
    expect(midway.state).toMatchObject({
      currentStep: 'ask',
      groups: { ask: { completed: { tone: { answer: 'formal', source: 'choice' } } } },
    });
    const done = resumeStateFromEvents(
      log(started, ...asked, ['gate_resolved', { agent_name: 'ask', output: { outcome: 'completed' } }]),
    );
    expect(done.state).not.toHaveProperty('groups');
    expect(done.state).toMatchObject({ stepOutputs: { ask: { outcome: 'completed' } } });
  });
});

describe('resumeStateFromEvents on a log that lost a line', () => {
  const completed = (name: string, output: unknown): [string, Record<string, unknown>] => [
    'set_completed',
    { agent_name: name, output },
  ];
  const start = (name: string): [string, Record<string, unknown>] => ['set_started', { agent_name: name }];

  it('rewinds to a step whose completion is missing when its route follows, using nothing after it', () => {
    const result = resumeStateFromEvents(
      log(
        started,
        ...set('a', 1),
        route('a', 'b'),
        start('b'),
        route('b', 'c'),
        ...set('c', 3),
        route('c', 'd'),
      ),
    );
    expect(result.rewound).toEqual({ step: 'b', seq: 6, type: 'route_taken' });
    expect(result.inFlight).toBe('b');
    expect(result.lastSeq).toBe(9);
    expect(result.state).toMatchObject({
      currentStep: 'b',
      awaitingRoute: false,
      iteration: 1,
      stepOutputs: { a: 1 },
      history: [{ step: 'a', iteration: 1, status: 'completed' }],
      lastOutputStep: 'a',
    });
  });

  it('rewinds when another step starts, completes or fails while one is in flight', () => {
    const ends: [string, Record<string, unknown>][] = [
      start('c'),
      completed('c', 3),
      ['script_failed', { agent_name: 'c' }],
    ];
    for (const next of ends) {
      const result = resumeStateFromEvents(log(started, ...set('a', 1), route('a', 'b'), start('b'), next));
      expect(result.rewound).toMatchObject({ step: 'b', seq: 6 });
      expect(result.state).toMatchObject({ currentStep: 'b', stepOutputs: { a: 1 }, iteration: 1 });
    }
  });

  it('does not rewind when only a route or a start is missing: the next event says where the run went', () => {
    const noRoute = resumeStateFromEvents(log(started, ...set('a', 1), ...set('b', 2), route('b', 'c')));
    const noStart = resumeStateFromEvents(log(started, ...set('a', 1), route('a', 'b'), completed('b', 2)));
    expect(noRoute).toMatchObject({
      rewound: null,
      state: { currentStep: 'c', stepOutputs: { a: 1, b: 2 } },
    });
    expect(noStart).toMatchObject({
      rewound: null,
      state: { currentStep: 'b', awaitingRoute: true, iteration: 2, stepOutputs: { a: 1, b: 2 } },
    });
  });

  it('counts a completion read twice once', () => {
    const result = resumeStateFromEvents(log(started, ...set('a', 1), completed('a', 1), route('a', 'b')));
    expect(result.state).toMatchObject({ currentStep: 'b', iteration: 1 });
    expect(result.state.history).toHaveLength(1);
  });

  it('keeps a step in flight across a resume at it, and lets go of it when the resume went elsewhere', () => {
    const resumed = (at: string): [string, Record<string, unknown>] => [
      'workflow_resumed',
      { generation: 1, resumed_at_step: at },
    ];
    // The completion of b was lost after a resume continued at b (its route was still to take).
    const atB = resumeStateFromEvents(
      log(started, ...set('a', 1), route('a', 'b'), start('b'), resumed('b'), route('b', 'c')),
    );
    expect(atB.rewound).toMatchObject({ step: 'b' });
    // A resume from an older checkpoint continued at a: b's attempt was left behind, not lost.
    const atA = resumeStateFromEvents(
      log(started, ...set('a', 1), route('a', 'b'), start('b'), resumed('a'), ...set('a', 1)),
    );
    expect(atA.rewound).toBeNull();
    expect(atA.state.currentStep).toBe('a');
  });

  it('a second workflow_started starts afresh, forgetting a rewind', () => {
    const result = resumeStateFromEvents(log(started, start('a'), route('a', 'b'), started, ...set('a', 1)));
    expect(result.rewound).toBeNull();
    expect(result.state).toMatchObject({ currentStep: 'a', awaitingRoute: true, stepOutputs: { a: 1 } });
  });
});
