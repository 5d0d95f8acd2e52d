import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The board is served by scrumd itself under /_scrumd/board/ (src/transport/boardRoutes.ts).
export default defineConfig({
  root: import.meta.dirname,
  base: '/_scrumd/board/',
  plugins: [preact()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    reportCompressedSize: true,
  },
});
