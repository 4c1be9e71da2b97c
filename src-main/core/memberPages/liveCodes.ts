import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import type { LiveCodeInfo } from '../../../src-shared/contracts/memberPages'
import { OrchardError } from '../../../src-shared/errors'
import type { LiveGroupWire } from '../../../src-shared/pagesProtocol'
import { addDays, dayIn } from '../../../src-shared/time'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { GROUP_CONTACT_QR, GROUP_LIVE_CODES, GROUP_SCAN_COUNTS, type GroupLiveCodeRow } from '../db/tables/memberPages'
import { insertRowIfNew, upsertRow } from '../db/tables/table'
import { newId } from '../ids'
import { produceOutput } from '../jobs/outputs'
import { decodeQr, photosDir, readPicture, thumbnail } from '../materials/sources'
import { hashToken, qrDataUrl } from './links'
import { publicBase } from './state'

/**
 * Group live codes (群活码): one stable code per group whose page on the team's server shows
 * the group's newest QR image that has not lapsed. The code is short (16 random bytes) so the
 * QR printed on a poster stays coarse enough for a phone to read from a photo of it.
 */

export const newLiveCode = () => randomBytes(16).toString('base64url')
export const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex')

const SCAN_DAYS = 30

function groupRow(db: Db, groupId: string): { id: string; name: string } {
  const g = db.prepare('SELECT id, name FROM groups WHERE id = ?').get(groupId) as { id: string; name: string } | undefined
  if (!g) throw new OrchardError('not_found', `社群不存在 / group not found: ${groupId}`, { field: 'groupId', value: groupId })
  return g
}

/** The group's live code as a link, with the member whose poster carries it (`ref`), or null while the group has none. */
export function liveCodeUrl(db: Db, groupId: string, ref?: string): string | null {
  const code = db.prepare('SELECT code FROM group_live_codes WHERE group_id = ?').pluck().get(groupId) as string | undefined
  const base = publicBase(db)
  if (!code || !base) return null
  return `${base}/g/${code}${ref ? `?ref=${encodeURIComponent(ref)}` : ''}`
}

export function makeLiveCode(ctx: CoreContext, groupId: string): void {
  groupRow(ctx.db, groupId)
  if (!publicBase(ctx.db)) {
    throw new OrchardError('sync_not_enrolled', '请先在“同步”里连接团队服务器：活码由它提供 / connect a team server first: it serves the live codes', { field: 'groupId' })
  }
  insertRowIfNew(ctx.db, GROUP_LIVE_CODES, { group_id: groupId, code: newLiveCode(), created_at: ctx.clock.now().toISOString(), pushed_hash: null })
}

export async function uploadContact(ctx: CoreContext, input: { groupId: string; path?: string; dataBase64?: string; fileName?: string }): Promise<void> {
  groupRow(ctx.db, input.groupId)
  const picture = await readPicture(input)
  const payload = await decodeQr(picture.data)
  if (!payload) {
    throw new OrchardError('qr_not_found', '图片里没有识别到二维码，请上传群主微信“我的二维码”页的截图 / no QR code found: upload a screenshot of the owner’s 我的二维码 page', {
      file: picture.name,
      field: 'path',
      why: 'no readable QR code',
    })
  }
  const file = join(photosDir(ctx, 'groups'), `contact-${newId()}.png`)
  await produceOutput(file, (temp) => sharp(picture.data).rotate().png().toFile(temp))
  upsertRow(ctx.db, GROUP_CONTACT_QR, ['group_id'], { group_id: input.groupId, file, payload, uploaded_at: ctx.clock.now().toISOString(), created_by: ctx.session.profileId })
}

