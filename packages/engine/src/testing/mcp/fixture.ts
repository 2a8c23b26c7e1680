// The MCP fixture server for the engine's tests (fixture-server.mjs): its path, for stdio servers,
// and its HTTP form, started in the test's process on a real port.
import { fileURLToPath, pathToFileURL } from 'node:url';

export const FIXTURE_SERVER = fileURLToPath(new URL('./fixture-server.mjs', import.meta.url));

export interface HttpFixture {
  url: string;
  /** Every tool call the server received, in order. */
  calls: Array<{ name: string; args: Record<string, unknown> }>;
  /** The headers of every HTTP request it received. */
  headers: Array<Record<string, string | string[] | undefined>>;
  /** Ids of the sessions still open. */
  sessions(): string[];
  close(): Promise<void>;
}

/** Starts the fixture server over Streamable HTTP on 127.0.0.1. */
export async function startHttpFixture(): Promise<HttpFixture> {
  const module = (await import(pathToFileURL(FIXTURE_SERVER).href)) as {
    createHttpFixture(): Promise<HttpFixture>;
  };
  return module.createHttpFixture();
}

/** Starts the fixture server over HTTP with SSE (the older remote transport) on 127.0.0.1. */
export async function startSseFixture(): Promise<HttpFixture> {
  const module = (await import(pathToFileURL(FIXTURE_SERVER).href)) as {
    createSseFixture(): Promise<HttpFixture>;
  };
  return module.createSseFixture();
}

/** A stdio server config that runs the fixture with this Node. */
export function stdioFixture(extra: { env?: Record<string, string>; cwd?: string; tools?: string[] } = {}) {
  return { command: process.execPath, args: [FIXTURE_SERVER], ...extra };
}
