import { mkdirSync } from 'node:fs'
import Database from 'better-sqlite3'
import { dataPaths } from '../paths'
import { registerFunctions } from './connection'
import { migrations } from './migrations'

/**
 * A studio's database as an older Orchard left it: the migrations up to `version` only, in
 * the data folder `dir`. An upgrade test fills it as that version would have, closes it, and
 * opens the folder with today's core, which migrates it the rest of the way as a studio's
 * machine would — instead of taking a new database back by hand, which breaks with every
 * migration added after it.
 */
export function databaseAt(dir: string, version: number): Database.Database {
  mkdirSync(dir, { recursive: true })
  const db = new Database(dataPaths(dir).database)
  registerFunctions(db)
  db.pragma('foreign_keys = ON')
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)')
  for (const m of migrations.filter((x) => x.version <= version)) {
    db.transaction(() => {
      db.exec(m.sql)
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString())
    })()
  }
  return db
}
