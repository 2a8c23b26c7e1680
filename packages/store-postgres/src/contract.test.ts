import { filesStore } from '@conductor/store';
import { type PostgresStore, postgresStore } from './index.js';
import { storeContract } from './testing/contract.js';
import { freshSchemaUrl, tempHome } from './testing/helpers.js';

storeContract('files', {
  open: async () => filesStore({ home: await tempHome(), pollMs: 20 }),
  reopen: async (store) => filesStore({ home: store.location, pollMs: 20 }),
});

storeContract('postgres', {
  open: async () => postgresStore(freshSchemaUrl(), { pollMs: 5000 }),
  reopen: async (store) => {
    const url = new URL((store as PostgresStore).connectionString);
    url.searchParams.set('schema', (store as PostgresStore).schema);
    return postgresStore(url.toString(), { pollMs: 5000 });
  },
});
