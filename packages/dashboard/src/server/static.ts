import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Handler } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The UI is a static app: scripts and styles from its own origin, data from the API and socket.
 * Inline styles are allowed because the graph library positions nodes with them.
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "font-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Where the built UI is: `dist/ui` of this package, seen from the bundle (`dist/index.js`) or from
 * the sources (`src/server/static.ts`, in tests).
 */
export function defaultUiDir(): string | null {
  const candidates = [new URL('./ui/', import.meta.url), new URL('../../dist/ui/', import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return null;
}

const NOT_BUILT = `<!doctype html>
<meta charset="utf-8"><title>Conductor dashboard</title>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The dashboard UI is not built</h1>
<p>The server and its API are running, but the web UI was not found next to the package.
Build it with <code>pnpm --filter @conductor/dashboard build</code>, or pass <code>uiDir</code>.</p>
</body>`;

/**
 * Serves the built UI from `uiDir` (resolved on first use when a function), with `index.html` for any
 * path without a file extension so deep links work (`indexFile` instead: another page of the same build,
 * e.g. the run list's `runs.html`). `basePath` is stripped from request paths.
 */
export function uiRoute(uiDir: () => string | null, basePath: string, indexFile = 'index.html'): Handler {
  return async function ui(c) {
    const root = uiDir();
    c.header('Content-Security-Policy', CSP);
    if (root === null) {
      c.header('Cache-Control', 'no-cache');
      return c.html(NOT_BUILT, 503);
    }
    let path: string;
    try {
      path = decodeURIComponent(c.req.path.slice(basePath.length) || '/');
    } catch {
      return c.text('bad path', 400);
    }
    const base = resolve(root);
    const file = resolve(base, `.${path}`);
    if (file !== base && !file.startsWith(base + sep)) return c.text('not found', 404);
    const found = await fileAt(file, indexFile);
    if (found) return found.endsWith('.html') ? sendIndex(c, found, basePath) : send(c, found, path);
    if (extname(path) !== '') return c.text('not found', 404);
    const index = await fileAt(join(base, indexFile));
    return index ? sendIndex(c, index, basePath) : c.html(NOT_BUILT, 503);
  };
}

/**
 * An HTML page of the build with its asset URLs made absolute under `basePath`: the build names them `./assets/…`, which
 * resolve wrong from `/runs/x` (no trailing slash: `/runs/assets/…`) or from a deep link.
 */
async function sendIndex(c: Parameters<Handler>[0], file: string, basePath: string) {
  const html = (await readFile(file, 'utf8')).replace(/(src|href)="\.\//g, `$1="${basePath}/`);
  c.header('Content-Type', TYPES['.html'] as string);
  c.header('Cache-Control', 'no-cache');
  return c.body(html, 200);
}

async function fileAt(path: string, indexFile = 'index.html'): Promise<string | null> {
  try {
    const info = await stat(path);
    if (info.isFile()) return path;
    if (info.isDirectory()) {
      const index = join(path, indexFile);
      if ((await stat(index)).isFile()) return index;
    }
  } catch {
    // Not there.
  }
  return null;
}

async function send(c: Parameters<Handler>[0], file: string, requestPath: string) {
  const body = await readFile(file);
  c.header('Content-Type', TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
  // Vite names built assets by content hash: they never change. index.html always may.
  c.header(
    'Cache-Control',
    requestPath.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
  return c.body(body, 200);
}
