import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const root = dirname(fileURLToPath(import.meta.url))

export default defineConfig({
  resolve: { alias: { '@shared': resolve(root, 'src-shared'), '@': resolve(root, 'src-renderer', 'src') } },
  test: {
    include: ['src-main/**/*.test.ts', 'src-shared/**/*.test.ts', 'src-renderer/**/*.test.ts', 'src-server/**/*.test.ts', 'tests/unit/**/*.test.ts', 'tests/chaos/**/*.test.ts'],
    environment: 'node',
    // Many tests run the orchard command or a sync server in processes of their own, on a
    // demo studio of 10,000 orders; on a busy two-core machine one such test can take minutes.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
})
