export type { GroupError } from './common.js';
export type { ForEachError, ForEachOutput } from './for-each.js';
export { DEFAULT_MAX_CONCURRENT, groupOfItemName, itemAgentName } from './for-each.js';
export type { ParallelOutput } from './parallel.js';
