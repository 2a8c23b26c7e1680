import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// `vite dev` proxies the protocol to a running dashboard (CONDUCTOR_DASHBOARD_URL). The server only accepts
// its own Host and Origin, so the proxy presents itself as the server.
const target = process.env.CONDUCTOR_DASHBOARD_URL ?? 'http://127.0.0.1:4321';

export default defineConfig({
  root: here('./ui'),
  // Relative asset URLs: the server may mount the UI under any path.
  base: './',
  plugins: [react()],
  resolve: {
    // The UI folds events with the same projection as the server, and paces replay with the same code
    // as `@conductor/replay`, straight from source.
    alias: {
      '@conductor/events': here('../events/src/index.ts'),
      '@conductor/replay/pacing': here('../replay/src/pacing.ts'),
    },
  },
  build: {
    outDir: here('./dist/ui'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1000,
    // Two pages of one build: a run's view (index.html) and the list of runs (runs.html, `conductor dashboard`).
    rollupOptions: { input: { index: here('./ui/index.html'), runs: here('./ui/runs.html') } },
  },
  server: {
    proxy: {
      '/api': { target, changeOrigin: true, headers: { origin: target } },
      '/ws': { target, changeOrigin: true, ws: true, headers: { origin: target } },
    },
  },
});
