import type { CareTriggerSettings } from '../../../src-shared/contracts/lifecycle'
import type { Db } from './connection'
import { LIFECYCLE_SETTINGS, type SettingRow } from './tables/settings'
import { upsertRow } from './tables/table'

export function readLifecycleSetting<T>(db: Db, key: string): T | undefined {
  const row = db.prepare('SELECT value FROM lifecycle_settings WHERE key = ?').get(key) as Pick<SettingRow, 'value'> | undefined
  return row ? (JSON.parse(row.value) as T) : undefined
}

export function writeLifecycleSetting(db: Db, key: string, value: unknown): void {
  upsertRow(db, LIFECYCLE_SETTINGS, ['key'], { key, value: JSON.stringify(value) })
}

/** The thresholds a studio starts with (DOMAIN: care does not stop after a month). */
export const DEFAULT_TRIGGER_SETTINGS: CareTriggerSettings = {
  notInGroupMinutes: 60,
  quietSaleDays: 14,
  quietShareDays: 14,
  groupAverageDays: 3,
  groupDropPoints: 20,
  groupFloorScore: 25,
  apprenticesMin: 2,
  lookbackDays: 7,
  horizonDays: 7,
}

export function triggerSettings(db: Db): CareTriggerSettings {
  return { ...DEFAULT_TRIGGER_SETTINGS, ...(readLifecycleSetting<Partial<CareTriggerSettings>>(db, 'care_triggers') ?? {}) }
}
