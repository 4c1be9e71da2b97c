/**
 * The studio's copy templates (文案): variants per channel and per consumer-segment
 * tone, with {variables}, edited in the console. The shipped variants are the first
 * rows of a new studio; from then on the studio's rows are what packs use. Every
 * save is checked like a pack is: unknown variables and forbidden claims are refused
 * before they can reach a member's phone.
 */
import type { CopyChannel, Finding } from '../../../src-shared/contracts/materials'
import { OrchardError } from '../../../src-shared/errors'
import { SEGMENTS, type Segment } from '../../../src-shared/vocabulary'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { COPY_TEMPLATES, FORBIDDEN_CLAIMS, toCopyTemplate, type CopyTemplate, type CopyTemplateRow } from '../db/tables/materials'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { changeWriter, recordChange } from '../records/changes'
import { checkText, DEFAULT_COPY, DEFAULT_FORBIDDEN_WORDS, FORBIDDEN_CLAIMS_ID, forbiddenWords, renderCopy, TONE_COPY, type CopyValues } from './copy'

export type Tone = CopyTemplate['tone']
export type { CopyTemplate }
export const COPY_VARIABLES = ['name', 'title', 'brand', 'price', 'listNote', 'facts', 'member', 'customer', 'stockNote', 'endNote'] as const

/** The shipped variants, each with the id it has on every workstation. */
function shippedCopy(): Pick<CopyTemplateRow, 'id' | 'channel' | 'tone' | 'body' | 'position'>[] {
  return [
    ...(Object.entries(DEFAULT_COPY) as [CopyChannel, string[]][]).flatMap(([channel, variants]) => variants.map((body, i) => ({ channel, tone: 'all' as const, body, position: i }))),
    ...(Object.entries(TONE_COPY) as [Segment, string[]][]).flatMap(([tone, variants]) => variants.map((body, i) => ({ channel: 'private' as const, tone, body, position: i }))),
  ].map((v) => ({ ...v, id: `shipped-${v.channel}-${v.tone}-${v.position}` }))
}

/**
 * A new studio starts with the shipped variants as its own rows. Every workstation seeds
 * them itself, under the same ids (`shipped-<channel>-<tone>-<n>`), so a team's copies of
 * them are one record each: an edit of one on any workstation is an edit of that record
 * everywhere. The seed is not a change of the team's (a workstation joining later would
 * otherwise send the shipped text back over the team's edits). Shipped rows a studio seeded
 * before they had these ids, and never edited, take them now.
 */
export function seedCopyTemplates(db: Db, now: string): void {
  const shipped = shippedCopy()
  if ((db.prepare('SELECT COUNT(*) FROM copy_templates').pluck().get() as number) > 0) {
    const adopt = db.prepare(
      `UPDATE copy_templates SET id = @id
        WHERE id = (SELECT id FROM copy_templates WHERE channel = @channel AND tone = @tone AND body = @body AND created_at = updated_at AND id NOT LIKE 'shipped-%' ORDER BY position, created_at LIMIT 1)
          AND NOT EXISTS (SELECT 1 FROM copy_templates WHERE id = @id)
          AND NOT EXISTS (SELECT 1 FROM record_changes WHERE record = 'copyTemplate' AND record_id = copy_templates.id)`,
    )
    db.transaction(() => {
      for (const v of shipped) adopt.run(v)
    })()
    return
  }
  db.transaction(() => {
    for (const v of shipped) insertRow(db, COPY_TEMPLATES, { id: v.id, channel: v.channel, tone: v.tone, body: v.body, position: v.position, active: 1, created_at: now, updated_at: now })
  })()
}

export function listCopyTemplates(db: Db): CopyTemplate[] {
  return (db.prepare('SELECT * FROM copy_templates ORDER BY channel, tone, position, created_at').all() as CopyTemplateRow[]).map(toCopyTemplate)
}

/** Every variant packs may use now (the shipped ones when the studio has none): what the checker reads. */
export function activeCopy(db: Db): Pick<CopyTemplate, 'channel' | 'tone' | 'body' | 'position'>[] {
  const rows = listCopyTemplates(db).filter((c) => c.active)
  if (rows.length) return rows
  return Object.entries(DEFAULT_COPY).flatMap(([channel, list]) => list.map((body, position) => ({ channel: channel as CopyChannel, tone: 'all' as const, body, position })))
}

