#!/usr/bin/env node
// Packs every publishable package into one folder, as they would be published: with `pnpm pack`, which
// turns `workspace:^` into the version (npm pack would leave `workspace:^` in the tarball, and npm
// could not install it). Build first.
//
//   node scripts/pack.mjs [dest]     # prints the tarballs' paths, one a line
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The folders of the packages that get published (not `private`). */
export function publishableDirs() {
  return ['packages', 'apps']
    .flatMap((group) =>
      readdirSync(join(root, group), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(root, group, entry.name)),
    )
    .filter((dir) => {
      try {
        return !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private;
      } catch {
        return false;
      }
    });
}

/** Packs each publishable package into `dest`; returns the tarballs' paths. */
export function packAll(dest) {
  mkdirSync(dest, { recursive: true });
  const pnpm = process.env.npm_execpath?.includes('pnpm')
    ? [process.execPath, [process.env.npm_execpath]]
    : ['npx', ['-y', 'pnpm@10']];
  const before = new Set(readdirSync(dest));
  // pnpm's --filter takes a folder as ./path from the workspace root.
  const filters = publishableDirs().flatMap((dir) => ['--filter', `./${relative(root, dir)}`]);
  const packed = spawnSync(pnpm[0], [...pnpm[1], '-r', ...filters, 'pack', '--pack-destination', dest], {
    cwd: root,
    encoding: 'utf8',
  });
  if (packed.status !== 0) throw new Error(`pnpm pack failed:\n${packed.stderr}${packed.stdout}`);
  return readdirSync(dest)
    .filter((name) => name.endsWith('.tgz') && !before.has(name))
    .map((name) => join(dest, name));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dest = resolve(process.argv[2] ?? mkdtempSync(join(tmpdir(), 'conductor-tarballs-')));
  for (const tarball of packAll(dest)) console.log(tarball);
}
