#!/usr/bin/env node
// Makes sure PostgreSQL's server binaries (initdb, pg_ctl) are there for the tests and benchmarks of
// the PostgreSQL store, which start a throwaway server of their own (scripts/pg-server.mjs). Installs
// Debian's package "postgresql" when missing and we are root; CONDUCTOR_TEST_PG (a server's URL) or
// CONDUCTOR_PG_BIN (a bin folder) skip this.
import { execFileSync } from 'node:child_process';
import { findPgBin } from './pg-server.mjs';

if (process.env.CONDUCTOR_TEST_PG) {
  console.log('postgresql: using CONDUCTOR_TEST_PG');
  process.exit(0);
}
const found = findPgBin();
if (found) {
  console.log(`postgresql: ${found}`);
  process.exit(0);
}
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot) {
  console.log('postgresql: not found; installing Debian package "postgresql" (apt-get)...');
  const run = (args) =>
    execFileSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    run(['update', '-qq']);
    run(['install', '-y', '-qq', '--no-install-recommends', 'postgresql']);
  } catch (error) {
    console.error(`postgresql: apt-get failed: ${error.message}`);
  }
  if (findPgBin()) process.exit(0);
}
console.error(
  'postgresql: no initdb found for the PostgreSQL store tests. Install it (Debian/Ubuntu: `sudo apt-get install -y postgresql`), ' +
    'set CONDUCTOR_PG_BIN to its bin folder, or point CONDUCTOR_TEST_PG at a server.',
);
process.exit(1);
