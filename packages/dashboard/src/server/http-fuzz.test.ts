import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDashboard,
  type Dashboard,
  type DashboardOptions,
  jsonlStore,
  memoryStore,
  type RunningDashboard,
  startDashboard,
} from '../index.js';
import { dialogOpen, gatePresented, runEvents, tempDir, writeLog } from './test-helpers.js';

// Hostile input on every route must get a 4xx (or the route's answer), never a 500: a 500 means the
// dashboard trusted something it should have checked. Every request goes through `app.request`
// in-process, except the WebSocket upgrade, which only a real server sees.

const TOKEN = 'fuzz-token';
const gate = gatePresented(51);
const dialog = dialogOpen(52);
const control = { stop() {}, answerGate: () => true, answerDialog: () => true };

/** The shapes a dashboard comes in: with control, read-only, owned elsewhere, on a log file, under a path. */
async function configurations(): Promise<Array<{ name: string; options: DashboardOptions }>> {
  const path = join(await tempDir(), 'events.jsonl');
  await writeLog(path, [...runEvents(50), gate, ...dialog]);
  return [
    {
      name: 'memory, owned, with control',
      options: { history: memoryStore([...runEvents(50), gate, ...dialog]), control },
    },
    { name: 'log file, read-only', options: { history: jsonlStore(path, { indexEvery: 8 }) } },
    {
      name: 'log file, owned by another process',
      options: {
        history: jsonlStore(path, { indexEvery: 8 }),
        control,
        ownership: () => ({ owner: 'other-process', pid: 4242, since: '2025-01-01T00:00:00Z' }),
      },
    },
    {
      name: 'no token, under a path, empty history',
      options: { history: memoryStore(), control, token: false, basePath: '/conductor' },
    },
  ];
}

const ROUTES = [
  '/api/info',
  '/api/state',
  '/api/events',
  '/api/logs',
  '/api/stop',
  '/api/gate',
  '/api/dialog',
  '/api/',
  '/api/nope',
  '/ws',
  '/',
  '/index.html',
  '/assets/app.js',
  '/runs/x/steps/y',
];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

const numberish = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1, max: 2 }).map(String) },
  { weight: 2, arbitrary: fc.nat().map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '-0',
      '1.5',
      '1e3',
      '0x10',
      ' 7',
      'NaN',
      'Infinity',
      '',
      '%ZZ',
      '%00',
      '9'.repeat(16),
    ),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const queryKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('after', 'before', 'limit') },
  { weight: 1, arbitrary: fc.constantFrom('token', ...HOSTILE_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
/** A query string, sometimes not even validly encoded. */
const query = fc
  .array(fc.tuple(queryKey, numberish), { maxLength: 3 })
  .chain((pairs) =>
    fc
      .boolean()
      .map((raw) =>
        pairs
          .map(([key, value]) =>
            raw ? `${key}=${value}` : `${encodeURIComponent(key)}=${encodeURIComponent(value)}`,
          )
          .join('&'),
      ),
  );
const anyPath = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ROUTES) },
  { weight: 1, arbitrary: fc.webPath() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/api/%ZZ',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/api/state/',
      '//api//state',
      '/ws/',
    ),
  },
);
const ascii = (maxLength: number) => fc.string({ maxLength }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
const contentType = fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', '');
/** Headers as the UI sends them: the request reaches the route. */
const validHeaders = fc.record(
  {
    authorization: fc.constant(`Bearer ${TOKEN}`),
    host: fc.constantFrom('127.0.0.1:8080', 'localhost'),
    origin: fc.constant('http://localhost'),
    'content-type': contentType,
  },
  { requiredKeys: ['authorization'] },
);
const hostileHeaders = fc.record(
  {
    authorization: fc.oneof(
      fc.constant(`Bearer ${TOKEN}`),
      fc.constantFrom('Bearer', 'Bearer ', 'bearer fuzz-token', TOKEN, `Bearer ${TOKEN} extra`, 'Basic eDp5'),
      ascii(40).map((s) => `Bearer ${s}`),
      fc.constant(`Bearer ${'x'.repeat(8000)}`),
    ),
    host: fc.constantFrom(
      '127.0.0.1:8080',
      'localhost',
      '[::1]:1',
      'evil.example',
      '',
      '127.0.0.1:x',
      '[::1',
    ),
    origin: fc.constantFrom(
      'http://localhost',
      'null',
      'http://evil.example',
      'file://',
      '::',
      'http://[::1',
    ),
    'content-type': contentType,
  },
  { requiredKeys: [] },
);
const headers = fc.oneof({ weight: 4, arbitrary: validHeaders }, { weight: 1, arbitrary: hostileHeaders });
const hostileValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(...HOSTILE_KEYS, 'approve', 'approve/inner', 'plan', 'yes', 'no', 'done', ''),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
const gateBody = fc
  .record({ step: hostileValue, value: hostileValue, additional_input: hostileValue }, { requiredKeys: [] })
  .map((body) => JSON.stringify(body));
const dialogBody = fc
  .record({ step: hostileValue, message: hostileValue }, { requiredKeys: [] })
  .map((body) => JSON.stringify(body));
const body = fc.oneof(
  { weight: 4, arbitrary: gateBody },
  { weight: 4, arbitrary: dialogBody },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      'null',
      '[]',
      '"x"',
      '{"__proto__":{"step":"approve"},"value":"yes"}',
      '{"step":"approve","value":"yes","additional_input":{"__proto__":{"polluted":true}}}',
      '{"step":"plan","message":{"__proto__":{"polluted":true}}}',
      '['.repeat(5000) + ']'.repeat(5000),
      `{"step":"${'a'.repeat(70_000)}","value":"yes"}`,
    ),
  },
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');
/** Mostly what each route expects (so hostile values reach its code), sometimes anything at all. */
const request = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      method: fc.constant('GET'),
      path: fc.constantFrom(
        '/api/events',
        '/api/events',
        '/api/events',
        '/api/info',
        '/api/state',
        '/api/logs',
      ),
      query,
      body: fc.constant(''),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      method: fc.constant('POST'),
      path: fc.constantFrom('/api/gate', '/api/dialog', '/api/stop'),
      query,
      body,
    }),
  },
  { weight: 2, arbitrary: fc.record({ method, path: anyPath, query, body }) },
);

