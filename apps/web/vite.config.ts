import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: the built page works from any path it is served under.
  base: './',
  build: {
    target: 'es2022',
    // tfjs (core, layers, three backends) is one large chunk by nature.
    chunkSizeWarningLimit: 4096,
    // The page, and the page that checks a run's models (check.html?run=...).
    rollupOptions: { input: { main: fileURLToPath(new URL('index.html', import.meta.url)), check: fileURLToPath(new URL('check.html', import.meta.url)) } },
  },
});
