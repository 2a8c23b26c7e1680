import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isOutputRef } from '@conductor/events';
import type { Handler } from 'hono';
import { jsonError } from './errors.js';

/**
 * `GET /api/outputs/<ref>`: the whole of a text stored over the output cap (`data.spills[field].ref`
 * of an event), from the run's `outputs/` folder. Only a plain file directly in that folder can be
 * served: `ref` has no separators, no leading dot and no `..`, and symbolic links are refused.
 * `?download=1` asks the browser to save it.
 */
export function outputRoute(outputsDir: string | undefined): Handler {
  return async function output(c) {
    const ref = c.req.param('ref') ?? '';
    if (!isOutputRef(ref)) {
      return jsonError(
        c,
        400,
        'CONDUCTOR_BAD_REQUEST',
        `"${ref.slice(0, 80)}" is not an output reference (the "ref" of an event's spills entry)`,
      );
    }
    if (!outputsDir) {
      return jsonError(c, 404, 'CONDUCTOR_NOT_FOUND', 'this dashboard serves no stored outputs');
    }
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(join(outputsDir, ref), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch {
      return jsonError(c, 404, 'CONDUCTOR_NOT_FOUND', `no stored output ${ref} in this run`);
    }
    const info = await handle.stat().catch(() => null);
    if (!info?.isFile()) {
      await handle.close();
      return jsonError(c, 404, 'CONDUCTOR_NOT_FOUND', `no stored output ${ref} in this run`);
    }
    c.header('Content-Type', 'text/plain; charset=utf-8');
    c.header('Content-Length', String(info.size));
    c.header(
      'Content-Disposition',
      `${c.req.query('download') === '1' ? 'attachment' : 'inline'}; filename="${ref}.txt"`,
    );
    // The stream closes the file when it ends or the client goes away.
    return c.body(Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>);
  };
}
