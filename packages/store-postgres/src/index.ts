export { CHANNEL } from './follow.js';
export type { PgLease, PgLeaseOptions } from './lease.js';
export { DEFAULT_TTL_MS } from './lease.js';
export { createRunQueue } from './queue.js';
export { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
export type { PostgresStore, PostgresStoreOptions } from './store.js';
export { postgresStore } from './store.js';
export type { ParsedStoreUrl } from './url.js';
export { parseStoreUrl } from './url.js';
