import { changeRoleProblem, unseenFields, unseenValue, withoutUnseen, type PulledRecordChange, type RecordConflictWire, type RecordChangeWire, type RecordRefusal, type RecordsPushResponse, type SyncedRecord } from '../src-shared/recordsProtocol'
import { appendServerAudit } from './audit'
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
      if (problem) refused.push({ clientSeq: c.clientSeq, ...problem, restore: unseenOfRestore(device, c, await restoreOf(tx, device.team, c)) })
    }
    // The server's chain notes each refusal: which record and field, as what, why — never the value.
    await appendServerAudit(
      tx,
      device.team,
      refused.map((r) => {
        const c = all.find((x) => x.clientSeq === r.clientSeq)!
        return {
          kind: 'records.refused',
          entity: c.record,
          entityId: c.id,
          summary: `拒绝了设备「${device.name}」以「${c.role}」${c.op === 'update' ? `修改 ${c.field}` : c.op === 'create' ? '新建' : '删除'}（${r.code}）/ refused device ${device.name}'s ${c.op}${c.field ? ` of ${c.field}` : ''} as ${c.role} (${r.code})`,
          device: { id: device.id, name: device.name },
          details: { clientSeq: c.clientSeq, op: c.op, field: c.field, role: c.role, code: r.code },
        }
      }),
    )
    if (!unique.length) return { accepted: [], stored: 0, refused }
    const stored = await tx.query<{ seq: string | number }>(
      `INSERT INTO record_changes (team, device_id, client_seq, tx_id, record, record_id, op, field, value, role, made_at, base, restores, actor)
       SELECT $1, $2, u.client_seq, u.tx_id, u.record, u.record_id, u.op, u.field, u.value::jsonb, u.role, u.made_at, u.base, u.restores, u.actor
         FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[])
              WITH ORDINALITY AS u(client_seq, tx_id, record, record_id, op, field, value, role, made_at, base, restores, actor, n)
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
        unique.map((c) => c.base ?? null),
        unique.map((c) => c.restores ?? null),
        unique.map((c) => c.actor ?? null),
      ],
    )
    const seqs = stored.map((r) => Number(r.seq))
    if (seqs.length) {
      const kept = await keepConflicts(tx, device.team, seqs)
      await applyToCurrent(tx, device.team, seqs)
      const restored = await markRestored(tx, device.team, seqs)
      await auditConflicts(tx, device, kept, restored)
    }
    return { accepted: unique.map((c) => c.clientSeq), stored: seqs.length, refused }
  })
}

/** A restore as the device may hold it: what its role sees masked stays empty there (see unseenFields). */
function unseenOfRestore(device: DeviceIdentity, c: RecordChangeWire, restore: RecordRefusal['restore']): RecordRefusal['restore'] {
  if (!restore) return restore
  if (restore.op === 'create') return { ...restore, value: withoutUnseen(device.role, c.record, restore.value) }
  if (restore.op === 'update' && restore.field && unseenFields(device.role, c.record).includes(restore.field)) return { ...restore, value: unseenValue(restore.value) }
  return restore
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

/**
 * Before the changes just stored (`seqs`) move the current values: an update made on a
 * base older than its field's current change, when that change came from another device,
 * means both changed the field since they last saw each other. The update wins (it is the
 * later in server order); the value it replaces is kept as a conflict of the team. The
 * same value reached both ways is no conflict. Workstation clocks play no part.
 */
async function keepConflicts(tx: SqlClient, team: string, seqs: number[]): Promise<number[]> {
  const kept = await tx.query<{ later_seq: string | number }>(
    `INSERT INTO record_conflicts (team, later_seq, earlier_seq, earlier_value)
     SELECT n.team, n.seq, f.seq, f.value
       FROM record_changes n
       JOIN record_fields f ON f.team = n.team AND f.record = n.record AND f.record_id = n.record_id AND f.field = n.field
       JOIN record_changes e ON e.team = f.team AND e.seq = f.seq
      WHERE n.team = $1 AND n.seq = ANY($2::bigint[]) AND n.op = 'update' AND n.base IS NOT NULL
        AND f.seq > n.base AND e.device_id <> n.device_id AND f.value IS DISTINCT FROM n.value
     ON CONFLICT (team, later_seq) DO NOTHING
     RETURNING later_seq`,
    [team, seqs],
  )
  return kept.map((k) => Number(k.later_seq))
}

/** A stored change that puts a conflict's earlier value back marks it restored (the first such change). */
async function markRestored(tx: SqlClient, team: string, seqs: number[]): Promise<number[]> {
  const restored = await tx.query<{ later_seq: string | number }>(
    `UPDATE record_conflicts k SET restored_seq = c.seq
       FROM record_changes c
      WHERE c.team = $1 AND c.seq = ANY($2::bigint[]) AND c.restores IS NOT NULL
        AND k.team = c.team AND k.later_seq::text = c.restores AND k.restored_seq IS NULL
     RETURNING k.later_seq`,
    [team, seqs],
  )
  return restored.map((k) => Number(k.later_seq))
}

/** The server's chain notes each conflict kept and each restored: the record, the field and both changes' sequences — never the values. */
async function auditConflicts(tx: SqlClient, device: DeviceIdentity, kept: number[], restored: number[]): Promise<void> {
  if (!kept.length && !restored.length) return
  const rows = await tx.query<{ later_seq: string | number; earlier_seq: string | number; restored_seq: string | number | null; record: string; record_id: string; field: string }>(
    `SELECT k.later_seq, k.earlier_seq, k.restored_seq, l.record, l.record_id, l.field
       FROM record_conflicts k JOIN record_changes l ON l.team = k.team AND l.seq = k.later_seq
      WHERE k.team = $1 AND k.later_seq = ANY($2::bigint[])`,
    [device.team, [...kept, ...restored]],
  )
  const bySeq = new Map(rows.map((r) => [Number(r.later_seq), r]))
  const entry = (seq: number, kind: 'records.conflict_kept' | 'records.conflict_restored') => {
    const k = bySeq.get(seq)!
    const details = { conflict: String(seq), field: k.field, earlierSeq: Number(k.earlier_seq), laterSeq: seq, restoredSeq: k.restored_seq === null ? null : Number(k.restored_seq) }
    return kind === 'records.conflict_kept'
      ? { kind, entity: k.record, entityId: k.record_id, details, device: { id: device.id, name: device.name }, summary: `保留了 ${k.field} 的冲突（第 ${k.earlier_seq} 条被第 ${seq} 条取代）/ kept the conflict on ${k.field} (change ${k.earlier_seq} replaced by ${seq})` }
      : {
          kind,
          entity: k.record,
          entityId: k.record_id,
          details,
          device: { id: device.id, name: device.name },
          summary: `设备「${device.name}」恢复了 ${k.field} 冲突中较早的值 / device ${device.name} restored the earlier value of the conflict on ${k.field}`,
        }
  }
  await appendServerAudit(tx, device.team, [...kept.map((s) => entry(s, 'records.conflict_kept')), ...restored.map((s) => entry(s, 'records.conflict_restored'))])
}

interface ConflictRow {
  later_seq: string | number
  record: SyncedRecord
  record_id: string
  field: string
  earlier_seq: string | number
  earlier_value: unknown
  earlier_device: string
  earlier_device_name: string | null
  earlier_role: string
  earlier_actor: string | null
  earlier_at: string
  later_value: unknown
  later_device: string
  later_device_name: string | null
  later_role: string
  later_actor: string | null
  later_at: string
  restored_seq: string | number | null
  restored_device: string | null
  restored_device_name: string | null
  restored_role: string | null
  restored_actor: string | null
  restored_at: string | null
}

/** The team's conflicts found or restored by changes in (after, upTo]. */
async function conflictsBetween(tx: SqlClient, team: string, after: number, upTo: number): Promise<RecordConflictWire[]> {
  const rows = await tx.query<ConflictRow>(
    `SELECT k.later_seq, l.record, l.record_id, l.field,
            k.earlier_seq, k.earlier_value, e.device_id AS earlier_device, ed.name AS earlier_device_name, e.role AS earlier_role, e.actor AS earlier_actor, e.made_at AS earlier_at,
            l.value AS later_value, l.device_id AS later_device, ld.name AS later_device_name, l.role AS later_role, l.actor AS later_actor, l.made_at AS later_at,
            k.restored_seq, r.device_id AS restored_device, rd.name AS restored_device_name, r.role AS restored_role, r.actor AS restored_actor, r.made_at AS restored_at
       FROM record_conflicts k
       JOIN record_changes l ON l.team = k.team AND l.seq = k.later_seq
       JOIN record_changes e ON e.team = k.team AND e.seq = k.earlier_seq
       LEFT JOIN record_changes r ON r.team = k.team AND r.seq = k.restored_seq
       LEFT JOIN devices ld ON ld.id = l.device_id
       LEFT JOIN devices ed ON ed.id = e.device_id
       LEFT JOIN devices rd ON rd.id = r.device_id
      WHERE k.team = $1 AND ((k.later_seq > $2 AND k.later_seq <= $3) OR (k.restored_seq > $2 AND k.restored_seq <= $3))
      ORDER BY k.later_seq`,
    [team, after, upTo],
  )
  return rows.map((r) => ({
    id: String(r.later_seq),
    record: r.record,
    recordId: r.record_id,
    field: r.field,
    earlier: {
      seq: Number(r.earlier_seq),
      value: r.earlier_value ?? null,
      deviceId: r.earlier_device,
      deviceName: r.earlier_device_name,
      role: r.earlier_role,
      actor: r.earlier_actor,
      at: r.earlier_at,
    },
    later: {
      seq: Number(r.later_seq),
      value: r.later_value ?? null,
      deviceId: r.later_device,
      deviceName: r.later_device_name,
      role: r.later_role,
      actor: r.later_actor,
      at: r.later_at,
    },
    restored:
      r.restored_seq === null
        ? null
        : {
            seq: Number(r.restored_seq),
            deviceId: r.restored_device ?? '',
            deviceName: r.restored_device_name,
            role: r.restored_role ?? '',
            actor: r.restored_actor,
            at: r.restored_at ?? '',
          },
  }))
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
): Promise<{ changes: PulledRecordChange[]; cursor: number; more: boolean; high: number; conflicts: RecordConflictWire[] }> {
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
    const all: PulledRecordChange[] = rows.map((r) => ({
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
    const cursor = full ? all[all.length - 1].seq : Math.max(q.after, high)
    // A device whose role sees contacts masked never receives them (see unseenFields): an
    // update of such a field is not sent at all, a record comes with those fields empty,
    // and so does either side of a conflict over one.
    const unseen = (record: SyncedRecord, field: string | null) => field !== null && unseenFields(device.role, record).includes(field)
    const changes = all
      .filter((c) => !(c.op === 'update' && unseen(c.record, c.field)))
      .map((c) => (c.op === 'create' ? { ...c, value: withoutUnseen(device.role, c.record, c.value) } : c))
    const conflicts = (await conflictsBetween(tx, device.team, q.after, cursor)).map((k) =>
      unseen(k.record, k.field) ? { ...k, earlier: { ...k.earlier, value: unseenValue(k.earlier.value) }, later: { ...k.later, value: unseenValue(k.later.value) } } : k,
    )
    return { changes, cursor, more: full, high, conflicts }
  })
}
