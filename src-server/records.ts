import { createHash } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import {
  changeImmutableProblem,
  changeRoleProblem,
  changeValueProblem,
  IMMUTABLE_RECORDS,
  NATURAL_KEYS,
  SNAPSHOT_ORDER,
  type PulledRecordChange,
  type RecordChangeWire,
  type RecordConflictWire,
  type RecordMerged,
  type RecordRefusal,
  type RecordsPushResponse,
  type RecordsSnapshotQuery,
  type SnapshotRecord,
  type SyncedRecord,
  unseenFields,
  unseenValue,
  withoutUnseen,
} from '../src-shared/recordsProtocol'
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
  current?: unknown
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
    const problem = changeRoleProblem(device.role, c) ?? storableProblem(c) ?? changeValueProblem(c) ?? changeImmutableProblem(c)
    if (problem) refusedSeqs.set(c.clientSeq, problem)
  }
  return storage.transaction(async (tx) => {
    await lockTeam(tx, device.team)
    // Under the team's lock: a version the team already holds with other content is refused here, never overwritten.
    for (const [seq, problem] of await competingCreates(tx, device.team, all.filter((c) => !refusedSeqs.has(c.clientSeq)))) refusedSeqs.set(seq, problem)
    const unique = all.filter((c) => !refusedSeqs.has(c.clientSeq))
    const refused: RecordRefusal[] = []
    for (const c of all) {
      const problem = refusedSeqs.get(c.clientSeq)
      if (problem) {
        const restore = problem.code === 'invalid_value' ? null : problem.code === 'version_taken' ? await teamRecordOf(tx, device.team, c) : await restoreOf(tx, device.team, c)
        refused.push({ clientSeq: c.clientSeq, ...problem, restore: unseenOfRestore(device, c, restore) })
      }
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
    if (!unique.length) return { accepted: [], stored: 0, refused, merged: [] }
    // A create the team holds by natural key becomes that record; the batch's later changes of it follow.
    const into = await naturalKeyMatches(tx, device.team, unique)
    const target = (c: RecordChangeWire) => into.get(`${c.record}\u0000${c.id}`)
    const stored = await tx.query<{ seq: string | number }>(
      `INSERT INTO record_changes (team, device_id, client_seq, tx_id, record, record_id, op, field, value, role, made_at, base, restores, actor, merged_into)
       SELECT $1, $2, u.client_seq, u.tx_id, u.record, u.record_id, u.op, u.field, u.value::jsonb, u.role, u.made_at, u.base, u.restores, u.actor, u.merged_into
         FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[], $15::text[])
              WITH ORDINALITY AS u(client_seq, tx_id, record, record_id, op, field, value, role, made_at, base, restores, actor, merged_into, n)
        ORDER BY u.n
       ON CONFLICT (device_id, client_seq) DO NOTHING
       RETURNING seq`,
      [
        device.team,
        device.id,
        unique.map((c) => c.clientSeq),
        unique.map((c) => c.txId),
        unique.map((c) => c.record),
        unique.map((c) => (c.op === 'create' ? c.id : (target(c) ?? c.id))),
        unique.map((c) => c.op),
        unique.map((c) => c.field),
        unique.map((c) => JSON.stringify(c.value ?? null)),
        unique.map((c) => c.role),
        unique.map((c) => c.at),
        unique.map((c) => c.base ?? null),
        unique.map((c) => c.restores ?? null),
        unique.map((c) => c.actor ?? null),
        unique.map((c) => (c.op === 'create' ? (target(c) ?? null) : null)),
      ],
    )
    const seqs = stored.map((r) => Number(r.seq))
    if (seqs.length) {
      const kept = await keepConflicts(tx, device.team, seqs)
      await keepDeleteConflicts(tx, device.team, seqs)
      await applyToCurrent(tx, device.team, seqs)
      await applyMoves(tx, device.team, seqs)
      await keepEditsAfterDelete(tx, device.team, seqs)
      const restored = await markRestored(tx, device.team, seqs)
      await auditConflicts(tx, device, kept, restored)
    }
    return { accepted: unique.map((c) => c.clientSeq), stored: seqs.length, refused, merged: await mergedCreates(tx, device, unique) }
  })
}

