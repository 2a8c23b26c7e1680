#!/usr/bin/env node
// Makes sure a Chromium for the browser tests is installed. Playwright's own browser download cannot be
// used (it fetches a binary from outside the package registries), so we use the system's Chromium:
// CONDUCTOR_CHROMIUM if set, else /usr/bin/chromium, installing Debian's package when we are root.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const candidates = [process.env.CONDUCTOR_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  Boolean,
);
const found = candidates.find((path) => existsSync(path));
if (found) {
  console.log(`chromium: ${found}`);
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (isRoot && hasApt) {
  console.log('chromium: not found; installing Debian package "chromium" (apt-get)...');
  const run = (args) =>
    execFileSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  run(['update', '-qq']);
  run(['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
  if (existsSync('/usr/bin/chromium')) process.exit(0);
}

const message =
  'chromium: no Chromium found for the browser tests. Install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) ' +
  'or point CONDUCTOR_CHROMIUM at a Chromium/Chrome binary.';
if (process.env.CI) {
  console.error(message);
  process.exit(1);
}
console.warn(`${message}\nThe browser tests will be skipped.`);
