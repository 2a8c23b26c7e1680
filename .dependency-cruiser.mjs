// The import rules of the workspace, checked by `pnpm deps` (dependency-cruiser) in `pnpm test` and CI:
// no cycles anywhere (`import type` included), the engine's layers, and packages used only through
// their names and exported subpaths.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The engine's layers, lowest first: a folder of packages/engine/src may import only folders of
 * earlier layers (and its own). Folders in one layer do not import each other. packages/engine/README.md
 * says why this order.
 */
const ENGINE_LAYERS = [
  ['template'],
  ['workflow'],
  ['providers', 'outputs', 'gates'],
  ['tools'],
  ['steps'],
  ['groups'],
  ['run'],
  ['durable'],
  ['launch'],
];

/** Tests and their helpers may import any layer: they drive the engine from its top. */
const ENGINE_TESTS = '(\\.test\\.ts$|^packages/engine/src/testing/)';

const layerRules = ENGINE_LAYERS.flatMap((layer, index) => {
  const above = ENGINE_LAYERS.slice(index + 1).flat();
  return layer.flatMap((folder) => {
    const forbidden = [...above, ...layer.filter((other) => other !== folder)];
    if (forbidden.length === 0) return [];
    return [
      {
        name: `engine-layer-${folder}`,
        comment: `packages/engine/src/${folder} may import only the layers before it: ${ENGINE_LAYERS.slice(
          0,
          index,
        )
          .flat()
          .join(', ')}. Move the shared code down, or the importing code up (see packages/engine/README.md).`,
        severity: 'error',
        from: { path: `^packages/engine/src/${folder}/`, pathNot: ENGINE_TESTS },
        to: { path: `^packages/engine/src/(${forbidden.join('|')})/` },
      },
    ];
  });
});

/** What each workspace package exports, as paths inside the workspace: the only files others may reach. */
function exportedFiles() {
  const files = [];
  for (const root of ['packages', 'apps']) {
    for (const name of readdirSync(root)) {
      let manifest;
      try {
        manifest = JSON.parse(readFileSync(`${root}/${name}/package.json`, 'utf8'));
      } catch {
        continue;
      }
      const targets = [];
      const collect = (value) => {
        if (typeof value === 'string') targets.push(value);
        else if (value && typeof value === 'object') for (const item of Object.values(value)) collect(item);
      };
      collect(manifest.exports);
      for (const target of targets) files.push(`${root}/${name}/${target.replace(/^\.\//, '')}`);
    }
  }
  return files;
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const EXPORTED = `^(${exportedFiles().map(escapeRegExp).join('|')})$`;

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-cycle',
      comment:
        'A cycle of imports (type-only imports count): modules that need each other are one module, or ' +
        'the shared part belongs in a module both import.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'no-relative-import-across-packages',
      comment:
        "A relative path into another package's folder: import the package by its name (@conductor/...) instead.",
      severity: 'error',
      from: { path: '^(packages|apps)/([^/]+)/' },
      to: { dependencyTypes: ['local'], path: '^(packages|apps)/', pathNot: '^$1/$2/' },
    },
    {
      name: 'no-deep-package-import',
      comment:
        "An import of another package's internal file: use the package's name or a subpath its package.json " +
        'exports; export what is needed from its src/index.ts.',
      severity: 'error',
      from: { path: '^(packages|apps|tests|bench)/([^/]+)/' },
      to: { path: '^(packages|apps)/', pathNot: [`^$1/$2/`, EXPORTED] },
    },
    {
      name: 'pg-only-in-store-postgres',
      comment:
        'The PostgreSQL driver and queue (pg, pg-boss) belong to @conductor/store-postgres alone: everything ' +
        'else reaches PostgreSQL through the RunStore interface of @conductor/store.',
      severity: 'error',
      from: { path: '^(packages|apps)/', pathNot: '^packages/store-postgres/' },
      to: { path: 'node_modules/(pg|pg-boss)/' },
    },
    {
      name: 'store-postgres-loaded-lazily',
      comment:
        'A default install must not load pg: only the CLI chooses a store (apps/cli/src/store.ts), and it ' +
        'imports @conductor/store-postgres with a dynamic import() when --store or CONDUCTOR_STORE names one. ' +
        'Packages take a RunStore instead.',
      severity: 'error',
      from: {
        path: '^(packages|apps)/',
        pathNot: ['^packages/store-postgres/', '^apps/cli/src/store\\.ts$'],
      },
      to: { path: '^packages/store-postgres/' },
    },
    {
      name: 'store-postgres-dynamic-in-cli',
      comment: 'apps/cli/src/store.ts imports @conductor/store-postgres only with import(), on use.',
      severity: 'error',
      from: { path: '^apps/cli/src/store\\.ts$' },
      to: { path: '^packages/store-postgres/', dynamic: false },
    },
    {
      name: 'store-below-its-users',
      comment:
        '@conductor/store is layer 2 (it imports events, event-log, checkpoint and run-folder): it must not ' +
        'import the engine, the dashboard, replay, the CLI or the PostgreSQL store.',
      severity: 'error',
      from: { path: '^packages/store/' },
      to: { path: '^(packages/(engine|dashboard|replay|store-postgres)|apps)/' },
    },
    {
      name: 'no-unresolvable',
      comment:
        'An import that does not resolve: a typo, a missing dependency, or a subpath the package does not ' +
        'export. Build first (`pnpm build`): packages resolve to their dist/.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Other packages are reached through their built entry (dist/): seen, but not cruised again.
    doNotFollow: { path: ['node_modules', '(^|/)dist/'] },
    // bench/peers is a separate npm project (its own lockfile, installed only by `pnpm bench:peers`):
    // its imports resolve only after that install, and it is not part of this workspace.
    exclude: { path: ['^bench/peers/'] },
    // Type-only imports are dependencies too: a cycle closed by `import type` is still a cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.d.ts', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
