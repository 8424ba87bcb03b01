// Builds the hub's two browser pages — the GraphQL IDE (index.html) and the dashboard
// (dashboard/index.html) — into internal/webui/dist, which the Go binary embeds.
// `make web` runs it; PONTE_WEB_OUT builds elsewhere (the reproducibility test).
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  // The pages are served at / and /dashboard, their files under /assets/.
  base: '/',
  build: {
    outDir: process.env.PONTE_WEB_OUT || resolve(here, '../internal/webui/dist'),
    emptyOutDir: true,
    sourcemap: false,
    // The IDE's editor (Monaco) is large; the hub serves it gzip-compressed.
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      input: {
        ide: resolve(here, 'index.html'),
        dashboard: resolve(here, 'dashboard/index.html'),
      },
      // React libraries mark their modules "use client", which means nothing without a
      // server-rendering framework.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  worker: { format: 'es' },
});
