import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { OrchardError } from '../../src-shared/errors'
import type { DataPaths } from './paths'

/** Host-level choices read before the database opens (a brand-new data folder has no database yet). */
export interface Preferences {
  /** What a data folder without a database starts with: the generated demo studio, or an empty one. */
  firstStart: 'demo' | 'empty'
}

const DEFAULTS: Preferences = { firstStart: 'demo' }

export function readPreferences(paths: DataPaths, env: NodeJS.ProcessEnv = process.env): Preferences {
  let stored: Partial<Preferences> = {}
  if (existsSync(paths.preferences)) {
    try {
      stored = JSON.parse(readFileSync(paths.preferences, 'utf8')) as Partial<Preferences>
    } catch (err) {
      throw new OrchardError('preferences_invalid', `偏好设置文件无法读取 / cannot read the preferences file: ${(err as Error).message}`, {
        file: paths.preferences,
        why: (err as Error).message,
      })
    }
    if (stored.firstStart !== undefined && stored.firstStart !== 'demo' && stored.firstStart !== 'empty') {
      throw new OrchardError('preferences_invalid', `firstStart 只能是 demo 或 empty / firstStart must be demo or empty`, {
        file: paths.preferences,
        field: 'firstStart',
        value: String(stored.firstStart),
      })
    }
  }
  const fromEnv = env.ORCHARD_FIRST_START
  const firstStart = fromEnv === 'empty' || fromEnv === 'demo' ? fromEnv : stored.firstStart ?? DEFAULTS.firstStart
  return { firstStart }
}

export function writePreferences(paths: DataPaths, patch: Partial<Preferences>): Preferences {
  const current = existsSync(paths.preferences) ? (JSON.parse(readFileSync(paths.preferences, 'utf8')) as Partial<Preferences>) : {}
  const next = { ...DEFAULTS, ...current, ...patch }
  writeFileSync(paths.preferences, JSON.stringify(next, null, 2) + '\n')
  return next
}
