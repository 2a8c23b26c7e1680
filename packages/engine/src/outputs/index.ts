export { OutputCapError, resolveMaxOutputChars } from './limits.js';
export type {
  CappedText,
  CapturedStream,
  OutputName,
  OutputStore,
  OutputStoreOptions,
  SpilledText,
} from './store.js';
export {
  createOutputStore,
  DEFAULT_MAX_OUTPUT_CHARS,
  headChars,
  headOf,
  MIN_MAX_OUTPUT_CHARS,
  spillOf,
  textOf,
} from './store.js';
