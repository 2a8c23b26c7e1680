export type {
  AdditionalInput,
  ColorScheme,
  ControlAnswer,
  DashboardErrorCode,
  DialogMessageBody,
  ErrorBody,
  EventsPage,
  GateAnswerBody,
  InfoBody,
  OwnershipBody,
  RunOwner,
  StateBody,
} from './protocol.js';
export { DEFAULT_PAGE, MAX_DIALOG_MESSAGE, MAX_PAGE, RESYNC_CLOSE_CODE } from './protocol.js';
export type { FolderCatalogOptions, RunCatalog } from './runs/catalog.js';
export { folderCatalog } from './runs/catalog.js';
export type { RunOwnerView, RunRecordView } from './runs/entry.js';
export { listStatus, runListEntry } from './runs/entry.js';
export type { RunActions, RunningRunsDashboard, RunsDashboardOptions } from './runs/server.js';
export { RunActionError, startRunsDashboard } from './runs/server.js';
export { storeCatalog } from './runs/store-catalog.js';
export type { RunActionBody, RunListBody, RunListEntry, RunListStatus } from './runs-protocol.js';
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
