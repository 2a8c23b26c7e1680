import { defineConfig } from 'tsup';
import { baseTsup } from '../../tsup.base.ts';

// cli.js holds only `main` and the version: each command is a chunk loaded when it runs (tsup splits
// ESM at dynamic imports), so `conductor --version` and `conductor validate` load little.
export default defineConfig({ ...baseTsup, entry: ['src/cli.ts'], dts: false, splitting: true });
