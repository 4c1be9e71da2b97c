import type { KitSection } from '../../../../src-shared/contracts/lifecycle'
import { renderScript } from '../planner'
import { richTextBlocks, type Block, type InlineRun } from '../pdf/richText'
import { A4, breakLines, drawLine, measure, newDocument, wrap, type Doc, type Line, type Run, type Style } from '../pdf/typeset'

/** What a kit shows about its member: never a customer's data, only the member's own. */
export interface KitMember {
  name: string
  mentorName: string | null
  joinDate: string
  inviteCode: string
  inviteUrl: string
}

export interface KitProduct {
  name: string
  brand: string
  category: string
  salePriceFen: number
  facts: string
}

export interface KitInput {
  title: string
  studio: string
  member: KitMember
  sections: KitSection[]
  products: KitProduct[]
  /** The range of seller commission rates on sale (basis points), stated as it is. */
  commissionRangeBp: [number, number] | null
  generatedOn: string
  /** PNG of the member's invite QR. */
  qrPng: Buffer
  /** PNG of the member's own page (会员小站), when they have a link: where their daily packs and earnings are. */
  pageQrPng?: Buffer
}

const GREEN = '#2E6B4A'
const GREEN_LIGHT = '#EAF3EC'
const INK = '#1F2A24'
const MUTED = '#6B7A71'
const RULE = '#D5DED8'
const AMBER = '#C9822B'

const PAGE = { left: 68, right: 68, top: 78, bottom: 76 }
const WIDTH = A4.width - PAGE.left - PAGE.right
const BOTTOM = A4.height - PAGE.bottom

const BODY: Style = { weight: 'regular', size: 10.5, color: INK }
const LEADING = 1.8

function runsOf(runs: InlineRun[], base: Style, vars: Record<string, string>): Run[] {
  return runs.map((r) => ({
    text: renderScript(r.text, vars),
    style: { ...base, weight: r.bold ? 'bold' : base.weight, emphasis: r.emphasis || base.emphasis, color: r.emphasis ? GREEN : base.color },
  }))
}

function fen(amount: number): string {
  return `¥${(amount / 100).toFixed(amount % 100 === 0 ? 0 : 2)}`
}

class Composer {
  y = PAGE.top
  page = 0
  constructor(readonly doc: Doc) {}

  newPage(): void {
    this.doc.addPage()
    this.page++
    this.y = PAGE.top
  }

  room(height: number): boolean {
    return this.y + height <= BOTTOM
  }

  ensure(height: number): void {
    if (!this.room(height)) this.newPage()
  }

  /**
   * A paragraph's lines, split across pages without leaving a single line behind at the
   * bottom of a page (orphan) or alone at the top of the next (widow).
   */
  lines(lines: Line[], x: number, width: number, lineHeight: number, align: 'justify' | 'left' = 'justify', decorate?: (top: number, bottom: number) => void): void {
    let i = 0
    while (i < lines.length) {
      let fit = Math.floor((BOTTOM - this.y) / lineHeight)
      const remaining = lines.length - i
      if (fit < remaining) {
        if (fit === 1 && remaining > 1) fit = 0
        else if (remaining - fit === 1 && fit > 1) fit -= 1
      }
      if (fit <= 0) {
        this.newPage()
        continue
      }
      const take = Math.min(fit, remaining)
      // Backgrounds and markers go down first, the text over them.
      decorate?.(this.y, this.y + take * lineHeight)
      for (let k = 0; k < take; k++) {
        const size = lines[i + k].atoms[0]?.style.size ?? BODY.size
        drawLine(this.doc, lines[i + k], x, this.y + (lineHeight - size * 1.45) / 2, width, align)
        this.y += lineHeight
      }
      i += take
      if (i < lines.length) this.newPage()
    }
  }
}

