import { changeRoleProblem, type PulledRecordChange, type RecordChangeWire, type RecordRefusal, type RecordsPushResponse, type SyncedRecord } from '../src-shared/recordsProtocol'
import type { DeviceIdentity } from './devices'
import { lockTeam } from './ledger'
import type { SqlClient, Storage } from './storage'

/**
 * The team's shared records on the server: every change accepted in the server's own
 * order, each field's current value (the last change of it in that order), tombstones.
 * Records are the team's own: every key starts with the team, so one team's ids can never
 * reach, block or reveal another's — a device changes only its own team's book.
 * A team's pushes are serialised on its row (as the ledger's are), so sequence order is
 * commit order and a pull never steps past a change that commits later.
 */

interface ChangeRow {
  seq: string | number
  record: SyncedRecord
  record_id: string
  op: PulledRecordChange['op']
  field: string | null
  value: unknown
  device_id: string
  role: string
  made_at: string
}

/**
 * Stores a batch of one device's changes. A change the server already holds (same
 * device, same client sequence: a repeat after a lost reply) is accepted again and
 * applied nothing twice. Each stored change moves its fields' current value when it is
 * the latest of them in server order.
 */
export async function pushRecords(storage: Storage, device: DeviceIdentity, changes: RecordChangeWire[]): Promise<Omit<RecordsPushResponse, 'serverId'>> {
  const all = [...new Map(changes.map((c) => [c.clientSeq, c])).values()]
  const refusedSeqs = new Map<number, { code: string; reason: string }>()
  for (const c of all) {
    const problem = changeRoleProblem(device.role, c)
    if (problem) refusedSeqs.set(c.clientSeq, problem)
  }
  const unique = all.filter((c) => !refusedSeqs.has(c.clientSeq))
  return storage.transaction(async (tx) => {
    await lockTeam(tx, device.team)
    const refused: RecordRefusal[] = []
    for (const c of all) {
      const problem = refusedSeqs.get(c.clientSeq)
      if (problem) refused.push({ clientSeq: c.clientSeq, ...problem, restore: await restoreOf(tx, device.team, c) })
    }
    if (!unique.length) return { accepted: [], stored: 0, refused }
    const stored = await tx.query<{ seq: string | number }>(
      `INSERT INTO record_changes (team, device_id, client_seq, tx_id, record, record_id, op, field, value, role, made_at)
       SELECT $1, $2, u.client_seq, u.tx_id, u.record, u.record_id, u.op, u.field, u.value::jsonb, u.role, u.made_at
         FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
              WITH ORDINALITY AS u(client_seq, tx_id, record, record_id, op, field, value, role, made_at, n)
        ORDER BY u.n
       ON CONFLICT (device_id, client_seq) DO NOTHING
       RETURNING seq`,
      [
        device.team,
        device.id,
        unique.map((c) => c.clientSeq),
        unique.map((c) => c.txId),
        unique.map((c) => c.record),
        unique.map((c) => c.id),
        unique.map((c) => c.op),
        unique.map((c) => c.field),
        unique.map((c) => JSON.stringify(c.value ?? null)),
        unique.map((c) => c.role),
        unique.map((c) => c.at),
      ],
    )
    const seqs = stored.map((r) => Number(r.seq))
    if (seqs.length) await applyToCurrent(tx, device.team, seqs)
    return { accepted: unique.map((c) => c.clientSeq), stored: seqs.length, refused }
  })
}

/** What puts a refused change's record back as the team's book holds it (see RecordRefusal.restore). */
async function restoreOf(tx: SqlClient, team: string, c: RecordChangeWire): Promise<RecordRefusal['restore']> {
  const rows = await tx.query<{ field: string; value: unknown }>(
    `SELECT f.field, f.value FROM record_fields f WHERE f.team = $1 AND f.record = $2 AND f.record_id = $3
        AND NOT EXISTS (SELECT 1 FROM record_tombstones t WHERE t.team = f.team AND t.record = f.record AND t.record_id = f.record_id)`,
    [team, c.record, c.id],
  )
  if (c.op === 'create') return rows.length ? null : { op: 'delete', field: null, value: null }
  if (!rows.length) return null
  if (c.op === 'delete') return { op: 'create', field: null, value: Object.fromEntries(rows.map((r) => [r.field, r.value])) }
  const held = rows.find((r) => r.field === c.field)
  return held ? { op: 'update', field: c.field, value: held.value } : null
}

