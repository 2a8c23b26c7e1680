export { OLDER_OUTPUT_CHARS_KEPT, OUTPUT_CHARS_KEPT, TEXT_CHARS_KEPT } from './bounded.js';
export type {
  EventBus,
  EventBusOptions,
  EventListener,
  EventStream,
  EventSubscribable,
  StreamEventsOptions,
} from './bus.js';
export { createEventBus, EventBusClosedError, streamEvents } from './bus.js';
export type { DecodedEvent, EnvelopeResult, EventEnvelope } from './decode.js';
export { asKnownEvent, decodeEnvelope, decodeEvent } from './decode.js';
export type { ConductorEvent, EventEnvelopeInput } from './envelope.js';
export { EventEnvelopeSchema, isSynthetic, nowSeconds, subworkflowPathOf } from './envelope.js';
export type { EventKind, EventPhase, EventSubject, StepType } from './kinds.js';
export { EVENT_KINDS, eventKindOf, stepEventType } from './kinds.js';
export type { BoundedValue, SpilledOutput } from './outputs.js';
export {
  boundValue,
  cutString,
  isOutputRef,
  parseJsonObjectText,
  scriptOutputOf,
  spillFields,
  spillsOf,
} from './outputs.js';
export type {
  Attempt,
  BudgetExceeded,
  DialogMessageRecord,
  Downtime,
  GroupState,
  ItemState,
  PendingDialog,
  PendingGate,
  ResumeMark,
  RouteTaken,
  RunInfo,
  RunState,
  RunStatus,
  RunTimes,
  RunTotals,
  StepError,
  StepState,
  StepStatus,
  SubworkflowState,
  ToolCallRecord,
  UsageTotals,
  WorkflowGraph,
} from './projection.js';
export {
  applyEvent,
  emptyUsage,
  initialRunState,
  MAX_ATTEMPTS_KEPT,
  MAX_DIALOG_MESSAGES_KEPT,
  MAX_ITEMS_KEPT,
  MAX_TOOL_CALLS_KEPT,
  projectEvents,
  runElapsedSeconds,
  runTimes,
  timesBetween,
} from './projection.js';
export type { RunDurations, RunSpan, RunSummary, RunSummaryFold } from './run-summary.js';
export { createRunSummaryFold, runDurations, summarizeRun } from './run-summary.js';
export type {
  CommonEventData,
  EventData,
  EventDataMap,
  EventOf,
  EventType,
  KnownEvent,
} from './vocabulary.js';
export { EVENT_TYPES, EventDataSchemas, isKnownEventType, validateEventData } from './vocabulary.js';
