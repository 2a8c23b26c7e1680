import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = [
  'events',
  'run-folder',
  'checkpoint',
  'event-log',
  'engine',
  'replay',
  'dashboard',
  'store',
];
// Packages whose tests need a PostgreSQL server (started once per run by scripts/pg-global-setup.mjs).
const pgPackages = ['store-postgres'];
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests import workspace packages from source, so `vitest` needs no build of the package under test.
// Tests that start the real `conductor` binary use the built CLI (`pnpm test` builds first).
export default defineConfig({
  resolve: {
    alias: {
      // Before its package's entry: an alias also matches the paths below it.
      '@conductor/replay/pacing': here('packages/replay/src/pacing.ts'),
      ...Object.fromEntries(
        [...packages, ...pgPackages].map((name) => [
          `@conductor/${name}`,
          here(`packages/${name}/src/index.ts`),
        ]),
      ),
    },
  },
  test: {
    reporters: ['default', here('scripts/summary-reporter.ts')],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, root: here(`packages/${name}`), include: ['src/**/*.test.{ts,tsx}'] },
      })),
      ...pgPackages.map((name) => ({
        extends: true as const,
        test: {
          name,
          root: here(`packages/${name}`),
          include: ['src/**/*.test.{ts,tsx}'],
          globalSetup: [here('scripts/pg-global-setup.mjs')],
          testTimeout: 120_000,
        },
      })),
      {
        extends: true as const,
        test: {
          name: 'dashboard-ui',
          root: here('packages/dashboard'),
          include: ['ui/src/**/*.test.{ts,tsx}'],
          environment: 'node',
        },
      },
      {
        extends: true as const,
        test: { name: 'cli', root: here('apps/cli'), include: ['src/**/*.test.ts'] },
      },
      {
        extends: true as const,
        // Workflows in the original conductor's format, run through the engine (no build needed).
        test: { name: 'compat', root: here('tests/integration/compat'), include: ['**/*.test.ts'] },
      },
      {
        extends: true as const,
        test: {
          name: 'integration',
          root: here('tests/integration'),
          include: ['**/*.test.ts'],
          // Its own project (run from source, no build needed); PostgreSQL tests are integration-pg.
          exclude: ['compat/**', '**/*.pg.test.ts', '**/node_modules/**'],
          testTimeout: 120_000,
        },
      },
      {
        extends: true as const,
        test: {
          name: 'integration-pg',
          root: here('tests/integration'),
          include: ['**/*.pg.test.ts'],
          globalSetup: [here('scripts/pg-global-setup.mjs')],
          testTimeout: 300_000,
        },
      },
    ],
  },
});