/**
 * A value PostgreSQL cannot keep: a NUL character in a text (an order line's name from a
 * studio that imported one before imports refused control characters). Refused alone,
 * with the reason, as a ledger entry with one is: the rest of the batch is stored, and the
 * workstation keeps its record as it is (nothing to undo: no one else changed it).
 */
function storableProblem(c: RecordChangeWire): { code: string; reason: string } | null {
  const nul = (v: unknown): boolean =>
    typeof v === 'string' ? v.includes('\u0000') : Array.isArray(v) ? v.some(nul) : v !== null && typeof v === 'object' ? Object.entries(v).some(([k, x]) => k.includes('\u0000') || nul(x)) : false
  if (!nul(c.value)) return null
  return {
    code: 'invalid_value',
    reason: `${c.field ?? c.record} 含有空字符，服务器无法保存，此工作站保留原样 / ${c.field ?? c.record} holds a NUL character, which the server cannot store; this workstation keeps it as it is`,
  }
}

/** The tables a push grows and whose lookups (natural keys, snapshots, pulls) plan by their statistics. */
const RECORD_TABLES = ['record_fields', 'record_changes', 'record_tombstones']
let analyzing: Promise<void> | null = null

/**
 * Brings the record tables' planner statistics up to date once pushes have changed half as
 * many rows as they hold (and at least 10,000) since they were last gathered. A team's first push of 100,000 customers grows
 * them faster than the database's own upkeep gathers them, and a lookup planned for a
 * nearly empty table then reads every customer's phones once per phone looked up (4 s a
 * batch instead of milliseconds). One gathering at a time in this process.
 */
export function keepStatisticsFresh(storage: Storage): Promise<void> {
  analyzing ??= (async () => {
    try {
      const stale = await storage.query<{ relname: string }>(
        `SELECT relname FROM pg_stat_user_tables
          WHERE relname = ANY($1::text[]) AND n_mod_since_analyze > 10000 + 0.5 * n_live_tup`,
        [RECORD_TABLES],
      )
      for (const t of stale) if (RECORD_TABLES.includes(t.relname)) await storage.query(`ANALYZE ${t.relname}`)
    } catch {
      // Upkeep: the push it follows is stored and answered whatever happens here; the next one tries again.
    } finally {
      analyzing = null
    }
  })()
  return analyzing
}

/**
 * Creates of an immutable record (IMMUTABLE_RECORDS: a scheme's version) whose id the team
 * already holds with other content — the same "version n+1" saved on two workstations
 * while apart: the first the server took stays, the later one is refused with the field
 * that differs. The same content again (a lost reply, the same device's batch repeated)
 * is taken as it is: nothing changes twice.
 */
async function competingCreates(tx: SqlClient, team: string, changes: RecordChangeWire[]): Promise<Map<number, { code: string; reason: string }>> {
  const out = new Map<number, { code: string; reason: string }>()
  const creates = changes.filter((c) => c.op === 'create' && IMMUTABLE_RECORDS.includes(c.record))
  if (!creates.length) return out
  const rows = await tx.query<{ record: string; record_id: string; field: string; value: unknown }>(
    `SELECT f.record, f.record_id, f.field, f.value
       FROM unnest($2::text[], $3::text[]) AS u(record, record_id)
       JOIN record_fields f ON f.team = $1 AND f.record = u.record AND f.record_id = u.record_id
      WHERE NOT EXISTS (SELECT 1 FROM record_tombstones t WHERE t.team = f.team AND t.record = f.record AND t.record_id = f.record_id)`,
    [team, creates.map((c) => c.record), creates.map((c) => c.id)],
  )
  const held = new Map<string, Record<string, unknown>>()
  for (const r of rows) {
    const key = `${r.record}\u0000${r.record_id}`
    held.set(key, { ...held.get(key), [r.field]: r.value })
  }
  for (const c of creates) {
    const team_ = held.get(`${c.record}\u0000${c.id}`)
    if (!team_) continue
    const mine = (c.value ?? {}) as Record<string, unknown>
    const differs = [...new Set([...Object.keys(team_), ...Object.keys(mine)])].find((f) => !isDeepStrictEqual(team_[f] ?? null, mine[f] ?? null))
    if (differs === undefined) continue
    out.set(c.clientSeq, {
      code: 'version_taken',
      reason:
        `团队已有另一份「${c.id}」（${differs} 不同），这一份服务器未接受，此工作站已改用团队的那份；如需这些改动，请在团队版本上另存新版本 / ` +
        `the team already holds another ${c.record} ${c.id} (its ${differs} differs): the server refused this one and this workstation took the team's; save the changes again as a new version on top of it`,
    })
  }
  return out
}

