import { defineConfig } from 'tsup';
import { baseTsup } from '../../tsup.base.ts';

// The render worker is its own entry: renderer.ts starts it as ./render-worker.js beside the bundle.
export default defineConfig({
  ...baseTsup,
  entry: { index: 'src/index.ts', 'render-worker': 'src/template/render-worker.ts' },
  dts: { entry: { index: 'src/index.ts' } },
});
