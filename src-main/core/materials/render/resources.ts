import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, parse } from 'node:path'
import { fileURLToPath } from 'node:url'

let found: string | null = null

/**
 * The app's resources/ folder (templates, fonts, music, demo photos).
 * - ORCHARD_RESOURCES_DIR wins, so tests and studios can point elsewhere;
 * - a packaged app copies resources/ beside app.asar (electron-builder's extraResources);
 * - in the repo (tests, the CLI through tsx, electron-vite's out/) it is the nearest
 *   resources/templates above this module.
 */
export function resourcesDir(): string {
  const override = process.env.ORCHARD_RESOURCES_DIR
  if (override) return override
  if (found) return found
  const packaged = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath
  const candidates: string[] = []
  if (packaged) candidates.push(join(packaged, 'resources'))
  let dir = dirname(fileURLToPath(import.meta.url))
  const root = parse(dir).root
  while (dir && dir !== root) {
    candidates.push(join(dir, 'resources'))
    dir = dirname(dir)
  }
  candidates.push(join(process.cwd(), 'resources'))
  found = candidates.find((c) => existsSync(join(c, 'templates'))) ?? join(process.cwd(), 'resources')
  return found
}

/**
 * A file inside an npm package. Packaged, node_modules lives in app.asar; files that
 * native code or a child process must open are unpacked beside it (asarUnpack), so
 * prefer the unpacked copy when there is one.
 */
export function packageFile(specifier: string, ...segments: string[]): string {
  const require = createRequire(import.meta.url)
  const path = join(dirname(require.resolve(`${specifier}/package.json`)), ...segments)
  const unpacked = path.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1')
  return unpacked !== path && existsSync(unpacked) ? unpacked : path
}
