import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'
import type { Plugin } from 'vite'
import { consoleMetaCsp } from './src-shared/csp'

const root = dirname(fileURLToPath(import.meta.url))

const shared = resolve(root, 'src-shared')

/** The page's own Content-Security-Policy meta tag is the console's one policy (src-shared/csp.ts), never a copy of it. */
export const consoleCspMeta: Plugin = {
  name: 'orchard-console-csp',
  transformIndexHtml: (html) => html.replace('%ORCHARD_CSP%', consoleMetaCsp()),
}

export default defineConfig({
  main: {
    resolve: { alias: { '@shared': shared } },
    build: {
      // better-sqlite3 and other native/heavy deps stay in node_modules (externalizeDeps default).
      rollupOptions: {
        input: {
          index: resolve(root, 'src-main/electron/main.ts'),
          // The material packs' render threads load this file by name (workers/posterPool.ts).
          posterWorker: resolve(root, 'src-main/core/materials/workers/posterWorker.ts'),
          // Large customer imports validate on a thread that loads this file by name (imports/customerThread.ts).
          customerWorker: resolve(root, 'src-main/core/imports/customerWorker.ts'),
        },
      },
    },
  },
  preload: {
    resolve: { alias: { '@shared': shared } },
    build: {
      // A sandboxed preload cannot require() anything but electron: bundle everything into one CJS file.
      externalizeDeps: { exclude: ['zod'] },
      rollupOptions: {
        input: { index: resolve(root, 'src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    resolve: { alias: { '@shared': shared, '@': resolve(root, 'src-renderer/src') } },
    plugins: [vue(), consoleCspMeta],
    build: {
      rollupOptions: { input: { index: resolve(root, 'src-renderer/index.html') } },
      // Minified: a third of the code to parse at every start (electron-vite leaves it as is by default).
      minify: true,
      chunkSizeWarningLimit: 1500,
    },
  },
})