/**
 * The variants a pack uses for a channel and a tone: the tone's own active ones, else
 * the channel's ones for everyone, else the shipped ones (a studio that deleted them all).
 */
export function copyVariants(db: Db, channel: CopyChannel, tone: Tone = 'all'): string[] {
  const q = db.prepare('SELECT body FROM copy_templates WHERE channel = ? AND tone = ? AND active = 1 ORDER BY position, created_at').pluck()
  const own = tone === 'all' ? [] : (q.all(channel, tone) as string[])
  if (own.length) return own
  const all = q.all(channel, 'all') as string[]
  return all.length ? all : DEFAULT_COPY[channel]
}

/** The tones that have variants of their own for a channel. */
export function tonesWithCopy(db: Db, channel: CopyChannel): Segment[] {
  return db.prepare(`SELECT DISTINCT tone FROM copy_templates WHERE channel = ? AND tone <> 'all' AND active = 1`).pluck().all(channel) as Segment[]
}

/** Sample values for checking and trying a variant: a real product when one is given. */
export function sampleValues(db: Db, productId?: string): { values: CopyValues; product: { sku: string; priceFloorFen: number; stock: number; endsAt: null } } {
  const p = (productId
    ? db.prepare('SELECT sku, name, brand, list_price_fen, sale_price_fen, price_floor_fen, stock, facts FROM products WHERE id = ?').get(productId)
    : db.prepare(`SELECT sku, name, brand, list_price_fen, sale_price_fen, price_floor_fen, stock, facts FROM products WHERE active = 1 ORDER BY sku LIMIT 1`).get()) as
    | { sku: string; name: string; brand: string; list_price_fen: number; sale_price_fen: number; price_floor_fen: number; stock: number; facts: string }
    | undefined
  const product = p ?? { sku: 'SAMPLE', name: '双抗精华液 30ml', brand: '珀莱雅', list_price_fen: 29_900, sale_price_fen: 20_900, price_floor_fen: 18_900, stock: 500, facts: '烟酰胺、麦角硫因' }
  return {
    values: {
      name: product.name,
      title: product.name,
      brand: product.name.includes(product.brand) ? '' : product.brand,
      priceFen: product.sale_price_fen,
      listPriceFen: product.list_price_fen,
      facts: product.facts.split(/[。\n｜|]/)[0]?.trim() ?? '',
      member: '王芳',
      customer: '亲',
      stock: product.stock,
      endsAt: null,
    },
    product: { sku: product.sku, priceFloorFen: product.price_floor_fen, stock: product.stock, endsAt: null },
  }
}

/** A variant rendered with real values and the checker's findings on it. */
export function tryCopy(db: Db, body: string, productId?: string): { text: string; findings: Finding[] } {
  const { values, product } = sampleValues(db, productId)
  const text = renderCopy(body, values)
  return { text, findings: [...unknownVariables(body), ...checkText(text, 'copy', product, forbiddenWords(db))] }
}

function unknownVariables(body: string): Finding[] {
  const out: Finding[] = []
  for (const m of body.matchAll(/\{(\w+)\}/g)) {
    if (!(COPY_VARIABLES as readonly string[]).includes(m[1])) {
      out.push({
        severity: 'error',
        code: 'unknown_variable',
        where: `body:${m.index}`,
        text: m[0],
        why: `未知的变量 ${m[0]}，可用：${COPY_VARIABLES.map((v) => `{${v}}`).join(' ')} / unknown variable ${m[0]}`,
        productSku: null,
      })
    }
  }
  return out
}

