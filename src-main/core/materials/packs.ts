import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { ZipArchive } from 'archiver'
import type { CopyChannel, Finding, PackJob } from '../../../src-shared/contracts/materials'
import { COPY_CHANNELS } from '../../../src-shared/contracts/materials'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { timeIn, zoneOffset } from '../clock'
import { addDays, instantOf } from '../../../src-shared/time'
import { newId } from '../ids'
import { inviteUrl } from '../members/invite'
import { readSettings, studioTimeZone } from '../settings/settings'
import { SEGMENT_LABELS, type Segment } from '../../../src-shared/vocabulary'
import { checkText, forbiddenWords, renderCopy, variantFor } from './copy'
import { activeCopy, copyVariants, tonesWithCopy } from './copyStore'
import { PosterPool } from './workers/posterPool'
import { checkComparison, renderCollage, renderComparison, resourcesDir, type PosterProduct, type PosterTemplate } from './render'
import { calendar, checklist, DEFAULT_PEAKS, planDay, type ScheduleItem } from './schedule'
import { allTemplates } from './templateStore'
import { buyerPhotoFiles, comparisonEntries, latestGroupQr, massSendsUsed } from './sources'
import { musicTracks, renderProductVideo } from './video'

export interface PackRequest {
  date: string
  members?: string[]
  groups?: string[]
  templates?: string[]
  products?: string[]
  out?: string
  zip: boolean
  video: boolean
}

interface ProductRow {
  id: string
  sku: string
  name: string
  brand: string
  category: string
  images: string
  list_price_fen: number
  sale_price_fen: number
  price_floor_fen: number
  stock: number
  facts: string
}

/** Whose pack it is: a member's, or a group's (posted by its owner, carrying the owner's invite QR). */
export interface PackOwnerSpec {
  kind: 'member' | 'group'
  id: string
  name: string
  folder: string
  /** The member whose invite QR and code go on the posters. */
  poster: { id: string; name: string; inviteCode: string }
}

type ItemKind = 'video' | 'poster' | 'comparison' | 'collage' | 'groupQr' | 'copy' | 'checklist' | 'calendar' | 'manifest' | 'zip'
interface ItemSpec {
  owner?: 'member' | 'group'
  id?: string
  product?: string
  template?: string
}
interface PendingItem {
  seq: number
  kind: ItemKind
  member_id: string | null
  spec: string
  file: string
}

/** The folder of shared files (videos) inside a job's output. */
export const SHARED_FOLDER = '共享视频'


