// `npm run bench`: runs every benchmark and prints its figures. Benchmarks measure; tests don't time things.
import { existsSync } from 'node:fs';

const benches = [
  './engine-loop.mjs',
  './event-log-writer.mjs',
  './dashboard-resume.mjs',
  './dashboard-follow.mjs',
  './dashboard-fanout.mjs',
  './first-paint.mjs',
  './for-each.mjs',
  './big-stdout.mjs',
  './cli-start.mjs',
  './store-postgres.mjs',
].filter((path) => existsSync(new URL(path, import.meta.url)));

const only = process.argv.slice(2);
for (const path of benches) {
  if (only.length > 0 && !only.some((name) => path.includes(name))) continue;
  const { run } = await import(path);
  process.stdout.write(`\n${path}\n`);
  const report = await run();
  for (const entry of Array.isArray(report) ? report : [report]) {
    console.log(`  ${entry.name}`);
    for (const [key, value] of Object.entries(entry.figures)) console.log(`    ${key.padEnd(28)} ${value}`);
  }
}
