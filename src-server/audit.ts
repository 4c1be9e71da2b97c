import { randomUUID } from 'node:crypto'
import {
  chainRecord,
  type AuditChainRow,
  auditRecordHash,
  canonicalJson,
  ChainWalker,
  GENESIS_HASH,
  type AuditChainRecord,
  type AuditChainVerification,
  type AuditPushResponse,
  type AuditRecordWire,
  type TeamAuditVerification,
} from '../src-shared/auditChain'
import { HttpError } from './errors'
import { lockTeam } from './teams'
import type { SqlClient, Storage } from './storage'

/**
 * The team's audit: one hash chain per workstation, as each pushed it, and the server's own
 * chain of what it does — kept per team, verifiable together (src-shared/auditChain.ts has
 * the one hashing function both sides use). A workstation's records are checked link by link
 * on receipt: a batch that does not continue its chain is refused whole, nothing stored.
 * Personal values never reach these records: the workstation's log names the field that
 * changed, not its value, and the server's chain names records, fields and devices only.
 */
export const SERVER_CHAIN = 'server'

/** The device a request comes from (devices.ts DeviceIdentity). */
interface Device {
  id: string
  team: string
  name: string
  role: string
  workstationId: string | null
}
const SERVER_NAME = '团队服务器 / team server'

interface AuditRow extends AuditChainRow {
  chain: string
}

/** The chain a device's records belong to: its workstation's (a workstation enrolled again keeps its chain). */
const chainOf = (device: Device): string => device.workstationId ?? device.id

async function chainTail(tx: SqlClient, team: string, chain: string): Promise<{ seq: number; hash: string }> {
  const [row] = await tx.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_records WHERE team = $1 AND chain = $2 ORDER BY seq DESC LIMIT 1', [team, chain])
  return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH }
}

async function insertRecords(tx: SqlClient, team: string, chain: string, deviceId: string | null, records: AuditChainRecord[]): Promise<void> {
  if (!records.length) return
  const col = <K extends keyof AuditChainRecord>(k: K) => records.map((r) => r[k])
  await tx.query(
    `INSERT INTO audit_records (team, chain, device_id, seq, id, at, actor_id, actor_name, actor_role, kind, entity, entity_id, summary, before_json, after_json, workstation, prev_hash, hash)
     SELECT $1, $2, $3, u.* FROM unnest($4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
                                       $14::text[], $15::text[], $16::text[], $17::text[], $18::text[]) AS u`,
    [
      team,
      chain,
      deviceId,
      col('seq'),
      col('id'),
      col('at'),
      col('actorId'),
      col('actorName'),
      col('actorRole'),
      col('kind'),
      col('entity'),
      col('entityId'),
      col('summary'),
      col('beforeJson'),
      col('afterJson'),
      col('workstation'),
      col('prevHash'),
      col('hash'),
    ],
  )
  const last = records[records.length - 1]
  await tx.query(
    `INSERT INTO audit_heads (team, chain, seq, hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (team, chain) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash`,
    [team, chain, last.seq, last.hash],
  )
}

export interface ServerAuditEntry {
  kind: string
  entity: string
  entityId: string | null
  summary: string
  /** The device the server acted on or for; the server itself when absent. */
  device?: { id: string; name: string } | null
  /** What else names the event (sequences, codes, roles) — never a personal value. */
  details?: Record<string, unknown>
}

/**
 * Appends events to the team's server chain. Call inside the transaction of what they
 * record, with the team's row locked (lockTeam): the event and its cause commit together.
 */
export async function appendServerAudit(tx: SqlClient, team: string, entries: ServerAuditEntry[], at = new Date()): Promise<void> {
  if (!entries.length) return
  let tail = await chainTail(tx, team, SERVER_CHAIN)
  const records = entries.map((e) => {
    const body = {
      seq: tail.seq + 1,
      id: randomUUID(),
      at: at.toISOString(),
      actorId: e.device?.id ?? null,
      actorName: e.device?.name ?? SERVER_NAME,
      actorRole: 'system',
      kind: e.kind,
      entity: e.entity,
      entityId: e.entityId,
      summary: e.summary,
      beforeJson: null,
      afterJson: e.details ? canonicalJson(e.details) : null,
      workstation: SERVER_CHAIN,
    }
    const record: AuditChainRecord = { ...body, prevHash: tail.hash, hash: auditRecordHash(tail.hash, body) }
    tail = { seq: record.seq, hash: record.hash }
    return record
  })
  await insertRecords(tx, team, SERVER_CHAIN, null, records)
}

/**
 * Stores the next records of the device's workstation chain, in chain order. Records the
 * server already holds (a repeat after a lost reply) must be the same records: the batch
 * is taken again and nothing stored twice. Every new record must follow the one before it
 * — the next sequence, linking to its hash, its own hash recomputed, made on this
 * workstation — or the whole batch is refused with the first record that does not, and
 * the server's chain notes the refusal.
 */
