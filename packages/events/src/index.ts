export { EventEnvelopeSchema, nowSeconds, isSynthetic, subworkflowPathOf } from './envelope.js';
export type { ConductorEvent, EventEnvelopeInput } from './envelope.js';
export { EventDataSchemas, EVENT_TYPES, isKnownEventType, validateEventData } from './vocabulary.js';
export type { EventType, EventData, EventDataMap, CommonEventData } from './vocabulary.js';
export { createEventBus, EventBusClosedError, streamEvents } from './bus.js';
export type { EventBus, EventBusOptions, EventListener, EventStream, EventSubscribable, StreamEventsOptions } from './bus.js';
export { applyEvent, initialRunState, MAX_ATTEMPTS_KEPT, MAX_ITEMS_KEPT, projectEvents, runElapsedSeconds } from './projection.js';
export type {
  Attempt,
  GroupState,
  ItemState,
  PendingGate,
  ResumeMark,
  RouteTaken,
  RunTotals,
  RunInfo,
  RunState,
  RunStatus,
  StepError,
  StepState,
  SubworkflowState,
  StepStatus,
  WorkflowGraph,
} from './projection.js';
