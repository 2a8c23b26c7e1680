/** Characters a shell word may have without quoting (Python's `shlex.quote` set). */
const SAFE_WORD = /^[\w@%+=:,./-]+$/;

/**
 * Quotes text as one POSIX shell word, as Python's `shlex.quote` does: safe text stays as it is, the rest
 * goes in single quotes, where a shell expands nothing (a `'` inside becomes `'"'"'`). A list quotes
 * each item and joins them with spaces, so it becomes that many words. The `shell_quote` filter.
 */
export function shellQuote(text: string | readonly string[]): string {
  if (typeof text !== 'string') return text.map((item) => shellQuote(item)).join(' ');
  if (text === '') return "''";
  if (SAFE_WORD.test(text)) return text;
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}
