import { readFileSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import QRCode from 'qrcode'
import sharp from 'sharp'
import { OrchardError } from '../../../src-shared/errors'
import type { BlobType, PackContent, PublishedPack, PublishPacksRequest } from '../../../src-shared/pagesProtocol'
import { addDays, dayIn } from '../../../src-shared/time'
import { SEGMENT_LABELS, type Segment } from '../../../src-shared/vocabulary'
import type { Db } from '../db/connection'
import type { JobRow } from '../db/tables/jobs'
import { sha256Of, liveCodeUrl } from './liveCodes'

/**
 * A finished pack run as members' pages show it: each pack's posters (with a copy sized for
 * a phone), the shared videos, the copy per channel and the day's plan, read from the
 * manifest the run wrote and checked against the files' SHA-256. What could carry a
 * customer stays home: buyer-show collages are customers' photos, and any text that names
 * a customer of the studio or holds a phone number stops the run from being published.
 */

/** The width a phone's screen gets; the file as made is one tap away. */
const PHONE_WIDTH = 540

interface Manifest {
  kind: 'member' | 'group'
  member?: { id: string; name: string }
  group?: { id: string; name: string }
  poster: { name: string; inviteCode: string }
  date: string
  files: { file: string; kind: string; product: string | null; sha256: string; bytes: number }[]
  copy: { productSku: string; productName: string; channel: 'moments' | 'group' | 'private'; tone: Segment | null; text: string }[]
  schedule: { key: string; day: string; from: string; to: string; title: string; what: string }[]
}

export interface BlobFile {
  sha256: string
  type: BlobType
  /** The file on disk, or bytes made here (phone-sized posters, live-code QR). */
  path?: string
  data?: Buffer
}

export interface PublishableRun {
  jobId: string
  date: string
  request: PublishPacksRequest['runs'][number]
  files: Map<string, BlobFile>
}

/** A finished run as the pages take it. */
type JobRowLite = Pick<JobRow, 'id' | 'label' | 'out_dir' | 'created_at' | 'status'>

const TYPE_OF: Record<string, BlobType> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', mp4: 'video/mp4' }

/** Finished runs whose packs belong on the pages (yesterday's and later, not replaced) and that this server does not hold yet. */
export function unpublishedRuns(db: Db, zone: string, now: Date, serverId: string, filter: { jobId?: string; date?: string } = {}): JobRowLite[] {
  const since = addDays(dayIn(zone, now), -1)
  const rows = db
    .prepare(
      `SELECT j.id, j.label, j.out_dir, j.created_at, j.status FROM jobs j
        WHERE j.kind = 'packs' AND j.status = 'done'
          AND NOT EXISTS (SELECT 1 FROM pack_publications p WHERE p.job_id = j.id AND p.server_id = ?)
        ORDER BY j.created_at, j.rowid`,
    )
    .all(serverId) as JobRowLite[]
  return rows.filter((r) => (filter.jobId ? r.id === filter.jobId : filter.date ? r.label === filter.date : r.label >= since))
}

/** Runs this one replaced in its folder (directly or through runs it replaced): their packs leave the pages. */
export function replacedBy(db: Db, jobId: string): string[] {
  const out: string[] = []
  let frontier = [jobId]
  while (frontier.length && out.length < 50) {
    const next = db.prepare(`SELECT id FROM jobs WHERE replaced_by IN (${frontier.map(() => '?').join(',')})`).pluck().all(...frontier) as string[]
    out.push(...next)
    frontier = next
  }
  return out.slice(0, 50)
}

// ---------------------------------------------------------------- customers' personal data

const PHONE = /(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)/

/**
 * What of the studio's customers must never appear on a page: their names, WeChat ids and
 * phone numbers; and the members' names, which are theirs to show even where a customer's
 * name is part of one (a customer 陈兰 and a member 陈兰岚).
 */
export function customerMarks(db: Db): { names: string[]; exact: Set<string>; members: string[] } {
  const memberNames = new Set(db.prepare('SELECT name FROM members').pluck().all() as string[])
  const names = new Set<string>()
  const exact = new Set<string>()
  for (const c of db.prepare('SELECT name, wechat_id, phones FROM customers').all() as { name: string; wechat_id: string | null; phones: string }[]) {
    const name = c.name.trim()
    // A one-character name (王) would stop every text; a member's own name is theirs to show.
    if ([...name].length >= 2 && !memberNames.has(name) && !/^\d+$/.test(name)) names.add(name)
    if (c.wechat_id && c.wechat_id.length >= 4) names.add(c.wechat_id)
    for (const p of JSON.parse(c.phones || '[]') as string[]) exact.add(String(p).replace(/\D/g, ''))
  }
  const members = [...memberNames].map((n) => n.trim()).filter((n) => [...n].length >= 2)
  return { names: [...names], exact, members: members.sort((x, y) => y.length - x.length) }
}

/** Throws a located error if `text` names a customer or holds a phone number. */
export function assertNoPersonalData(marks: ReturnType<typeof customerMarks>, text: string, where: { owner: string; field: string }): void {
  const phone = PHONE.exec(text)
  if (phone) {
    throw new OrchardError('personal_data', `「${where.owner}」的${where.field}里有电话号码，不能发布到会员小站 / a phone number in ${where.field} of “${where.owner}”: not published`, {
      ...where,
      why: 'phone number',
    })
  }
  const digits = text.replace(/\D/g, '')
  for (const p of marks.exact) {
    if (p.length >= 7 && digits.includes(p)) {
      throw new OrchardError('personal_data', `「${where.owner}」的${where.field}里有顾客的电话号码，不能发布 / a customer’s phone number in ${where.field} of “${where.owner}”: not published`, { ...where, why: 'customer phone' })
    }
  }
  // A member's name is set apart first, so a customer's name inside it does not count, while one beside it still does.
  const shown = marks.members.reduce((t, member) => t.split(member).join('\u0000'), text)
  for (const name of marks.names) {
    if (shown.includes(name)) {
      throw new OrchardError(
        'personal_data',
        `「${where.owner}」的${where.field}里出现了顾客「${name.slice(0, 1)}*」，不能发布到会员小站 / ${where.field} of “${where.owner}” names a customer: not published`,
        { ...where, why: 'customer name' },
      )
    }
  }
}

// ---------------------------------------------------------------- the run as the server takes it

/** Reads a finished run's packs from its manifests, checking every file against its recorded SHA-256. */
export async function buildRun(db: Db, job: JobRowLite, marks: ReturnType<typeof customerMarks>): Promise<PublishableRun> {
  const root = resolve(job.out_dir)
  const folders = (db.prepare(`SELECT file FROM job_items WHERE job_id = ? AND kind = 'manifest' ORDER BY seq`).pluck().all(job.id) as string[]).map((f) => f.slice(0, f.lastIndexOf('/')))
  const files = new Map<string, BlobFile>()
  const phoneOf = new Map<string, string>()
  const packs: PublishedPack[] = []
  const inside = (rel: string): string => {
    const abs = resolve(root, rel)
    if (abs !== root && !abs.startsWith(root + sep)) throw new OrchardError('forbidden_path', `清单指向素材包以外的文件 / the manifest names a file outside its run: ${rel}`, { file: rel })
    return abs
  }
  const fileAt = (path: string, expected: string): Buffer => {
    let data: Buffer
    try {
      data = readFileSync(path)
    } catch {
      throw new OrchardError('file_not_found', `素材包的文件不见了，请重新生成 / a file of the pack is gone: make the packs again`, { file: path })
    }
    if (sha256Of(data) !== expected) throw new OrchardError('file_changed', `素材包的文件在生成后被改动过，请重新生成 / a file changed after the packs were made: make them again`, { file: path })
    return data
  }
  for (const folder of folders) {
    const manifestPath = inside(join(folder, 'manifest.json'))
    let m: Manifest
    try {
      m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest
    } catch {
      throw new OrchardError('file_not_found', `素材包清单读不出来，请重新生成 / a pack's manifest cannot be read: make the packs again`, { file: manifestPath })
    }
    const ownerName = (m.kind === 'group' ? m.group?.name : m.member?.name) ?? m.poster.name
    const products = new Map(m.copy.map((c) => [c.productSku, c.productName]))
    const content: PackContent = { images: [], videos: [], copy: [], schedule: [] }
    for (const f of m.files) {
      const ext = f.file.slice(f.file.lastIndexOf('.') + 1).toLowerCase()
      const type = TYPE_OF[ext]
      const product = (f.product && products.get(f.product)) || f.product || ''
      if (f.kind === 'video' && type === 'video/mp4') {
        const path = inside(join(folder, f.file))
        fileAt(path, f.sha256)
        files.set(f.sha256, { sha256: f.sha256, type, path })
        content.videos.push({ product: product.slice(0, 120), sha256: f.sha256, bytes: f.bytes })
      } else if ((f.kind === 'poster' || f.kind === 'comparison') && type === 'image/jpeg') {
        const path = inside(join(folder, f.file))
        const data = fileAt(path, f.sha256)
        files.set(f.sha256, { sha256: f.sha256, type, path })
        let phone = phoneOf.get(f.sha256)
        if (!phone) {
          const small = await sharp(data).resize({ width: PHONE_WIDTH, withoutEnlargement: true }).jpeg({ quality: 78, mozjpeg: true }).toBuffer()
          phone = sha256Of(small)
          phoneOf.set(f.sha256, phone)
          files.set(phone, { sha256: phone, type: 'image/jpeg', data: small })
        }
        content.images.push({ kind: f.kind, product: product.slice(0, 120), full: f.sha256, phone })
      }
      // Left home: buyer-show collages (customers' photos) and the group's 7-day QR image (the live code stands in for it).
    }
    if (m.kind === 'group' && m.group) {
      const url = liveCodeUrl(db, m.group.id, m.poster.inviteCode)
      if (url) {
        const png = await QRCode.toBuffer(url, { errorCorrectionLevel: 'M', margin: 2, width: 600 })
        const sha = sha256Of(png)
        files.set(sha, { sha256: sha, type: 'image/png', data: png })
        content.images.push({ kind: 'liveCode', product: `扫码进群「${m.group.name}」`.slice(0, 120), full: sha, phone: sha })
      }
    }
    for (const [i, c] of m.copy.entries()) {
      assertNoPersonalData(marks, c.text, { owner: ownerName, field: `文案 ${i + 1}` })
      content.copy.push({ channel: c.channel, product: c.productName.slice(0, 120), tone: c.tone ? SEGMENT_LABELS[c.tone]?.zh.slice(0, 20) ?? null : null, text: c.text.slice(0, 2000) })
    }
    for (const s of m.schedule) {
      assertNoPersonalData(marks, `${s.title}\n${s.what}`, { owner: ownerName, field: `日程「${s.key}」` })
      content.schedule.push({ key: s.key, day: s.day, from: s.from, to: s.to, title: s.title.slice(0, 40), what: s.what.slice(0, 600) })
    }
    const pack: PublishedPack =
      m.kind === 'group'
        ? { ownerKey: `group:${m.group!.id}`, kind: 'group', memberCode: m.poster.inviteCode, title: ownerName.slice(0, 80), day: m.date, content }
        : { ownerKey: `member:${m.poster.inviteCode}`, kind: 'member', memberCode: m.poster.inviteCode, title: ownerName.slice(0, 80), day: m.date, content }
    packs.push(pack)
  }
  return { jobId: job.id, date: job.label, request: { runId: job.id, runCreatedAt: job.created_at, replaces: replacedBy(db, job.id), packs }, files }
}
