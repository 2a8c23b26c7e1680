export type {
  AdditionalInput,
  ControlAnswer,
  DashboardErrorCode,
  ErrorBody,
  EventsPage,
  GateAnswerBody,
  InfoBody,
  OwnershipBody,
  RunOwner,
  StateBody,
} from './protocol.js';
export { DEFAULT_PAGE, MAX_PAGE, RESYNC_CLOSE_CODE } from './protocol.js';
export type { Dashboard, DashboardInfo, DashboardLimits, DashboardOptions } from './server/dashboard.js';
export { createDashboard, DEFAULT_LIMITS } from './server/dashboard.js';
export type { HistoryPage, HistoryStore, JsonlStoreOptions, PageQuery } from './server/history.js';
export { jsonlStore, memoryStore } from './server/history.js';
export type { LiveSource } from './server/hub.js';
export type { OwnershipSource, RunOwnership } from './server/ownership.js';
export type { DashboardControl } from './server/routes.js';
export { runStoreHistory } from './server/run-store-history.js';
export type { SocketStats } from './server/socket.js';
export type { RunningDashboard, StartDashboardOptions } from './server/start.js';
export { startDashboard } from './server/start.js';
export type { StoreTail, TailSink } from './server/tail.js';
