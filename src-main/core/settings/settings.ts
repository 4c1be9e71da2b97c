import type { Settings } from '../../../src-shared/schemas'
import { DEFAULT_TIME_ZONE, isTimeZone } from '../../../src-shared/time'
import type { ServiceHandlers } from '../context'
import type { Db } from '../db/connection'

export const DEFAULT_SETTINGS: Settings = {
  language: 'zh-CN',
  theme: 'light',
  autoBackup: true,
  backupKeepDays: 14,
  timezone: 'Asia/Shanghai',
  studioName: '果园工作室',
  updateFeedUrl: '',
  inviteBaseUrl: 'https://shop.example.cn/i/',
}

export function readSettings(db: Db): Settings {
  const rows = db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]
  const stored: Record<string, unknown> = {}
  for (const row of rows) if (!row.key.startsWith('_')) stored[row.key] = JSON.parse(row.value)
  return { ...DEFAULT_SETTINGS, ...stored } as Settings
}

/**
 * The studio's time zone as every date is read in. A database that somehow holds a zone
 * this runtime does not know (written by another build, edited by hand) falls back to
 * Beijing time rather than failing every screen that shows a date.
 */
export function studioTimeZone(db: Db): string {
  try {
    const row = db.prepare("SELECT value FROM settings WHERE key = 'timezone'").get() as { value: string } | undefined
    const zone = row ? (JSON.parse(row.value) as unknown) : DEFAULT_TIME_ZONE
    return typeof zone === 'string' && isTimeZone(zone) ? zone : DEFAULT_TIME_ZONE
  } catch {
    // A database too old or too damaged to hold settings still gets dated names.
    return DEFAULT_TIME_ZONE
  }
}

export function writeSettings(db: Db, patch: Partial<Settings>): Settings {
  const put = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
  db.transaction(() => {
    for (const [key, value] of Object.entries(patch)) if (value !== undefined) put.run(key, JSON.stringify(value))
  })()
  return readSettings(db)
}

/** A private setting the core keeps for itself (not part of the Settings schema). */
export function readInternal<T>(db: Db, key: string): T | undefined {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(`_${key}`) as { value: string } | undefined
  return row ? (JSON.parse(row.value) as T) : undefined
}
export function writeInternal(db: Db, key: string, value: unknown): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(`_${key}`, JSON.stringify(value))
}

export const settingsHandlers: ServiceHandlers<'settings'> = {
  get: (_input, ctx) => readSettings(ctx.db),
  update: (patch, ctx) => writeSettings(ctx.db, patch),
}
