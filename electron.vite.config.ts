/**
 * `npx electron-vite build` writes:
 *   out/main/index.js    the shell (electron/main.ts), ESM
 *   out/main/engine.js   the engine in its utility process (main/host/utility-entry.ts), ESM
 *   out/preload/index.js the sandboxed preload: CommonJS, as a sandboxed preload must be
 *   out/renderer/        the page (renderer/index.html), served by app:// or the browser host
 * Dependencies stay external (node_modules; native ones are rebuilt for Electron when packaging).
 */
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rolldownOptions: {
        input: {
          index: resolve(root, 'electron/main.ts'),
          engine: resolve(root, 'main/host/utility-entry.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      rolldownOptions: {
        input: { index: resolve(root, 'electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].js' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    build: {
      outDir: resolve(root, 'out/renderer'),
      // electron-vite leaves the renderer unminified by default; minified it is ~1/2 the size and parses faster.
      minify: true,
      rolldownOptions: { input: resolve(root, 'renderer/index.html') },
    },
    plugins: [react()],
  },
});