function drawBlocks(c: Composer, blocks: Block[], vars: Record<string, string>, indent = 0): void {
  const doc = c.doc
  for (const b of blocks) {
    const x = PAGE.left + indent
    const width = WIDTH - indent
    if (b.kind === 'h2') {
      const style: Style = { weight: 'bold', size: 13.5, color: GREEN }
      const lines = breakLines(doc, runsOf(b.runs, style, vars).map((r) => ({ ...r, style: { ...r.style, color: GREEN, weight: 'bold' } })), width)
      // A heading never ends a page: keep it with at least two lines of what follows.
      c.ensure(lines.length * 22 + 14 + BODY.size * LEADING * 2)
      c.y += 10
      c.lines(lines, x, width, 22, 'left')
      c.y += 4
    } else if (b.kind === 'h3') {
      const style: Style = { weight: 'bold', size: 11.5, color: INK }
      const lines = breakLines(doc, runsOf(b.runs, style, vars), width)
      c.ensure(lines.length * 20 + 6 + BODY.size * LEADING * 2)
      c.y += 6
      c.lines(lines, x, width, 20, 'left')
    } else if (b.kind === 'p') {
      const runs = runsOf(b.runs, BODY, vars)
      if (!runs.some((r) => r.text.trim())) {
        c.y += BODY.size
        continue
      }
      // First-line indent of two characters, as Chinese prose is set.
      const em = measure(doc, '中', BODY.weight, BODY.size)
      const lines = breakLines(doc, [{ text: '', style: BODY }, ...runs], width, width - 2 * em)
      const first = lines[0]
      if (first) first.atoms.unshift({ text: '\u3000\u3000', width: 2 * em, style: BODY, space: false } as never)
      if (first) first.width += 2 * em
      c.lines(lines, x, width, BODY.size * LEADING)
      c.y += 5
    } else if (b.kind === 'li') {
      const depthIndent = b.depth * 18
      const markerWidth = 18
      const lx = x + depthIndent + markerWidth
      const lw = width - depthIndent - markerWidth
      const lines = breakLines(doc, runsOf(b.runs, BODY, vars), lw)
      const lineHeight = BODY.size * LEADING
      const markerStyle: Style = { weight: b.marker.endsWith('.') ? 'bold' : 'regular', size: b.marker.endsWith('.') ? BODY.size : 5.5, color: GREEN }
      let markerDrawn = false
      c.lines(lines, lx, lw, lineHeight, 'justify', (top) => {
        if (markerDrawn) return
        markerDrawn = true
        doc.font(markerStyle.weight).fontSize(markerStyle.size).fillColor(markerStyle.color)
        const my = b.marker.endsWith('.') ? top + (lineHeight - BODY.size * 1.45) / 2 : top + lineHeight / 2 - markerStyle.size * 0.75
        doc.text(b.marker, x + depthIndent + 2, my, { lineBreak: false })
      })
      c.y += 2
    } else if (b.kind === 'quote') {
      // Quotes (the scripts) sit on a tinted panel with a green rule, so they read as "say this".
      const qx = x + 14
      const qw = width - 28
      const inner = b.blocks.flatMap((q) => (q.kind === 'quote' ? q.blocks : [q]))
      for (const q of inner) {
        if (q.kind === 'quote') continue
        const runs = runsOf(q.runs, { ...BODY, color: '#2B3A31' }, vars)
        const lines = breakLines(doc, runs, qw)
        const lineHeight = BODY.size * LEADING
        c.ensure(Math.min(lines.length, 2) * lineHeight + 16)
        c.y += 6
        c.lines(lines, qx, qw, lineHeight, 'justify', (top, bottom) => {
          doc.save()
          doc.rect(x, top - 6, width, bottom - top + 12).fill(GREEN_LIGHT)
          doc.rect(x, top - 6, 3, bottom - top + 12).fill(GREEN)
          doc.restore()
        })
        c.y += 10
      }
    }
  }
}