/** The team's record as it holds it now, to put in place of a competing create: the record again. */
async function teamRecordOf(tx: SqlClient, team: string, c: RecordChangeWire): Promise<RecordRefusal['restore']> {
  const rows = await tx.query<{ field: string; value: unknown }>('SELECT field, value FROM record_fields WHERE team = $1 AND record = $2 AND record_id = $3', [team, c.record, c.id])
  return rows.length ? { op: 'create', field: null, value: Object.fromEntries(rows.map((r) => [r.field, r.value])) } : null
}

/**
 * The creates of the batch whose natural key (NATURAL_KEYS) a live record of the team
 * with another id holds, and that record's id, by "record\0id" — held before this batch,
 * or stored by this device before (a batch pushed again answers the same).
 */
async function naturalKeyMatches(tx: SqlClient, team: string, changes: RecordChangeWire[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const creates = changes.filter((c) => c.op === 'create' && NATURAL_KEYS[c.record] && c.value && typeof c.value === 'object')
  if (!creates.length) return out
  const keyOf = (c: { record: string; id: string }) => `${c.record}\u0000${c.id}`
  // Sent before (a batch pushed again): answered as it was then. One query for the batch, not one per create.
  const again = await tx.query<{ record: string; record_id: string; merged_into: string | null }>(
    `SELECT DISTINCT ON (c.record, c.record_id) c.record, c.record_id, c.merged_into
       FROM unnest($2::text[], $3::text[]) AS u(record, record_id)
       JOIN record_changes c ON c.team = $1 AND c.record = u.record AND c.record_id = u.record_id AND c.op = 'create'
      ORDER BY c.record, c.record_id, c.seq`,
    [team, creates.map((c) => c.record), creates.map((c) => c.id)],
  )
  const seen = new Set(again.map((r) => keyOf({ record: r.record, id: r.record_id })))
  for (const r of again) if (r.merged_into) out.set(keyOf({ record: r.record, id: r.record_id }), r.merged_into)
  const fresh = creates.filter((c) => !seen.has(keyOf(c)))
  const probesOf = (c: RecordChangeWire, key: string): string[] => {
    const v = (c.value as Record<string, unknown>)[key]
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : typeof v === 'string' && v !== '' ? [v] : []
  }
  // Each key of each kind: the team's live records holding any of the batch's values, one query for the batch.
  // Phrased so that the natural-key indexes (server schema 9) answer it: the field by name, a list by its items, a text by its MD5.
  const holders = new Map<string, { record_id: string; seq: number }[]>()
  for (const record of new Set(fresh.map((c) => c.record))) {
    for (const key of NATURAL_KEYS[record] ?? []) {
      const probes = [...new Set(fresh.filter((c) => c.record === record).flatMap((c) => probesOf(c, key)))]
      if (!probes.length) continue
      const list = key === 'phones'
      const rows = await tx.query<{ probe: string; record_id: string; seq: string | number }>(
        `SELECT p.value AS probe, f.record_id, f.seq
           FROM unnest($3::text[], $4::text[]) AS p(value, md5)
           JOIN record_fields f ON f.team = $1 AND f.record = $2 AND f.field = '${list ? 'phones' : key}'
            AND ${list ? 'f.value ? p.value' : `jsonb_typeof(f.value) = 'string' AND md5(f.value #>> '{}') = p.md5 AND f.value #>> '{}' = p.value`}
          WHERE NOT EXISTS (SELECT 1 FROM record_tombstones t WHERE t.team = f.team AND t.record = f.record AND t.record_id = f.record_id)`,
        [team, record, probes, probes.map((p) => createHash('md5').update(p).digest('hex'))],
      )
      for (const r of rows) {
        const at = `${record}\u0000${key}\u0000${r.probe}`
        holders.set(at, [...(holders.get(at) ?? []), { record_id: r.record_id, seq: Number(r.seq) }])
      }
    }
  }
  // The first key that finds another record decides, and of its holders the one that has held it longest.
  for (const c of fresh) {
    for (const key of NATURAL_KEYS[c.record] ?? []) {
      const hit = probesOf(c, key)
        .flatMap((p) => holders.get(`${c.record}\u0000${key}\u0000${p}`) ?? [])
        .filter((h) => h.record_id !== c.id)
        .sort((x, y) => x.seq - y.seq)[0]
      if (hit) {
        out.set(keyOf(c), hit.record_id)
        break
      }
    }
  }
  return out
}

/** What the device is told of its creates that became the team's records: the record's id and fields. */
async function mergedCreates(tx: SqlClient, device: DeviceIdentity, changes: RecordChangeWire[]): Promise<RecordMerged[]> {
  const creates = changes.filter((c) => c.op === 'create')
  if (!creates.length) return []
  const rows = await tx.query<{ client_seq: string | number; record: SyncedRecord; record_id: string; merged_into: string; fields: Record<string, unknown> | null }>(
    `SELECT c.client_seq, c.record, c.record_id, c.merged_into,
            (SELECT jsonb_object_agg(f.field, f.value) FROM record_fields f WHERE f.team = c.team AND f.record = c.record AND f.record_id = c.merged_into) AS fields
       FROM record_changes c WHERE c.device_id = $1 AND c.client_seq = ANY($2::bigint[]) AND c.merged_into IS NOT NULL`,
    [device.id, creates.map((c) => c.clientSeq)],
  )
  return rows.map((r) => ({ clientSeq: Number(r.client_seq), record: r.record, id: r.record_id, into: r.merged_into, fields: (withoutUnseen(device.role, r.record, r.fields ?? {}) as Record<string, unknown>) }))
}

/**
 * A conflict as the device may hold it: either value of a field its role sees masked is
 * empty there, and so are those fields of a deleted record kept whole (a delete conflict).
 */
function conflictForDevice(device: DeviceIdentity, k: RecordConflictWire): RecordConflictWire {
  const unseen = unseenFields(device.role, k.record)
  if (!unseen.length) return k
  const hide = (value: unknown) => (k.field === '' ? withoutUnseen(device.role, k.record, value) : unseen.includes(k.field) ? unseenValue(value) : value)
  return { ...k, earlier: { ...k.earlier, value: hide(k.earlier.value) }, later: { ...k.later, value: hide(k.later.value) } }
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

/** The record as the team holds it: every field's current value. */
const wholeRecord = (alias: string) =>
  `(SELECT jsonb_object_agg(w.field, w.value) FROM record_fields w WHERE w.team = ${alias}.team AND w.record = ${alias}.record AND w.record_id = ${alias}.record_id)`

/**
 * A delete of a record another device changed after the deleter last saw it (its base):
 * the delete wins — deletes are tombstones — and the record as the team held it is kept
 * as a conflict of the team, for a person to see and bring back.
 */
async function keepDeleteConflicts(tx: SqlClient, team: string, seqs: number[]): Promise<void> {
  await tx.query(
    `INSERT INTO record_conflicts (team, later_seq, earlier_seq, earlier_value, kind)
     SELECT n.team, n.seq, x.seq, ${wholeRecord('n')}, 'delete'
       FROM record_changes n
       JOIN LATERAL (
         SELECT max(f.seq) AS seq FROM record_fields f JOIN record_changes e ON e.team = f.team AND e.seq = f.seq
          WHERE f.team = n.team AND f.record = n.record AND f.record_id = n.record_id AND f.seq > n.base AND e.device_id <> n.device_id
       ) x ON x.seq IS NOT NULL
      WHERE n.team = $1 AND n.seq = ANY($2::bigint[]) AND n.op = 'delete' AND n.base IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM record_tombstones t WHERE t.team = n.team AND t.record = n.record AND t.record_id = n.record_id)
     ON CONFLICT (team, later_seq) DO NOTHING`,
    [team, seqs],
  )
}

/**
 * An edit from another device arriving after the record's delete (it was made before its
 * workstation saw the delete): the delete still wins, and the record with the edit is
 * kept as the delete's conflict — once per delete, whichever edit came first.
 */
async function keepEditsAfterDelete(tx: SqlClient, team: string, seqs: number[]): Promise<void> {
  await tx.query(
    `INSERT INTO record_conflicts (team, later_seq, earlier_seq, earlier_value, kind)
     SELECT DISTINCT ON (n.record, n.record_id) n.team, n.seq, t.seq, ${wholeRecord('n')}, 'delete'
       FROM record_changes n
       JOIN record_tombstones t ON t.team = n.team AND t.record = n.record AND t.record_id = n.record_id AND t.seq < n.seq
       JOIN record_changes d ON d.team = t.team AND d.seq = t.seq
      WHERE n.team = $1 AND n.seq = ANY($2::bigint[]) AND n.op IN ('update', 'add', 'remove', 'delta')
        AND d.device_id <> n.device_id AND (n.base IS NULL OR n.base < t.seq)
        AND NOT EXISTS (
          SELECT 1 FROM record_conflicts k WHERE k.team = n.team AND k.kind = 'delete' AND (k.earlier_seq = t.seq OR k.later_seq = t.seq))
      ORDER BY n.record, n.record_id, n.seq
     ON CONFLICT (team, later_seq) DO NOTHING`,
    [team, seqs],
  )
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
  kind: 'field' | 'delete'
  later_op: string
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
    `SELECT k.later_seq, k.kind, l.op AS later_op, l.record, l.record_id, l.field,
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
  return rows.map((r) => {
    const earlier = {
      seq: Number(r.earlier_seq),
      value: r.earlier_value ?? null,
      deviceId: r.earlier_device,
      deviceName: r.earlier_device_name,
      role: r.earlier_role,
      actor: r.earlier_actor,
      at: r.earlier_at,
    }
    const later = {
      seq: Number(r.later_seq),
      value: r.later_value ?? null,
      deviceId: r.later_device,
      deviceName: r.later_device_name,
      role: r.later_role,
      actor: r.later_actor,
      at: r.later_at,
    }
    // A delete's conflict: `later` is the delete (it wins, whichever came first in server
    // order), `earlier` the record as the team held it with who changed it.
    const deleteFirst = r.kind === 'delete' && r.later_op !== 'delete'
    return {
      id: String(r.later_seq),
      kind: r.kind,
      record: r.record,
      recordId: r.record_id,
      field: r.kind === 'delete' ? '' : (r.field ?? ''),
      earlier: deleteFirst ? { ...later, value: r.earlier_value ?? null } : earlier,
      later: deleteFirst ? { ...earlier, value: null } : r.kind === 'delete' ? { ...later, value: null } : later,
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
    }
  })
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
  // A create of a record the team holds live (one every workstation makes under the same id:
  // a rule's proposal) never takes back a field a later edit set — a decision made meanwhile
  // stands; a deleted record brought back takes every field of its create.
  await tx.query(
    `INSERT INTO record_fields (team, record, record_id, field, value, seq)
     SELECT DISTINCT ON (c.record, c.record_id, f.key) c.team, c.record, c.record_id, f.key, f.value, c.seq
       FROM record_changes c, jsonb_each(c.value) f
      WHERE c.team = $1 AND c.seq = ANY($2::bigint[]) AND c.op = 'create' AND c.merged_into IS NULL
      ORDER BY c.record, c.record_id, f.key, c.seq DESC
     ${upsert}
        AND (EXISTS (SELECT 1 FROM record_changes s WHERE s.team = record_fields.team AND s.seq = record_fields.seq AND s.op = 'create')
             OR EXISTS (SELECT 1 FROM record_tombstones t WHERE t.team = record_fields.team AND t.record = record_fields.record AND t.record_id = record_fields.record_id))`,
    [team, seqs],
  )
  await tx.query(
    `INSERT INTO record_tombstones (team, record, record_id, seq)
     SELECT team, record, record_id, min(seq) FROM record_changes WHERE team = $1 AND seq = ANY($2::bigint[]) AND op = 'delete'
      GROUP BY team, record, record_id
     ON CONFLICT (team, record, record_id) DO NOTHING`,
    [team, seqs],
  )
  // A create after the delete brings the record back (a deleted record restored from its conflict).
  await tx.query(
    `DELETE FROM record_tombstones t USING record_changes c
      WHERE c.team = $1 AND c.seq = ANY($2::bigint[]) AND c.op = 'create' AND t.team = c.team AND t.record = c.record AND t.record_id = c.record_id AND t.seq < c.seq`,
    [team, seqs],
  )
}

/**
 * The moves just stored (an item added to or removed from a set, a stock delta), one by
 * one in server order, on the field's current value — each only when it is later than
 * the change that set the field (an update or create of the same batch already holds it).
 * Of an add and a remove of one item, the later wins; deltas add up.
 */
async function applyMoves(tx: SqlClient, team: string, seqs: number[]): Promise<void> {
  const moves = await tx.query<{ seq: string | number; record: string; record_id: string; op: 'add' | 'remove' | 'delta'; field: string; value: unknown }>(
    `SELECT seq, record, record_id, op, field, value FROM record_changes WHERE team = $1 AND seq = ANY($2::bigint[]) AND op IN ('add', 'remove', 'delta') ORDER BY seq`,
    [team, seqs],
  )
  const later = `ON CONFLICT (team, record, record_id, field) DO UPDATE SET value = EXCLUDED.value, seq = EXCLUDED.seq WHERE record_fields.seq < EXCLUDED.seq`
  for (const m of moves) {
    const key = [team, m.record, m.record_id, m.field, Number(m.seq)]
    const held = `(SELECT CASE WHEN jsonb_typeof(f.value) = 'array' THEN f.value ELSE '[]'::jsonb END FROM record_fields f WHERE f.team = $1 AND f.record = $2 AND f.record_id = $3 AND f.field = $4)`
    if (m.op === 'delta') {
      await tx.query(
        `INSERT INTO record_fields (team, record, record_id, field, value, seq)
         VALUES ($1, $2, $3, $4, to_jsonb(COALESCE((SELECT (f.value #>> '{}')::bigint FROM record_fields f WHERE f.team = $1 AND f.record = $2 AND f.record_id = $3 AND f.field = $4), 0) + $6::bigint), $5)
         ${later}`,
        [...key, Number(m.value)],
      )
    } else {
      // An add puts a new item last (where the workstations put it too) and leaves one the set holds where it is; a remove takes it out.
      await tx.query(
        `INSERT INTO record_fields (team, record, record_id, field, value, seq)
         VALUES ($1, $2, $3, $4,
                 CASE WHEN NOT $7::boolean THEN COALESCE(${held}, '[]'::jsonb) - $6::text
                      WHEN COALESCE(${held}, '[]'::jsonb) ? $6::text THEN ${held}
                      ELSE COALESCE(${held}, '[]'::jsonb) || jsonb_build_array($6::text) END, $5)
         ${later}`,
        [...key, String(m.value), m.op === 'add'],
      )
    }
  }
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
              ELSE c.value END AS value,
              CASE WHEN c.op IN ('add', 'remove', 'delta') THEN
                (SELECT f.value FROM record_fields f WHERE f.team = c.team AND f.record = c.record AND f.record_id = c.record_id AND f.field = c.field)
              END AS current
         FROM record_changes c
        WHERE c.team = $1 AND c.seq > $2 AND c.device_id <> $3 AND c.merged_into IS NULL
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
      ...(r.current === null || r.current === undefined ? {} : { current: r.current }),
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
    const conflicts = (await conflictsBetween(tx, device.team, q.after, cursor)).map((k) => conflictForDevice(device, k))
    return { changes, cursor, more: full, high, conflicts }
  })
}

/**
 * One page of the team's live records as they stood at sequence `at` (the first page fixes
 * it: the team's newest change), kind by kind in SNAPSHOT_ORDER, by id within a kind. A
 * field changed after `at` is given its value at `at` from the changes the server keeps;
 * a record made after `at` is left out and one deleted after it is in — the changes after
 * `at`, pulled next, bring both. So the pages make one book as of `at` however long the
 * workstation takes to read them and whatever the team pushes meanwhile.
 */
export async function snapshotRecords(
  storage: Storage,
  device: DeviceIdentity,
  q: RecordsSnapshotQuery,
): Promise<{ at: number; records: SnapshotRecord[]; next: { record: SnapshotRecord['record']; after: string } | null; total: number | null; conflicts: RecordConflictWire[] }> {
  const team = device.team
  return storage.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')
    let at = q.at
    let total: number | null = null
    if (at === undefined) {
      const [top] = await tx.query<{ high: string | number | null }>('SELECT max(seq) AS high FROM record_changes WHERE team = $1', [team])
      at = Number(top.high ?? 0)
      const [count] = await tx.query<{ n: string | number }>(
        `SELECT count(*) AS n FROM (SELECT DISTINCT record, record_id FROM record_changes WHERE team = $1 AND seq <= $2 AND op = 'create') c
          WHERE NOT EXISTS (SELECT 1 FROM record_tombstones t WHERE t.team = $1 AND t.record = c.record AND t.record_id = c.record_id AND t.seq <= $2)`,
        [team, at],
      )
      total = Number(count.n)
    }
    const records: SnapshotRecord[] = []
    let kind = SNAPSHOT_ORDER.indexOf(q.record ?? SNAPSHOT_ORDER[0])
    let after = q.record ? q.after : ''
    let next: { record: SnapshotRecord['record']; after: string } | null = null
    while (kind < SNAPSHOT_ORDER.length && records.length < q.limit) {
      const record = SNAPSHOT_ORDER[kind]
      const room = q.limit - records.length
      // Each record's fields as one object (its fields changed after `at` named apart), the
      // next `room` records in id order: read along the key's order and stopped there, so a
      // page costs the same at the start of the book as at its end, and the server parses
      // one value per record, not one row per field.
      const grouped = await tx.query<{ record_id: string; value: Record<string, unknown> | null; later: string[] | null }>(
        `SELECT record_id,
                jsonb_object_agg(field, value) FILTER (WHERE seq <= $4) AS value,
                array_agg(field) FILTER (WHERE seq > $4) AS later
           FROM record_fields
          WHERE team = $1 AND record = $2 AND record_id > $3
          GROUP BY record_id ORDER BY record_id LIMIT $5`,
        [team, record, after, at, room],
      )
      const candidates = grouped.map((r) => r.record_id)
      if (candidates.length) {
        // Which of them were live at `at`: each looked up by its own key (a plan that holds
        // however stale the table's statistics are right after a large push).
        const live = new Set(
          (
            await tx.query<{ id: string }>(
              `SELECT i.id FROM unnest($3::text[]) AS i(id)
                CROSS JOIN LATERAL (SELECT 1 FROM record_changes c WHERE c.team = $1 AND c.record = $2 AND c.record_id = i.id AND c.seq <= $4 LIMIT 1) made
                WHERE NOT EXISTS (SELECT 1 FROM record_tombstones t WHERE t.team = $1 AND t.record = $2 AND t.record_id = i.id AND t.seq <= $4)`,
              [team, record, candidates, at],
            )
          ).map((r) => r.id),
        )
        const rows = grouped.filter((r) => live.has(r.record_id))
        // The few fields changed after `at` are given their value at `at` from the changes kept.
        const later = rows.flatMap((r) => (r.later ?? []).map((field) => ({ id: r.record_id, field })))
        const earlier = new Map<string, { value: unknown }>()
        if (later.length) {
          const found = await tx.query<{ record_id: string; field: string; value: unknown }>(
            `SELECT k.record_id, k.field, o.value
               FROM unnest($3::text[], $4::text[]) AS k(record_id, field)
               CROSS JOIN LATERAL (
                 SELECT CASE WHEN c.op = 'create' THEN c.value -> k.field ELSE c.value END AS value
                   FROM record_changes c
                  WHERE c.team = $1 AND c.record = $2 AND c.record_id = k.record_id AND c.seq <= $5
                    AND ((c.op = 'update' AND c.field = k.field) OR (c.op = 'create' AND c.value ? k.field))
                  ORDER BY c.seq DESC LIMIT 1
               ) o`,
            [team, record, later.map((r) => r.id), later.map((r) => r.field), at],
          )
          for (const f of found) earlier.set(`${f.record_id}\u0000${f.field}`, { value: f.value })
        }
        for (const r of rows) {
          const value = r.value ?? {}
          for (const field of r.later ?? []) {
            const then = earlier.get(`${r.record_id}\u0000${field}`)
            if (then) value[field] = then.value ?? null
          }
          records.push({ record, id: r.record_id, value })
        }
        after = candidates[candidates.length - 1]
      }
      if (candidates.length === room) {
        next = { record, after }
        break
      }
      kind++
      after = ''
    }
    // What a device's role sees masked it never receives, in a snapshot as in a pull.
    return {
      at,
      records: records.map((r) => ({ ...r, value: withoutUnseen(device.role, r.record, r.value) as Record<string, unknown> })),
      next,
      total,
      conflicts: next ? [] : (await conflictsBetween(tx, team, 0, at)).map((k) => conflictForDevice(device, k)),
    }
  })
}
