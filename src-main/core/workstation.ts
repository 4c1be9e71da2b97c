import type { Db } from './db/connection'
import { LEDGER_DEVICE } from './db/tables/ledger'
import { insertRowIfNew } from './db/tables/table'
import { newId } from './ids'

/**
 * This workstation's id, generated once and kept in the studio's database: written on every
 * ledger entry it posts, every audit record and every change of a shared record it makes.
 */
export function workstationId(db: Db): string {
  const row = db.prepare('SELECT device_id FROM ledger_device WHERE id = 1').get() as { device_id: string } | undefined
  if (row) return row.device_id
  insertRowIfNew(db, LEDGER_DEVICE, { id: 1, device_id: newId() })
  return (db.prepare('SELECT device_id FROM ledger_device WHERE id = 1').get() as { device_id: string }).device_id
}