export async function renderKitPdf(input: KitInput): Promise<Buffer> {
  const doc = newDocument({ title: `${input.title} · ${input.member.name}`, author: input.studio, subject: input.title })
  const chunks: Buffer[] = []
  doc.on('data', (b: Buffer) => chunks.push(b))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  const vars: Record<string, string> = {
    member: input.member.name,
    mentor: input.member.mentorName ?? '团队的运营伙伴',
    studio: input.studio,
    inviteCode: input.member.inviteCode,
    inviteUrl: input.member.inviteUrl,
    product: input.products[0]?.name ?? '这款商品',
    group: '新人培训群',
  }
  const c = new Composer(doc)

  drawCover(doc, input)
  // Table of contents: pages reserved now, filled in once the sections know their pages.
  const tocPages = Math.max(1, Math.ceil(input.sections.length / 18))
  for (let i = 0; i < tocPages; i++) c.newPage()
  const sectionPages: number[] = []

  input.sections.forEach((section, index) => {
    c.newPage()
    sectionPages.push(c.page)
    // Chapter opening: number, title, rule.
    doc.font('bold').fontSize(11).fillColor(AMBER).text(`第 ${index + 1} 章  ·  ${String(index + 1).padStart(2, '0')}`, PAGE.left, PAGE.top - 4, { lineBreak: false })
    doc.font('bold').fontSize(22).fillColor(GREEN).text(renderScript(section.title, vars), PAGE.left, PAGE.top + 14, { lineBreak: false })
    c.y = PAGE.top + 54
    doc.moveTo(PAGE.left, c.y).lineTo(PAGE.left + 56, c.y).lineWidth(2.5).strokeColor(AMBER).stroke()
    c.y += 24
    drawSectionBody(c, section, vars)
    if (section.kind === 'products' && input.products.length) drawProducts(c, input.products)
    if (section.kind === 'income' && input.commissionRangeBp) drawCommissionNote(c, input.commissionRangeBp)
  })

  // Table of contents with the pages the sections landed on.
  doc.switchToPage(1)
  doc.font('bold').fontSize(22).fillColor(GREEN).text('目录', PAGE.left, PAGE.top + 6, { lineBreak: false })
  doc.moveTo(PAGE.left, PAGE.top + 44).lineTo(PAGE.left + 56, PAGE.top + 44).lineWidth(2.5).strokeColor(AMBER).stroke()
  let ty = PAGE.top + 80
  input.sections.forEach((section, i) => {
    if (ty > BOTTOM - 30) {
      doc.switchToPage(Math.min(tocPages, 1 + Math.floor(i / 18)))
      ty = PAGE.top + 20
    }
    const title = renderScript(section.title, vars)
    const num = String(i + 1).padStart(2, '0')
    const pageNo = String(sectionPages[i] + 1)
    doc.font('bold').fontSize(12).fillColor(AMBER).text(num, PAGE.left, ty, { lineBreak: false })
    doc.font('medium').fontSize(12.5).fillColor(INK).text(title, PAGE.left + 34, ty - 0.5, { lineBreak: false })
    const titleEnd = PAGE.left + 34 + measure(doc, title, 'medium', 12.5) + 8
    const pageWidth = measure(doc, pageNo, 'regular', 12)
    const leaderEnd = PAGE.left + WIDTH - pageWidth - 8
    doc.save()
    doc.moveTo(titleEnd, ty + 12).lineTo(leaderEnd, ty + 12).dash(1, { space: 3 }).lineWidth(0.8).strokeColor('#AEBBB3').stroke()
    doc.undash()
    doc.restore()
    doc.font('regular').fontSize(12).fillColor(INK).text(pageNo, PAGE.left + WIDTH - pageWidth, ty, { lineBreak: false })
    ty += 34
  })
  doc.font('regular').fontSize(9.5).fillColor(MUTED)
  const note = wrap(doc, `这份入门包为 ${input.member.name} 准备，生成于 ${input.generatedOn}。内容以团队每日素材包和公布的规则为准；如有疑问，请问你的师父。`, { weight: 'regular', size: 9.5, color: MUTED }, WIDTH)
  let ny = BOTTOM - note.length * 17
  doc.switchToPage(1)
  for (const l of note) {
    drawLine(doc, l, PAGE.left, ny, WIDTH, 'left')
    ny += 17
  }

  // Running header and page numbers on every page but the cover.
  const range = doc.bufferedPageRange()
  for (let p = 1; p < range.count; p++) {
    doc.switchToPage(p)
    doc.font('regular').fontSize(8.5).fillColor(MUTED)
    doc.text(`${input.studio} · ${input.title}`, PAGE.left, 40, { lineBreak: false })
    const right = input.member.name
    doc.text(right, PAGE.left + WIDTH - measure(doc, right, 'regular', 8.5), 40, { lineBreak: false })
    doc.moveTo(PAGE.left, 56).lineTo(PAGE.left + WIDTH, 56).lineWidth(0.5).strokeColor(RULE).stroke()
    const label = `${p + 1} / ${range.count}`
    doc.font('regular').fontSize(9).fillColor(MUTED).text(label, A4.width / 2 - measure(doc, label, 'regular', 9) / 2, A4.height - 46, { lineBreak: false })
  }
  doc.end()
  return done
}

