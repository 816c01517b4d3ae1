/**
 * `npx electron-vite build` writes:
 *   out/main/index.js    the shell (electron/main.ts), ESM
 *   out/main/engine.js   the engine in its utility process (main/host/utility-entry.ts), ESM
 *   out/preload/index.js the sandboxed preload: CommonJS, as a sandboxed preload must be
 *   out/renderer/        the page (renderer/index.html), served by app:// or the browser host; its
 *                        first script is the early entry (renderer/src/early.ts), put before the app's
 * Dependencies stay external (node_modules; native ones are rebuilt for Electron when packaging).
 */
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

const root = import.meta.dirname;

/**
 * The page's early script (renderer/src/early.ts: opens the engine session and asks for the first
 * rows while the app's script loads) as the first script of index.html. It is an entry of its own,
 * so nothing of the app's script has to load before it runs, and `async`, so it runs as soon as it is
 * fetched.
 */
function earlyEntry(): Plugin {
  return {
    name: 'fleetdeck-early-entry',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        let src = '/src/early.ts';
        if (!ctx.server) {
          const chunk = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.isEntry && c.name === 'early');
          if (!chunk) throw new Error('the early entry (renderer/src/early.ts) is missing from the renderer build');
          src = `./${chunk.fileName}`;
        }
        return [{ tag: 'script', attrs: { type: 'module', async: true, crossorigin: true, src }, injectTo: 'head-prepend' }];
      },
    },
  };
}

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
      rolldownOptions: {
        input: { index: resolve(root, 'renderer/index.html'), early: resolve(root, 'renderer/src/early.ts') },
      },
    },
    plugins: [react(), earlyEntry()],
  },
});
