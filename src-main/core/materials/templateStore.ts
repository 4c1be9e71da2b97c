/**
 * The studio's poster templates: the shipped ones (read-only) and the studio's own,
 * duplicated from any of them and edited in the console. Every save goes through the
 * same schema the renderer uses, so a template the studio saved is one packs can draw;
 * a refused one names the path inside it ('slots[3].x'), the value and why.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import type { PosterTemplate } from '../../../src-shared/materials/templates'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { POSTER_TEMPLATES, toTemplateSummary, type PosterTemplateRow, type TemplateSummary } from '../db/tables/materials'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { changeWriter, recordChange } from '../records/changes'
import { readSettings } from '../settings/settings'
import { productPhotos } from './photos'
import { defaultTemplates, renderTemplatePreview, validateTemplate, type PosterProduct } from './render'

export type { TemplateSummary }

const own = (db: Db, id: string) => db.prepare('SELECT * FROM poster_templates WHERE id = ? AND archived = 0').get(id) as PosterTemplateRow | undefined

/** Every template packs can use: the shipped ones, then the studio's own by name. */
export function allTemplates(db: Db): PosterTemplate[] {
  const rows = db.prepare('SELECT spec FROM poster_templates WHERE archived = 0 ORDER BY name, id').pluck().all() as string[]
  return [...defaultTemplates(), ...rows.map((spec) => JSON.parse(spec) as PosterTemplate)]
}

export function listTemplates(db: Db): TemplateSummary[] {
  const shipped = defaultTemplates().map((t) => ({ id: t.id, name: t.name, shape: t.shape, builtin: true, basedOn: null, updatedAt: null }))
  const rows = db.prepare('SELECT * FROM poster_templates WHERE archived = 0 ORDER BY updated_at DESC, id').all() as PosterTemplateRow[]
  return [...shipped, ...rows.map(toTemplateSummary)]
}

export function findTemplate(db: Db, id: string): { template: PosterTemplate; builtin: boolean } {
  const shipped = defaultTemplates().find((t) => t.id === id)
  if (shipped) return { template: shipped, builtin: true }
  const row = own(db, id)
  if (!row) throw new OrchardError('not_found', `没有这个海报模板 / no such poster template: ${id}`, { field: 'id', value: id })
  return { template: JSON.parse(row.spec) as PosterTemplate, builtin: false }
}

/** A copy of a template as the studio's own, to edit. */
export function duplicateTemplate(ctx: CoreContext, id: string): { template: PosterTemplate; builtin: boolean } {
  const { template } = findTemplate(ctx.db, id)
  const copyId = `own-${newId().replace(/[^a-z0-9]/gi, '').slice(-10).toLowerCase()}`
  const name = `${template.name} 副本`.slice(0, 40)
  const copy: PosterTemplate = { ...template, id: copyId, name, ...(template.nameEn ? { nameEn: `${template.nameEn} (copy)`.slice(0, 60) } : {}) }
  const w = changeWriter(ctx)
  const now = w.at.toISOString()
  ctx.db.transaction(() => {
    insertRow(ctx.db, POSTER_TEMPLATES, {
      id: copyId,
      name,
      shape: copy.shape,
      spec: JSON.stringify(copy),
      based_on: id,
      archived: 0,
      created_by: ctx.session.profileId,
      created_at: now,
      updated_at: now,
    })
    recordChange(w, { record: 'posterTemplate', id: copyId, label: name, op: 'create', after: { name, shape: copy.shape, spec: copy, basedOn: id, archived: false } })
  })()
  return { template: copy, builtin: false }
}

