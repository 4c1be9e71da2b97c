import { LedgerStatus, type LedgerEntryWire, type LedgerStatusChange } from '../src-shared/ledgerWire'
import {
  ENTRY_MONEY_FIELDS,
  STATUS_MOVES,
  type PulledEntry,
  type PullQuery,
  type PushConflict,
  type PushRefusal,
  type PushResponse,
  type StatusChangeResponse,
  type TeamSummary,
} from '../src-shared/syncProtocol'
import type { DeviceIdentity } from './devices'
import { HttpError } from './errors'
import { lockTeam } from './teams'
import type { SqlClient, Storage } from './storage'

/**
 * The team's ledger on the server: entries stored once forever, pulled by the
 * server's own sequence, and the status the team's manager decides.
 */

/** The wire fields as columns, in one order used by the insert, the reads and the comparison. */
const WIRE_COLUMNS = `id, member_code, kind, amount_fen, source_type, source_key, reverses_id, scheme_id, scheme_version, period, occurred_at, memo, origin_device`

interface EntryRow {
  id: string
  member_code: string
  kind: string
  amount_fen: string | number
  source_type: string
  source_key: string
  reverses_id: string | null
  scheme_id: string | null
  scheme_version: number | string | null
  period: string
  occurred_at: string
  memo: string
  origin_device: string
}

interface PulledRow extends EntryRow {
  seq: string | number
  status: string
  status_seq: string | number
  status_changed_at: Date | string | null
}

const iso = (v: Date | string | null): string | null => (v == null ? null : new Date(v).toISOString())

export function wireOf(r: EntryRow): LedgerEntryWire {
  return {
    id: r.id,
    memberCode: r.member_code,
    kind: r.kind as LedgerEntryWire['kind'],
    amountFen: Number(r.amount_fen),
    sourceType: r.source_type as LedgerEntryWire['sourceType'],
    sourceKey: r.source_key,
    reversesId: r.reverses_id,
    schemeId: r.scheme_id,
    schemeVersion: r.scheme_version == null ? null : Number(r.scheme_version),
    period: r.period,
    occurredAt: r.occurred_at,
    memo: r.memo,
    deviceId: r.origin_device,
  }
}

const pulledOf = (r: PulledRow): PulledEntry => ({
  ...wireOf(r),
  seq: Number(r.seq),
  status: r.status as LedgerStatus,
  statusSeq: Number(r.status_seq),
  statusChangedAt: iso(r.status_changed_at),
})

/** Which of the fields that decide the money differ (see ENTRY_MONEY_FIELDS); none: the same entry. */
export function differingFields(a: LedgerEntryWire, b: LedgerEntryWire): string[] {
  return ENTRY_MONEY_FIELDS.filter((f) => a[f] !== b[f])
}

export { lockTeam }

/**
 * Stores each entry once: `ON CONFLICT DO NOTHING` on (team, id). An id the server
 * already holds with the same money (ENTRY_MONEY_FIELDS) is accepted again (a
 * repeat after a lost reply, or the same sale posted on another workstation, whose
 * memo or device differ); with different money it is a conflict — reported, never overwritten, so a paid entry stays what was paid.
 */