/** A name that is safe as a folder on every OS. */
const folderName = (name: string) => name.replace(/[\\/:*?"<>|\s]+/g, '_').slice(0, 60)

function resolveOwners(db: Db, request: Pick<PackRequest, 'members' | 'groups'>): PackOwnerSpec[] {
  type M = { id: string; name: string; invite_code: string }
  const owners: PackOwnerSpec[] = []
  const memberOwner = (m: M): PackOwnerSpec => ({ kind: 'member', id: m.id, name: m.name, folder: m.invite_code, poster: { id: m.id, name: m.name, inviteCode: m.invite_code } })
  if (!request.members && !request.groups) {
    for (const m of db.prepare(`SELECT id, name, invite_code FROM members WHERE status = 'active' ORDER BY join_date, id`).all() as M[]) owners.push(memberOwner(m))
    return owners
  }
  const byRef = db.prepare('SELECT id, name, invite_code FROM members WHERE id = ? OR invite_code = ?')
  request.members?.forEach((ref, i) => {
    const m = byRef.get(ref, ref) as M | undefined
    if (!m) throw new OrchardError('not_found', `没有这位会员 / no such member: ${ref}`, { field: `members.${i}`, value: ref })
    owners.push(memberOwner(m))
  })
  const groupByRef = db.prepare(
    `SELECT g.id, g.name, m.id AS owner_id, m.name AS owner_name, m.invite_code FROM groups g LEFT JOIN members m ON m.id = g.owner_member_id WHERE g.id = ? OR g.name = ?`,
  )
  request.groups?.forEach((ref, i) => {
    const g = groupByRef.get(ref, ref) as { id: string; name: string; owner_id: string | null; owner_name: string | null; invite_code: string | null } | undefined
    if (!g) throw new OrchardError('not_found', `没有这个社群 / no such group: ${ref}`, { field: `groups.${i}`, value: ref })
    if (!g.owner_id || !g.invite_code) {
      throw new OrchardError('group_without_owner', `「${g.name}」没有群主，海报上没有可放的邀请码；请先在社群页指定群主 / the group has no owner whose invite code could go on its posters`, {
        field: `groups.${i}`,
        value: ref,
      })
    }
    owners.push({ kind: 'group', id: g.id, name: g.name, folder: `群-${folderName(g.name)}`, poster: { id: g.owner_id, name: g.owner_name ?? g.name, inviteCode: g.invite_code } })
  })
  return owners
}

/** How far back a pack looks for the day's best sellers. */
export const BEST_SELLER_DAYS = 30

const PRODUCT_COLS = 'p.id, p.sku, p.name, p.brand, p.category, p.images, p.list_price_fen, p.sale_price_fen, p.price_floor_fen, p.stock, p.facts'

function resolveProducts(db: Db, skus: string[] | undefined, date: string): ProductRow[] {
  if (skus) {
    const bySku = db.prepare(`SELECT ${PRODUCT_COLS} FROM products p WHERE p.sku = ?`)
    return skus.map((sku, i) => {
      const p = bySku.get(sku) as ProductRow | undefined
      if (!p) throw new OrchardError('not_found', `没有这个商品 / no such product: ${sku}`, { field: `products.${i}`, value: sku })
      return p
    })
  }
  return bestSellers(db, date)
}

/**
 * The day's products: what sold best over the 30 studio days before it, in stock. Both ends
 * are bounded, so a pack for a past day is not swayed by what sold after it, and the days
 * start at the studio's midnight, not UTC's.
 */
export function bestSellers(db: Db, date: string): ProductRow[] {
  const zone = studioTimeZone(db)
  const since = new Date(instantOf(zone, addDays(date, -BEST_SELLER_DAYS))).toISOString()
  const until = new Date(instantOf(zone, date)).toISOString()
  return db
    .prepare(
      `SELECT ${PRODUCT_COLS} FROM products p JOIN order_lines l ON l.product_id = p.id JOIN orders o ON o.id = l.order_id
        WHERE p.active = 1 AND p.stock > 0 AND o.placed_at >= ? AND o.placed_at < ? GROUP BY p.id ORDER BY SUM(l.quantity) DESC, p.sku LIMIT 6`,
    )
    .all(since, until) as ProductRow[]
}

/** The templates packs can use: the shipped ones and the studio's own. */
export function packTemplates(db: Db): PosterTemplate[] {
  return allTemplates(db)
}

function pickTemplates(db: Db, ids: string[] | undefined): PosterTemplate[] {
  const all = allTemplates(db)
  if (!ids) return all.filter((t) => t.shape === '1:1').slice(0, 2)
  return ids.map((id, i) => {
    const t = all.find((x) => x.id === id)
    if (!t) throw new OrchardError('not_found', `没有这个海报模板 / no such poster template: ${id}`, { field: `templates.${i}`, value: id, why: `known: ${all.map((x) => x.id).join(', ')}` })
    return t
  })
}

/** A product's photos: its own images that are files here, else the demo photos of its category. */
export function productPhotos(p: Pick<ProductRow, 'images' | 'sku'>): string[] {
  const images = JSON.parse(p.images) as string[]
  const own = images.filter((i) => !/^https?:/i.test(i) && existsSync(i))
  if (own.length) return own
  const prefix = p.sku.split('-')[0]
  let n = 0
  for (const ch of p.sku) n = (n * 31 + ch.charCodeAt(0)) >>> 0
  const demo = [0, 1, 2].map((k) => join(resourcesDir(), 'demo', 'photos', 'products', `${prefix}-${((n + k) % 3) + 1}.jpg`)).filter((f) => existsSync(f))
  return demo
}

function posterProduct(p: ProductRow, photo: string): PosterProduct {
  return {
    id: p.id,
    name: p.name,
    title: p.facts ? `${p.name} ${sellingPoint(p.facts)}` : p.name,
    brand: p.brand,
    salePriceFen: p.sale_price_fen,
    listPriceFen: p.list_price_fen > p.sale_price_fen ? p.list_price_fen : null,
    badge: p.stock > 0 && p.stock <= 30 ? `仅剩${p.stock}件` : '团购价',
    photoPath: photo,
    footer: '长按识别二维码 · 下单认准邀请码',
  }
}

/** The first selling point of a product's facts (内含：… ｜ 产地：… → 内含：…). */
const sellingPoint = (facts: string) => facts.split(/[。\n｜|]/)[0]?.trim() ?? ''

const copyProduct = (p: ProductRow) => ({ sku: p.sku, priceFloorFen: p.price_floor_fen, stock: p.stock, endsAt: null })

const copyValues = (p: ProductRow, member: string) => ({
  name: p.name,
  title: p.name,
  brand: p.name.includes(p.brand) ? '' : p.brand,
  priceFen: p.sale_price_fen,
  listPriceFen: p.list_price_fen,
  facts: sellingPoint(p.facts),
  member,
  customer: '亲',
  stock: p.stock,
  endsAt: null,
})

/** The channels a pack carries copy for: a member posts everywhere, a group's pack is for its chat. */
const channelsOf = (owner: Pick<PackOwnerSpec, 'kind'>): readonly CopyChannel[] => (owner.kind === 'group' ? ['group'] : COPY_CHANNELS)

export interface PackCopy {
  productSku: string
  productName: string
  channel: CopyChannel
  /** The consumer segment whose tone a private-chat text is in; null: for everyone. */
  tone: Segment | null
  text: string
}

/** The segments of a member's own customers, most common first (at most three): whom their private chats are for. */
function customerTones(db: Db, memberId: string): Segment[] {
  return db
    .prepare(`SELECT segment FROM customers WHERE owner_member_id = ? AND segment IS NOT NULL GROUP BY segment ORDER BY COUNT(*) DESC, segment LIMIT 3`)
    .pluck()
    .all(memberId) as Segment[]
}

export function packCopy(db: Db, owner: PackOwnerSpec, products: ProductRow[], date: string): PackCopy[] {
  const out: PackCopy[] = []
  const toned = new Set(tonesWithCopy(db, 'private'))
  const tones = owner.kind === 'member' ? customerTones(db, owner.id).filter((s) => toned.has(s)) : []
  const variants = { moments: copyVariants(db, 'moments'), group: copyVariants(db, 'group'), private: copyVariants(db, 'private') }
  for (const p of products) {
    const values = copyValues(p, owner.poster.name)
    for (const channel of channelsOf(owner)) {
      const pick = (list: string[]) => renderCopy(list[variantFor(list.length, date, owner.folder + p.sku)], values)
      if (channel === 'private' && tones.length) {
        for (const tone of tones) out.push({ productSku: p.sku, productName: p.name, channel, tone, text: pick(copyVariants(db, 'private', tone)) })
      } else {
        out.push({ productSku: p.sku, productName: p.name, channel, tone: null, text: pick(variants[channel]) })
      }
    }
  }
  return out
}

export interface PackSchedule extends ScheduleItem {
  massSend: boolean
}

/** The day's plan; in a group every slot that posts something is a mass send (群发). */
export function packSchedule(owner: PackOwnerSpec, date: string, products: ProductRow[]): PackSchedule[] {
  return planDay(date, products).map((it) => ({ ...it, massSend: owner.kind === 'group' && (it.key === 'preview' || !it.what.startsWith('群里互动')) }))
}

export interface Allowance {
  monthly: number
  used: number
  planned: number
  exceeds: boolean
}

export function allowanceOf(db: Db, owner: PackOwnerSpec, date: string, schedule: PackSchedule[]): Allowance | null {
  if (owner.kind !== 'group') return null
  const monthly = db.prepare('SELECT mass_send_allowance FROM groups WHERE id = ?').pluck().get(owner.id) as number
  const used = massSendsUsed(db, owner.id, date)
  const planned = schedule.filter((s) => s.massSend).length
  return { monthly, used, planned, exceeds: used + planned > monthly }
}

const allowanceNote = (a: Allowance) =>
  `本月群发额度 ${a.monthly} 次，已安排 ${a.used} 次，今天计划 ${a.planned} 次` +
  (a.exceeds ? `，超出 ${a.used + a.planned - a.monthly} 次：请合并或减少今天的群发` : `，剩余 ${a.monthly - a.used - a.planned} 次`)

/**
 * Whether a group's code still works when the pack's day is posted: lapsed when it stops working
 * before the day's first post (the morning peak, in the studio's time zone), lapsing when it stops
 * before the end of the day after, ok otherwise. `firstPost` is that first post's wall-clock time.
 */
export function groupQrState(
  db: Db,
  owner: PackOwnerSpec,
  date: string,
): { file: string; expiresAt: string; firstPost: string; state: 'ok' | 'lapsing' | 'lapsed' } | null {
  if (owner.kind !== 'group') return null
  const qr = latestGroupQr(db, owner.id)
  if (!qr) return null
  const offset = zoneOffset(studioTimeZone(db), new Date(`${date}T12:00:00Z`))
  const firstPost = DEFAULT_PEAKS[0].from
  const postsBegin = Date.parse(`${date}T${firstPost}:00${offset}`)
  const dayAfterEnds = Date.parse(`${date}T00:00:00${offset}`) + 2 * 86_400_000
  const expires = Date.parse(qr.expires_at)
  return { file: qr.file, expiresAt: qr.expires_at, firstPost: `${date} ${firstPost}`, state: expires <= postsBegin ? 'lapsed' : expires <= dayAfterEnds ? 'lapsing' : 'ok' }
}

/** The checker over everything a day's packs would say, before anything is produced. */
export function checkPacks(db: Db, request: PackRequest): Finding[] {
  const products = resolveProducts(db, request.products, request.date)
  pickTemplates(db, request.templates)
  const owners = resolveOwners(db, request)
  const words = forbiddenWords(db)
  const copyRows = activeCopy(db)
  const findings: Finding[] = []
  for (const p of products) {
    if (!productPhotos(p).length) {
      findings.push({ severity: 'error', code: 'no_photo', where: `product:${p.sku}`, text: p.images, why: '商品没有可用的照片，无法生成海报 / the product has no photo to put on a poster', productSku: p.sku })
    }
    const badge = posterProduct(p, '').badge ?? ''
    findings.push(...checkText(`${p.name} ${badge} ¥${p.sale_price_fen / 100}`, `poster:${p.sku}`, copyProduct(p), words))
    for (const c of copyRows) {
      findings.push(...checkText(renderCopy(c.body, { ...copyValues(p, '会员'), brand: p.brand }), `copy:${c.channel}:${c.tone}:${c.position + 1}`, copyProduct(p), words))
    }
  }
  for (const owner of owners.filter((o) => o.kind === 'group')) {
    const qr = groupQrState(db, owner, request.date)
    const where = `group:${owner.name}`
    if (!qr) {
      findings.push({ severity: 'warning', code: 'group_qr_missing', where, text: owner.name, why: '这个群还没有上传群二维码，素材包里不会有它 / no group QR code uploaded: the pack goes without one', productSku: null })
    } else if (qr.state !== 'ok') {
      const at = timeIn(studioTimeZone(db), new Date(qr.expiresAt))
      findings.push({
        severity: 'warning',
        code: 'group_qr_lapsing',
        where,
        text: qr.expiresAt,
        why:
          qr.state === 'lapsed'
            ? `群二维码 ${at} 失效，早于这天第一次发布（${qr.firstPost}），素材包不附带它；请重新生成并上传 / the group QR code stops working at ${at}, before the day's first post (${qr.firstPost}), and is left out: make and upload a new one`
            : `群二维码将于 ${at} 过期，请在这之前重新生成 / the group QR code lapses on ${at}: make a new one before then`,
        productSku: null,
      })
    }
    const allowance = allowanceOf(db, owner, request.date, packSchedule(owner, request.date, products))!
    if (allowance.exceeds) {
      findings.push({ severity: 'warning', code: 'mass_send_allowance', where, text: `${allowance.used + allowance.planned}/${allowance.monthly}`, why: `${allowanceNote(allowance)} / the day's plan exceeds the group's monthly mass-send allowance`, productSku: null })
    }
  }
  return findings
}

export interface JobStatusRow {
  id: string
  date: string
  status: 'running' | 'done' | 'failed' | 'cancelled'
  out_dir: string
  total: number
  warnings: string
  created_at: string
  params: string
}

/** Jobs producing in this process, by id: what cancel stops, and what tells a live job from one a crash interrupted. */
const active = new Map<string, { abort: AbortController; done: Promise<PackJob>; ctx: CoreContext; started: number }>()

function jobRow(db: Db, id: string): PackJob {
  const j = db.prepare('SELECT id, date, status, out_dir, total, warnings, error, run_ms, runs, created_at FROM material_jobs WHERE id = ?').get(id) as JobStatusRow & {
    error: string | null
    run_ms: number
    runs: number
  }
  const live = active.get(id)
  const agg = db
    .prepare(`SELECT COUNT(*) AS done, COALESCE(SUM(bytes), 0) AS bytes, COUNT(DISTINCT member_id) AS members FROM material_job_items WHERE job_id = ? AND done_at IS NOT NULL`)
    .get(id) as { done: number; bytes: number; members: number }
  return {
    id: j.id,
    date: j.date,
    // A job left 'running' by a process that is gone was interrupted; asking for the same packs resumes it.
    status: j.status === 'running' && !active.has(id) ? 'interrupted' : j.status,
    out: j.out_dir,
    done: agg.done,
    total: j.total,
    members: agg.members,
    files: agg.done,
    bytes: agg.bytes,
    warnings: JSON.parse(j.warnings) as Finding[],
    resumed: j.runs > 1,
    // The time of the runs that ended, and of the one producing now.
    durationMs: j.run_ms + (live && j.status === 'running' ? ranFor(live.started) : 0),
    error: j.error && j.status !== 'done' ? (JSON.parse(j.error) as { message: string }).message : null,
    createdAt: j.created_at,
  }
}

export function listJobs(db: Db): PackJob[] {
  return (db.prepare('SELECT id FROM material_jobs ORDER BY created_at DESC, rowid DESC LIMIT 50').pluck().all() as string[]).map((id) => jobRow(db, id))
}

export function getJob(db: Db, id: string): JobStatusRow {
  const j = db.prepare('SELECT id, date, status, out_dir, total, warnings, created_at, params FROM material_jobs WHERE id = ?').get(id) as JobStatusRow | undefined
  if (!j) throw new OrchardError('not_found', `没有这个生成任务 / no such pack job: ${id}`, { field: 'jobId', value: id })
  return j
}

/** What a job was asked to make, resolved again from its saved request (owners and products as they were). */
export function jobPlan(db: Db, job: JobStatusRow): { request: PackRequest; owners: PackOwnerSpec[]; products: ProductRow[] } {
  const request = JSON.parse(job.params) as PackRequest
  return { request, owners: resolveOwners(db, request), products: resolveProducts(db, request.products, request.date) }
}

/**
 * Plans the day's packs as a durable job (or finds the interrupted one asking for the
 * same packs). Each item is later written under a temporary name, checked, renamed
 * into place and only then marked done with its hash, so a run killed at any point
 * (even kill -9) is resumed by asking for the same packs again: finished items are
 * kept, the rest made, nothing twice, and no half-written file is ever published.
 */
function planJob(ctx: CoreContext, request: PackRequest): string {
  const db = ctx.db
  const owners = resolveOwners(db, request)
  const products = resolveProducts(db, request.products, request.date)
  const templates = pickTemplates(db, request.templates)
  if (!owners.length) throw new OrchardError('nothing_to_do', '没有要生成素材包的会员或社群 / no members or groups to make packs for', { field: 'members' })
  if (!products.length) throw new OrchardError('nothing_to_do', `${request.date} 前 30 天没有可推的在售商品，请指定商品 / no products to feature: name them`, { field: 'products' })
  const findings = checkPacks(db, request)
  const errors = findings.filter((f) => f.severity === 'error')
  if (errors.length) {
    throw new OrchardError('pack_blocked', `检查未通过，未生成素材包：${errors.length} 处问题 / the checker blocked the packs: ${errors.length} findings`, { findings: errors })
  }
  const out = resolve(request.out ?? join(ctx.paths.dataDir, 'packs', request.date))
  const request_ = { ...request, out }
  const key = JSON.stringify({
    date: request.date,
    owners: owners.map((o) => `${o.kind}:${o.id}`),
    templates: templates.map((t) => t.id),
    products: products.map((p) => p.sku),
    out,
    zip: request.zip,
    video: request.video,
  })
  const unfinished = db.prepare(`SELECT id FROM material_jobs WHERE request_key = ? AND status IN ('running', 'cancelled', 'failed') ORDER BY created_at DESC, rowid DESC LIMIT 1`).pluck().get(key) as
    | string
    | undefined
  if (unfinished) {
    if (active.has(unfinished)) throw new OrchardError('job_running', '这批素材包正在生成中 / these packs are being generated right now', { jobId: unfinished })
    db.prepare(`UPDATE material_jobs SET status = 'running', error = NULL, runs = runs + 1, updated_at = ? WHERE id = ?`).run(ctx.clock.now().toISOString(), unfinished)
    return unfinished
  }

  const jobId = newId()
  const now = ctx.clock.now().toISOString()
  const items: [ItemKind, string | null, ItemSpec, string][] = []
  const withComparison = new Set(products.filter((p) => comparisonEntries(db, p.id, request.date).length > 0).map((p) => p.id))
  const withCollage = new Set(products.filter((p) => buyerPhotoFiles(db, p.id).length > 0).map((p) => p.id))
  // Videos first: they are shared by every pack, and each pack's manifest and zip include them.
  if (request.video) for (const p of products) items.push(['video', null, { product: p.id }, `${SHARED_FOLDER}/${p.sku}.mp4`])
  for (const o of owners) {
    const spec = { owner: o.kind, id: o.id }
    products.forEach((p, n) => {
      const prefix = `${o.folder}/${String(n + 1).padStart(2, '0')}-${p.sku}`
      for (const t of templates) items.push(['poster', o.id, { ...spec, product: p.id, template: t.id }, `${prefix}-${t.id}.jpg`])
      if (withComparison.has(p.id)) items.push(['comparison', o.id, { ...spec, product: p.id }, `${prefix}-比价.jpg`])
      if (withCollage.has(p.id)) items.push(['collage', o.id, { ...spec, product: p.id }, `${prefix}-买家秀.jpg`])
    })
    const qr = groupQrState(db, o, request.date)
    if (qr && qr.state !== 'lapsed') {
      items.push(['groupQr', o.id, spec, `${o.folder}/群二维码.png`])
    }
    items.push(['copy', o.id, spec, `${o.folder}/文案.txt`])
    items.push(['checklist', o.id, spec, `${o.folder}/发布清单.md`])
    items.push(['calendar', o.id, spec, `${o.folder}/日程.ics`])
    items.push(['manifest', o.id, spec, `${o.folder}/manifest.json`])
  }
  if (request.zip) for (const o of owners) items.push(['zip', o.id, { owner: o.kind, id: o.id }, `${o.folder}.zip`])
  const insertItem = db.prepare('INSERT INTO material_job_items (job_id, seq, kind, member_id, spec, file) VALUES (?, ?, ?, ?, ?, ?)')
  db.transaction(() => {
    db.prepare(`INSERT INTO material_jobs (id, request_key, params, date, out_dir, status, total, warnings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`).run(
      jobId,
      key,
      JSON.stringify(request_),
      request.date,
      out,
      items.length,
      JSON.stringify(findings),
      now,
      now,
    )
    items.forEach((it, seq) => insertItem.run(jobId, seq, it[0], it[1], JSON.stringify(it[2]), it[3]))
  })()
  return jobId
}

/** How many items are produced at once: posters render on worker threads, the rest is quick file work. */
const IN_FLIGHT = 8

async function runJob(ctx: CoreContext, jobId: string, signal: AbortSignal, started: number): Promise<PackJob> {
  const db = ctx.db
  const job = getJob(db, jobId)
  const { request, owners, products } = jobPlan(db, job)
  const templates = pickTemplates(db, request.templates)
  const out = job.out_dir
  mkdirSync(out, { recursive: true })
  removeTemporaries(out)

  const total = job.total
  const pending = db.prepare('SELECT seq, kind, member_id, spec, file FROM material_job_items WHERE job_id = ? AND done_at IS NULL ORDER BY seq').all(jobId) as PendingItem[]
  const markDone = db.prepare('UPDATE material_job_items SET sha256 = ?, bytes = ?, done_at = ? WHERE job_id = ? AND seq = ?')
  const studio = { name: readSettings(db).studioName }
  const ownerById = new Map(owners.map((o) => [o.id, o]))
  const productById = new Map(products.map((p) => [p.id, p]))
  const templateById = new Map(templates.map((t) => [t.id, t]))
  const shared = new Map<string, Promise<Buffer>>()
  const once_ = (key: string, make: () => Promise<Buffer>) => {
    if (!shared.has(key)) shared.set(key, make())
    return shared.get(key)!
  }
  const pool = new PosterPool()
  let done = total - pending.length
  const t0 = performance.now()
  const doneAtStart = done
  const progress = () => {
    const rate = (done - doneAtStart) / Math.max(0.001, (performance.now() - t0) / 1000)
    ctx.emit('job.progress', { jobId, kind: 'packs', phase: 'generate', done, total, rate, etaSeconds: rate > 0 ? Math.round((total - done) / rate) : undefined })
  }

  const produce = async (item: PendingItem): Promise<Buffer | null> => {
    const spec = JSON.parse(item.spec) as ItemSpec
    const owner = spec.id ? ownerById.get(spec.id) : undefined
    const p = spec.product ? productById.get(spec.product) : undefined
    if ((spec.id && !owner) || (spec.product && !p)) {
      throw new OrchardError('job_stale', `生成任务里的会员、社群或商品已被删除 / a member, group or product of this job no longer exists: ${item.file}`, { file: item.file })
    }
    switch (item.kind) {
      case 'video': {
        const target = join(out, item.file)
        mkdirSync(dirname(target), { recursive: true })
        const temp = `${target}.tmp-${process.pid}.mp4`
        const photos = productPhotos(p!).slice(0, 4)
        const music = musicTracks()[0]?.path ?? null
        await renderProductVideo({
          product: posterProduct(p!, photos[0]),
          photos,
          captions: [p!.name, sellingPoint(p!.facts), p!.brand, p!.category].slice(0, photos.length),
          priceCard: { salePriceFen: p!.sale_price_fen, listPriceFen: p!.list_price_fen > p!.sale_price_fen ? p!.list_price_fen : null, note: '扫码或私信下单' },
          musicPath: music,
          durationSec: 15,
          outPath: temp,
          signal,
        })
        renameSync(temp, target)
        return null
      }
      case 'poster': {
        const jpeg = await pool.render(
          templateById.get(spec.template!)!,
          posterProduct(p!, productPhotos(p!)[0]),
          studio,
          { id: owner!.poster.id, name: owner!.poster.name, inviteCode: owner!.poster.inviteCode, inviteUrl: inviteUrl(db, owner!.poster.inviteCode, request.date) },
        )
        if (jpeg.length < 1000 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg[jpeg.length - 2] !== 0xff || jpeg[jpeg.length - 1] !== 0xd9) {
          throw new OrchardError('render_failed', `海报不完整 / the poster came out incomplete: ${item.file}`, { file: item.file })
        }
        return jpeg
      }
      case 'comparison':
        return once_(`comparison|${p!.id}`, () => {
          const entries = comparisonEntries(db, p!.id, request.date)
          checkComparison({ ourPriceFen: p!.sale_price_fen, entries })
          return renderComparison({ product: posterProduct(p!, productPhotos(p!)[0]), ourPriceFen: p!.sale_price_fen, entries })
        })
      case 'collage':
        return once_(`collage|${p!.id}`, () => renderCollage({ product: posterProduct(p!, productPhotos(p!)[0]), photos: buyerPhotoFiles(db, p!.id), caption: `${p!.name} · 买家真实反馈` }))
      case 'groupQr': {
        const qr = latestGroupQr(db, owner!.id)
        if (!qr || !existsSync(qr.file)) throw new OrchardError('file_not_found', `群二维码图片不见了，请重新上传 / the group's QR picture is gone: upload it again`, { file: qr?.file })
        return readFileSync(qr.file)
      }
      case 'copy': {
        const copy = packCopy(db, owner!, products, request.date)
        const labels: Record<CopyChannel, string> = { moments: '▍朋友圈', group: '▍群聊', private: '▍私聊' }
        const label = (c: PackCopy) => (c.tone ? `${labels[c.channel]}（${SEGMENT_LABELS[c.tone].zh}）` : labels[c.channel])
        const parts = products.map((pr) => [`【${pr.name}】`, '', ...copy.filter((c) => c.productSku === pr.sku).flatMap((c) => [label(c), c.text, '']), ''].join('\n'))
        const head = owner!.kind === 'group' ? `${owner!.name} · ${request.date} 群文案\n群主 ${owner!.poster.name} · 邀请码 ${owner!.poster.inviteCode}` : `${owner!.name} · ${request.date} 文案\n邀请码 ${owner!.poster.inviteCode}`
        return Buffer.from(`${head}\n\n${parts.join('\n')}`, 'utf8')
      }
      case 'checklist': {
        const schedule = packSchedule(owner!, request.date, products)
        const allowance = allowanceOf(db, owner!, request.date, schedule)
        const qr = groupQrState(db, owner!, request.date)
        let text = checklist(owner!.name, request.date, schedule)
        if (allowance) {
          text += `\n群发额度：${allowanceNote(allowance)}\n`
          // The group's planned sends, recorded once (re-running the day changes nothing).
          const record = db.prepare('INSERT OR IGNORE INTO group_mass_sends (group_id, day, slot, job_id) VALUES (?, ?, ?, ?)')
          db.transaction(() => schedule.filter((s) => s.massSend).forEach((s) => record.run(owner!.id, request.date, s.key, jobId)))()
        }
        if (qr && qr.state !== 'lapsed') text += `群二维码有效期至 ${timeIn(studioTimeZone(db), new Date(qr.expiresAt))}，过期前请重新生成。\n`
        return Buffer.from(text, 'utf8')
      }
      case 'calendar':
        return Buffer.from(calendar(owner!.folder, planDay(request.date, products), studioTimeZone(db)), 'utf8')
      case 'manifest': {
        const files = db
          .prepare(
            `SELECT file, kind, spec, sha256, bytes FROM material_job_items WHERE job_id = ? AND (member_id = ? OR kind = 'video') AND kind NOT IN ('manifest', 'zip') AND done_at IS NOT NULL ORDER BY seq`,
          )
          .all(jobId, owner!.id) as { file: string; kind: ItemKind; spec: string; sha256: string; bytes: number }[]
        const schedule = packSchedule(owner!, request.date, products)
        const qr = groupQrState(db, owner!, request.date)
        const manifest = {
          kind: owner!.kind,
          [owner!.kind === 'group' ? 'group' : 'member']: { id: owner!.id, name: owner!.name },
          poster: { name: owner!.poster.name, inviteCode: owner!.poster.inviteCode, inviteUrl: inviteUrl(db, owner!.poster.inviteCode, request.date) },
          date: request.date,
          files: files.map((f) => {
            const s = JSON.parse(f.spec) as ItemSpec
            const pr = s.product ? productById.get(s.product) : undefined
            return { file: f.kind === 'video' ? `../${f.file}` : f.file.slice(f.file.indexOf('/') + 1), kind: f.kind, product: pr?.sku ?? null, sha256: f.sha256, bytes: f.bytes }
          }),
          copy: packCopy(db, owner!, products, request.date),
          schedule,
          groupQr: qr && qr.state !== 'lapsed' ? { file: '群二维码.png', expiresAt: qr.expiresAt } : null,
          allowance: allowanceOf(db, owner!, request.date, schedule),
        }
        return Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8')
      }
      case 'zip': {
        const videos = request.video ? products.map((pr) => join(out, SHARED_FOLDER, `${pr.sku}.mp4`)) : []
        await zipFolder(join(out, owner!.folder), videos, join(out, item.file))
        return null
      }
    }
  }

  const finish = (item: PendingItem, data: Buffer | null) => {
    const target = join(out, item.file)
    if (data) {
      mkdirSync(dirname(target), { recursive: true })
      const temp = `${target}.tmp-${process.pid}`
      writeFileSync(temp, data)
      if (statSync(temp).size !== data.length) throw new OrchardError('write_failed', `写入不完整 / short write: ${target}`, { file: target })
      renameSync(temp, target)
    }
    const bytes = data ?? readFileSync(target)
    markDone.run(createHash('sha256').update(bytes).digest('hex'), bytes.length, ctx.clock.now().toISOString(), jobId, item.seq)
    done++
    if (done % 10 === 0 || done === total) progress()
  }

  try {
    // A pack's manifest and zip come after its files; posters, comparisons and collages are made several at once.
    const parallel = (k: ItemKind) => k === 'poster' || k === 'comparison' || k === 'collage'
    for (let i = 0; i < pending.length; ) {
      if (signal.aborted) throw new OrchardError('cancelled', '已取消：再次生成同一批素材包会从这里继续 / cancelled: generating the same packs again resumes here', { jobId })
      const batch: PendingItem[] = []
      while (i < pending.length && batch.length < IN_FLIGHT && (batch.length === 0 || (parallel(pending[i].kind) && batch.every((b) => parallel(b.kind))))) batch.push(pending[i++])
      const results = await Promise.all(batch.map(produce))
      batch.forEach((item, n) => finish(item, results[n]))
    }
    db.prepare(`UPDATE material_jobs SET status = 'done', run_ms = run_ms + ?, updated_at = ? WHERE id = ?`).run(ranFor(started), ctx.clock.now().toISOString(), jobId)
    progress()
  } catch (err) {
    const e = OrchardError.from(err)
    const status = e.code === 'cancelled' ? 'cancelled' : 'failed'
    db.prepare(`UPDATE material_jobs SET status = ?, error = ?, run_ms = run_ms + ?, updated_at = ? WHERE id = ?`).run(
      status,
      JSON.stringify(e.toJSON()),
      ranFor(started),
      ctx.clock.now().toISOString(),
      jobId,
    )
    throw e
  } finally {
    await pool.close()
  }
  return jobRow(db, jobId)
}

const ranFor = (started: number) => Math.round(performance.now() - started)

function launch(ctx: CoreContext, request: PackRequest): { jobId: string; done: Promise<PackJob> } {
  const started = performance.now()
  const jobId = planJob(ctx, request)
  const abort = new AbortController()
  const done = runJob(ctx, jobId, abort.signal, started).finally(() => active.delete(jobId))
  active.set(jobId, { abort, done, ctx, started })
  return { jobId, done }
}

/** Generates the day's packs and answers when they are all made (the CLI's way). */
export async function generatePacks(ctx: CoreContext, request: PackRequest): Promise<PackJob> {
  return launch(ctx, request).done
}

/** Starts (or resumes) the day's packs and answers at once (the console's way); progress comes as events. */
export function startPacks(ctx: CoreContext, request: PackRequest): PackJob {
  const { jobId, done } = launch(ctx, request)
  // The outcome is in the job's row (done, cancelled, or failed with its error); nobody awaits it here.
  done.catch(() => undefined)
  return jobRow(ctx.db, jobId)
}

export async function cancelPacks(ctx: CoreContext, jobId: string): Promise<PackJob> {
  getJob(ctx.db, jobId)
  const run = active.get(jobId)
  if (run) {
    run.abort.abort()
    await run.done.catch(() => undefined)
  } else {
    ctx.db.prepare(`UPDATE material_jobs SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'running'`).run(ctx.clock.now().toISOString(), jobId)
  }
  return jobRow(ctx.db, jobId)
}

/** Stops this core's running jobs (closing the app): they stay resumable. */
export async function stopAllPacks(ctx: CoreContext): Promise<void> {
  const runs = [...active.values()].filter((r) => r.ctx === ctx)
  for (const r of runs) r.abort.abort()
  await Promise.all(runs.map((r) => r.done.catch(() => undefined)))
}

/** Leftovers of a run that was killed while writing: never published, removed before resuming. */
function removeTemporaries(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.tmp-\d+(\.mp4)?$/.test(entry.name)) rmSync(join(entry.parentPath, entry.name), { force: true })
  }
}

async function zipFolder(folder: string, extras: string[], target: string): Promise<void> {
  const temp = `${target}.tmp-${process.pid}`
  const output = createWriteStream(temp)
  // Posters are JPEGs already: storing them compresses nothing worth waiting for.
  const zip = new ZipArchive({ zlib: { level: 1 } })
  zip.pipe(output)
  zip.directory(folder, false)
  for (const f of extras) if (existsSync(f)) zip.file(f, { name: `${SHARED_FOLDER}/${basename(f)}` })
  await zip.finalize()
  await once(output, 'close')
  renameSync(temp, target)
}
