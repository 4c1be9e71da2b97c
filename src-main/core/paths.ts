import { homedir } from 'node:os'
import { join } from 'node:path'

export const APP_DIR_NAME = 'Orchard'

/**
 * The app's data folder, the same one Electron's userData points at (the shell sets
 * it explicitly), so the console and the CLI share one database by default.
 * ORCHARD_DATA_DIR overrides it.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.ORCHARD_DATA_DIR) return env.ORCHARD_DATA_DIR
  const home = homedir()
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_DIR_NAME)
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_DIR_NAME)
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_DIR_NAME)
}

export interface DataPaths {
  dataDir: string
  database: string
  backups: string
  /** Uploaded files waiting to be imported (browser mode). */
  staging: string
  exports: string
  /** Host-level preferences read before the database opens. */
  preferences: string
}

export function dataPaths(dataDir: string): DataPaths {
  return {
    dataDir,
    database: join(dataDir, 'orchard.db'),
    backups: join(dataDir, 'backups'),
    staging: join(dataDir, 'staging'),
    exports: join(dataDir, 'exports'),
    preferences: join(dataDir, 'preferences.json'),
  }
}
