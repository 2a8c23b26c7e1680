import { defineConfig } from 'tsup';
import { baseTsup } from '../../tsup.base.ts';

// `pacing` is its own entry: the browser's replay player imports it without the Node sources.
export default defineConfig({ ...baseTsup, entry: ['src/index.ts', 'src/pacing.ts'] });
