import m0001 from './0001_records'

/**
 * Forward-only numbered migrations, loaded through a static map (bundled code has no
 * folder to read). Append new entries; never edit or reorder applied ones.
 */
export const migrations: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: '0001_records', sql: m0001 },
]

export const LATEST_SCHEMA_VERSION = migrations[migrations.length - 1].version
