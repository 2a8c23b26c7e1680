import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { reportError } from './errors.js';
import { openSharedStore, openStore } from './store.js';

describe('choosing the store', () => {
  it('none named: the files under $CONDUCTOR_HOME, and no PostgreSQL loaded', async () => {
    expect(await openSharedStore({})).toBeNull();
    const store = await openStore({ CONDUCTOR_HOME: '/tmp/conductor-choose' });
    expect(store).toMatchObject({ kind: 'files', location: '/tmp/conductor-choose' });
  });

  it('CONDUCTOR_STORE or --store with postgres://: the PostgreSQL store, shown without its password', async () => {
    const store = await openSharedStore({ CONDUCTOR_STORE: 'postgres://u:Secret-77@127.0.0.1:1/db' });
    expect(store).toMatchObject({ kind: 'postgres', location: 'postgres://u:***@127.0.0.1:1/db' });
    await store?.close();
  });

  it('anything else: exit code 2, a message that names it without its password', async () => {
    const error = await openSharedStore({}, 'mysql://u:Secret-77@h/db').catch((e: unknown) => e);
    let text = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    });
    expect(reportError(error, sink, {})).toBe(2);
    expect(text).toContain('mysql://u:***@h/db');
    expect(text).not.toContain('Secret-77');
  });
});
