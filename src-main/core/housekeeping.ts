import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { DataPaths } from './paths'

/**
 * The studio's files are its owner's alone: the database holds every customer's phone,
 * backups and exports copies of it. Files 0600, folders 0700 — on POSIX; Windows has no
 * modes (the data folder lives in the user's own profile there).
 */
export const PRIVATE_FILE = 0o600
export const PRIVATE_FOLDER = 0o700

const posix = process.platform !== 'win32'

/** Narrows a file (0600) or folder (0700) the core made to its owner; a no-op on Windows and for what is gone. */
export function ownerOnly(path: string): void {
  if (!posix) return
  try {
    chmodSync(path, statSync(path).isDirectory() ? PRIVATE_FOLDER : PRIVATE_FILE)
  } catch {
    // gone already, or not ours to change: nothing to narrow
  }
}

/** A folder of the data folder, created owner-only (and narrowed when an older version made it wider). */
export function privateFolder(path: string): string {
  mkdirSync(path, { recursive: true, mode: PRIVATE_FOLDER })
  ownerOnly(path)
  return path
}

/** The data folder and what the core keeps in it, owner-only; the database's -wal/-shm take the database's mode. */
export function narrowDataFolder(paths: DataPaths): void {
  for (const folder of [paths.dataDir, paths.backups, paths.staging, paths.exports]) privateFolder(folder)
  for (const file of [paths.database, `${paths.database}-wal`, `${paths.database}-shm`, paths.preferences]) if (existsSync(file)) ownerOnly(file)
}

export const DAY_MS = 86_400_000

/**
 * Removes files under `folder` last changed more than `maxAgeMs` ago, and folders left
 * empty by it: uploads waiting in staging/, and what browser mode wrote into exports/ for
 * a download. Returns the paths removed.
 */
export function sweepOld(folder: string, now: number, maxAgeMs = DAY_MS): string[] {
  const removed: string[] = []
  const isOld = (path: string) => {
    try {
      return now - statSync(path).mtimeMs > maxAgeMs
    } catch {
      return false
    }
  }
  const walk = (dir: string): boolean => {
    let empty = true
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return false
    }
    for (const entry of entries) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        // A folder emptied by the sweep goes too — but not one just made and about to be filled (a kit being written).
        // (Its age is read before the sweep inside it changes it.)
        const oldFolder = isOld(path)
        if (walk(path) && oldFolder) {
          rmSync(path, { recursive: true, force: true })
          removed.push(path)
        } else empty = false
        continue
      }
      if (isOld(path)) {
        rmSync(path, { force: true })
        removed.push(path)
      } else empty = false
    }
    return empty
  }
  walk(folder)
  return removed
}

/** Copies a failed restore left behind (a crash while it prepared one): never needed again after a day. */
export function sweepRestoreLeftovers(paths: DataPaths, now: number): string[] {
  const removed: string[] = []
  let names: string[]
  try {
    names = readdirSync(paths.dataDir)
  } catch {
    return removed
  }
  for (const name of names) {
    if (!/^orchard\.db\.restore-.*\.partial(-journal|-wal|-shm)?$/.test(name)) continue
    const path = join(paths.dataDir, name)
    try {
      if (now - statSync(path).mtimeMs <= DAY_MS) continue
    } catch {
      continue
    }
    rmSync(path, { force: true })
    removed.push(path)
  }
  return removed
}