/** Saves an edited template of the studio's own; the shipped ones are duplicated first. */
export function saveTemplate(ctx: CoreContext, id: string, raw: unknown): { template: PosterTemplate; builtin: boolean } {
  if (defaultTemplates().some((t) => t.id === id)) {
    throw new OrchardError('template_builtin', `内置模板不能修改，请先复制一份再编辑 / a shipped template cannot be edited: duplicate it first`, { field: 'id', value: id })
  }
  const held = own(ctx.db, id)
  if (!held) throw new OrchardError('not_found', `没有这个海报模板 / no such poster template: ${id}`, { field: 'id', value: id })
  const template = validateTemplate({ ...(raw as object), id })
  const w = changeWriter(ctx)
  ctx.db.transaction(() => {
    ctx.db.prepare('UPDATE poster_templates SET name = ?, shape = ?, spec = ?, updated_at = ? WHERE id = ?').run(template.name, template.shape, JSON.stringify(template), w.at.toISOString(), id)
    // The layout travels whole, as one field: its parts are drawn together and never edited apart.
    recordChange(w, {
      record: 'posterTemplate',
      id,
      label: template.name,
      op: 'update',
      before: { name: held.name, shape: held.shape, spec: JSON.parse(held.spec) as unknown },
      after: { name: template.name, shape: template.shape, spec: template },
    })
  })()
  return { template, builtin: false }
}

export function archiveTemplate(ctx: CoreContext, id: string): { ok: true } {
  if (defaultTemplates().some((t) => t.id === id)) {
    throw new OrchardError('template_builtin', `内置模板不能删除 / a shipped template cannot be removed`, { field: 'id', value: id })
  }
  const held = own(ctx.db, id)
  if (!held) throw new OrchardError('not_found', `没有这个海报模板 / no such poster template: ${id}`, { field: 'id', value: id })
  const w = changeWriter(ctx)
  ctx.db.transaction(() => {
    ctx.db.prepare('UPDATE poster_templates SET archived = 1, updated_at = ? WHERE id = ?').run(w.at.toISOString(), id)
    recordChange(w, { record: 'posterTemplate', id, label: held.name, op: 'update', before: { archived: false }, after: { archived: true } })
  })()
  return { ok: true }
}

/** The studio product a preview shows: the one asked for, else the best seller with a photo. */
function previewProduct(db: Db, productId: string | undefined): Partial<PosterProduct> {
  const cols = 'id, sku, name, brand, images, list_price_fen, sale_price_fen, stock, facts'
  type P = { id: string; sku: string; name: string; brand: string; images: string; list_price_fen: number; sale_price_fen: number; stock: number; facts: string }
  const p = (
    productId
      ? [db.prepare(`SELECT ${cols} FROM products WHERE id = ?`).get(productId)]
      : db.prepare(`SELECT ${cols} FROM products p WHERE active = 1 ORDER BY (SELECT COUNT(*) FROM order_lines l WHERE l.product_id = p.id) DESC, sku LIMIT 50`).all()
  ).find((x): x is P => !!x && (!!productId || productPhotos(x as P, db).length > 0)) as P | undefined
  if (!p) return {}
  const photo = productPhotos(p, db)[0]
  const point = p.facts.split(/[。\n｜|]/)[0]?.trim() ?? ''
  return {
    id: p.id,
    name: p.name,
    title: point ? `${p.name} ${point}` : p.name,
    brand: p.brand,
    salePriceFen: p.sale_price_fen,
    listPriceFen: p.list_price_fen > p.sale_price_fen ? p.list_price_fen : null,
    badge: p.stock > 0 && p.stock <= 30 ? `仅剩${p.stock}件` : '团购价',
    ...(photo && existsSync(photo) ? { photoPath: photo } : {}),
  }
}

const previews = new Map<string, Promise<string>>()

/**
 * A half-size JPEG of a template (saved or being edited) with a real product of the
 * studio and a sample member, as a data: URL; refuses an invalid template with the
 * located error. The last few previews are kept, so flipping back costs nothing.
 */
export async function previewTemplate(ctx: CoreContext, raw: unknown, productId?: string): Promise<{ image: string }> {
  const template = validateTemplate(raw)
  const product = previewProduct(ctx.db, productId)
  const studio = { name: readSettings(ctx.db).studioName }
  const key = createHash('sha1').update(JSON.stringify([template, product, studio])).digest('hex')
  let image = previews.get(key)
  if (!image) {
    image = renderTemplatePreview(template, { product, studio, scale: 0.5 }).then((png) => `data:image/png;base64,${png.toString('base64')}`)
    image.catch(() => previews.delete(key))
    previews.set(key, image)
    if (previews.size > 32) previews.delete(previews.keys().next().value!)
  }
  return { image: await image }
}
