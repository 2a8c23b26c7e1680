import { afterEach, describe, expect, inject, it } from 'vitest';
import { type PostgresStore, postgresStore } from './index.js';
import { events, freshSchemaUrl } from './testing/helpers.js';

const stores: PostgresStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

const passwordUrl = inject('pgPasswordUrl');
const password = passwordUrl ? new URL(passwordUrl).password : null;

describe.runIf(passwordUrl)('secrets in the store URL', () => {
  it('a wrong password: the error says what failed, without the password given', async () => {
    const url = new URL(freshSchemaUrl(passwordUrl ?? ''));
    url.password = 'wrong-Pa55word-xyz';
    const store = postgresStore(url.toString());
    stores.push(store);
    const error = await store.migrate().catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'CONDUCTOR_STORE_UNAVAILABLE' });
    expect(String((error as Error).message)).toMatch(/password authentication failed/);
    expect(`${(error as Error).message}${(error as Error).stack}`).not.toContain('wrong-Pa55word-xyz');
    expect(store.location).not.toContain('wrong-Pa55word-xyz');
  });

  it('the right password: nothing stored or printed holds it', async () => {
    const store = postgresStore(freshSchemaUrl(passwordUrl ?? ''));
    stores.push(store);
    expect(store.location).toContain('***');
    expect(store.location).not.toContain(password);
    const lease = await store.claim('run-s', { purpose: 'run' });
    await store.append(lease, events(1, 2));
    const { rows } = await store.pool.query(
      `SELECT payload::text AS t FROM ${store.schema}.events UNION ALL SELECT host || purpose FROM ${store.schema}.leases`,
    );
    for (const row of rows) expect(row.t).not.toContain(password);
  });
});
