import { styleText } from 'node:util';

type Env = Record<string, string | undefined>;

/**
 * Whether to colour what goes to `stream`. `--no-color` and NO_COLOR (https://no-color.org) win, then
 * FORCE_COLOR (0 or false: none); otherwise a terminal that has colours, as Node judges it (TERM=dumb...).
 */
export function coloursFor(
  stream: { isTTY?: boolean; hasColors?: (env?: object) => boolean },
  env: Env,
  allowed = true,
): boolean {
  if (!allowed || env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return Boolean(stream.isTTY) && (stream.hasColors?.(env) ?? false);
}

export type Style = Parameters<typeof styleText>[0];

/** `style(format, text)`: `text` in that style when `enabled`, else as it is. */
export function styler(enabled: boolean): (format: Style, text: string) => string {
  // The decision is ours (it knows the stream and the flag): styleText must not judge process.stdout again.
  return enabled
    ? (format, text) => styleText(format, text, { validateStream: false })
    : (_format, text) => text;
}