function drawSectionBody(c: Composer, section: KitSection, vars: Record<string, string>): void {
  drawBlocks(c, richTextBlocks(section.html), vars)
}

function drawCover(doc: Doc, input: KitInput): void {
  const { member } = input
  doc.rect(0, 0, A4.width, 300).fill(GREEN)
  doc.rect(0, 300, A4.width, 6).fill(AMBER)
  doc.font('medium').fontSize(13).fillColor('#CFE3D6').text(input.studio, PAGE.left, 86, { lineBreak: false })
  doc.font('bold').fontSize(40).fillColor('#FFFFFF').text(input.title, PAGE.left, 126, { lineBreak: false })
  doc.font('regular').fontSize(14).fillColor('#E4F0E8').text('第一周需要的一切：角色、产品、收入模型、话术和计划', PAGE.left, 196, { lineBreak: false })

  doc.font('regular').fontSize(12).fillColor(MUTED).text('为你准备', PAGE.left, 372, { lineBreak: false })
  doc.font('bold').fontSize(30).fillColor(INK).text(member.name, PAGE.left, 394, { lineBreak: false })
  const rows: [string, string][] = [
    ['师父', member.mentorName ?? '—'],
    ['加入日期', member.joinDate],
    ['邀请码', member.inviteCode],
  ]
  let y = 462
  for (const [k, v] of rows) {
    doc.font('regular').fontSize(11).fillColor(MUTED).text(k, PAGE.left, y, { lineBreak: false })
    doc.font('medium').fontSize(12).fillColor(INK).text(v, PAGE.left + 70, y - 0.5, { lineBreak: false })
    y += 28
  }
  // The member's own invite QR: the one thing in this kit that is theirs to share.
  const qrSize = 128
  const qx = A4.width - PAGE.right - qrSize
  doc.roundedRect(qx - 10, 380, qrSize + 20, qrSize + 48, 8).lineWidth(1).strokeColor(RULE).stroke()
  doc.image(input.qrPng, qx, 390, { width: qrSize, height: qrSize })
  const cap = '我的邀请码'
  doc.font('regular').fontSize(9.5).fillColor(MUTED).text(cap, qx + qrSize / 2 - measure(doc, cap, 'regular', 9.5) / 2, 390 + qrSize + 10, { lineBreak: false })
  if (input.pageQrPng) {
    // Their page beside it: private to them (not to be shared), so captioned as such.
    const px = qx - qrSize - 40
    doc.roundedRect(px - 10, 380, qrSize + 20, qrSize + 48, 8).lineWidth(1).strokeColor(RULE).stroke()
    doc.image(input.pageQrPng, px, 390, { width: qrSize, height: qrSize })
    const pageCap = '我的会员小站（勿转发）'
    doc.font('regular').fontSize(9.5).fillColor(MUTED).text(pageCap, px + qrSize / 2 - measure(doc, pageCap, 'regular', 9.5) / 2, 390 + qrSize + 10, { lineBreak: false })
  }

  doc.moveTo(PAGE.left, 706).lineTo(A4.width - PAGE.right, 706).lineWidth(0.6).strokeColor(RULE).stroke()
  const notes = [
    '加入团队不以缴费为条件；佣金只来自真实的商品销售，不按拉人头计酬。',
    '收入取决于你的真实销售，本手册不承诺任何收入数字。',
    `生成于 ${input.generatedOn} · 仅供团队内部培训使用`,
  ]
  let ny = 720
  for (const n of notes) {
    for (const l of wrap(doc, n, { weight: 'regular', size: 9.5, color: MUTED }, WIDTH)) {
      drawLine(doc, l, PAGE.left, ny, WIDTH, 'left')
      ny += 17
    }
  }
}

