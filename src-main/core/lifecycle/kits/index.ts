import { mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import QRCode from 'qrcode'
import type { z } from 'zod'
import type { KitGenerateInput, KitSection, KitTemplate, KitTemplateInput } from '../../../../src-shared/contracts/lifecycle'
import { OrchardError } from '../../../../src-shared/errors'
import { dayIn, stampIn } from '../../clock'
import type { CoreContext, ServiceHandlers } from '../../context'
import type { Db } from '../../db/connection'
import { KIT_SECTIONS, KIT_TEMPLATES, toKitSection, toKitTemplate, toKitTemplateSummary, type KitSectionRow, type KitTemplateRow, type KitTemplateSummaryRow } from '../../db/tables/lifecycle'
import type { MemberTableRow } from '../../db/tables/members'
import { insertRow } from '../../db/tables/table'
import { newId } from '../../ids'
import { createJob, launchJob, reopenJob, resumableJob, type PlannedItem } from '../../jobs/durable'
import { safeFileName } from '../../jobs/names'
import { writeZip, type ZipEntry } from '../../jobs/zip'
import { productPhotos } from '../../materials/photos'
import { inviteUrl } from '../../members/invite'
import { readSettings } from '../../settings/settings'
import { actorOf } from '../../audit/audit'
import { richTextBlocks, richTextPlain, sanitizeRichText } from '../pdf/richText'
import { renderScript } from '../planner'
import { renderKitPdf, type KitMember, type KitProduct } from './kitPdf'

function sectionsOf(db: Db, templateId: string): KitSection[] {
  return (db.prepare('SELECT * FROM kit_sections WHERE template_id = ? ORDER BY position').all(templateId) as KitSectionRow[]).map(toKitSection)
}

export function getKitTemplate(db: Db, id?: string): KitTemplate {
  const row = (
    id
      ? db.prepare('SELECT * FROM kit_templates WHERE id = ?').get(id)
      : db.prepare('SELECT * FROM kit_templates ORDER BY is_default DESC, updated_at DESC LIMIT 1').get()
  ) as KitTemplateRow | undefined
  if (!row) {
    throw new OrchardError('not_found', id ? `入门包模板不存在 / kit template not found: ${id}` : '还没有入门包模板 / there is no kit template yet', { id })
  }
  return toKitTemplate(row, sectionsOf(db, row.id))
}

export function saveKitTemplate(db: Db, input: z.output<typeof KitTemplateInput>, by: string, now: Date): KitTemplate {
  const at = now.toISOString()
  const id = input.id ?? newId()
  if (input.id && !db.prepare('SELECT 1 FROM kit_templates WHERE id = ?').get(input.id)) {
    throw new OrchardError('not_found', `入门包模板不存在 / kit template not found: ${input.id}`, { id: input.id })
  }
  const sections = input.sections.map((s, i) => {
    const html = sanitizeRichText(s.html)
    if (!richTextBlocks(html).length) {
      throw new OrchardError('invalid_input', `第 ${i + 1} 章「${s.title}」没有内容 / section ${i + 1} (${s.title}) is empty`, { field: `sections.${i}.html`, value: '' })
    }
    return { ...s, html }
  })
  db.transaction(() => {
    if (input.id) {
      db.prepare('UPDATE kit_templates SET name = ?, description = ?, updated_at = ?, updated_by = ? WHERE id = ?').run(input.name, input.description, at, by, id)
    } else {
      insertRow(db, KIT_TEMPLATES, { id, name: input.name, description: input.description, is_default: 0, created_at: at, updated_at: at, updated_by: by })
    }
    if (input.isDefault) db.prepare('UPDATE kit_templates SET is_default = CASE WHEN id = ? THEN 1 ELSE 0 END').run(id)
    db.prepare('DELETE FROM kit_sections WHERE template_id = ?').run(id)
    sections.forEach((s, i) => insertRow(db, KIT_SECTIONS, { id: newId(), template_id: id, position: i, kind: s.kind, title: s.title, html: s.html }))
    if (!db.prepare('SELECT 1 FROM kit_templates WHERE is_default = 1').get()) db.prepare('UPDATE kit_templates SET is_default = 1 WHERE id = ?').run(id)
  })()
  return getKitTemplate(db, id)
}

// ---------------------------------------------------------------- generation

type MemberRow = Pick<MemberTableRow, 'id' | 'name' | 'invite_code' | 'join_date'> & { mentor_name: string | null }


const safeName = (s: string) => safeFileName(s, { fallback: 'kit' })

function topProducts(db: Db, limit: number, since: string): (KitProduct & { id: string; sku: string; images: string; listPriceFen: number })[] {
  // Best sellers of the last 90 days first, then the newest active products.
  return db
    .prepare(
      `SELECT p.id, p.sku, p.name, p.brand, p.category, p.sale_price_fen AS salePriceFen, p.list_price_fen AS listPriceFen, p.facts, p.images,
              COALESCE(SUM(CASE WHEN o.id IS NOT NULL THEN l.quantity END), 0) AS sold
         FROM products p
         LEFT JOIN order_lines l ON l.product_id = p.id
         LEFT JOIN orders o ON o.id = l.order_id AND o.status IN ('paid','partially_refunded') AND o.placed_at >= ?
        WHERE p.active = 1
        GROUP BY p.id
        ORDER BY sold DESC, p.updated_at DESC
        LIMIT ?`,
    )
    .all(since, limit) as (KitProduct & { id: string; sku: string; images: string; listPriceFen: number })[]
}

function commissionRange(db: Db): [number, number] | null {
  const r = db.prepare('SELECT MIN(commission_bp) AS lo, MAX(commission_bp) AS hi FROM products WHERE active = 1').get() as { lo: number | null; hi: number | null }
  return r.lo === null || r.hi === null ? null : [r.lo, r.hi]
}

/** Each h2 of the scripts section becomes one .txt (what a member copies on that day); all of them also in one file. */
function scriptFiles(sections: KitSection[], vars: Record<string, string>): { name: string; text: string }[] {
  const files: { name: string; text: string }[] = []
  const scripts = sections.filter((s) => s.kind === 'scripts')
  if (!scripts.length) return files
  const all: string[] = []
  for (const section of scripts) {
    const html = renderScript(section.html, vars)
    all.push(`【${renderScript(section.title, vars)}】`, '', richTextPlain(html), '')
    // Split at each h2: a heading and what follows it until the next heading.
    const parts = html.split(/(?=<h2>)/)
    for (const part of parts) {
      const m = part.match(/^<h2>(.*?)<\/h2>/)
      if (!m) continue
      const title = richTextPlain(`<p>${m[1]}</p>`)
      files.push({ name: `${String(files.length + 1).padStart(2, '0')} ${safeName(title)}.txt`, text: richTextPlain(part.slice(m[0].length), { quoteMarks: false }) })
    }
  }
  files.unshift({ name: '00 全部话术.txt', text: all.join('\n').trim() })
  return files
}

/** Windows Notepad and WeChat's PC client read UTF-8 with a BOM and CRLF line ends without surprises. */
function txt(text: string): Buffer {
  return Buffer.from(`\uFEFF${text.replace(/\r?\n/g, '\r\n')}\r\n`, 'utf8')
}

interface PosterEngine {
  defaultTemplates(): { id: string; name?: string; shape?: string }[]
  preparePoster(template: unknown, product: unknown, studio: { name: string }): Promise<unknown>
  renderMemberPoster(prepared: unknown, member: { id: string; name: string; inviteCode: string; inviteUrl: string }): Promise<Buffer>
}

async function posterEngine(): Promise<PosterEngine | null> {
  try {
    return (await import('../../materials/render/index')) as unknown as PosterEngine
  } catch {
    return null
  }
}

export interface GenerateOptions {
  templateId?: string
  memberIds: string[]
  outDir: string
  posters: boolean
  jobId?: string
  /** Skip the zip (preview). */
  pdfOnly?: boolean
}

export async function generateKits(ctx: CoreContext, options: GenerateOptions) {
  const started = performance.now()
  const db = ctx.db
  const template = getKitTemplate(db, options.templateId)
  const ids = [...new Set(options.memberIds)]
  const members = ids.map((id) => db.prepare('SELECT m.id, m.name, m.invite_code, m.join_date, mm.name AS mentor_name FROM members m LEFT JOIN members mm ON mm.id = m.mentor_id WHERE m.id = ?').get(id) as MemberRow | undefined)
  const missing = ids.filter((_, i) => !members[i])
  if (missing.length) throw new OrchardError('not_found', `找不到这些会员 / members not found: ${missing.join(', ')}`, { field: 'memberIds', value: missing })
  const settings = readSettings(db)
  const studio = settings.studioName || '我们的工作室'
  const now = ctx.clock.now()
  const generatedOn = dayIn(ctx.timezone(), now)
  const products = topProducts(db, 8, new Date(now.getTime() - 90 * 86_400_000).toISOString())
  const commission = commissionRange(db)
  mkdirSync(options.outDir, { recursive: true })
  const warnings: string[] = []

  // Posters: everything but the member's QR, code and name is rendered once per product and reused.
  const prepared: { product: string; prepared: unknown }[] = []
  if (options.posters && !options.pdfOnly) {
    const engine = await posterEngine()
    if (!engine) warnings.push('海报引擎不可用，入门包中没有海报 / the poster engine is unavailable: kits were made without posters')
    else {
      try {
        const templates = engine.defaultTemplates()
        // The neutral white card (1:1, for the moments 9-grid), whatever the product; else the first shipped.
        const template = templates.find((t) => t.id === 'clean-white') ?? templates.find((t) => t.id === 'moments-editorial') ?? templates[0]
        // A product without a photo of its own gets no poster rather than another product's picture.
        const withPhotos = products.map((p) => ({ p, photo: productPhotos(p, ctx.db)[0] })).filter((x) => x.photo)
        for (const { p, photo } of withPhotos.slice(0, 2)) {
          prepared.push({
            product: p.name,
            prepared: await engine.preparePoster(
              template,
              // Honest posters: no "original price" beside the team price, no badge that is not true.
              { id: p.id, name: p.name, title: (p.facts.split(/[｜|\n]/)[0] || p.name).trim(), brand: p.brand, salePriceFen: p.salePriceFen, listPriceFen: null, badge: null, photoPath: photo, footer: `${studio} · 正品保障` },
              { name: studio },
            ),
          })
        }
        if (!prepared.length) warnings.push('在售商品都没有可用的商品图，入门包中没有海报 / no product has a usable photo: kits were made without posters')
      } catch (err) {
        warnings.push(`海报生成失败，入门包中没有海报 / posters failed: ${err instanceof Error ? err.message : String(err)}`)
        prepared.length = 0
      }
    }
  }

  // One durable job: a PDF and (unless previewing) a zip per member, each written to a temporary
  // name and renamed into place; asking for the same kits again resumes an interrupted batch.
  const named = members.map((m) => ({ m: m!, base: safeName(`${m!.name}-${m!.invite_code}-${template.name}`) }))
  const items: PlannedItem[] = named.flatMap(({ m, base }) => [
    { kind: 'kit-pdf', owner: m.id, spec: { member: m.id }, file: `${base}.pdf` },
    ...(options.pdfOnly ? [] : [{ kind: 'kit-zip', owner: m.id, spec: { member: m.id }, file: `${base}.zip` }]),
  ])
  const key = JSON.stringify({ template: template.id, members: ids, outDir: resolve(options.outDir), posters: options.posters, pdfOnly: !!options.pdfOnly, day: generatedOn })
  const resumable = resumableJob(db, 'kits', key)
  if (resumable) reopenJob(ctx, resumable)
  const jobId = resumable ?? createJob(ctx, { kind: 'kits', key, params: { ...options, outDir: resolve(options.outDir) }, label: generatedOn, outDir: resolve(options.outDir), items, warnings })
  const byId = new Map(named.map((n) => [n.m.id, n]))
  const engine = prepared.length ? await posterEngine() : null
  const contents = (m: MemberRow) => {
    const member: KitMember = { name: m.name, mentorName: m.mentor_name, joinDate: m.join_date, inviteCode: m.invite_code, inviteUrl: inviteUrl(db, m.invite_code, 'kit') }
    const vars: Record<string, string> = { member: m.name, mentor: m.mentor_name ?? '团队的运营伙伴', studio, inviteCode: m.invite_code, inviteUrl: member.inviteUrl, product: products[0]?.name ?? '这款商品', group: '新人培训群' }
    return { member, scripts: scriptFiles(template.sections, vars) }
  }
  await launchJob(
    ctx,
    jobId,
    {
      async produce(item) {
        const { m, base } = byId.get(item.owner!)!
        const { member, scripts } = contents(m)
        if (item.kind === 'kit-pdf') {
          const qrPng = await QRCode.toBuffer(member.inviteUrl, { type: 'png', errorCorrectionLevel: 'M', margin: 1, width: 512, color: { dark: '#1F2A24', light: '#FFFFFF' } })
          const pageUrl = ctx.memberPageUrl?.(m.id) ?? null
          const pageQrPng = pageUrl ? await QRCode.toBuffer(pageUrl, { type: 'png', errorCorrectionLevel: 'M', margin: 1, width: 512, color: { dark: '#1F2A24', light: '#FFFFFF' } }) : undefined
          return renderKitPdf({ title: template.name, studio, member, sections: template.sections, products: products.slice(0, 6), commissionRangeBp: commission, generatedOn, qrPng, pageQrPng })
        }
        const entries: ZipEntry[] = [{ name: `${safeName(template.name)}-${safeName(m.name)}.pdf`, file: join(options.outDir, `${base}.pdf`) }]
        for (const sc of scripts) entries.push({ name: `话术/${sc.name}`, data: txt(sc.text) })
        for (const [k, p] of prepared.entries()) {
          const poster = await engine!.renderMemberPoster(p.prepared, { id: m.id, name: m.name, inviteCode: m.invite_code, inviteUrl: member.inviteUrl })
          entries.push({ name: `海报/${String(k + 1).padStart(2, '0')} ${safeName(p.product)}.jpg`, data: poster })
        }
        entries.push({
          name: '说明.txt',
          data: txt(
            [
              `${template.name} · ${m.name}`,
              '',
              `· ${safeName(template.name)}-${safeName(m.name)}.pdf：可打印的入门手册（A4）`,
              '· 话术/：第一周每天可以直接复制的话术',
              prepared.length ? '· 海报/：带你专属邀请二维码的商品海报，可直接分享' : '',
              '',
              `邀请码：${m.invite_code}`,
              `生成于 ${generatedOn}`,
            ].join('\n'),
          ),
        })
        try {
          // Fixed entry dates: the same kit makes the same zip.
          return await writeZip(join(options.outDir, item.file), entries, { date: new Date('2000-01-01T00:00:00Z') })
        } catch (err) {
          throw new OrchardError('kit_write_failed', `无法写入 ${join(options.outDir, item.file)} / cannot write the kit`, { file: join(options.outDir, item.file), why: (err as Error).message })
        }
      },
    },
    { followId: options.jobId },
  )
  const kits = named.map(({ m, base }) => {
    const pdfPath = join(options.outDir, `${base}.pdf`)
    const zipPath = options.pdfOnly ? '' : join(options.outDir, `${base}.zip`)
    return {
      memberId: m.id,
      memberName: m.name,
      zipPath,
      pdfPath,
      fileName: `${base}.${options.pdfOnly ? 'pdf' : 'zip'}`,
      pages: countPages(readFileSync(pdfPath)),
      posters: options.pdfOnly ? 0 : prepared.length,
      scripts: contents(m).scripts.length,
    }
  })
  return { outDir: options.outDir, kits, warnings, durationMs: performance.now() - started }
}

/** Pages of a PDF pdfkit wrote (its page tree's count). */
function countPages(pdf: Buffer): number {
  const m = pdf.toString('latin1').match(/\/Type \/Pages[^>]*?\/Count (\d+)/)
  return m ? Number(m[1]) : 0
}

function defaultOutDir(ctx: CoreContext): string {
  // Named by the studio's own clock: a kit made at 07:00 in Beijing is that day's, not the previous UTC day's.
  return join(ctx.paths.exports, `kits-${stampIn(ctx.timezone(), ctx.clock.now())}`)
}

export const kitsHandlers: ServiceHandlers<'kits'> = {
  templates: (_input, ctx) => {
    const rows = ctx.db
      .prepare('SELECT t.*, (SELECT COUNT(*) FROM kit_sections s WHERE s.template_id = t.id) AS section_count FROM kit_templates t ORDER BY is_default DESC, updated_at DESC')
      .all() as KitTemplateSummaryRow[]
    return rows.map(toKitTemplateSummary)
  },

  get: ({ id }, ctx) => getKitTemplate(ctx.db, id),

  save: (input, ctx) => {
    const saved = saveKitTemplate(ctx.db, input, actorOf(ctx).name, ctx.clock.now())
    ctx.emit('data.changed', { entities: ['kits'] })
    return saved
  },

  remove: ({ id }, ctx) => {
    const t = getKitTemplate(ctx.db, id)
    const count = (ctx.db.prepare('SELECT COUNT(*) AS n FROM kit_templates').get() as { n: number }).n
    if (count <= 1) throw new OrchardError('last_template', '至少保留一个入门包模板 / at least one kit template must remain', { id })
    ctx.db.transaction(() => {
      ctx.db.prepare('DELETE FROM kit_templates WHERE id = ?').run(id)
      if (t.isDefault) ctx.db.prepare('UPDATE kit_templates SET is_default = 1 WHERE id = (SELECT id FROM kit_templates ORDER BY updated_at DESC LIMIT 1)').run()
    })()
    ctx.emit('data.changed', { entities: ['kits'] })
    return { ok: true as const }
  },

  preview: async ({ templateId, memberId }, ctx) => {
    const id =
      memberId ??
      (ctx.db.prepare("SELECT id FROM members WHERE status = 'active' ORDER BY join_date DESC, id LIMIT 1").get() as { id: string } | undefined)?.id
    if (!id) throw new OrchardError('no_members', '还没有会员，无法预览入门包 / there are no members to preview a kit for', {})
    const result = await generateKits(ctx, { templateId, memberIds: [id], outDir: join(ctx.paths.exports, 'kit-previews'), posters: false, pdfOnly: true })
    const kit = result.kits[0]
    return { path: kit.pdfPath, fileName: kit.fileName, rows: 1, pages: kit.pages }
  },

  generate: async (input: z.output<typeof KitGenerateInput>, ctx) => {
    const outDir = input.outDir ? resolve(input.outDir) : defaultOutDir(ctx)
    return generateKits(ctx, { templateId: input.templateId, memberIds: input.memberIds, outDir, posters: input.posters, jobId: input.jobId })
  },
}
