/**
 * Large outputs. A text longer than the run's cap (script stdout/stderr, an agent's answer, a tool's
 * result) is stored whole in a file of the run's `outputs/` folder; the event carries its head and a
 * {@link SpilledOutput} under `data.spills[<field>]`. These helpers read that shape; the engine writes it.
 */

/** Where the whole of a capped text is: `data.spills[<field>]` of the event that carries its head. */
export interface SpilledOutput {
  /** The file's name in the run's `outputs/` folder; the dashboard serves it at `/api/outputs/<ref>`. */
  ref: string;
  /** The file's absolute path when it was written. */
  path: string;
  /** Size of the whole text, in bytes (UTF-8, as the program wrote it). */
  bytes: number;
  /** Characters of the head the event carries (half the cap). */
  head_chars: number;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
}

const REF = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/** Whether `ref` can name a file of a run's `outputs/` folder: no separators, no leading dot, no `..`. */
export function isOutputRef(ref: string): boolean {
  return REF.test(ref) && !ref.includes('..');
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The spilled fields of an event's data, keyed by field (`stdout`, `result`, ...); malformed entries are left out. */
export function spillsOf(data: Record<string, unknown>): Record<string, SpilledOutput> {
  const spills = data.spills;
  if (!isRecord(spills)) return {};
  const valid: Record<string, SpilledOutput> = {};
  for (const [field, spill] of Object.entries(spills)) {
    if (
      isRecord(spill) &&
      typeof spill.ref === 'string' &&
      isOutputRef(spill.ref) &&
      typeof spill.bytes === 'number'
    ) {
      valid[field] = {
        ref: spill.ref,
        path: typeof spill.path === 'string' ? spill.path : '',
        bytes: spill.bytes,
        head_chars: typeof spill.head_chars === 'number' ? spill.head_chars : 0,
        sha256: typeof spill.sha256 === 'string' ? spill.sha256 : '',
      };
    }
  }
  return valid;
}

/**
 * The fields a step output gets for a text stored in a file, so templates can reach the whole:
 * `<field>_truncated: true`, `<field>_bytes` (size of the whole) and `<field>_file` (its path).
 */
export function spillFields(field: string, spill: SpilledOutput): Record<string, unknown> {
  return { [`${field}_truncated`]: true, [`${field}_bytes`]: spill.bytes, [`${field}_file`]: spill.path };
}

/** The object a text holds when all of it, trimmed, is a JSON object; otherwise undefined. */
export function parseJsonObjectText(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A script step's output from its completion event's data (`script_completed`): `{ stdout, stderr,
 * exit_code }`, the spill fields of a stream stored in a file ({@link spillFields}), then the fields of
 * a stdout that is a JSON object on top (they may shadow the others, as in the original). A stdout
 * stored in a file is not parsed: the event holds only its head. The engine builds the output it runs
 * with from this same function, so the output of a resumed run is the output of the first.
 *
 * An event with its own `output` (written by earlier versions, or synthesized) gives that instead.
 */
export function scriptOutputOf(data: Record<string, unknown>): unknown {
  if (data.output !== undefined) return data.output;
  const spills = spillsOf(data);
  const output: Record<string, unknown> = {
    stdout: data.stdout,
    stderr: data.stderr,
    exit_code: data.exit_code,
  };
  for (const field of ['stdout', 'stderr']) {
    const spill = spills[field];
    if (spill) Object.assign(output, spillFields(field, spill));
  }
  const parsed =
    spills.stdout || typeof data.stdout !== 'string' ? undefined : parseJsonObjectText(data.stdout);
  if (parsed) Object.assign(output, parsed);
  return output;
}

/** What the projection keeps of a large value: the value itself when small, else a bounded copy. */
export interface BoundedValue {
  value: unknown;
  /** True when `value` is not the whole: strings were cut, entries left out, or it is the head of the JSON. */
  truncated: boolean;
  /** Characters of the whole value as JSON (when truncated). */
  size: number;
}

/**
 * A copy of `value` whose JSON is at most about `maxChars` characters: long strings cut to a head
 * (ending with `…`), long lists and objects shortened, and as a last resort the head of its JSON text.
 * Values already small are returned as they are (not copied).
 */
export function boundValue(value: unknown, maxChars: number): BoundedValue {
  if (value === undefined) return { value, truncated: false, size: 0 };
  if (typeof value === 'string') {
    return value.length <= maxChars
      ? { value, truncated: false, size: value.length }
      : { value: cutString(value, maxChars), truncated: true, size: value.length };
  }
  let json: string;
  try {
    json = JSON.stringify(value) ?? '';
  } catch {
    return { value: null, truncated: true, size: 0 };
  }
  if (json.length <= maxChars) return { value, truncated: false, size: json.length };
  const shrunk = shrink(value, Math.max(16, Math.floor(maxChars / 4)), 0);
  const shrunkJson = JSON.stringify(shrunk) ?? '';
  return {
    value: shrunkJson.length <= maxChars ? shrunk : cutString(json, maxChars),
    truncated: true,
    size: json.length,
  };
}

const MAX_ENTRIES = 20;
const MAX_DEPTH = 6;

function shrink(value: unknown, maxString: number, depth: number): unknown {
  if (typeof value === 'string') return value.length > maxString ? cutString(value, maxString) : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_ENTRIES).map((item) => shrink(item, maxString, depth + 1));
    if (value.length > MAX_ENTRIES) kept.push(`… ${value.length - MAX_ENTRIES} more`);
    return kept;
  }
  const entries = Object.entries(value);
  const kept: Record<string, unknown> = {};
  for (const [key, item] of entries.slice(0, MAX_ENTRIES)) kept[key] = shrink(item, maxString, depth + 1);
  if (entries.length > MAX_ENTRIES) kept['…'] = `${entries.length - MAX_ENTRIES} more keys`;
  return kept;
}

/** The first `max` characters and `…`, never splitting a surrogate pair. */
export function cutString(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
