import { defineTable, text, type RowOf } from './table'

/**
 * The studio's settings by key, each value JSON (a key starting with `_` is one the core
 * keeps for itself; `ledger.clearing` marks a studio being emptied). The team's share of
 * them is the studio_settings view over this table (migrations 0025, 0028).
 */
export const SETTINGS = defineTable('settings', { key: text(), value: text() }, { key: 'key', value: 'value' })

/** Settings the workstation keeps for care and the audit chain, by key, each value JSON (care's trigger thresholds, the chain's head). */
export const LIFECYCLE_SETTINGS = defineTable('lifecycle_settings', { key: text(), value: text() }, { key: 'key', value: 'value' })

/** A setting's row, in either table. */
export type SettingRow = RowOf<typeof SETTINGS>