export async function pushAudit(storage: Storage, device: Device, records: AuditRecordWire[]): Promise<Omit<AuditPushResponse, 'serverId'>> {
  const chain = chainOf(device)
  try {
    return await storage.transaction(async (tx) => {
      await lockTeam(tx, device.team)
      const tail = await chainTail(tx, device.team, chain)
      const held = new Map(
        (
          await tx.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_records WHERE team = $1 AND chain = $2 AND seq = ANY($3::bigint[])', [
            device.team,
            chain,
            records.filter((r) => r.seq <= tail.seq).map((r) => r.seq),
          ])
        ).map((r) => [Number(r.seq), r.hash]),
      )
      const walk = new ChainWalker(tail)
      const fresh: AuditChainRecord[] = []
      for (const [i, r] of records.entries()) {
        if (r.seq <= tail.seq) {
          const hash = held.get(r.seq)
          if (hash !== r.hash) {
            throw refusal(i, r, 'chain_diverged', hash ?? '', r.hash, `第 ${r.seq} 条记录与服务器已保存的同一条不同 / record ${r.seq} differs from the one the server already holds`)
          }
          continue
        }
        if (r.workstation !== null && r.workstation !== chain) {
          throw refusal(i, r, 'other_workstation', chain, r.workstation, `第 ${r.seq} 条记录来自另一台工作站 / record ${r.seq} was made on another workstation`)
        }
        const broken = walk.next(r)
        if (broken) throw refusal(i, r, broken.reason, broken.expected, broken.actual, broken.message)
        fresh.push(r)
      }
      await insertRecords(tx, device.team, chain, device.id, fresh)
      return { stored: fresh.length, upTo: Math.max(tail.seq, walk.tail.seq) }
    })
  } catch (err) {
    if (err instanceof HttpError && err.code === 'audit_chain_broken') {
      const d = err.details as { seq: number; reason: string }
      await storage.transaction(async (tx) => {
        await lockTeam(tx, device.team)
        await appendServerAudit(tx, device.team, [
          {
            kind: 'audit.refused',
            entity: 'audit',
            entityId: chain,
            summary: `拒收了设备「${device.name}」的审计记录：第 ${d.seq} 条（${d.reason}）/ refused device ${device.name}'s audit records: record ${d.seq} (${d.reason})`,
            device: { id: device.id, name: device.name },
            details: { workstationId: chain, seq: d.seq, reason: d.reason },
          },
        ])
      })
    }
    throw err
  }
}

function refusal(index: number, r: AuditRecordWire, reason: string, expected: string, actual: string | null, why: string): HttpError {
  return new HttpError(
    409,
    'audit_chain_broken',
    `审计记录第 ${index + 1} 条（序号 ${r.seq}）不能接在此工作站的链上：${why.split(' / ')[0]}，整批未保存 / audit record ${index + 1} (seq ${r.seq}) does not continue this workstation's chain: ${why.split(' / ').at(-1)}; nothing in the batch was stored`,
    { path: `records.${index}`, seq: r.seq, id: r.id, reason, expected, actual },
  )
}

/**
 * Every chain of the team walked from its first record against its head: each
 * workstation's, then the server's own. For devices enrolled for managers (the audit is
 * theirs to read, as on the workstation).
 */
export async function verifyTeamAudit(storage: Storage, device: Device, now = new Date()): Promise<TeamAuditVerification> {
  if (device.role !== 'manager') {
    throw new HttpError(403, 'forbidden', '只有注册为管理者的设备才能校验团队的审计日志 / only a device enrolled for managers may verify the team’s audit', { role: device.role })
  }
  const started = performance.now()
  return storage.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ')
    const heads = new Map(
      (await tx.query<{ chain: string; seq: string | number; hash: string }>('SELECT chain, seq, hash FROM audit_heads WHERE team = $1', [device.team])).map((h) => [
        h.chain,
        { seq: Number(h.seq), hash: h.hash },
      ]),
    )
    const names = new Map<string, string[]>()
    for (const d of await tx.query<{ id: string; workstation_id: string | null; name: string }>('SELECT id, workstation_id, name FROM devices WHERE team = $1 ORDER BY created_at', [device.team])) {
      const chain = d.workstation_id ?? d.id
      names.set(chain, [...(names.get(chain) ?? []), d.name])
    }
    const walks = new Map<string, ChainWalker>([[SERVER_CHAIN, new ChainWalker()]])
    for (const chain of heads.keys()) if (!walks.has(chain)) walks.set(chain, new ChainWalker())
    for (const r of await tx.query<AuditRow>('SELECT * FROM audit_records WHERE team = $1 ORDER BY chain, seq', [device.team])) {
      let walk = walks.get(r.chain)
      if (!walk) walks.set(r.chain, (walk = new ChainWalker()))
      walk.next(chainRecord(r))
    }
    const result = (chain: string, walk: ChainWalker): AuditChainVerification => {
      const firstBroken = walk.end(heads.get(chain))
      const server = chain === SERVER_CHAIN
      return {
        kind: server ? 'server' : 'workstation',
        workstationId: server ? null : chain,
        deviceNames: server ? [] : (names.get(chain) ?? []),
        records: walk.records,
        firstHash: walk.firstHash,
        lastHash: walk.lastStoredHash,
        ok: firstBroken === null,
        firstBroken,
      }
    }
    const chains = [...walks].filter(([c]) => c !== SERVER_CHAIN).map(([c, w]) => result(c, w))
    const server = result(SERVER_CHAIN, walks.get(SERVER_CHAIN)!)
    return {
      team: device.team,
      intact: server.ok && chains.every((c) => c.ok),
      chains,
      server,
      checkedAt: now.toISOString(),
      durationMs: performance.now() - started,
    }
  })
}
