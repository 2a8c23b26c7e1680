// A throwaway PostgreSQL server for tests and benchmarks: initdb in a temp folder, a free port on
// 127.0.0.1, the socket in the same folder, stopped and deleted by `stop()`. initdb refuses to run as
// root, so as root the server runs as `nobody`. CONDUCTOR_TEST_PG=<url> uses that server instead.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A role that logs in with a password (scram), for tests that check the password is never printed. */
export const PASSWORD_ROLE = { user: 'secretive', password: 'hunter2-Sup3rSecret' };

/** The folder of initdb and pg_ctl: CONDUCTOR_PG_BIN, else the newest /usr/lib/postgresql/<v>/bin. */
export function findPgBin() {
  if (process.env.CONDUCTOR_PG_BIN) return process.env.CONDUCTOR_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0], 'bin') : null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server. Resolves with `{ url, urlFor(schema), passwordUrl, stop }`; `url` connects as the
 * superuser `conductor` to the database `conductor`.
 */
export async function startPgServer() {
  if (process.env.CONDUCTOR_TEST_PG) {
    const url = process.env.CONDUCTOR_TEST_PG;
    return { url, passwordUrl: null, external: true, stop: async () => {} };
  }
  const bin = findPgBin();
  if (!bin) {
    throw new Error(
      'PostgreSQL is not installed: no /usr/lib/postgresql/<version>/bin/initdb. Install it (`apt-get install -y postgresql`, as .ci/run does), set CONDUCTOR_PG_BIN to its bin folder, or point CONDUCTOR_TEST_PG at a server.',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'conductor-pg-'));
  const isRoot = process.getuid?.() === 0;
  const asUser = (command, args) =>
    isRoot ? ['runuser', ['-u', 'nobody', '--', command, ...args]] : [command, args];
  const run = (command, args, options = {}) => {
    const [c, a] = asUser(join(bin, command), args);
    return execFileSync(c, a, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, ...options });
  };
  if (isRoot) {
    const nobody = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
    const group = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());
    chownSync(dir, nobody, group);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  run('initdb', ['-D', data, '-U', 'conductor', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  writeFileSync(
    join(data, 'pg_hba.conf'),
    [
      'local all all trust',
      `host all ${PASSWORD_ROLE.user} 127.0.0.1/32 scram-sha-256`,
      'host all all 127.0.0.1/32 trust',
      '',
    ].join('\n'),
  );
  rmSync(pwfile, { force: true });
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=300`,
    'start',
  ]);
  const psql = (sql, db = 'postgres') =>
    run('psql', [
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'conductor',
      '-d',
      db,
      '-v',
      'ON_ERROR_STOP=1',
      '-c',
      sql,
    ]);
  psql('CREATE DATABASE conductor');
  psql(`CREATE ROLE ${PASSWORD_ROLE.user} LOGIN SUPERUSER PASSWORD '${PASSWORD_ROLE.password}'`);
  const url = `postgres://conductor@127.0.0.1:${port}/conductor`;
  const passwordUrl = `postgres://${PASSWORD_ROLE.user}:${PASSWORD_ROLE.password}@127.0.0.1:${port}/conductor`;
  let stopped = false;
  return {
    url,
    passwordUrl,
    external: false,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
