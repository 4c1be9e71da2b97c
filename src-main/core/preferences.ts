import { existsSync, readFileSync } from 'node:fs'
import { OrchardError } from '../../src-shared/errors'
import { writeOutput } from './jobs/outputs'
import type { DataPaths } from './paths'

/**
 * Host-level choices read before the database opens: a brand-new data folder has
 * no database yet, so what it should start with cannot live inside one.
 */
export interface Preferences {
  /** What a data folder without a database starts with: the generated demo studio, or an empty one. */
  firstStart: 'demo' | 'empty'
}

const DEFAULTS: Preferences = { firstStart: 'demo' }
const FIRST_START = ['demo', 'empty'] as const

function isFirstStart(value: unknown): value is Preferences['firstStart'] {
  return (FIRST_START as readonly unknown[]).includes(value)
}

/** The stored preferences (only the keys present), or a located error naming the file and what is wrong. */
function readStored(paths: DataPaths): Partial<Preferences> {
  if (!existsSync(paths.preferences)) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(paths.preferences, 'utf8'))
  } catch (err) {
    const why = (err as Error).message
    throw new OrchardError('preferences_invalid', `偏好设置文件不是有效的 JSON，请修正或删除它 / the preferences file is not valid JSON; fix or delete it: ${why}`, {
      file: paths.preferences,
      why,
    })
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OrchardError('preferences_invalid', '偏好设置文件应为一个 JSON 对象 / the preferences file must hold a JSON object', {
      file: paths.preferences,
      why: 'not an object',
      value: JSON.stringify(parsed),
    })
  }
  const stored = parsed as Record<string, unknown>
  if (stored.firstStart !== undefined && !isFirstStart(stored.firstStart)) {
    throw new OrchardError('preferences_invalid', 'firstStart 只能是 "demo" 或 "empty" / firstStart must be "demo" or "empty"', {
      file: paths.preferences,
      field: 'firstStart',
      value: JSON.stringify(stored.firstStart),
      why: 'expected "demo" or "empty"',
    })
  }
  return stored as Partial<Preferences>
}

/**
 * The preferences of a data folder: preferences.json, with ORCHARD_FIRST_START=empty|demo
 * taking precedence (for scripted set-ups), and the demo studio when nothing says otherwise.
 * A malformed file is an OrchardError rather than a silent default: starting the demo over
 * a studio that asked for an empty start would be the wrong surprise.
 */
export function readPreferences(paths: DataPaths, env: NodeJS.ProcessEnv = process.env): Preferences {
  const stored = readStored(paths)
  const fromEnv = env.ORCHARD_FIRST_START
  return { firstStart: isFirstStart(fromEnv) ? fromEnv : (stored.firstStart ?? DEFAULTS.firstStart) }
}

/**
 * Merges `patch` into preferences.json and returns the stored result. Unknown keys other
 * hosts wrote are kept. Written to a temporary name and renamed, so a crash never leaves
 * half a file behind.
 */
export function writePreferences(paths: DataPaths, patch: Partial<Preferences>): Preferences {
  if (patch.firstStart !== undefined && !isFirstStart(patch.firstStart)) {
    throw new OrchardError('preferences_invalid', 'firstStart 只能是 "demo" 或 "empty" / firstStart must be "demo" or "empty"', {
      field: 'firstStart',
      value: JSON.stringify(patch.firstStart),
    })
  }
  const next = { ...DEFAULTS, ...readStored(paths), ...patch }
  writeOutput(paths.preferences, JSON.stringify(next, null, 2) + '\n')
  return { firstStart: next.firstStart }
}