/** Moves the current values and tombstones by the changes just stored (`seqs`); an older change never overwrites a newer one. */
async function applyToCurrent(tx: SqlClient, team: string, seqs: number[]): Promise<void> {
  const upsert = `ON CONFLICT (team, record, record_id, field) DO UPDATE SET value = EXCLUDED.value, seq = EXCLUDED.seq WHERE record_fields.seq < EXCLUDED.seq`
  await tx.query(
    `INSERT INTO record_fields (team, record, record_id, field, value, seq)
     SELECT DISTINCT ON (record, record_id, field) team, record, record_id, field, value, seq FROM record_changes
      WHERE team = $1 AND seq = ANY($2::bigint[]) AND op = 'update'
      ORDER BY record, record_id, field, seq DESC
     ${upsert}`,
    [team, seqs],
  )
  await tx.query(
    `INSERT INTO record_fields (team, record, record_id, field, value, seq)
     SELECT DISTINCT ON (c.record, c.record_id, f.key) c.team, c.record, c.record_id, f.key, f.value, c.seq
       FROM record_changes c, jsonb_each(c.value) f
      WHERE c.team = $1 AND c.seq = ANY($2::bigint[]) AND c.op = 'create'
      ORDER BY c.record, c.record_id, f.key, c.seq DESC
     ${upsert}`,
    [team, seqs],
  )
  await tx.query(
    `INSERT INTO record_tombstones (team, record, record_id, seq)
     SELECT team, record, record_id, min(seq) FROM record_changes WHERE team = $1 AND seq = ANY($2::bigint[]) AND op = 'delete'
      GROUP BY team, record, record_id
     ON CONFLICT (team, record, record_id) DO NOTHING`,
    [team, seqs],
  )
}

/**
 * One page of the team's other devices' changes after `after`, read in one snapshot.
 * A change a later one has replaced (the same field changed again) is left out, and of
 * a deleted record only its delete is sent: every device ends on the last change in server order,
 * even the one whose own later change it does not pull back. A create carries the
 * record as the server holds it now.
 */
export async function pullRecords(
  storage: Storage,
  device: DeviceIdentity,
  q: { after: number; limit: number },
): Promise<{ changes: PulledRecordChange[]; cursor: number; more: boolean; high: number }> {
  return storage.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')
    const rows = await tx.query<ChangeRow>(
      `SELECT c.seq, c.record, c.record_id, c.op, c.field, c.device_id, c.role, c.made_at,
              CASE WHEN c.op = 'create' THEN
                (SELECT jsonb_object_agg(f.field, f.value) FROM record_fields f WHERE f.team = c.team AND f.record = c.record AND f.record_id = c.record_id)
              ELSE c.value END AS value
         FROM record_changes c
        WHERE c.team = $1 AND c.seq > $2 AND c.device_id <> $3
          AND NOT EXISTS (SELECT 1 FROM record_tombstones t WHERE t.team = c.team AND t.record = c.record AND t.record_id = c.record_id AND t.seq <> c.seq)
          AND (c.op <> 'update' OR NOT EXISTS (
                SELECT 1 FROM record_fields f WHERE f.team = c.team AND f.record = c.record AND f.record_id = c.record_id AND f.field = c.field AND f.seq > c.seq))
        ORDER BY c.seq LIMIT $4`,
      [device.team, q.after, device.id, q.limit],
    )
    const [top] = await tx.query<{ high: string | number | null }>('SELECT max(seq) AS high FROM record_changes WHERE team = $1', [device.team])
    const high = Number(top.high ?? 0)
    const full = rows.length === q.limit
    const changes: PulledRecordChange[] = rows.map((r) => ({
      seq: Number(r.seq),
      record: r.record,
      id: r.record_id,
      op: r.op,
      field: r.field,
      value: r.value ?? null,
      deviceId: r.device_id,
      role: r.role,
      at: r.made_at,
    }))
    return { changes, cursor: full ? changes[changes.length - 1].seq : Math.max(q.after, high), more: full, high }
  })
}
