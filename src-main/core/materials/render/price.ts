import { LINE_INK_EM, type FontWeight } from '../../../../src-shared/materials/templates'
import { loadFont } from './fonts'
import type { SvgCanvas } from './paint'
import { lineLayout, measureText } from './text'

/** Whole yuan and the two-digit cents, or null cents for a round price: 12900 → 129, 12990 → 129.90. */
export function splitFen(fen: number): { yuan: string; cents: string | null } {
  const abs = Math.abs(Math.round(fen))
  const yuan = `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}`
  const cents = abs % 100
  return { yuan, cents: cents === 0 ? null : String(cents).padStart(2, '0') }
}

/** ¥129 or ¥129.90, the way shops print prices. */
export function formatFen(fen: number): string {
  const { yuan, cents } = splitFen(fen)
  return `¥${yuan}${cents ? `.${cents}` : ''}`
}

const LABEL = 0.34
const YEN = 0.5
const CENTS = 0.5

interface PricePiece {
  text: string
  scale: number
  font: FontWeight
  colour: string
  gapBefore: number
}

/**
 * A shop price as e-commerce posters print it: an optional small label (到手价),
 * a small ¥, big whole yuan and small cents, all on one baseline. It is sized to
 * fit its box; a price is never cut, so when even minSize is too wide it shrinks
 * further and says so.
 */
export function paintPrice(
  canvas: SvgCanvas,
  fen: number,
  box: { x: number; y: number; width: number; height: number },
  style: { font: FontWeight; colour: string; maxSize: number; minSize: number; align: 'left' | 'center' | 'right'; valign: 'top' | 'middle' | 'bottom'; letterSpacing: number },
  opts: { label?: string; labelColour?: string; opacity?: number } = {},
): { size: number; belowMinSize: boolean } {
  const { yuan, cents } = splitFen(fen)
  const labelFont: FontWeight = style.font === 'black' ? 'bold' : style.font
  const pieces: PricePiece[] = []
  if (opts.label) pieces.push({ text: opts.label, scale: LABEL, font: labelFont, colour: opts.labelColour ?? style.colour, gapBefore: 0 })
  pieces.push({ text: '¥', scale: YEN, font: style.font, colour: style.colour, gapBefore: opts.label ? 0.14 : 0 })
  pieces.push({ text: yuan, scale: 1, font: style.font, colour: style.colour, gapBefore: 0.02 })
  if (cents) pieces.push({ text: `.${cents}`, scale: CENTS, font: style.font, colour: style.colour, gapBefore: 0 })
  // Everything scales with the size, so the fitting size is one division away.
  let emWidth = 0
  for (const p of pieces) emWidth += p.gapBefore + (measureText(p.text, p.font, 100, style.letterSpacing) / 100) * p.scale
  const digit = loadFont(style.font).glyph('8')
  const inkTop = Math.max(digit.yMax, 0.76)
  const inkEm = inkTop + 0.04
  const size = Math.min(style.maxSize, box.width / emWidth, box.height / inkEm)
  const width = emWidth * size
  const x0 = box.x + (style.align === 'left' ? 0 : style.align === 'center' ? (box.width - width) / 2 : box.width - width)
  const inkH = inkEm * size
  const top = box.y + (style.valign === 'top' ? 0 : style.valign === 'middle' ? (box.height - inkH) / 2 : box.height - inkH)
  const baseline = top + inkTop * size
  let x = x0
  for (const p of pieces) {
    x += p.gapBefore * size
    const s = p.scale * size
    const layout = lineLayout(p.text, p.font, s, style.letterSpacing)
    // lineLayout puts the baseline LINE_ASCENT below the top; shift so all pieces share ours.
    canvas.text(layout, x, baseline - layout.glyphs[0].baseline, p.colour, { opacity: opts.opacity })
    x += layout.widths[0]
  }
  return { size, belowMinSize: size < style.minSize - 1e-6 }
}

/** The list price, struck through: "原价 ¥199". */
export function paintListPrice(
  canvas: SvgCanvas,
  fen: number,
  box: { x: number; y: number; width: number; height: number },
  style: { font: FontWeight; colour: string; maxSize: number; minSize: number; align: 'left' | 'center' | 'right'; valign: 'top' | 'middle' | 'bottom'; letterSpacing: number },
  opts: { label: string; opacity?: number },
): { size: number; belowMinSize: boolean } {
  const label = opts.label ? `${opts.label} ` : ''
  const price = formatFen(fen)
  const emWidth = measureText(label + price, style.font, 100, style.letterSpacing) / 100
  const size = Math.min(style.maxSize, box.width / emWidth, box.height / LINE_INK_EM)
  const labelWidth = label ? measureText(label, style.font, size, style.letterSpacing) + style.letterSpacing * size : 0
  const layout = lineLayout(label + price, style.font, size, style.letterSpacing)
  const width = layout.widths[0]
  const x0 = box.x + (style.align === 'left' ? 0 : style.align === 'center' ? (box.width - width) / 2 : box.width - width)
  const inkH = LINE_INK_EM * size
  const top = box.y + (style.valign === 'top' ? 0 : style.valign === 'middle' ? (box.height - inkH) / 2 : box.height - inkH)
  canvas.text(layout, x0, top, style.colour, { opacity: opts.opacity })
  const baseline = top + layout.glyphs[0].baseline
  const strikeY = baseline - size * 0.3
  // The strike runs a hair past the digits but never out of the slot.
  const thickness = Math.max(2, size * 0.07)
  const left = Math.max(box.x + thickness / 2, x0 + labelWidth - size * 0.04)
  const right = Math.min(box.x + box.width - thickness / 2, x0 + width + size * 0.04)
  canvas.line(left, strikeY, right, strikeY, style.colour, thickness)
  return { size, belowMinSize: size < style.minSize - 1e-6 }
}
