import { join, resolve } from 'node:path'
import type { PosterTemplate } from '../../../../src-shared/materials/templates'
import { OrchardError } from '../../../../src-shared/errors'
import { addDays, instantOf } from '../../../../src-shared/time'
import type { Db } from '../../db/connection'
import type { PlannedItem } from '../../jobs/durable'
import { safeFileName } from '../../jobs/names'
import { studioTimeZone } from '../../settings/settings'
import { productPhotos } from '../photos'
import { allTemplates } from '../templateStore'
import { buyerPhotoFiles, comparisonEntries } from '../sources'
import { groupQrState } from './content'
import type { PackItemKind, PackItemSpec, PackOwnerSpec, PackPlan, PackRequest, ProductRow } from './types'

export type { PackItemKind, PackItemSpec, PackOwnerSpec, PackPlan, PackRequest, ProductRow } from './types'

/** The folder of shared files (videos) inside a job's output. */
export const SHARED_FOLDER = '共享视频'

/** How far back a pack looks for the day's best sellers, and how many it features. */
export const BEST_SELLER_DAYS = 30
const BEST_SELLERS = 6

const safeName = (name: string) => safeFileName(name, { spaces: 'underscore' })

function resolveOwners(db: Db, request: Pick<PackRequest, 'members' | 'groups'>): PackOwnerSpec[] {
  type M = { id: string; name: string; invite_code: string }
  const owners: PackOwnerSpec[] = []
  const memberOwner = (m: M): PackOwnerSpec => ({
    kind: 'member',
    id: m.id,
    name: m.name,
    // Named for the person, with the code that tells two 王芳 apart.
    folder: `${safeName(m.name)}-${m.invite_code}`,
    poster: { id: m.id, name: m.name, inviteCode: m.invite_code },
  })
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
    owners.push({ kind: 'group', id: g.id, name: g.name, folder: `群-${safeName(g.name)}`, poster: { id: g.owner_id, name: g.owner_name ?? g.name, inviteCode: g.invite_code } })
  })
  return owners
}

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
 * The day's products: what sold best over the 30 studio days before it, in stock, with a
 * photo to put on the posters. Both ends are bounded, so a pack for a past day is not swayed
 * by what sold after it, and the days start at the studio's midnight, not UTC's.
 */
export function bestSellers(db: Db, date: string): ProductRow[] {
  const zone = studioTimeZone(db)
  const since = new Date(instantOf(zone, addDays(date, -BEST_SELLER_DAYS))).toISOString()
  const until = new Date(instantOf(zone, date)).toISOString()
  return (
    db
      .prepare(
        `SELECT ${PRODUCT_COLS} FROM products p JOIN order_lines l ON l.product_id = p.id JOIN orders o ON o.id = l.order_id
        WHERE p.active = 1 AND p.stock > 0 AND o.placed_at >= ? AND o.placed_at < ? GROUP BY p.id ORDER BY SUM(l.quantity) DESC, p.sku`,
    )
    .all(since, until) as ProductRow[]
  )
    .filter((p) => productPhotos(p, db).length > 0)
    .slice(0, BEST_SELLERS)
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

/** Where a day's packs go when no folder is named: the data folder's packs/<date>. */
export const defaultPackFolder = (dataDir: string, date: string) => join(dataDir, 'packs', date)

/** Resolves a request once: its owners, products, templates and folder (located errors for anything unknown). */
export function planPacks(db: Db, dataDir: string, request: PackRequest, liveCodeOf: LiveCodeLookup = () => null): PackPlan {
  const owners = resolveOwners(db, request)
  const liveCodes: Record<string, string> = {}
  for (const o of owners) {
    const url = o.kind === 'group' ? liveCodeOf(o.id) : null
    if (url) liveCodes[o.id] = url
  }
  return {
    request: { ...request, out: resolve(request.out ?? defaultPackFolder(dataDir, request.date)) },
    owners,
    products: resolveProducts(db, request.products, request.date),
    templates: pickTemplates(db, request.templates),
    liveCodes,
  }
}

/** A group's live code address, when the studio's members' pages give it one (the core's port; none without a team server). */
export type LiveCodeLookup = (groupId: string) => string | null

/** The live code a group's posters carry, with the member whose poster it is as the referrer. */
export function liveCodeFor(plan: PackPlan, groupId: string, ref?: string): string | null {
  const base = plan.liveCodes[groupId]
  if (!base) return null
  return ref ? `${base}?ref=${encodeURIComponent(ref)}` : base
}

/** What makes two requests the same packs: asking again for the same resumes an unfinished run. */
export function packKey(plan: PackPlan): string {
  return JSON.stringify({
    date: plan.request.date,
    owners: plan.owners.map((o) => `${o.kind}:${o.id}`),
    templates: plan.templates.map((t) => t.id),
    products: plan.products.map((p) => p.sku),
    out: plan.request.out,
    zip: plan.request.zip,
    video: plan.request.video,
  })
}

/**
 * Every file the packs hold, in the order they are made: shared videos first (each pack's
 * manifest and zip include them), then each pack's images, its group QR code, copy,
 * checklist, calendar and — last, over what is done — its manifest; zips at the end.
 */
export function planPackItems(db: Db, plan: PackPlan): PlannedItem[] {
  const { request, owners, products, templates } = plan
  const items: PlannedItem[] = []
  const add = (kind: PackItemKind, owner: string | null, spec: PackItemSpec, file: string) => items.push({ kind, owner, spec, file })
  const withComparison = new Set(products.filter((p) => comparisonEntries(db, p.id, request.date).length > 0).map((p) => p.id))
  const withCollage = new Set(products.filter((p) => buyerPhotoFiles(db, p.id).length > 0).map((p) => p.id))
  if (request.video) for (const p of products) add('video', null, { product: p.id }, `${SHARED_FOLDER}/${p.sku}.mp4`)
  for (const o of owners) {
    const spec = { owner: o.kind, id: o.id }
    products.forEach((p, n) => {
      const prefix = `${o.folder}/${String(n + 1).padStart(2, '0')}-${p.sku}`
      for (const t of templates) add('poster', o.id, { ...spec, product: p.id, template: t.id }, `${prefix}-${t.id}.jpg`)
      if (withComparison.has(p.id)) add('comparison', o.id, { ...spec, product: p.id }, `${prefix}-比价.jpg`)
      if (withCollage.has(p.id)) add('collage', o.id, { ...spec, product: p.id }, `${prefix}-买家秀.jpg`)
    })
    const qr = groupQrState(db, o, request.date)
    // A group with a live code always has a code to scan: the live code stands in for the 7-day image.
    if ((qr && qr.state !== 'lapsed') || (o.kind === 'group' && liveCodeFor(plan, o.id) !== null)) add('groupQr', o.id, spec, `${o.folder}/群二维码.png`)
    add('copy', o.id, spec, `${o.folder}/文案.txt`)
    add('checklist', o.id, spec, `${o.folder}/发布清单.md`)
    add('calendar', o.id, spec, `${o.folder}/日程.ics`)
    add('manifest', o.id, spec, `${o.folder}/manifest.json`)
  }
  if (request.zip) for (const o of owners) add('zip', o.id, { owner: o.kind, id: o.id }, `${o.folder}.zip`)
  return items
}