describe('the HTTP API under hostile input', () => {
  let setups: Array<{ name: string; dashboard: Dashboard; basePath: string }> = [];
  const errors: unknown[] = [];
  beforeAll(async () => {
    setups = (await configurations()).map(({ name, options }) => ({
      name,
      basePath: options.basePath ?? '',
      dashboard: createDashboard({ token: TOKEN, uiDir: false, onError: (e) => errors.push(e), ...options }),
    }));
    await Promise.all(setups.map((s) => s.dashboard.ready));
  });
  afterAll(async () => {
    await Promise.all(setups.map((s) => s.dashboard.close()));
  });

  it('answers every route, method, query, header and body with anything but 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 3 }),
        request,
        headers,
        async (which, { method: verb, path: route, query: search, body: payload }, head) => {
          const setup = setups[which % setups.length] as (typeof setups)[number];
          const url = `http://127.0.0.1${setup.basePath}${route}${search ? `?${search}` : ''}`;
          const hasBody = verb !== 'GET' && verb !== 'HEAD';
          const response = await setup.dashboard.app.request(url, {
            method: verb,
            headers: head,
            ...(hasBody ? { body: payload } : {}),
          });
          const text = await response.text();
          expect(response.status, `${verb} ${url} (${setup.name}) → ${text.slice(0, 300)}`).not.toBe(500);
          if (response.status >= 400 && route.startsWith('/api/') && verb !== 'HEAD') {
            expect(JSON.parse(text)).toMatchObject({
              error: { code: expect.stringMatching(/^CONDUCTOR_/), message: expect.any(String) },
            });
          }
        },
      ),
      { numRuns: 1500 },
    );
    expect(errors).toEqual([]);
  });

  it('answers the issue’s two inputs with 4xx and the error shape', async () => {
    const [owned] = setups;
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    for (const step of ['__proto__', 'constructor', 'toString']) {
      const response = await owned?.dashboard.app.request('/api/gate', {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ step, value: 'yes' }),
      });
      expect(response?.status, step).toBe(409);
      expect(await response?.json()).toMatchObject({ error: { code: 'CONDUCTOR_CONFLICT' } });
      const talk = await owned?.dashboard.app.request('/api/dialog', {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ step, message: 'hi' }),
      });
      expect(talk?.status, step).toBe(409);
    }
    for (const setup of setups) {
      const response = await setup.dashboard.app.request(`${setup.basePath}/api/events?before=0`, {
        headers: auth,
      });
      expect(response.status, setup.name).toBe(200);
      expect(await response.json()).toMatchObject({ events: [], has_more: false });
    }
  });
});

describe('the WebSocket upgrade under hostile input', () => {
  let running: RunningDashboard;
  beforeAll(async () => {
    running = await startDashboard({ history: memoryStore(runEvents(20)), token: TOKEN, uiDir: false });
  });
  afterAll(async () => {
    await running.close();
  });

  /** The status line of a raw upgrade request (a 101 is closed at once). */
  function upgrade(target: string, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: running.port,
        // An HTTP client cannot send spaces or control characters in a path at all.
        path: target.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)),
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          ...headers,
        },
      });
      req.on('upgrade', (response, socket) => {
        socket.destroy();
        resolve(response.statusCode ?? 0);
      });
      req.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('refuses bad seqs, tokens and hosts with 4xx, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        query,
        fc.constantFrom(`127.0.0.1:${'PORT'}`, 'evil.example', ''),
        fc.constantFrom(`Bearer ${TOKEN}`, 'Bearer nope', ''),
        async (search, host, authorization) => {
          const status = await upgrade(`/ws?${search}`, {
            host: host.replace('PORT', String(running.port)),
            ...(authorization ? { authorization } : {}),
          });
          expect(status, `/ws?${search}`).not.toBe(500);
          expect([101, 400, 401, 403]).toContain(status);
        },
      ),
      { numRuns: 80 },
    );
  });
});
