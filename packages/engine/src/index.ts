// Human gates: who answers them (GateResolver, the broker behind run.answerGate).
export * from './gates/index.js';
// Parallel and for-each groups: their executors and output shapes.
export * from './groups/index.js';
// Output caps: texts over the cap are stored whole in the run's outputs folder.
export * from './outputs/index.js';
// Providers: mock (offline) and OpenAI-compatible.
export * from './providers/index.js';
// Running: runWorkflow, resumeWorkflow, the executor, step executors.
export * from './run/index.js';
// Jinja templates and safe expressions.
export * from './template/index.js';
// Workflow format: loading, validation, inputs, JSON Schema.
export * from './workflow/index.js';