export async function pushEntries(
  storage: Storage,
  device: DeviceIdentity,
  entries: LedgerEntryWire[],
  /** Told what the database refused, for the server's log (the device hears only that it was refused). */
  onUnstorable?: (id: string, err: unknown) => void,
): Promise<Omit<PushResponse, 'serverId'>> {
  const unique = new Map<string, LedgerEntryWire>()
  const conflicts: PushConflict[] = []
  for (const e of entries) {
    const first = unique.get(e.id)
    if (!first) unique.set(e.id, e)
    else {
      const fields = differingFields(first, e)
      if (fields.length) conflicts.push({ id: e.id, fields, server: first })
    }
  }
  const batch = [...unique.values()]
  return storage.transaction(async (tx) => {
    await lockTeam(tx, device.team)
    const refused: PushRefusal[] = []
    let inserted: string[]
    // Every entry was checked before it came here (StorableEntry); should the database still refuse
    // one, the batch is stored again one entry at a time, so that entry alone is refused.
    await tx.query('SAVEPOINT push_batch')
    try {
      inserted = await insertEntries(tx, device, batch)
      await tx.query('RELEASE SAVEPOINT push_batch')
    } catch (err) {
      if (!isDataError(err)) throw err
      await tx.query('ROLLBACK TO SAVEPOINT push_batch')
      inserted = []
      for (const e of batch) {
        await tx.query('SAVEPOINT push_entry')
        try {
          inserted.push(...(await insertEntries(tx, device, [e])))
          await tx.query('RELEASE SAVEPOINT push_entry')
        } catch (one) {
          if (!isDataError(one)) throw one
          await tx.query('ROLLBACK TO SAVEPOINT push_entry')
          onUnstorable?.(e.id, one)
          refused.push({
            id: e.id,
            code: 'entry_unstorable',
            reason: '服务器无法保存这条分录（已记录在服务器日志中），其余分录已保存 / the server cannot store this entry (see its log); the others were stored',
            issues: [],
          })
        }
      }
    }
    const accepted = [...inserted]
    const refusedIds = new Set(refused.map((r) => r.id))
    if (inserted.length + refused.length < batch.length) {
      const fresh = new Set(inserted)
      const known = batch.filter((e) => !fresh.has(e.id) && !refusedIds.has(e.id))
      const stored = await tx.query<EntryRow>(`SELECT ${WIRE_COLUMNS} FROM entries WHERE team = $1 AND id = ANY($2::uuid[])`, [
        device.team,
        known.map((e) => e.id),
      ])
      const byId = new Map(stored.map((r) => [r.id, wireOf(r)]))
      for (const e of known) {
        const server = byId.get(e.id)!
        const fields = differingFields(server, e)
        if (fields.length) conflicts.push({ id: e.id, fields, server })
        else accepted.push(e.id)
      }
    }
    return { accepted, stored: inserted.length, conflicts, refused }
  })
}

/**
 * An error in the data itself (SQLSTATE classes 22, data exception, and 23, integrity
 * constraint), as opposed to the database being unwell: only the former is the entry's fault.
 */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' && /^2[23]/.test(code)
}

