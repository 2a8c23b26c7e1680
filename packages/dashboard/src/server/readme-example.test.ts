import { createServer, type Server } from 'node:http';
import type { ConductorEvent } from '@conductor/events';
import { getRequestListener } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { InfoBody, StateBody } from '../protocol.js';
import { createDashboard } from './dashboard.js';
import { memoryStore } from './history.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = null;
});

// The README's "inside your own Node server" example, as written there.
describe("the README's embedding example", () => {
  it('serves a finished run under /conductor, with and without the trailing slash', async () => {
    const events: ConductorEvent[] = [
      {
        seq: 1,
        type: 'workflow_started',
        timestamp: 1763704800,
        data: { name: 'review', entry_point: 'planner', agents: [{ name: 'planner' }] },
      },
      { seq: 2, type: 'agent_started', timestamp: 1763704801, data: { agent_name: 'planner' } },
      {
        seq: 3,
        type: 'agent_completed',
        timestamp: 1763704805,
        data: { agent_name: 'planner', output: 'plan', elapsed: 4 },
      },
      { seq: 4, type: 'workflow_completed', timestamp: 1763704805, data: { output: 'plan', elapsed: 5 } },
    ];
    const dashboard = createDashboard({
      history: memoryStore(events),
      basePath: '/conductor',
      token: false,
    });
    const handle = getRequestListener(dashboard.app.fetch);
    server = createServer((req, res) => {
      if (
        req.url === '/conductor' ||
        req.url?.startsWith('/conductor/') ||
        req.url?.startsWith('/conductor?')
      )
        return handle(req, res);
      res.end('my app\n');
    });
    dashboard.attachWebSocket(server);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

    expect(await (await fetch(`${base}/other`)).text()).toBe('my app\n');
    for (const path of ['/conductor', '/conductor/']) {
      const page = await fetch(`${base}${path}`);
      expect(page.status, await page.clone().text()).toBe(200);
      const html = await page.text();
      // Asset URLs resolve under the path from either address (`./assets` from `/conductor` would not).
      expect(html).toMatch(/src="\/conductor\/assets\/[^"]+\.js"/);
      expect(html).not.toContain('"./');
    }
    const info = (await (await fetch(`${base}/conductor/api/info`)).json()) as InfoBody;
    expect(info).toMatchObject({
      workflow_name: 'review',
      control: { stop: false, gate: false },
      color_scheme: 'system',
    });
    const { state } = (await (await fetch(`${base}/conductor/api/state`)).json()) as StateBody;
    expect(state.run).toMatchObject({ status: 'completed', started_at: 1763704800, finished_at: 1763704805 });
    await dashboard.close();
  });
});
