import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** The Electron-ABI build of better-sqlite3 scripts/prepare-electron.mjs made (node_modules keeps Node's for tests and the CLI). */
export function electronNativeBinding(appRoot: string, packaged: boolean, electronVersion = process.versions.electron): string | undefined {
  if (packaged || !electronVersion) return undefined
  const file = join(appRoot, '.cache', 'electron-native', electronVersion, 'better_sqlite3.node')
  return existsSync(file) ? file : undefined
}
