import { parse as parseYaml } from 'yaml';
import type { SetOutputType } from '../workflow/types.js';

/** A set step's value that cannot be read as its `output_type`. */
export class SetTypeError extends Error {}

const NULL_WORDS = new Set(['null', '~', 'Null', 'NULL']);
const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'n', 'off']);

/**
 * Text read as YAML 1.2, as the original's `auto`: blank is "", unreadable or empty YAML stays the text.
 * Unlike the original, only text that reads as a scalar (number, boolean, null) or that opens a flow list,
 * flow mapping or quoted string is taken as YAML: prose such as "revise: shorter" or "step 4 #5" stays as
 * written rather than becoming a mapping or losing its "comment".
 */
function readAuto(text: string): unknown {
  if (text.trim() === '') return '';
  const value = readYaml(text);
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'string' && !/^\s*["']/.test(text) ? text : value;
  }
  return /^\s*[[{]/.test(text) ? value : text;
}

function readYaml(text: string): unknown {
  if (text.trim() === '') return '';
  let value: unknown;
  try {
    value = parseYaml(text, { schema: 'core', merge: false });
  } catch {
    return text;
  }
  if (value === null || value === undefined) return NULL_WORDS.has(text.trim()) ? null : text;
  return value;
}

/** The text a value renders to, for types that read text (`{{ 42 }}` alone gives the number 42 itself). */
const textOf = (value: unknown) =>
  typeof value === 'string' ? value : value === null ? 'null' : JSON.stringify(value);

/**
 * A set step's rendered `value` read as its `output_type` (default `auto`), as the original does. Values that
 * are not text (a template that is one `{{ expr }}` keeps its type) are checked, not re-read.
 */
export function typeSetValue(value: unknown, type: SetOutputType = 'auto'): unknown {
  const text = textOf(value);
  switch (type) {
    case 'auto':
      return typeof value === 'string' ? readAuto(value) : value;
    case 'string':
      return text;
    case 'integer': {
      const number = typeof value === 'number' ? value : Number(text.trim());
      if (text.trim() === '' || !Number.isInteger(number))
        throw new SetTypeError(`"${text}" is not an integer`);
      return number;
    }
    case 'number': {
      const number = typeof value === 'number' ? value : Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(number)) throw new SetTypeError(`"${text}" is not a number`);
      return number;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const word = text.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw new SetTypeError(`"${text}" is not a boolean (true/false, yes/no, 1/0, on/off)`);
    }
    case 'list':
    case 'dict': {
      const read = typeof value === 'string' ? readYaml(value) : value;
      const ok =
        type === 'list'
          ? Array.isArray(read)
          : typeof read === 'object' && read !== null && !Array.isArray(read);
      if (!ok) throw new SetTypeError(`"${text}" is not a ${type === 'list' ? 'list' : 'mapping'}`);
      return read;
    }
  }
}
