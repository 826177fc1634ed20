/**
 * The agent workspace, built by Vite into web/console/dist (served at /agent by src/http/app.ts).
 * Preact's JSX through Vite's own transformer; everything is bundled (no CDN at run time).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/agent/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020', sourcemap: false, modulePreload: { polyfill: false }, chunkSizeWarningLimit: 400 },
});