/** The INSERT of a batch, one array per column; returns the ids stored now (not those held before). */
async function insertEntries(tx: SqlClient, device: DeviceIdentity, batch: LedgerEntryWire[]): Promise<string[]> {
  const columns = {
    id: [] as string[],
    member: [] as string[],
    kind: [] as string[],
    amount: [] as number[],
    sourceType: [] as string[],
    sourceKey: [] as string[],
    reverses: [] as (string | null)[],
    scheme: [] as (string | null)[],
    schemeVersion: [] as (number | null)[],
    period: [] as string[],
    occurred: [] as string[],
    memo: [] as string[],
    origin: [] as string[],
  }
  for (const e of batch) {
    columns.id.push(e.id)
    columns.member.push(e.memberCode)
    columns.kind.push(e.kind)
    columns.amount.push(e.amountFen)
    columns.sourceType.push(e.sourceType)
    columns.sourceKey.push(e.sourceKey)
    columns.reverses.push(e.reversesId)
    columns.scheme.push(e.schemeId)
    columns.schemeVersion.push(e.schemeVersion)
    columns.period.push(e.period)
    columns.occurred.push(e.occurredAt)
    columns.memo.push(e.memo)
    columns.origin.push(e.deviceId)
  }
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO entries (team, pushed_by, ${WIRE_COLUMNS})
     SELECT $1, $2, u.* FROM unnest($3::uuid[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::uuid[],
                                    $10::text[], $11::int[], $12::text[], $13::text[], $14::text[], $15::text[])
       AS u(id, member_code, kind, amount_fen, source_type, source_key, reverses_id, scheme_id, scheme_version, period, occurred_at, memo, origin_device)
     ON CONFLICT (team, id) DO NOTHING
     RETURNING id`,
    [
      device.team,
      device.id,
      columns.id,
      columns.member,
      columns.kind,
      columns.amount,
      columns.sourceType,
      columns.sourceKey,
      columns.reverses,
      columns.scheme,
      columns.schemeVersion,
      columns.period,
      columns.occurred,
      columns.memo,
      columns.origin,
    ],
  )
  return rows.map((r) => r.id)
}

/**
 * One page of what the device has not seen: the team's entries pushed by other
 * devices, and status changes, after the cursor. Both reads and the cursor come
 * from one snapshot (REPEATABLE READ), so the entry cursor may safely jump over
 * the device's own entries up to the newest one the snapshot holds.
 */
export async function pullPage(storage: Storage, device: DeviceIdentity, q: PullQuery): Promise<{
  entries: PulledEntry[]
  statusChanges: LedgerStatusChange[]
  cursor: { entries: number; statuses: number }
  more: boolean
  high: { entries: number; statuses: number }
}> {
  return storage.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')
    const rows = await tx.query<PulledRow>(
      `SELECT seq, ${WIRE_COLUMNS}, status, status_seq, status_changed_at FROM entries
        WHERE team = $1 AND seq > $2 AND pushed_by <> $3 ORDER BY seq LIMIT $4`,
      [device.team, q.entriesAfter, device.id, q.limit],
    )
    const entries = rows.map(pulledOf)
    const [top] = await tx.query<{ entries: string | number | null; statuses: string | number | null }>(
      `SELECT (SELECT max(seq) FROM entries WHERE team = $1) AS entries, (SELECT max(seq) FROM status_changes WHERE team = $1) AS statuses`,
      [device.team],
    )
    const high = { entries: Number(top.entries ?? 0), statuses: Number(top.statuses ?? 0) }
    const entriesFull = entries.length === q.limit
    const entryCursor = entriesFull ? entries[entries.length - 1].seq : Math.max(q.entriesAfter, high.entries)
    const changes = await tx.query<{ seq: string | number; entry_id: string; status: string; changed_at: Date | string; note: string | null }>(
      `SELECT seq, entry_id, status, changed_at, note FROM status_changes WHERE team = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [device.team, q.statusesAfter, q.limit],
    )
    const statusChanges: LedgerStatusChange[] = changes.map((c) => ({
      entryId: c.entry_id,
      status: c.status as LedgerStatus,
      seq: Number(c.seq),
      changedAt: iso(c.changed_at)!,
      note: c.note,
    }))
    const statusCursor = statusChanges.length ? statusChanges[statusChanges.length - 1].seq : q.statusesAfter
    return {
      entries,
      statusChanges,
      cursor: { entries: entryCursor, statuses: statusCursor },
      more: entriesFull || statusChanges.length === q.limit,
      high,
    }
  })
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * The manager's decisions. Moves follow STATUS_MOVES; `paid` is final. A change to
 * the status an entry already has is refused as `unchanged`, so repeating a request
 * after a lost reply changes nothing and says so.
 */
