#!/usr/bin/env node
// Checks every publishable package as npm would ship it: packs it with pnpm (workspace:^ becomes a
// version), then lints the tarball with publint (package.json fields, exports, files) and
// @arethetypeswrong/cli (types resolve for every ESM resolution mode; our packages are ESM only).
//
//   node scripts/check-packages.mjs      # run by `npm test` after the build
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = fileURLToPath(new URL('..', import.meta.url));
const pnpm = process.env.npm_execpath?.includes('pnpm')
  ? [process.execPath, [process.env.npm_execpath]]
  : ['npx', ['-y', 'pnpm@10']];

const packageDirs = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, group, entry.name)),
);

const out = mkdtempSync(join(tmpdir(), 'conductor-pack-'));
let problems = 0;
try {
  for (const dir of packageDirs) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (pkg.private) continue;
    const before = problems;
    const dest = mkdtempSync(join(out, 'pkg-'));
    const packed = spawnSync(pnpm[0], [...pnpm[1], 'pack', '--pack-destination', dest], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (packed.status !== 0) {
      console.error(`✗ ${pkg.name}: pnpm pack failed\n${packed.stderr}`);
      problems += 1;
      continue;
    }
    const tarball = join(
      dest,
      readdirSync(dest).find((name) => name.endsWith('.tgz')),
    );
    const lint = await publint({
      pack: { tarball: readFileSync(tarball).buffer },
      level: 'suggestion',
      strict: true,
    });
    for (const message of lint.messages) {
      console.error(`✗ ${pkg.name} (publint ${message.type}): ${formatMessage(message, lint.pkg)}`);
      problems += 1;
    }
    // A package with no types entry (the CLI: a bin only) has nothing for attw to resolve.
    if (pkg.exports?.['.']) {
      const types = spawnSync(
        join(root, 'node_modules/.bin/attw'),
        [tarball, '--profile', 'esm-only', '--format', 'ascii'],
        { encoding: 'utf8' },
      );
      if (types.status !== 0) {
        console.error(`✗ ${pkg.name} (are the types wrong):\n${types.stdout}${types.stderr}`);
        problems += 1;
      }
    }
    if (problems === before) console.error(`✓ ${pkg.name}`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (problems > 0) {
  console.error(`\n${problems} packaging problem(s): see above.`);
  process.exit(1);
}
console.error('every publishable package passes publint and attw');
