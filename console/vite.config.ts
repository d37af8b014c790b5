import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The key console (Settings → API Keys), built to console/dist and served by the server at /console.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed file names: the server may let browsers keep them for a year.
    assetsDir: 'assets',
    // No inline script or style, so the Content-Security-Policy can forbid both.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
