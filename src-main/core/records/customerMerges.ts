import type { Db } from '../db/connection'
import { CUSTOMER_MERGES_TAKEN, type CustomerMergeTakenRow } from '../db/tables/merges'
import { upsertRow } from '../db/tables/table'

/**
 * A customer merge made on another workstation, as this one takes it. What the merge
 * changed of the shared records travels as changes of its own (the kept customer's fields,
 * the orders' buyer, the groups' customers), and the customer merged away as its delete —
 * which names the customer kept (`mergedInto`). What travels not is this workstation's own
 * rows that point at customers (its follow-ups and their tasks): without the name, the delete
 * would take them with it. With it, they move to the customer kept, as on the workstation
 * that merged, and what moved is kept here, so that when the undo arrives (the customer
 * created again under its id) they go back to it.
 */

/** The tables whose rows travel themselves (the shared records', a group's customers) or belong to the customer row (its phones and tags). */
export type SharedTables = ReadonlySet<string>

interface Reference {
  table: string
  column: string
  key: string[]
}

interface MovedRows extends Reference {
  /** Each row as it was; `moved` false: it could not move (a row the kept customer held already) and was removed with the customer. */
  rows: { row: Record<string, unknown>; moved: boolean }[]
}

/** The value a customer's delete carries when a merge removed it, or null. */
export function mergedIntoOf(value: unknown): string | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null
  const into = (value as { mergedInto?: unknown }).mergedInto
  return typeof into === 'string' && into.length > 0 && into.length <= 64 ? into : null
}

function ownReferences(db: Db, shared: SharedTables): Reference[] {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]
  const out: Reference[] = []
  for (const table of tables) {
    if (shared.has(table)) continue
    const fks = db.prepare(`SELECT "from" AS col, "table" AS target FROM pragma_foreign_key_list(?)`).all(table) as { col: string; target: string }[]
    const columns = db.prepare('SELECT name, pk FROM pragma_table_info(?) ORDER BY pk').all(table) as { name: string; pk: number }[]
    const pk = columns.filter((c) => c.pk > 0).map((c) => c.name)
    for (const fk of fks) if (fk.target === 'customers') out.push({ table, column: fk.col, key: pk.length ? pk : columns.map((c) => c.name) })
  }
  return out
}

const whereKey = (key: string[]) => key.map((k) => `"${k}" IS ?`).join(' AND ')

/**
 * Before the team's delete of `mergedId` is applied: this workstation's own rows that point
 * at it point at `survivorId` instead, and are noted for the undo. Nothing when the kept
 * customer is not held here (the delete is then a delete).
 */
export function takeTeamMerge(db: Db, shared: SharedTables, mergedId: string, survivorId: string, at: string): void {
  if (survivorId === mergedId || !db.prepare('SELECT 1 FROM customers WHERE id = ?').get(survivorId)) return
  const moved: MovedRows[] = ownReferences(db, shared).map((ref) => {
    const rows = db.prepare(`SELECT * FROM "${ref.table}" WHERE "${ref.column}" = ?`).all(mergedId) as Record<string, unknown>[]
    const move = db.prepare(`UPDATE OR IGNORE "${ref.table}" SET "${ref.column}" = ? WHERE ${whereKey(ref.key)}`)
    return { ...ref, rows: rows.map((row) => ({ row, moved: move.run(survivorId, ...ref.key.map((k) => row[k])).changes === 1 })) }
  })
  upsertRow(db, CUSTOMER_MERGES_TAKEN, ['merged_id'], { merged_id: mergedId, survivor_id: survivorId, moved: JSON.stringify(moved.filter((m) => m.rows.length)), taken_at: at })
}

/**
 * The team's customer `customerId` is here again (a merge undone): the rows this workstation
 * moved away from it when it took the merge point at it again — those still pointing at the
 * customer kept; one removed since stays removed — and the ones that gave way come back.
 */
export function takeTeamUndo(db: Db, customerId: string): void {
  const taken = db.prepare('SELECT survivor_id, moved FROM customer_merges_taken WHERE merged_id = ?').get(customerId) as Pick<CustomerMergeTakenRow, 'survivor_id' | 'moved'> | undefined
  if (!taken) return
  for (const m of JSON.parse(taken.moved) as MovedRows[]) {
    const keyOf = (row: Record<string, unknown>, now: string) => m.key.map((k) => (k === m.column ? now : row[k]))
    const back = db.prepare(`UPDATE OR IGNORE "${m.table}" SET "${m.column}" = ? WHERE ${whereKey(m.key)}`)
    for (const { row, moved } of m.rows) {
      if (moved) {
        back.run(customerId, ...keyOf(row, taken.survivor_id))
        continue
      }
      const cols = Object.keys(row)
      db.prepare(`INSERT OR IGNORE INTO "${m.table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c]))
    }
  }
  db.prepare('DELETE FROM customer_merges_taken WHERE merged_id = ?').run(customerId)
}