export function saveCopyTemplate(
  ctx: CoreContext,
  input: { id?: string; channel: CopyChannel; tone: string; body: string; active: boolean },
): CopyTemplate {
  const db = ctx.db
  if (input.tone !== 'all' && !(SEGMENTS as readonly string[]).includes(input.tone)) {
    throw new OrchardError('invalid_input', `未知的语气（客群）：${input.tone} / unknown tone`, { field: 'tone', value: input.tone })
  }
  const { findings } = tryCopy(db, input.body)
  const errors = findings.filter((f) => f.severity === 'error')
  if (errors.length) {
    throw new OrchardError('copy_refused', `文案未通过检查：${errors[0].why.split(' / ')[0]} / the copy did not pass the checker`, { field: 'body', value: errors[0].text, findings: errors })
  }
  const w = changeWriter(ctx)
  const now = w.at.toISOString()
  const id = input.id ?? newId()
  const after = { channel: input.channel, tone: input.tone, body: input.body, active: input.active }
  db.transaction(() => {
    if (input.id) {
      const held = db.prepare('SELECT * FROM copy_templates WHERE id = ?').get(id) as CopyTemplateRow | undefined
      if (!held) throw new OrchardError('not_found', `没有这条文案模板 / no such copy template: ${id}`, { field: 'id', value: id })
      db.prepare('UPDATE copy_templates SET channel = ?, tone = ?, body = ?, active = ?, updated_at = ? WHERE id = ?').run(input.channel, input.tone, input.body, input.active ? 1 : 0, now, id)
      recordChange(w, { record: 'copyTemplate', id, label: copyLabel(input.body), op: 'update', before: { ...toCopyTemplate(held) }, after })
    } else {
      const position = (db.prepare('SELECT COALESCE(MAX(position) + 1, 0) FROM copy_templates WHERE channel = ? AND tone = ?').pluck().get(input.channel, input.tone) as number) ?? 0
      insertRow(db, COPY_TEMPLATES, { id, channel: input.channel, tone: input.tone as Tone, body: input.body, position, active: input.active ? 1 : 0, created_at: now, updated_at: now })
      recordChange(w, { record: 'copyTemplate', id, label: copyLabel(input.body), op: 'create', after: { ...after, position } })
    }
  })()
  return toCopyTemplate(db.prepare('SELECT * FROM copy_templates WHERE id = ?').get(id) as CopyTemplateRow)
}

/** How the audit names a variant: its first words. */
const copyLabel = (body: string) => (body.length > 24 ? `${body.slice(0, 24)}…` : body)

export function removeCopyTemplate(ctx: CoreContext, id: string): { ok: true } {
  const db = ctx.db
  const held = db.prepare('SELECT * FROM copy_templates WHERE id = ?').get(id) as CopyTemplateRow | undefined
  if (!held) throw new OrchardError('not_found', `没有这条文案模板 / no such copy template: ${id}`, { field: 'id', value: id })
  const w = changeWriter(ctx)
  db.transaction(() => {
    recordChange(w, { record: 'copyTemplate', id, label: copyLabel(held.body), op: 'delete', before: { ...toCopyTemplate(held) } })
    db.prepare('DELETE FROM copy_templates WHERE id = ?').run(id)
  })()
  return { ok: true }
}

/**
 * The editable list of forbidden absolute claims: trimmed, without repeats; empty restores
 * the defaults. One shared record of the studio (`studio`), its words a set: written and
 * recorded in one transaction, so words added on two workstations both stay on the list.
 */
export function setForbiddenWords(ctx: CoreContext, words: string[]): string[] {
  const db = ctx.db
  const clean = [...new Set(words.map((w) => w.trim()).filter(Boolean))]
  const list = clean.length ? clean : DEFAULT_FORBIDDEN_WORDS
  const w = changeWriter(ctx)
  const at = w.at.toISOString()
  db.transaction(() => {
    const held = db.prepare('SELECT words FROM forbidden_claims WHERE id = ?').pluck().get(FORBIDDEN_CLAIMS_ID) as string | undefined
    const label = '广告法禁用词 / forbidden claims'
    if (held === undefined) {
      insertRow(db, FORBIDDEN_CLAIMS, { id: FORBIDDEN_CLAIMS_ID, words: JSON.stringify(list), created_at: at, updated_at: at })
      recordChange(w, { record: 'forbiddenClaims', id: FORBIDDEN_CLAIMS_ID, label, op: 'create', after: { words: list } })
    } else {
      db.prepare('UPDATE forbidden_claims SET words = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(list), at, FORBIDDEN_CLAIMS_ID)
      recordChange(w, { record: 'forbiddenClaims', id: FORBIDDEN_CLAIMS_ID, label, op: 'update', before: { words: JSON.parse(held) as string[] }, after: { words: list } })
    }
  })()
  return forbiddenWords(db)
}
