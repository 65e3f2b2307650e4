import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: the built page works from any path it is served under.
  base: './',
  build: {
    target: 'es2022',
    // tfjs (core, layers, three backends) is one large chunk by nature.
    chunkSizeWarningLimit: 4096,
  },
});
