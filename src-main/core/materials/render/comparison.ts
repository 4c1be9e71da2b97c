/**
 * Price-comparison images (比价图). Every number on them is one the operator
 * entered, with where it was seen and on which day; the image prints the source
 * and date beside each price and says plainly that they are records of those
 * days. A "cheaper by" line appears only when our price really is the lowest.
 */
import { SHAPE_SIZES } from '../../../../src-shared/materials/templates'
import { OrchardError } from '../../../../src-shared/errors'
import { compose, type Layer } from './compose'
import { SvgCanvas } from './paint'
import { fittedPhoto, readablePhoto } from './photos'
import type { PosterOutput, PosterProduct } from './poster'
import { formatFen, paintPrice } from './price'
import { layoutText, lineLayout, measureText } from './text'

export interface ComparisonEntry {
  /** Where the price was seen: 天猫旗舰店, 京东自营, 线下专柜 … */
  source: string
  priceFen: number
  /** The day it was seen, YYYY-MM-DD. */
  date: string
  note?: string
}

export interface ComparisonInput {
  product: PosterProduct
  ourPriceFen: number
  entries: ComparisonEntry[]
  shape?: '1:1' | '3:4'
  output?: PosterOutput
}

/** As many prices as a comparison image holds (the studio's rule, src-shared/materials/rules.ts). */
export { COMPARISON_MAX_SOURCES as MAX_COMPARISON_ENTRIES } from '../../../../src-shared/materials/rules'
import { COMPARISON_MAX_SOURCES as MAX_COMPARISON_ENTRIES } from '../../../../src-shared/materials/rules'

function refuse(why: { zh: string; en: string }, details: Record<string, unknown>): never {
  throw new OrchardError('comparison_needs_prices', `比价图需要真实录入的价格：${why.zh} / a comparison needs real entered prices: ${why.en}`, details)
}

function isRealDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false
  const d = new Date(`${day}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day
}

/** Checks the operator's entries; refuses with the entry and field at fault. */
export function checkComparison(input: Pick<ComparisonInput, 'ourPriceFen' | 'entries'>): ComparisonEntry[] {
  if (!Number.isInteger(input.ourPriceFen) || input.ourPriceFen <= 0) {
    refuse({ zh: '我们的价格须为正的整数（分）', en: 'our price must be a positive whole number of fen' }, { path: 'ourPriceFen', value: input.ourPriceFen, why: 'not a positive integer' })
  }
  const entries = Array.isArray(input.entries) ? input.entries : []
  if (entries.length === 0) {
    refuse({ zh: '至少录入一个渠道的价格、来源和日期', en: 'enter at least one price with its source and date' }, { path: 'entries', value: entries.length, why: 'no entries' })
  }
  if (entries.length > MAX_COMPARISON_ENTRIES) {
    throw new OrchardError('comparison_invalid', `比价最多 ${MAX_COMPARISON_ENTRIES} 个渠道 / at most ${MAX_COMPARISON_ENTRIES} prices fit on a comparison`, {
      path: 'entries',
      value: entries.length,
      why: `more than ${MAX_COMPARISON_ENTRIES} entries`,
    })
  }
  return entries.map((e, i) => {
    const at = (field: string) => `entries[${i}].${field}`
    const source = typeof e?.source === 'string' ? e.source.trim() : ''
    if (!source) refuse({ zh: `第 ${i + 1} 条没有来源`, en: `entry ${i + 1} has no source` }, { path: at('source'), value: e?.source, why: 'missing source' })
    if (!Number.isInteger(e.priceFen) || e.priceFen <= 0) {
      refuse({ zh: `第 ${i + 1} 条价格无效`, en: `entry ${i + 1} has no valid price` }, { path: at('priceFen'), value: e.priceFen, why: 'not a positive integer of fen' })
    }
    if (typeof e.date !== 'string' || !isRealDay(e.date)) {
      refuse({ zh: `第 ${i + 1} 条日期须为 YYYY-MM-DD`, en: `entry ${i + 1} needs a date as YYYY-MM-DD` }, { path: at('date'), value: e.date, why: 'not a calendar day' })
    }
    return { source, priceFen: e.priceFen, date: e.date, note: e.note?.trim() || undefined }
  })
}

const RED = '#E8341C'
const INK = '#1F2329'
const GREY = '#8A9099'

/** Renders a comparison card; JPEG q85 unless asked otherwise. */
export async function renderComparison(input: ComparisonInput): Promise<Buffer> {
  const entries = checkComparison(input)
  await readablePhoto(input.product.photoPath)
  const { width: W, height: H } = SHAPE_SIZES[input.shape ?? '1:1']
  const tall = H > W
  const pad = 56
  const c = new SvgCanvas(W, H)
  c.shape({ x: 0, y: 0, width: W, height: H }, { fill: { type: 'linear', angle: 90, stops: [{ offset: 0, colour: '#FFF4EE' }, { offset: 1, colour: '#FFFFFF' }] } })
  // Header
  c.shape({ x: 0, y: 0, width: W, height: 150 }, { fill: { type: 'linear', angle: 0, stops: [{ offset: 0, colour: '#FF5A36' }, { offset: 1, colour: '#E8341C' }] } })
  const head = lineLayout('比价参考', 'black', 56, 0.08)
  c.text(head, pad, 42, '#FFFFFF')
  const { brand, name } = input.product
  // Most product names already start with their brand (珀莱雅 双抗精华液): say it once.
  const sub = layoutText(name.includes(brand) ? name : `${brand} ${name}`, { width: W - pad * 2 - head.widths[0] - 30, height: 44 }, { font: 'medium', maxSize: 30, minSize: 20, lineHeight: 1.2, maxLines: 1, align: 'right', valign: 'middle' })
  c.text(sub, pad + head.widths[0] + 30, 56, '#FFE7DF')

  // Product and our price
  const photoSide = tall ? 380 : 330
  const photoBox = { x: pad, y: 190, width: photoSide, height: photoSide }
  c.shape(photoBox, { fill: '#FFFFFF', radius: 24, shadow: { colour: '#E8341C22', blur: 30, offsetX: 0, offsetY: 10 } })
  const right = { x: pad + photoSide + 40, y: 200, width: W - pad * 2 - photoSide - 40 }
  const title = layoutText(input.product.title, { width: right.width, height: 120 }, { font: 'bold', maxSize: 38, minSize: 28, lineHeight: 1.3, maxLines: 2 })
  c.text(title, right.x, right.y, INK)
  const priceTop = right.y + 140
  c.shape({ x: right.x, y: priceTop, width: 150, height: 44 }, { fill: RED, radius: 22 })
  c.text(layoutText('我们的价格', { width: 130, height: 40 }, { font: 'bold', maxSize: 24, minSize: 18, lineHeight: 1.2, maxLines: 1, align: 'center', valign: 'middle' }), right.x + 10, priceTop + 2, '#FFFFFF')
  paintPrice(c, input.ourPriceFen, { x: right.x - 4, y: priceTop + 52, width: right.width, height: 116 }, { font: 'black', colour: RED, maxSize: 112, minSize: 56, align: 'left', valign: 'top', letterSpacing: 0 })
  const lowest = Math.min(...entries.map((e) => e.priceFen))
  const cheapest = entries.find((e) => e.priceFen === lowest)!
  const verdict =
    input.ourPriceFen < lowest
      ? `比${cheapest.source}低 ${formatFen(lowest - input.ourPriceFen)}`
      : input.ourPriceFen === lowest
        ? `与${cheapest.source}同价`
        : '各渠道价格如下，供你参考'
  const verdictLayout = layoutText(verdict, { width: right.width, height: 48 }, { font: 'bold', maxSize: 32, minSize: 22, lineHeight: 1.2, maxLines: 1 })
  c.text(verdictLayout, right.x, priceTop + 184, input.ourPriceFen <= lowest ? '#1A9E55' : GREY)

  // The table: our price first, then each source, bars to scale.
  const tableTop = 190 + photoSide + (tall ? 70 : 44)
  const footerH = 70
  const rows = [{ source: '我们的价格', priceFen: input.ourPriceFen, date: '', note: undefined as string | undefined, ours: true }, ...entries.map((e) => ({ ...e, ours: false }))]
  const room = H - tableTop - footerH - 20
  const rowH = Math.min(tall ? 150 : 100, room / rows.length)
  const tableY = tableTop + Math.max(0, (room - rowH * rows.length) / 2)
  const maxPrice = Math.max(...rows.map((r) => r.priceFen))
  const nameW = 300
  const priceW = 210
  const barX = pad + nameW
  const barMax = W - pad * 2 - nameW - priceW - 20
  rows.forEach((row, i) => {
    const y = tableY + i * rowH
    if (i % 2 === 1) c.shape({ x: pad - 16, y, width: W - pad * 2 + 32, height: rowH }, { fill: '#F6F7F9', radius: 14 })
    const nameBox = { width: nameW - 20, height: row.ours ? rowH : rowH * 0.56 }
    const name = layoutText(row.source, nameBox, { font: row.ours ? 'black' : 'bold', maxSize: 32, minSize: 20, lineHeight: 1.15, maxLines: 1, valign: row.ours ? 'middle' : 'bottom' })
    c.text(name, pad, y + (row.ours ? 0 : rowH * 0.06), row.ours ? RED : INK)
    if (!row.ours) {
      const detail = [row.date, row.note].filter(Boolean).join(' · ')
      const d = layoutText(detail, { width: nameW - 20, height: rowH * 0.38 }, { font: 'regular', maxSize: 22, minSize: 16, lineHeight: 1.15, maxLines: 1, valign: 'top' })
      c.text(d, pad, y + rowH * 0.6, GREY)
    }
    const barH = Math.min(28, rowH * 0.34)
    const barW = Math.max(12, (row.priceFen / maxPrice) * barMax)
    c.shape({ x: barX, y: y + (rowH - barH) / 2, width: barMax, height: barH }, { fill: '#EEF0F3', radius: barH / 2 })
    c.shape(
      { x: barX, y: y + (rowH - barH) / 2, width: barW, height: barH },
      { fill: row.ours ? { type: 'linear', angle: 0, stops: [{ offset: 0, colour: '#FF7A45' }, { offset: 1, colour: RED }] } : '#B8BEC7', radius: barH / 2 },
    )
    const price = formatFen(row.priceFen)
    const size = Math.min(row.ours ? 40 : 34, (priceW * 100) / measureText(price, 'black', 100))
    const pl = lineLayout(price, 'black', size)
    c.text(pl, W - pad - pl.widths[0], y + (rowH - size * 1.16) / 2, row.ours ? RED : INK)
  })
  // The honest footnote.
  const note = layoutText('以上为各渠道在所示日期的页面价格，由运营人员记录，仅供参考；实际价格以下单页面为准。', { width: W - pad * 2, height: 60 }, {
    font: 'regular',
    maxSize: 22,
    minSize: 16,
    lineHeight: 1.3,
    maxLines: 2,
    align: 'center',
    valign: 'middle',
  })
  c.shape({ x: pad, y: H - footerH - 4, width: W - pad * 2, height: 1 }, { fill: '#E3E5E8' })
  c.text(note, pad, H - footerH + 2, GREY)

  const photo = await fittedPhoto(input.product.photoPath, { width: photoSide - 24, height: photoSide - 24 }, { fit: 'cover', radius: 16 })
  const top = new SvgCanvas(W, H)
  const layers: Layer[] = [{ svg: c }, { photo, left: photoBox.x + 12, top: photoBox.y + 12 }, { svg: top }]
  const image = await compose(layers.filter((l) => !('svg' in l) || !l.svg.empty || l === layers[0]))
  if (input.output?.format === 'png') return image.png().toBuffer()
  return image.jpeg({ quality: input.output?.quality ?? 85, chromaSubsampling: '4:2:0' }).toBuffer()
}
