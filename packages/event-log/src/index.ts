export type { AppendedEvents, ReadAppendedOptions } from './appended.js';
export { readAppended } from './appended.js';
export {
  EventLogClosedError,
  EventLogIoError,
  EventLogNotFoundError,
  EventLogSeqError,
  EventLogSerializeError,
  RunIdError,
} from './errors.js';
export type { ScanPosition, SkippedLine, SkipReason } from './lines.js';
export { assertRunId, conductorHome, eventLogPath, isValidRunId, runDir } from './paths.js';
export type { EventLogReader, ReadEventLogOptions } from './reader.js';
export { lastSeqOf, readEventLog } from './reader.js';
export type { BuildSeqIndexOptions, EventPage, ReadEventPageOptions, SeqIndex } from './seq-index.js';
export { buildSeqIndex, readEventPage } from './seq-index.js';
export type {
  AttachEventLogOptions,
  AttachedEventLog,
  EventLogWriter,
  EventSubscribable,
  OpenEventLogOptions,
  TailRepair,
} from './writer.js';
export { attachEventLog, openEventLog } from './writer.js';
export type { LogWrites, LogWritesListener, WrittenLines } from './written.js';
export { watchLogWrites } from './written.js';