function drawProducts(c: Composer, products: KitProduct[]): void {
  const doc = c.doc
  const cols = [
    { title: '商品', width: 150 },
    { title: '品牌', width: 70 },
    { title: '团队价', width: 58 },
    { title: '要点', width: WIDTH - 278 },
  ]
  const small: Style = { weight: 'regular', size: 9.5, color: INK }
  const head: Style = { weight: 'bold', size: 9.5, color: '#FFFFFF' }
  const drawHead = () => {
    doc.rect(PAGE.left, c.y, WIDTH, 24).fill(GREEN)
    let x = PAGE.left
    for (const col of cols) {
      doc.font(head.weight).fontSize(head.size).fillColor(head.color).text(col.title, x + 6, c.y + 6, { lineBreak: false })
      x += col.width
    }
    c.y += 24
  }
  c.ensure(24 + 40)
  c.y += 6
  drawHead()
  products.forEach((p, i) => {
    const cells = [p.name, p.brand || '—', fen(p.salePriceFen), (p.facts || p.category).replace(/\s+/g, ' ').slice(0, 80)]
    const wrapped = cells.map((t, k) => wrap(doc, t, k === 0 ? { ...small, weight: 'medium' } : small, cols[k].width - 12).slice(0, 3))
    const h = Math.max(...wrapped.map((w) => w.length)) * 15 + 12
    if (!c.room(h)) {
      c.newPage()
      drawHead()
    }
    if (i % 2 === 1) doc.rect(PAGE.left, c.y, WIDTH, h).fill('#F5F8F6')
    let x = PAGE.left
    wrapped.forEach((lines, k) => {
      let y = c.y + 7
      for (const l of lines) {
        drawLine(doc, l, x + 6, y, cols[k].width - 12, 'left')
        y += 15
      }
      x += cols[k].width
    })
    c.y += h
    doc.moveTo(PAGE.left, c.y).lineTo(PAGE.left + WIDTH, c.y).lineWidth(0.4).strokeColor(RULE).stroke()
  })
  c.y += 10
}

function drawCommissionNote(c: Composer, [lo, hi]: [number, number]): void {
  const doc = c.doc
  const pct = (bp: number) => `${(bp / 100).toFixed(bp % 100 === 0 ? 0 : 1)}%`
  const text = `参考：团队当前在售商品的会员佣金比例为售价的 ${lo === hi ? pct(lo) : `${pct(lo)}–${pct(hi)}`}，以每件商品页面为准。这只是比例，不代表你会获得某个收入数字。`
  const lines = wrap(doc, text, { weight: 'regular', size: 9.5, color: '#5B4A2A' }, WIDTH - 28)
  c.ensure(lines.length * 17 + 20)
  c.y += 4
  const top = c.y
  doc.rect(PAGE.left, top, WIDTH, lines.length * 17 + 16).fill('#FBF3E6')
  let y = top + 9
  for (const l of lines) {
    drawLine(doc, l, PAGE.left + 14, y, WIDTH - 28, 'left')
    y += 17
  }
  c.y = top + lines.length * 17 + 24
}
