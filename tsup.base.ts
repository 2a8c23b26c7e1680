import type { Options } from 'tsup';

/** Shared by every package: ESM for Node with type declarations. */
export const baseTsup = {
  format: ['esm'],
  dts: true,
  platform: 'node',
  target: 'node20',
  clean: true,
  sourcemap: true,
} satisfies Options;