export async function liveCodeInfo(ctx: CoreContext, groupId: string): Promise<LiveCodeInfo> {
  const db = ctx.db
  groupRow(db, groupId)
  const url = liveCodeUrl(db, groupId)
  const row = db.prepare('SELECT pushed_hash FROM group_live_codes WHERE group_id = ?').get(groupId) as Pick<GroupLiveCodeRow, 'pushed_hash'> | undefined
  const since = addDays(dayIn(ctx.timezone(), ctx.clock.now()), -(SCAN_DAYS - 1))
  const days = db.prepare('SELECT day, SUM(scans) AS scans FROM group_scan_counts WHERE group_id = ? AND day >= ? GROUP BY day ORDER BY day').all(groupId, since) as {
    day: string
    scans: number
  }[]
  const refs = db
    .prepare(
      `SELECT s.ref AS code, m.name, SUM(s.scans) AS scans FROM group_scan_counts s LEFT JOIN members m ON m.invite_code = s.ref AND s.ref <> ''
        WHERE s.group_id = ? AND s.day >= ? GROUP BY s.ref ORDER BY scans DESC, s.ref`,
    )
    .all(groupId, since) as { code: string; name: string | null; scans: number }[]
  const contact = db.prepare('SELECT file, uploaded_at FROM group_contact_qr WHERE group_id = ?').get(groupId) as { file: string; uploaded_at: string } | undefined
  let pending = false
  if (row) {
    const wire = liveGroupWire(db, groupId, ctx.clock.now())
    pending = !wire || row.pushed_hash !== fingerprint(wire.wire)
  }
  return {
    groupId,
    url,
    qr: url ? await qrDataUrl(url) : null,
    pending,
    scans: { total: days.reduce((n, d) => n + d.scans, 0), days, refs },
    contact: contact && existsSync(contact.file) ? { thumb: await thumbnail(contact.file, 240), uploadedAt: contact.uploaded_at } : null,
  }
}

export const fingerprint = (wire: LiveGroupWire) => sha256Of(Buffer.from(JSON.stringify(wire)))

/**
 * What the server is told of a group with a live code: its name, owner and size (WeChat
 * stops scans at 100 people), the QR images that have not lapsed, and the owner's contact —
 * with the files behind them, which go first.
 */
export function liveGroupWire(db: Db, groupId: string, now: Date): { wire: LiveGroupWire; files: { sha256: string; path: string }[] } | null {
  const g = db
    .prepare(
      `SELECT g.id, g.name, c.code, m.invite_code, m.name AS owner_name,
              (SELECT COUNT(*) FROM group_members WHERE group_id = g.id) + (SELECT COUNT(*) FROM group_customers WHERE group_id = g.id) AS people
         FROM groups g JOIN group_live_codes c ON c.group_id = g.id LEFT JOIN members m ON m.id = g.owner_member_id WHERE g.id = ?`,
    )
    .get(groupId) as { id: string; name: string; code: string; invite_code: string | null; owner_name: string | null; people: number } | undefined
  if (!g) return null
  const files: { sha256: string; path: string }[] = []
  const images = (
    db.prepare('SELECT file, uploaded_at, expires_at FROM group_qr_codes WHERE group_id = ? AND expires_at > ? ORDER BY uploaded_at DESC, rowid DESC LIMIT 50').all(groupId, now.toISOString()) as {
      file: string
      uploaded_at: string
      expires_at: string
    }[]
  )
    .filter((q) => existsSync(q.file))
    .map((q) => {
      const sha256 = sha256Of(readFileSync(q.file))
      files.push({ sha256, path: q.file })
      return { sha256, uploadedAt: q.uploaded_at, expiresAt: q.expires_at }
    })
  const contact = db.prepare('SELECT file FROM group_contact_qr WHERE group_id = ?').pluck().get(groupId) as string | undefined
  let contactSha256: string | null = null
  if (contact && existsSync(contact)) {
    contactSha256 = sha256Of(readFileSync(contact))
    files.push({ sha256: contactSha256, path: contact })
  }
  return {
    wire: {
      groupKey: g.id,
      codeHash: hashToken(g.code),
      name: g.name.slice(0, 80),
      ownerCode: g.invite_code,
      ownerName: g.owner_name?.slice(0, 80) ?? null,
      memberCount: g.people,
      images,
      contactSha256,
    },
    files,
  }
}

/** Scans the server counted, as of now: the server's figures replace this workstation's for those days. */
export function saveScans(db: Db, scans: { groupKey: string; day: string; ref: string; scans: number }[]): number {
  const known = new Set(db.prepare('SELECT group_id FROM group_live_codes').pluck().all() as string[])
  let n = 0
  db.transaction(() => {
    for (const s of scans) {
      if (!known.has(s.groupKey)) continue
      upsertRow(db, GROUP_SCAN_COUNTS, ['group_id', 'day', 'ref'], { group_id: s.groupKey, day: s.day, ref: s.ref, scans: s.scans })
      n++
    }
  })()
  return n
}
