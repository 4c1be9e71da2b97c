import { createHash, randomUUID } from 'node:crypto'
import { addDays, dayIn, isTimeZone } from '../../src-shared/time'
import {
  MemberEarnings,
  type BlobType,
  type LinkChangesRequest,
  type LiveGroupWire,
  type MemberTick,
  type PageWithdrawal,
  type PublishPacksRequest,
  type PublishPacksResponse,
  type ScanCount,
  type WithdrawalAnswersRequest,
} from '../../src-shared/pagesProtocol'
import type { DeviceIdentity } from '../devices'
import { HttpError } from '../errors'
import type { SqlClient, Storage } from '../storage'

/**
 * What workstations publish for members' pages and live codes, and what flows back:
 * the device side of src-shared/pagesProtocol.ts. Every write of a team's pages holds
 * the team's pages lock for its transaction, so two workstations publishing at once
 * (or two server instances serving them) take turns instead of racing on the same rows.
 */

/** Packs older than this many days (in the team's time zone) leave the pages. */
export const KEEP_PACK_DAYS = 14
/** A file no pack or live code refers to is removed once it is this old (it may be a publish under way). */
const ORPHAN_GRACE = `interval '1 hour'`

async function lockTeamPages(tx: SqlClient, team: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(74300002, hashtext($1))`, [team])
}

async function ensurePageTeam(db: SqlClient, team: string): Promise<void> {
  await db.query('INSERT INTO page_teams (team) VALUES ($1) ON CONFLICT (team) DO NOTHING', [team])
}

export async function teamZone(db: SqlClient, team: string): Promise<{ studioName: string; timeZone: string }> {
  const [row] = await db.query<{ studio_name: string; time_zone: string }>('SELECT studio_name, time_zone FROM page_teams WHERE team = $1', [team])
  const zone = row && isTimeZone(row.time_zone) ? row.time_zone : 'Asia/Shanghai'
  return { studioName: row?.studio_name ?? '', timeZone: zone }
}

export async function saveTeamSettings(db: SqlClient, team: string, settings: { studioName: string; timeZone: string }): Promise<void> {
  if (!isTimeZone(settings.timeZone)) throw new HttpError(400, 'invalid_request', `不认识的时区 / unknown time zone: ${settings.timeZone}`, { field: 'timeZone' })
  await db.query(
    `INSERT INTO page_teams (team, studio_name, time_zone) VALUES ($1, $2, $3)
     ON CONFLICT (team) DO UPDATE SET studio_name = EXCLUDED.studio_name, time_zone = EXCLUDED.time_zone, updated_at = now()`,
    [team, settings.studioName, settings.timeZone],
  )
}

// ---------------------------------------------------------------- files

export async function missingBlobs(db: SqlClient, team: string, hashes: string[]): Promise<string[]> {
  const unique = [...new Set(hashes)]
  if (!unique.length) return []
  const have = await db.query<{ sha256: string }>('SELECT sha256 FROM blobs WHERE team = $1 AND sha256 = ANY($2::text[])', [team, unique])
  const held = new Set(have.map((r) => r.sha256))
  return unique.filter((h) => !held.has(h))
}

/** What the bytes are, by their first bytes: a file must be what it says it is. */
export function sniffType(data: Buffer): BlobType | null {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg'
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png'
  if (data.length >= 12 && data.subarray(4, 8).toString('latin1') === 'ftyp') return 'video/mp4'
  return null
}

/** Stores one file under its SHA-256, once per team: the hash must be the bytes', and the type the bytes' too. */
export async function putBlob(db: SqlClient, team: string, sha256: string, declared: BlobType, data: Buffer): Promise<{ stored: boolean }> {
  const actual = createHash('sha256').update(data).digest('hex')
  if (actual !== sha256) {
    throw new HttpError(400, 'blob_hash_mismatch', `文件内容与其 SHA-256 不符 / the file's content does not match its SHA-256`, { expected: sha256, actual })
  }
  const sniffed = sniffType(data)
  if (sniffed !== declared) {
    throw new HttpError(415, 'blob_type_mismatch', `文件不是所声明的类型 ${declared} / the file is not the ${declared} it claims to be`, { declared, sniffed })
  }
  await ensurePageTeam(db, team)
  const rows = await db.query('INSERT INTO blobs (team, sha256, mime, bytes, data) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (team, sha256) DO NOTHING RETURNING sha256', [
    team,
    sha256,
    declared,
    data.length,
    data,
  ])
  return { stored: rows.length > 0 }
}

