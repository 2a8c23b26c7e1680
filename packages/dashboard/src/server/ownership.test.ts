import { createEventBus } from '@conductor/events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createDashboard,
  type Dashboard,
  type DashboardOptions,
  memoryStore,
  type RunOwnership,
} from '../index.js';
import { gatePresented, runEvents, WAIT } from './test-helpers.js';

const TOKEN = 'ownership-token';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const opened: Dashboard[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

const gate = gatePresented(51, [{ label: 'Yes', value: 'yes', route: 'ship' }]);

function dashboard(options: Partial<DashboardOptions>): Dashboard {
  const d = createDashboard({
    history: memoryStore([...runEvents(50), gate]),
    token: TOKEN,
    uiDir: false,
    ...options,
  });
  opened.push(d);
  return d;
}

const info = async (d: Dashboard) =>
  (await (await d.app.request('/api/info', { headers: auth })).json()) as {
    control: { stop: boolean; gate: boolean };
    ownership: { owner: string; pid: number | null; host: string | null; since: string | null };
  };
const post = (d: Dashboard, path: string, body: unknown) =>
  d.app.request(path, { method: 'POST', headers: auth, body: JSON.stringify(body) });

describe('ownership', () => {
  it('offers control only while this process owns the run', async () => {
    const stop = vi.fn();
    const answerGate = vi.fn(() => true);
    let ownership: RunOwnership = { owner: 'this-process', pid: process.pid };
    const d = dashboard({ control: { stop, answerGate }, ownership: () => ownership });
    expect(await info(d)).toMatchObject({
      control: { stop: true, gate: true },
      ownership: { owner: 'this-process', pid: process.pid, host: null, since: null },
    });

    ownership = { owner: 'other-process', pid: 1234, host: 'box', since: '2025-05-01T10:00:00.000Z' };
    const refused = await post(d, '/api/stop', {});
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('CONDUCTOR_NOT_OWNER');
    expect(body.error.message).toContain('process 1234 on box runs it since 2025-05-01T10:00:00.000Z');
    const gateRefused = await post(d, '/api/gate', { step: 'approve', value: 'yes' });
    expect(gateRefused.status).toBe(409);
    expect(stop).not.toHaveBeenCalled();
    expect(answerGate).not.toHaveBeenCalled();
    expect(await info(d)).toMatchObject({
      control: { stop: false, gate: false },
      ownership: { owner: 'other-process', pid: 1234, host: 'box' },
    });

    ownership = { owner: 'none' };
    const orphan = await post(d, '/api/stop', {});
    expect(((await orphan.json()) as { error: { message: string } }).error.message).toContain(
      'conductor resume --run run-1',
    );

    ownership = { owner: 'this-process' };
    expect((await post(d, '/api/gate', { step: 'approve', value: 'yes' })).status).toBe(200);
    expect((await post(d, '/api/stop', {})).status).toBe(202);
  });

  it('asks again as soon as the log changes', async () => {
    const bus = createEventBus({ lastSeq: 51 });
    let owner: RunOwnership['owner'] = 'this-process';
    const ask = vi.fn(() => ({ owner }));
    const d = dashboard({ live: bus, control: { stop() {} }, ownership: ask });
    expect((await info(d)).ownership.owner).toBe('this-process');
    owner = 'none';
    bus.emit('workflow_completed', { elapsed: 1, output: null });
    await expect.poll(() => d.state().last_seq, WAIT).toBe(52);
    expect((await info(d)).ownership.owner).toBe('none');
  });

  it('treats an ownership source that fails as not knowing: read-only, the error reported', async () => {
    const errors: unknown[] = [];
    const d = dashboard({
      control: { stop() {} },
      ownership: () => Promise.reject(new Error('claim store down')),
      onError: (e) => errors.push(e),
    });
    expect(await info(d)).toMatchObject({ control: { stop: false }, ownership: { owner: 'unknown' } });
    const response = await post(d, '/api/stop', {});
    expect(response.status).toBe(409);
    expect(errors.map(String)).toContain('Error: claim store down');
  });

  it('without an ownership source: owned when given control, unknown without', async () => {
    expect((await info(dashboard({ control: { stop() {} } }))).ownership.owner).toBe('this-process');
    const readOnly = dashboard({});
    expect(await info(readOnly)).toMatchObject({
      control: { stop: false, gate: false },
      ownership: { owner: 'unknown', pid: null },
    });
    expect((await post(readOnly, '/api/stop', {})).status).toBe(501);
  });
});
