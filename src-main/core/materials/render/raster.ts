/**
 * Drawing straight into a poster's pixels. The member layer (QR, invite code,
 * name) is the only part that changes between members, so it is painted here on
 * a copy of the shared RGB buffer instead of going through another image
 * pipeline: QR modules are solid squares, and letters are alpha masks rendered
 * once per (weight, size, character) and reused for every member.
 */
import sharp from 'sharp'
import type { GlyphInfo } from './fonts'
import { parseColour } from './paint'
import type { TextLayout } from './text'

export interface Pixels {
  data: Buffer
  width: number
  height: number
  channels: 3 | 4
}

interface GlyphMask {
  alpha: Buffer
  width: number
  height: number
  /** Offset of the mask's top-left corner from the pen position on the baseline. */
  ox: number
  oy: number
}

const MAX_MASKS = 4000
const masks = new Map<string, Promise<GlyphMask>>()

function renderMask(glyph: GlyphInfo, size: number): Promise<GlyphMask> {
  const ox = Math.floor(glyph.xMin * size) - 1
  const oy = Math.floor(-glyph.yMax * size) - 1
  const width = Math.max(1, Math.ceil(glyph.xMax * size) - ox + 1)
  const height = Math.max(1, Math.ceil(-glyph.yMin * size) - oy + 1)
  const k = size / glyph.unitsPerEm
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><path fill="#000" transform="matrix(${k.toFixed(6)} 0 0 ${(-k).toFixed(6)} ${-ox} ${-oy})" d="${glyph.d}"/></svg>`
  return sharp(Buffer.from(svg))
    .ensureAlpha()
    .extractChannel(3)
    .raw()
    .toBuffer({ resolveWithObject: true })
    .then(({ data, info }) => ({ alpha: data, width: info.width, height: info.height, ox, oy }))
}

function maskFor(font: string, glyph: GlyphInfo, size: number): Promise<GlyphMask> {
  const key = `${font}|${size}|${glyph.char}`
  let mask = masks.get(key)
  if (!mask) {
    if (masks.size >= MAX_MASKS) masks.clear()
    mask = renderMask(glyph, size)
    masks.set(key, mask)
    mask.catch(() => masks.delete(key))
  }
  return mask
}

/** Fills a rectangle, clipped to the canvas. */
export function fillRect(px: Pixels, x: number, y: number, w: number, h: number, colour: string): void {
  const c = parseColour(colour)
  const x0 = Math.max(0, Math.round(x))
  const y0 = Math.max(0, Math.round(y))
  const x1 = Math.min(px.width, Math.round(x + w))
  const y1 = Math.min(px.height, Math.round(y + h))
  const ch = px.channels
  const d = px.data
  if (c.a >= 1) {
    for (let yy = y0; yy < y1; yy++) {
      let i = (yy * px.width + x0) * ch
      for (let xx = x0; xx < x1; xx++, i += ch) {
        d[i] = c.r
        d[i + 1] = c.g
        d[i + 2] = c.b
        if (ch === 4) d[i + 3] = 255
      }
    }
    return
  }
  for (let yy = y0; yy < y1; yy++) {
    let i = (yy * px.width + x0) * ch
    for (let xx = x0; xx < x1; xx++, i += ch) {
      d[i] += (c.r - d[i]) * c.a
      d[i + 1] += (c.g - d[i + 1]) * c.a
      d[i + 2] += (c.b - d[i + 2]) * c.a
    }
  }
}

/**
 * Paints laid-out text at (x, y) (the layout box's top-left corner), clipped to
 * `clip` so that nothing ever lands outside the slot.
 */
export async function drawText(px: Pixels, layout: TextLayout, x: number, y: number, colour: string, clip: { x: number; y: number; width: number; height: number }): Promise<void> {
  const visible = layout.glyphs.filter((p) => p.glyph.d)
  if (!visible.length) return
  const size = Math.round(layout.size * 4) / 4
  const found = await Promise.all(visible.map((p) => maskFor(layout.font, p.glyph, size)))
  const c = parseColour(colour)
  const cx0 = Math.max(0, Math.floor(clip.x))
  const cy0 = Math.max(0, Math.floor(clip.y))
  const cx1 = Math.min(px.width, Math.ceil(clip.x + clip.width))
  const cy1 = Math.min(px.height, Math.ceil(clip.y + clip.height))
  const ch = px.channels
  const d = px.data
  visible.forEach((p, n) => {
    const m = found[n]
    const left = Math.round(x + p.x) + m.ox
    const top = Math.round(y + p.baseline) + m.oy
    for (let my = 0; my < m.height; my++) {
      const yy = top + my
      if (yy < cy0 || yy >= cy1) continue
      let mi = my * m.width
      let i = (yy * px.width + left) * ch
      for (let mx = 0; mx < m.width; mx++, mi++, i += ch) {
        const a = m.alpha[mi]
        if (a === 0) continue
        const xx = left + mx
        if (xx < cx0 || xx >= cx1) continue
        const k = (a / 255) * c.a
        d[i] += (c.r - d[i]) * k + 0.5
        d[i + 1] += (c.g - d[i + 1]) * k + 0.5
        d[i + 2] += (c.b - d[i + 2]) * k + 0.5
      }
    }
  })
}
