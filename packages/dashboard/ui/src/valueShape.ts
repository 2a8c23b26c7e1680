/**
 * How an output is laid out for reading. Pure, so what comes first and what is folded away is tested
 * without a browser.
 */

/** The raw streams a script output carries beside the fields parsed from its stdout. */
const RAW_FIELDS = ['stdout'] as const;
/** A script output's own fields (its streams' spill notes too): shown after what it parsed from stdout. */
const SCRIPT_FIELDS = [
  'exit_code',
  'stderr',
  ...['stdout', 'stderr'].flatMap((f) => [`${f}_truncated`, `${f}_bytes`, `${f}_file`]),
];

export interface ReadingOrder {
  /** What the tree shows, in the order to read it. */
  shown: unknown;
  /** Raw texts shown under the tree, not in it: folded when the tree has what they parsed to. */
  raw: Array<{ field: string; text: string; folded: boolean }>;
}

/** Whether `value` is a script's output: `stdout`, `stderr` and `exit_code` beside what stdout parsed to. */
function isScriptOutput(value: Record<string, unknown>): boolean {
  return 'exit_code' in value && ('stdout' in value || 'stderr' in value);
}

/**
 * A script output with its parsed fields first, then its exit code and stderr (a failed script's are what
 * to read), its raw stdout taken out of the tree (folded below it) when it parsed into fields or is long.
 * Anything else is shown as it is.
 */
export function readingOrder(value: object): ReadingOrder {
  if (Array.isArray(value)) return { shown: value, raw: [] };
  const record = value as Record<string, unknown>;
  if (!isScriptOutput(record)) return { shown: value, raw: [] };
  const parsed: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  const raw: ReadingOrder['raw'] = [];
  for (const [key, field] of Object.entries(record)) {
    if ((RAW_FIELDS as readonly string[]).includes(key)) continue;
    if (SCRIPT_FIELDS.includes(key)) continue;
    parsed[key] = field;
  }
  for (const key of SCRIPT_FIELDS) {
    const field = record[key];
    // An empty stderr says nothing; an absent exit code is not known.
    if (field === undefined || field === '' || field === null) continue;
    own[key] = field;
  }
  const stdout = record.stdout;
  const hasParsed = Object.keys(parsed).length > 0;
  if (typeof stdout === 'string' && stdout !== '') {
    if (hasParsed || stdout.includes('\n')) raw.push({ field: 'stdout', text: stdout, folded: hasParsed });
    else own.stdout = stdout;
  }
  return { shown: { ...parsed, ...own }, raw };
}

/**
 * Whether a text reads as prose written in Markdown (what models answer): headings, lists, emphasis,
 * links or code fences, over more than one line. A one-line answer or a log stays plain text.
 */
export function isProse(text: string): boolean {
  if (!text.includes('\n') || text.length < 40) return false;
  const lines = text.split('\n');
  let marks = 0;
  for (const line of lines) {
    if (/^\s{0,3}(#{1,6}\s|[-*+]\s|\d+\.\s|>\s|```)/.test(line)) marks++;
    else if (/\*\*[^*]+\*\*|\[[^\]]+\]\([^)]+\)|`[^`]+`/.test(line)) marks++;
  }
  return marks >= 2;
}
