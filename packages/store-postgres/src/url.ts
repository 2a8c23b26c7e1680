import { redactStoreUrl, StoreSpecError } from '@conductor/store';

export interface ParsedStoreUrl {
  /** For pg, without Conductor's own parameters. */
  connectionString: string;
  /** The tables' schema: `?schema=` (letters, digits, _), default `conductor`. */
  schema: string;
  /** Printable: without the password. */
  location: string;
  /** What must never be printed (the password), to scrub from driver messages. */
  secrets: string[];
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function parseStoreUrl(spec: string): ParsedStoreUrl {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new StoreSpecError(redactStoreUrl(spec), 'not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new StoreSpecError(redactStoreUrl(spec), `the scheme ${url.protocol} is not postgres:`);
  }
  const schema = url.searchParams.get('schema') ?? 'conductor';
  if (!SCHEMA_NAME.test(schema)) {
    throw new StoreSpecError(redactStoreUrl(spec), `schema=${schema} is not a lower-case SQL name`);
  }
  url.searchParams.delete('schema');
  const secrets = url.password ? [url.password, decodeURIComponent(url.password)] : [];
  return { connectionString: url.toString(), schema, location: redactStoreUrl(spec), secrets };
}
