import type { z } from 'zod'
import { Settings } from '../../../src-shared/schemas'
import { RECORD_FIELDS } from '../../../src-shared/permissions'
import { STUDIO_SETTINGS } from '../../../src-shared/recordsProtocol'
import { DEFAULT_TIME_ZONE, isTimeZone } from '../../../src-shared/time'
import type { ServiceHandlers } from '../context'
import type { Db } from '../db/connection'
import { SETTINGS, type SettingRow } from '../db/tables/settings'
import { upsertRow } from '../db/tables/table'
import { changeWriter, recordChange } from '../records/changes'

export const DEFAULT_SETTINGS: Settings = {
  language: 'zh-CN',
  theme: 'light',
  autoBackup: true,
  backupKeepDays: 14,
  timezone: 'Asia/Shanghai',
  studioName: '果园工作室',
  currency: 'CNY',
  updateFeedUrl: '',
  inviteBaseUrl: 'https://shop.example.cn/i/',
}

/**
 * The studio's settings. A stored value this build cannot use (a time zone the runtime
 * does not know, a value a restore or an older version left behind) reads as its default,
 * so one bad setting never stops the dashboard, exports or the day's care from working.
 */
export function readSettings(db: Db): Settings {
  const rows = db.prepare('SELECT key, value FROM settings').all() as SettingRow[]
  const stored: Record<string, unknown> = {}
  const fields = Settings.shape as Record<string, z.ZodType>
  for (const row of rows) {
    if (row.key.startsWith('_') || !Object.hasOwn(fields, row.key)) continue
    let value: unknown
    try {
      value = JSON.parse(row.value)
    } catch {
      continue
    }
    const checked = fields[row.key].safeParse(value)
    if (checked.success) stored[row.key] = checked.data
  }
  return { ...DEFAULT_SETTINGS, ...stored } as Settings
}

/**
 * The studio's time zone as every date is read in, cheaply (it is asked for on every
 * date formatted). A zone this runtime does not know, or a database too old or damaged to
 * hold settings, reads as Beijing time rather than failing what shows a date.
 */
export function studioTimeZone(db: Db): string {
  try {
    const row = db.prepare("SELECT value FROM settings WHERE key = 'timezone'").get() as Pick<SettingRow, 'value'> | undefined
    const zone = row ? (JSON.parse(row.value) as unknown) : DEFAULT_TIME_ZONE
    return typeof zone === 'string' && isTimeZone(zone) ? zone : DEFAULT_TIME_ZONE
  } catch {
    return DEFAULT_TIME_ZONE
  }
}

export function writeSettings(db: Db, patch: Partial<Settings>): Settings {
  db.transaction(() => {
    for (const [key, value] of Object.entries(patch)) if (value !== undefined) upsertRow(db, SETTINGS, ['key'], { key, value: JSON.stringify(value) })
  })()
  return readSettings(db)
}

/** A private setting the core keeps for itself (not part of the Settings schema). */
export function readInternal<T>(db: Db, key: string): T | undefined {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(`_${key}`) as Pick<SettingRow, 'value'> | undefined
  return row ? (JSON.parse(row.value) as T) : undefined
}
export function writeInternal(db: Db, key: string, value: unknown): void {
  upsertRow(db, SETTINGS, ['key'], { key: `_${key}`, value: JSON.stringify(value) })
}

export const settingsHandlers: ServiceHandlers<'settings'> = {
  get: (_input, ctx) => readSettings(ctx.db),
  update: (patch, ctx) => {
    // Anyone may rename the studio or pick a theme; what decides where updates come from,
    // whether backups run, the team's time zone, currency and invite link needs its own
    // permission — but only when the value actually changes, so a form that sends every
    // field back does not trip over the ones it left alone. The field table
    // (src-shared/permissions.ts) decides, through the records' write path; the fields it
    // shares with the team travel from there. Language and theme are not fields of it.
    const current = readSettings(ctx.db) as Record<string, unknown>
    const w = changeWriter(ctx)
    const fields = Object.keys(RECORD_FIELDS.setting)
    return ctx.db.transaction(() => {
      const before = Object.fromEntries(fields.map((f) => [f, current[f]]))
      const after = Object.fromEntries(fields.map((f) => [f, (patch as Record<string, unknown>)[f] ?? current[f]]))
      recordChange(w, { record: 'setting', id: STUDIO_SETTINGS, label: '工作台设置 / studio settings', op: 'update', before, after })
      return writeSettings(ctx.db, patch)
    })()
  },
}
