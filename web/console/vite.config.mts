/**
 * The agent workspace and the supervisors' analytics page, built by Vite into web/console/dist
 * (served at /agent and /agent/analytics by src/http/app.ts): two pages, index.html and analytics.html.
 * Preact's JSX through Vite's own transformer; everything is bundled (no CDN at run time).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const root = page('.');

export default defineConfig({
  root,
  base: '/agent/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 400,
    // Two pages: the workspace (/agent) and the supervisors' analytics (/agent/analytics, Chart.js bundled).
    rollupOptions: { input: { main: page('index.html'), analytics: page('analytics.html') } },
  },
});