const packFiles = (p: PublishPacksRequest['runs'][number]['packs'][number]): string[] => [
  ...p.content.images.flatMap((i) => [i.full, i.phone]),
  ...p.content.videos.map((v) => v.sha256),
]

/**
 * Puts runs of packs on the pages. A run's packs replace, whole, what the same owner had
 * for the same day — unless that came from a later run (runs may arrive out of order:
 * the later one stays). Runs a run replaced in its folder leave the pages entirely. Every
 * file a pack names must be here already (missing ones are listed, nothing is written).
 */
export async function publishPacks(storage: Storage, device: DeviceIdentity, request: PublishPacksRequest, now: Date): Promise<PublishPacksResponse> {
  const named = [...new Set(request.runs.flatMap((r) => r.packs.flatMap(packFiles)))]
  const missing = await missingBlobs(storage, device.team, named)
  if (missing.length) {
    throw new HttpError(409, 'blobs_missing', `服务器缺少 ${missing.length} 个文件，请先上传 / the server lacks ${missing.length} files: upload them first`, {
      missing: missing.slice(0, 50),
    })
  }
  for (const run of request.runs) {
    const seen = new Set<string>()
    for (const [i, p] of run.packs.entries()) {
      const key = `${p.ownerKey}|${p.day}`
      if (seen.has(key)) throw new HttpError(400, 'invalid_request', `同一次生成里 ${p.ownerKey} 在 ${p.day} 有两份素材包 / two packs for one owner and day`, { field: `runs.packs.${i}`, value: key })
      seen.add(key)
      const keys = new Set<string>()
      for (const s of p.content.schedule) {
        if (keys.has(s.key)) throw new HttpError(400, 'invalid_request', `日程项重复 / a schedule item repeats: ${s.key}`, { field: `runs.packs.${i}.content.schedule`, value: s.key })
        keys.add(s.key)
      }
      if (p.kind === 'member' && p.ownerKey !== `member:${p.memberCode}`) {
        throw new HttpError(400, 'invalid_request', '会员素材包只能显示在本人的页面上 / a member’s pack shows on their own page only', { field: `runs.packs.${i}.memberCode`, value: p.memberCode })
      }
      if ((p.kind === 'group') !== p.ownerKey.startsWith('group:')) {
        throw new HttpError(400, 'invalid_request', '素材包的类型与归属不符 / the pack’s kind does not match its owner', { field: `runs.packs.${i}.kind`, value: p.kind })
      }
    }
  }
  return storage.transaction(async (tx) => {
    await lockTeamPages(tx, device.team)
    await ensurePageTeam(tx, device.team)
    let stored = 0
    let superseded = 0
    let withdrawn = 0
    const runs = [...request.runs].sort((a, b) => Date.parse(a.runCreatedAt) - Date.parse(b.runCreatedAt))
    for (const run of runs) {
      if (run.replaces.length) {
        const gone = await tx.query('DELETE FROM packs WHERE team = $1 AND run_id = ANY($2::text[]) RETURNING id', [device.team, run.replaces])
        withdrawn += gone.length
      }
      for (const p of run.packs) {
        const [existing] = await tx.query<{ id: string; run_id: string; run_created_at: Date | string }>(
          'SELECT id, run_id, run_created_at FROM packs WHERE team = $1 AND owner_key = $2 AND day = $3 FOR UPDATE',
          [device.team, p.ownerKey, p.day],
        )
        if (existing && existing.run_id !== run.runId && new Date(existing.run_created_at).getTime() > Date.parse(run.runCreatedAt)) {
          superseded++
          continue
        }
        if (existing) await tx.query('DELETE FROM packs WHERE id = $1', [existing.id])
        const id = randomUUID()
        await tx.query(
          `INSERT INTO packs (id, team, owner_key, day, kind, member_code, title, run_id, run_created_at, content, published_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [id, device.team, p.ownerKey, p.day, p.kind, p.memberCode, p.title, run.runId, run.runCreatedAt, JSON.stringify(p.content), device.id],
        )
        const files = [...new Set(packFiles(p))]
        if (files.length) {
          await tx.query('INSERT INTO pack_files (pack_id, team, sha256) SELECT $1, $2, unnest($3::text[])', [id, device.team, files])
        }
        stored++
      }
    }
    await pruneTeam(tx, device.team, now)
    return { stored, superseded, withdrawn }
  })
}

/** Old packs leave, and files nothing refers to any more go with them (after a grace for publishes under way). */
async function pruneTeam(tx: SqlClient, team: string, now: Date): Promise<void> {
  const { timeZone } = await teamZone(tx, team)
  await tx.query('DELETE FROM packs WHERE team = $1 AND day < $2', [team, addDays(dayIn(timeZone, now), -KEEP_PACK_DAYS)])
  await tx.query(
    `DELETE FROM blobs b WHERE b.team = $1 AND b.created_at < now() - ${ORPHAN_GRACE}
       AND NOT EXISTS (SELECT 1 FROM pack_files f WHERE f.team = b.team AND f.sha256 = b.sha256)
       AND NOT EXISTS (SELECT 1 FROM live_group_images i WHERE i.team = b.team AND i.sha256 = b.sha256)
       AND NOT EXISTS (SELECT 1 FROM live_groups g WHERE g.team = b.team AND g.contact_sha = b.sha256)`,
    [team],
  )
}

// ---------------------------------------------------------------- earnings, links, live codes

export async function publishEarnings(storage: Storage, device: DeviceIdentity, members: { memberCode: string; earnings: MemberEarnings }[]): Promise<{ stored: number }> {
  return storage.transaction(async (tx) => {
    await lockTeamPages(tx, device.team)
    await tx.query(
      `INSERT INTO member_earnings (team, member_code, content)
       SELECT $1, u.code, u.content FROM unnest($2::text[], $3::text[]) AS u(code, content)
       ON CONFLICT (team, member_code) DO UPDATE SET content = EXCLUDED.content, updated_at = now()`,
      [device.team, members.map((m) => m.memberCode), members.map((m) => JSON.stringify(m.earnings))],
    )
    return { stored: members.length }
  })
}

/**
 * Issues (the new token's hash; the member's earlier link stops at once) or revokes links.
 * Repeating a change (a lost reply) changes nothing. A hash already held by another
 * member, or a revoked one, is refused: a token is never handed to anybody twice.
 */
export async function changeLinks(storage: Storage, device: DeviceIdentity, changes: LinkChangesRequest['changes']): Promise<{ applied: number }> {
  return storage.transaction(async (tx) => {
    await lockTeamPages(tx, device.team)
    let applied = 0
    for (const [i, c] of changes.entries()) {
      if (c.tokenHash) {
        const [held] = await tx.query<{ team: string; member_code: string; revoked_at: Date | null }>('SELECT team, member_code, revoked_at FROM member_links WHERE token_hash = $1', [
          c.tokenHash,
        ])
        if (held) {
          if (held.team === device.team && held.member_code === c.memberCode && !held.revoked_at) continue
          throw new HttpError(409, 'token_taken', '这个令牌已被使用过，请重新生成 / this token was used before: make a new one', { field: `changes.${i}.tokenHash` })
        }
        await tx.query('UPDATE member_links SET revoked_at = now() WHERE team = $1 AND member_code = $2 AND revoked_at IS NULL', [device.team, c.memberCode])
        await tx.query('INSERT INTO member_links (token_hash, team, member_code, member_name) VALUES ($1, $2, $3, $4)', [c.tokenHash, device.team, c.memberCode, c.memberName])
        applied++
      } else {
        const gone = await tx.query('UPDATE member_links SET revoked_at = now() WHERE team = $1 AND member_code = $2 AND revoked_at IS NULL RETURNING token_hash', [
          device.team,
          c.memberCode,
        ])
        applied += gone.length
      }
    }
    return { applied }
  })
}

/** A group's live code, its QR images (the whole set) and its owner's contact: what /g/<code> shows. */
export async function publishGroups(storage: Storage, device: DeviceIdentity, groups: LiveGroupWire[]): Promise<{ stored: number }> {
  const named = groups.flatMap((g) => [...g.images.map((i) => i.sha256), ...(g.contactSha256 ? [g.contactSha256] : [])])
  const missing = await missingBlobs(storage, device.team, named)
  if (missing.length) {
    throw new HttpError(409, 'blobs_missing', `服务器缺少 ${missing.length} 个文件，请先上传 / the server lacks ${missing.length} files: upload them first`, { missing: missing.slice(0, 50) })
  }
  return storage.transaction(async (tx) => {
    await lockTeamPages(tx, device.team)
    await ensurePageTeam(tx, device.team)
    for (const [i, g] of groups.entries()) {
      const [other] = await tx.query<{ team: string; group_key: string }>('SELECT team, group_key FROM live_groups WHERE code_hash = $1', [g.codeHash])
      if (other && (other.team !== device.team || other.group_key !== g.groupKey)) {
        throw new HttpError(409, 'code_taken', '这个活码已属于另一个社群 / this live code belongs to another group', { field: `groups.${i}.codeHash` })
      }
      await tx.query(
        `INSERT INTO live_groups (team, group_key, code_hash, name, owner_code, owner_name, member_count, contact_sha) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (team, group_key) DO UPDATE SET code_hash = EXCLUDED.code_hash, name = EXCLUDED.name, owner_code = EXCLUDED.owner_code,
           owner_name = EXCLUDED.owner_name, member_count = EXCLUDED.member_count, contact_sha = EXCLUDED.contact_sha, updated_at = now()`,
        [device.team, g.groupKey, g.codeHash, g.name, g.ownerCode, g.ownerName, g.memberCount, g.contactSha256],
      )
      await tx.query('DELETE FROM live_group_images WHERE team = $1 AND group_key = $2', [device.team, g.groupKey])
      if (g.images.length) {
        await tx.query(
          `INSERT INTO live_group_images (team, group_key, sha256, uploaded_at, expires_at)
           SELECT $1, $2, u.sha, u.up, u.ex FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[]) AS u(sha, up, ex) ON CONFLICT DO NOTHING`,
          [device.team, g.groupKey, g.images.map((x) => x.sha256), g.images.map((x) => x.uploadedAt), g.images.map((x) => x.expiresAt)],
        )
      }
    }
    return { stored: groups.length }
  })
}

// ---------------------------------------------------------------- what flows back

export async function ticksAfter(db: SqlClient, team: string, after: number, limit: number): Promise<{ ticks: MemberTick[]; more: boolean }> {
  const rows = await db.query<{ id: string; seq: string | number; member_code: string; owner_key: string; day: string; item_key: string; label: string; ticked_at: Date | string }>(
    `SELECT id, seq, member_code, owner_key, day, item_key, label, ticked_at FROM member_ticks WHERE team = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [team, after, limit],
  )
  return {
    ticks: rows.map((r) => ({
      id: r.id,
      seq: Number(r.seq),
      memberCode: r.member_code,
      ownerKey: r.owner_key,
      day: r.day,
      itemKey: r.item_key,
      label: r.label,
      tickedAt: new Date(r.ticked_at).toISOString(),
    })),
    more: rows.length === limit,
  }
}

export async function scansSince(db: SqlClient, team: string, since: string): Promise<ScanCount[]> {
  const rows = await db.query<{ group_key: string; day: string; ref: string; scans: number | string }>(
    'SELECT group_key, day, ref, scans FROM live_scans WHERE team = $1 AND day >= $2 ORDER BY day, group_key, ref',
    [team, since],
  )
  return rows.map((r) => ({ groupKey: r.group_key, day: r.day, ref: r.ref, scans: Number(r.scans) }))
}

// ---------------------------------------------------------------- withdrawals asked for on the page

export interface PageWithdrawalRow {
  id: string
  amountFen: number
  requestedAt: Date
  status: 'sent' | 'taken' | 'refused'
  message: string | null
}

/** The member's last requests, newest first (the page lists them with what became of them). */
export async function memberWithdrawals(db: SqlClient, team: string, memberCode: string): Promise<PageWithdrawalRow[]> {
  const rows = await db.query<{ id: string; amount_fen: string | number; requested_at: Date | string; status: PageWithdrawalRow['status']; message: string | null }>(
    'SELECT id, amount_fen, requested_at, status, message FROM member_withdrawals WHERE team = $1 AND member_code = $2 ORDER BY requested_at DESC, seq DESC LIMIT 5',
    [team, memberCode],
  )
  return rows.map((r) => ({ id: r.id, amountFen: Number(r.amount_fen), requestedAt: new Date(r.requested_at), status: r.status, message: r.message }))
}

/**
 * A member's request from their page, checked against the figures the studio published:
 * at least the minimum, at most what is withdrawable less what the page already sent and
 * no workstation has taken yet. One member's requests are checked one at a time (a lock),
 * so two taps at once cannot both pass.
 */
export async function requestPageWithdrawal(storage: Storage, team: string, memberCode: string, amountFen: number, now: Date): Promise<{ id: string }> {
  return storage.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(74300003, hashtext($1))', [`${team}|${memberCode}`])
    const [earned] = await tx.query<{ content: string }>('SELECT content FROM member_earnings WHERE team = $1 AND member_code = $2', [team, memberCode])
    const parsed = earned ? MemberEarnings.safeParse(JSON.parse(earned.content)) : null
    const s = parsed?.success ? parsed.data.settlement : null
    if (!s || s.minWithdrawalFen === undefined || !s.account) throw new HttpError(409, 'withdrawal_unavailable', '暂时不能在这里申请提现，请联系运营 / withdrawals cannot be asked for here yet')
    const [sent] = await tx.query<{ n: string | number | null }>(`SELECT SUM(amount_fen) AS n FROM member_withdrawals WHERE team = $1 AND member_code = $2 AND status = 'sent'`, [team, memberCode])
    const open = s.withdrawableFen - Number(sent?.n ?? 0)
    if (amountFen < s.minWithdrawalFen) throw new HttpError(400, 'below_minimum', `提现金额不能低于 ¥${(s.minWithdrawalFen / 100).toFixed(2)} / below the minimum`)
    if (amountFen > open) throw new HttpError(400, 'over_withdrawable', `最多可以申请 ¥${(Math.max(0, open) / 100).toFixed(2)} / more than is withdrawable`)
    const id = randomUUID()
    await tx.query('INSERT INTO member_withdrawals (id, team, member_code, amount_fen, requested_at) VALUES ($1, $2, $3, $4, $5)', [id, team, memberCode, amountFen, now])
    return { id }
  })
}

export async function withdrawalsAfter(db: SqlClient, team: string, after: number, limit: number): Promise<{ withdrawals: PageWithdrawal[]; more: boolean }> {
  const rows = await db.query<{ id: string; seq: string | number; member_code: string; amount_fen: string | number; requested_at: Date | string }>(
    `SELECT id, seq, member_code, amount_fen, requested_at FROM member_withdrawals WHERE team = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [team, after, limit],
  )
  return {
    withdrawals: rows.map((r) => ({ id: r.id, seq: Number(r.seq), memberCode: r.member_code, amountFen: Number(r.amount_fen), requestedAt: new Date(r.requested_at).toISOString() })),
    more: rows.length === limit,
  }
}

/** Answers only requests still waiting (a repeated answer changes nothing). */
export async function answerWithdrawals(storage: Storage, team: string, answers: WithdrawalAnswersRequest['answers'], now: Date): Promise<{ applied: number }> {
  return storage.transaction(async (tx) => {
    let applied = 0
    for (const a of answers) {
      const done = await tx.query(`UPDATE member_withdrawals SET status = $1, message = $2, answered_at = $3 WHERE team = $4 AND id = $5 AND status = 'sent' RETURNING id`, [
        a.status,
        a.message,
        now,
        team,
        a.id,
      ])
      applied += done.length
    }
    return { applied }
  })
}