export async function changeStatuses(
  storage: Storage,
  team: string,
  changes: { entryId: string; status: LedgerStatus; note: string | null }[],
): Promise<StatusChangeResponse> {
  return storage.transaction(async (tx) => {
    await lockTeam(tx, team)
    const ids = [...new Set(changes.map((c) => c.entryId.toLowerCase()).filter((id) => UUID.test(id)))]
    const rows = ids.length
      ? await tx.query<{ id: string; status: LedgerStatus }>('SELECT id, status FROM entries WHERE team = $1 AND id = ANY($2::uuid[]) FOR UPDATE', [team, ids])
      : []
    const current = new Map(rows.map((r) => [r.id, r.status]))
    const moves: { entryId: string; status: LedgerStatus; note: string | null }[] = []
    const refused: StatusChangeResponse['refused'] = []
    for (const c of changes) {
      const id = c.entryId.toLowerCase()
      const now = current.get(id)
      if (!now) {
        refused.push({ entryId: c.entryId, status: c.status, reason: 'unknown_entry', current: null })
      } else if (now === c.status) {
        refused.push({ entryId: id, status: c.status, reason: 'unchanged', current: now })
      } else if (!STATUS_MOVES[now].includes(c.status)) {
        refused.push({ entryId: id, status: c.status, reason: now === 'paid' ? 'already_paid' : 'not_allowed', current: now })
      } else {
        moves.push({ entryId: id, status: c.status, note: c.note })
        current.set(id, c.status)
      }
    }
    if (!moves.length) return { applied: [], refused }
    const inserted = await tx.query<{ seq: string | number; entry_id: string; status: string; changed_at: Date | string; note: string | null }>(
      `INSERT INTO status_changes (team, entry_id, status, note)
       SELECT $1, u.entry_id, u.status, u.note FROM unnest($2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS u(entry_id, status, note, n)
       ORDER BY u.n
       RETURNING seq, entry_id, status, changed_at, note`,
      [team, moves.map((m) => m.entryId), moves.map((m) => m.status), moves.map((m) => m.note)],
    )
    const applied: LedgerStatusChange[] = inserted
      .map((c) => ({ entryId: c.entry_id, status: c.status as LedgerStatus, seq: Number(c.seq), changedAt: iso(c.changed_at)!, note: c.note }))
      .sort((a, b) => a.seq - b.seq)
    // The entry keeps its latest move (several moves of one entry in one request end on the last).
    const latest = new Map(applied.map((c) => [c.entryId, c]))
    const finals = [...latest.values()]
    await tx.query(
      `UPDATE entries e SET status = u.status, status_seq = u.seq, status_changed_at = u.changed_at
         FROM unnest($2::uuid[], $3::text[], $4::bigint[], $5::timestamptz[]) AS u(id, status, seq, changed_at)
        WHERE e.team = $1 AND e.id = u.id`,
      [team, finals.map((c) => c.entryId), finals.map((c) => c.status), finals.map((c) => c.seq), finals.map((c) => c.changedAt)],
    )
    return { applied, refused }
  })
}

export async function teamSummary(db: SqlClient, team: string): Promise<TeamSummary> {
  const [exists] = await db.query('SELECT 1 FROM teams WHERE name = $1', [team])
  if (!exists) throw new HttpError(404, 'team_unknown', `没有团队 ${team} / no team ${team}`, { team })
  const rows = await db.query<{ status: LedgerStatus; n: string | number; total: string | number }>(
    `SELECT status, count(*) AS n, COALESCE(sum(amount_fen), 0) AS total FROM entries WHERE team = $1 GROUP BY status`,
    [team],
  )
  const [devices] = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM devices WHERE team = $1 AND revoked_at IS NULL', [team])
  const byStatus = Object.fromEntries(LedgerStatus.options.map((s) => [s, { entries: 0, totalFen: 0 }])) as TeamSummary['byStatus']
  let entries = 0
  let totalFen = 0
  for (const r of rows) {
    byStatus[r.status] = { entries: Number(r.n), totalFen: Number(r.total) }
    entries += Number(r.n)
    totalFen += Number(r.total)
  }
  return { team, entries, totalFen, byStatus, devices: Number(devices.n) }
}

/** The team's entries in server order, for the manager's tools and for audits. */
export async function listEntries(db: SqlClient, team: string, after: number, limit: number): Promise<{ entries: PulledEntry[]; next: number | null }> {
  const rows = await db.query<PulledRow>(
    `SELECT seq, ${WIRE_COLUMNS}, status, status_seq, status_changed_at FROM entries WHERE team = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [team, after, limit],
  )
  const entries = rows.map(pulledOf)
  return { entries, next: entries.length === limit ? entries[entries.length - 1].seq : null }
}
