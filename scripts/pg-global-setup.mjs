// vitest globalSetup for the projects that need PostgreSQL: one server for the run, stopped at the end.
// Tests get its URLs with `inject('pgUrl')` / `inject('pgPasswordUrl')` and each uses its own schema.
import { startPgServer } from './pg-server.mjs';

export default async function setup(project) {
  const server = await startPgServer();
  project.provide('pgUrl', server.url);
  project.provide('pgPasswordUrl', server.passwordUrl);
  return () => server.stop();
}
