import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { ZipArchive } from 'archiver'
import type { Finding, PackJob } from '../../../src-shared/contracts/materials'
import { COPY_CHANNELS } from '../../../src-shared/contracts/materials'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { newId } from '../ids'
import { readInternal, readSettings } from '../settings/settings'
import { defaultTemplates, preparePoster, renderMemberPoster, resourcesDir, type PosterProduct, type PosterTemplate, type PreparedPoster } from './render'
import { checkText, DEFAULT_COPY, forbiddenWords, renderCopy, variantFor } from './copy'
import { calendar, checklist, planDay } from './schedule'

export interface PackRequest {
  date: string
  members?: string[]
  templates?: string[]
  products?: string[]
  out?: string
  zip: boolean
}

interface MemberRow {
  id: string
  name: string
  invite_code: string
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
type ItemKind = 'poster' | 'copy' | 'checklist' | 'calendar' | 'manifest' | 'zip'
interface ItemSpec {
  member: string
  product?: string
  template?: string
}

/** How many items are produced at once: sharp encodes on libvips' own threads, so a few in flight keep every core busy. */
const IN_FLIGHT = 4

export function inviteUrl(db: Db, code: string, date: string): string {
  const base = readInternal<string>(db, 'materials.inviteBaseUrl') ?? 'https://shop.example.cn/i/'
  // The tracking code is the member's invite code: orders carrying it (ref:CODE) are attributed to them.
  return `${base}${encodeURIComponent(code)}?ref=${encodeURIComponent(code)}&d=${date.replace(/-/g, '')}`
}

function resolveMembers(db: Db, refs: string[] | undefined): MemberRow[] {
  if (!refs) return db.prepare(`SELECT id, name, invite_code FROM members WHERE status = 'active' ORDER BY join_date, id`).all() as MemberRow[]
  const byRef = db.prepare('SELECT id, name, invite_code FROM members WHERE id = ? OR invite_code = ?')
  return refs.map((ref, i) => {
    const m = byRef.get(ref, ref) as MemberRow | undefined
    if (!m) throw new OrchardError('not_found', `没有这位会员 / no such member: ${ref}`, { field: `members.${i}`, value: ref })
    return m
  })
}

function resolveProducts(db: Db, skus: string[] | undefined, date: string): ProductRow[] {
  const cols = 'p.id, p.sku, p.name, p.brand, p.category, p.images, p.list_price_fen, p.sale_price_fen, p.price_floor_fen, p.stock, p.facts'
  if (skus) {
    const bySku = db.prepare(`SELECT ${cols} FROM products p WHERE p.sku = ?`)
    return skus.map((sku, i) => {
      const p = bySku.get(sku) as ProductRow | undefined
      if (!p) throw new OrchardError('not_found', `没有这个商品 / no such product: ${sku}`, { field: `products.${i}`, value: sku })
      return p
    })
  }
  // The day's products: what sold best over the 30 days before it, in stock.
  const since = new Date(Date.parse(`${date}T00:00:00Z`) - 30 * 86_400_000).toISOString()
  return db
    .prepare(
      `SELECT ${cols} FROM products p JOIN order_lines l ON l.product_id = p.id JOIN orders o ON o.id = l.order_id
        WHERE p.active = 1 AND p.stock > 0 AND o.placed_at >= ? GROUP BY p.id ORDER BY SUM(l.quantity) DESC, p.sku LIMIT 6`,
    )
    .all(since) as ProductRow[]
}

function pickTemplates(ids: string[] | undefined): PosterTemplate[] {
  const all = defaultTemplates()
  if (!ids) return all.filter((t) => t.shape === '1:1').slice(0, 2)
  return ids.map((id, i) => {
    const t = all.find((x) => x.id === id)
    if (!t) throw new OrchardError('not_found', `没有这个海报模板 / no such poster template: ${id}`, { field: `templates.${i}`, value: id, why: `known: ${all.map((x) => x.id).join(', ')}` })
    return t
  })
}

/** A product's photo: its own first image when that is a file here, else the demo photo of its category. */
function photoOf(p: ProductRow): string | null {
  const images = JSON.parse(p.images) as string[]
  const own = images.find((i) => !/^https?:/i.test(i) && existsSync(i))
  if (own) return own
  const prefix = p.sku.split('-')[0]
  let n = 0
  for (const ch of p.sku) n = (n * 31 + ch.charCodeAt(0)) >>> 0
  const demo = join(resourcesDir(), 'demo', 'photos', 'products', `${prefix}-${(n % 3) + 1}.jpg`)
  return existsSync(demo) ? demo : null
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

function copyFor(p: ProductRow, member: string, date: string, memberKey: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const channel of COPY_CHANNELS) {
    const variants = DEFAULT_COPY[channel]
    out[channel] = renderCopy(variants[variantFor(variants.length, date, memberKey + p.sku)], {
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
  }
  return out
}

/** The checker over everything a day's packs would say, before anything is produced. */
export function checkPacks(db: Db, request: PackRequest): Finding[] {
  const products = resolveProducts(db, request.products, request.date)
  pickTemplates(request.templates)
  const words = forbiddenWords(db)
  const findings: Finding[] = []
  for (const p of products) {
    if (!photoOf(p)) {
      findings.push({ severity: 'error', code: 'no_photo', where: `product:${p.sku}`, text: p.images, why: '商品没有可用的照片，无法生成海报 / the product has no photo to put on a poster', productSku: p.sku })
    }
    const badge = posterProduct(p, '').badge ?? ''
    findings.push(...checkText(`${p.name} ${badge} ¥${p.sale_price_fen / 100}`, `poster:${p.sku}`, copyProduct(p), words))
    for (const channel of COPY_CHANNELS) {
      DEFAULT_COPY[channel].forEach((variant, i) => {
        const text = renderCopy(variant, {
          name: p.name,
          title: p.name,
          brand: p.brand,
          priceFen: p.sale_price_fen,
          listPriceFen: p.list_price_fen,
          facts: sellingPoint(p.facts),
          member: '会员',
          customer: '亲',
          stock: p.stock,
          endsAt: null,
        })
        findings.push(...checkText(text, `copy:${channel}:${i + 1}`, copyProduct(p), words))
      })
    }
  }
  return findings
}

function jobRow(db: Db, id: string, resumed: boolean, started: number): PackJob {
  const j = db.prepare('SELECT id, date, status, out_dir, total, warnings, created_at FROM material_jobs WHERE id = ?').get(id) as {
    id: string
    date: string
    status: PackJob['status']
    out_dir: string
    total: number
    warnings: string
    created_at: string
  }
  const agg = db
    .prepare(`SELECT COUNT(*) AS done, COALESCE(SUM(bytes), 0) AS bytes, COUNT(DISTINCT member_id) AS members FROM material_job_items WHERE job_id = ? AND done_at IS NOT NULL`)
    .get(id) as { done: number; bytes: number; members: number }
  return {
    id: j.id,
    date: j.date,
    status: j.status,
    out: j.out_dir,
    done: agg.done,
    total: j.total,
    members: agg.members,
    files: agg.done,
    bytes: agg.bytes,
    warnings: JSON.parse(j.warnings) as Finding[],
    resumed,
    durationMs: Math.round(performance.now() - started),
    createdAt: j.created_at,
  }
}

export function listJobs(db: Db): PackJob[] {
  return (db.prepare('SELECT id FROM material_jobs ORDER BY created_at DESC LIMIT 50').pluck().all() as string[]).map((id) => jobRow(db, id, false, performance.now()))
}

/**
 * Generates the day's packs as a durable job. The items are planned once; each is
 * written under a temporary name, checked, renamed into place and only then marked
 * done with its hash, so a run killed at any point (even kill -9) is resumed by
 * asking for the same packs again: finished items are kept, the rest made, nothing
 * twice, and no half-written file is ever published under its final name.
 */
export async function generatePacks(ctx: CoreContext, request: PackRequest): Promise<PackJob> {
  const db = ctx.db
  const started = performance.now()
  const members = resolveMembers(db, request.members)
  const products = resolveProducts(db, request.products, request.date)
  const templates = pickTemplates(request.templates)
  if (!members.length) throw new OrchardError('nothing_to_do', '没有要生成素材包的会员 / no members to make packs for', { field: 'members' })
  if (!products.length) throw new OrchardError('nothing_to_do', `${request.date} 前 30 天没有可推的在售商品，请用 --products 指定 / no products to feature: name them`, { field: 'products' })
  const findings = checkPacks(db, request)
  const errors = findings.filter((f) => f.severity === 'error')
  if (errors.length) {
    throw new OrchardError('pack_blocked', `检查未通过，未生成素材包：${errors.length} 处问题 / the checker blocked the packs: ${errors.length} findings`, { findings: errors })
  }
  const out = resolve(request.out ?? join(ctx.paths.dataDir, 'packs', request.date))
  const key = JSON.stringify({ date: request.date, members: members.map((m) => m.id), templates: templates.map((t) => t.id), products: products.map((p) => p.sku), out, zip: request.zip })
  const now = ctx.clock.now().toISOString()

  let jobId = db.prepare(`SELECT id FROM material_jobs WHERE request_key = ? AND status = 'running' ORDER BY created_at DESC LIMIT 1`).pluck().get(key) as string | undefined
  const resumed = jobId !== undefined
  if (!jobId) {
    jobId = newId()
    const items: [ItemKind, string | null, ItemSpec, string][] = []
    for (const m of members) {
      const dir = m.invite_code
      products.forEach((p, n) =>
        templates.forEach((t) => items.push(['poster', m.id, { member: m.id, product: p.id, template: t.id }, `${dir}/${String(n + 1).padStart(2, '0')}-${p.sku}-${t.id}.jpg`])),
      )
      items.push(['copy', m.id, { member: m.id }, `${dir}/文案.txt`])
      items.push(['checklist', m.id, { member: m.id }, `${dir}/发布清单.md`])
      items.push(['calendar', m.id, { member: m.id }, `${dir}/日程.ics`])
      items.push(['manifest', m.id, { member: m.id }, `${dir}/manifest.json`])
      if (request.zip) items.push(['zip', m.id, { member: m.id }, `${dir}.zip`])
    }
    const insertItem = db.prepare('INSERT INTO material_job_items (job_id, seq, kind, member_id, spec, file) VALUES (?, ?, ?, ?, ?, ?)')
    db.transaction(() => {
      db.prepare(`INSERT INTO material_jobs (id, request_key, params, date, out_dir, status, total, warnings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`).run(
        jobId,
        key,
        JSON.stringify(request),
        request.date,
        out,
        items.length,
        JSON.stringify(findings),
        now,
        now,
      )
      items.forEach((it, seq) => insertItem.run(jobId, seq, it[0], it[1], JSON.stringify(it[2]), it[3]))
    })()
  }
  mkdirSync(out, { recursive: true })
  removeTemporaries(out)

  const total = (db.prepare('SELECT total FROM material_jobs WHERE id = ?').pluck().get(jobId) as number) ?? 0
  const pending = db.prepare('SELECT seq, kind, member_id, spec, file FROM material_job_items WHERE job_id = ? AND done_at IS NULL ORDER BY seq').all(jobId) as {
    seq: number
    kind: ItemKind
    member_id: string
    spec: string
    file: string
  }[]
  const markDone = db.prepare('UPDATE material_job_items SET sha256 = ?, bytes = ?, done_at = ? WHERE job_id = ? AND seq = ?')
  const studio = { name: readSettings(db).studioName }
  const memberById = new Map(members.map((m) => [m.id, m]))
  const productById = new Map(products.map((p) => [p.id, p]))
  const templateById = new Map(templates.map((t) => [t.id, t]))
  const prepared = new Map<string, Promise<PreparedPoster>>()
  let done = total - pending.length
  const t0 = performance.now()
  const doneAtStart = done

  const produce = async (item: (typeof pending)[number]): Promise<Buffer | null> => {
    const spec = JSON.parse(item.spec) as ItemSpec
    const m = memberById.get(spec.member)!
    switch (item.kind) {
      case 'poster': {
        const p = productById.get(spec.product!)!
        const k = `${spec.template}|${p.id}`
        if (!prepared.has(k)) prepared.set(k, preparePoster(templateById.get(spec.template!)!, posterProduct(p, photoOf(p)!), studio))
        const jpeg = await renderMemberPoster(await prepared.get(k)!, { id: m.id, name: m.name, inviteCode: m.invite_code, inviteUrl: inviteUrl(db, m.invite_code, request.date) })
        if (jpeg.length < 1000 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg[jpeg.length - 2] !== 0xff || jpeg[jpeg.length - 1] !== 0xd9) {
          throw new OrchardError('render_failed', `海报不完整 / the poster came out incomplete: ${item.file}`, { file: item.file })
        }
        return jpeg
      }
      case 'copy': {
        const parts = products.map((p) => {
          const c = copyFor(p, m.name, request.date, m.invite_code)
          return [`【${p.name}】`, '', '▍朋友圈', c.moments, '', '▍群聊', c.group, '', '▍私聊', c.private, ''].join('\n')
        })
        return Buffer.from(`${m.name} · ${request.date} 文案\n邀请码 ${m.invite_code}\n\n${parts.join('\n')}`, 'utf8')
      }
      case 'checklist':
        return Buffer.from(checklist(m.name, request.date, planDay(request.date, products)), 'utf8')
      case 'calendar':
        return Buffer.from(calendar(m.invite_code, planDay(request.date, products)), 'utf8')
      case 'manifest': {
        const files = db
          .prepare(`SELECT file, sha256, bytes FROM material_job_items WHERE job_id = ? AND member_id = ? AND kind NOT IN ('manifest', 'zip') AND done_at IS NOT NULL ORDER BY seq`)
          .all(jobId, m.id) as { file: string; sha256: string; bytes: number }[]
        const manifest = {
          member: { name: m.name, inviteCode: m.invite_code, inviteUrl: inviteUrl(db, m.invite_code, request.date) },
          date: request.date,
          files: files.map((f) => ({ file: f.file.slice(f.file.indexOf('/') + 1), sha256: f.sha256, bytes: f.bytes })),
        }
        return Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8')
      }
      case 'zip': {
        await zipFolder(join(out, m.invite_code), join(out, item.file))
        return null
      }
    }
  }

  const finish = (item: (typeof pending)[number], data: Buffer | null) => {
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
    if (done % 10 === 0 || done === total) {
      const rate = (done - doneAtStart) / Math.max(0.001, (performance.now() - t0) / 1000)
      ctx.emit('job.progress', { jobId: jobId!, kind: 'packs', phase: 'generate', done, total, rate, etaSeconds: rate > 0 ? Math.round((total - done) / rate) : undefined })
    }
  }

  try {
    // Items of one member in order (its manifest and zip come after its files), several members' posters at once.
    for (let i = 0; i < pending.length; ) {
      const batch: typeof pending = []
      while (i < pending.length && batch.length < IN_FLIGHT && (batch.length === 0 || (pending[i].kind === 'poster' && batch.every((b) => b.kind === 'poster')))) {
        batch.push(pending[i++])
      }
      const results = await Promise.all(batch.map(produce))
      batch.forEach((item, n) => finish(item, results[n]))
    }
    db.prepare(`UPDATE material_jobs SET status = 'done', updated_at = ? WHERE id = ?`).run(ctx.clock.now().toISOString(), jobId)
  } catch (err) {
    const e = OrchardError.from(err)
    db.prepare(`UPDATE material_jobs SET error = ?, updated_at = ? WHERE id = ?`).run(JSON.stringify(e.toJSON()), ctx.clock.now().toISOString(), jobId)
    throw e
  }
  return jobRow(db, jobId, resumed, started)
}

/** Leftovers of a run that was killed while writing: never published, removed before resuming. */
function removeTemporaries(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.tmp-\d+$/.test(entry.name)) rmSync(join(entry.parentPath, entry.name), { force: true })
  }
}

async function zipFolder(folder: string, target: string): Promise<void> {
  const temp = `${target}.tmp-${process.pid}`
  const output = createWriteStream(temp)
  // Posters are JPEGs already: storing them compresses nothing worth waiting for.
  const zip = new ZipArchive({ zlib: { level: 1 } })
  zip.pipe(output)
  zip.directory(folder, false)
  await zip.finalize()
  await once(output, 'close')
  renameSync(temp, target)
}
