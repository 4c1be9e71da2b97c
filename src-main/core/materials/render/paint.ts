/**
 * A small SVG writer for the renderer: fills and gradients, rounded shapes with
 * soft shadows, and text laid out by text.ts painted as glyph outlines. librsvg
 * (inside sharp) rasterises the result, so no system font or fontconfig is ever
 * consulted: every letter on a poster comes from the shipped TTF.
 */
import sharp from 'sharp'
import type { Fill } from '../../../../src-shared/materials/templates'
import type { TextLayout } from './text'

export interface Rgba {
  r: number
  g: number
  b: number
  a: number
}

export function parseColour(colour: string): Rgba {
  const hex = colour.slice(1)
  return {
    r: parseInt(hex.slice(0, 2), 16),
    g: parseInt(hex.slice(2, 4), 16),
    b: parseInt(hex.slice(4, 6), 16),
    a: hex.length === 8 ? parseInt(hex.slice(6, 8), 16) / 255 : 1,
  }
}

const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2))

/** `fill="…" fill-opacity="…"` for a plain colour (librsvg reads #RRGGBBAA unevenly, so alpha goes apart). */
function colourAttrs(colour: string, prop: 'fill' | 'stroke' | 'stop-color' | 'flood-color'): string {
  const c = parseColour(colour)
  const opacityProp = prop === 'stop-color' ? 'stop-opacity' : prop === 'flood-color' ? 'flood-opacity' : `${prop}-opacity`
  return `${prop}="rgb(${c.r},${c.g},${c.b})"${c.a < 1 ? ` ${opacityProp}="${c.a.toFixed(3)}"` : ''}`
}

export interface Box {
  x: number
  y: number
  width: number
  height: number
}

export interface ShapeOptions {
  fill: Fill
  radius?: number
  ellipse?: boolean
  stroke?: { colour: string; width: number }
  shadow?: { colour: string; blur: number; offsetX: number; offsetY: number }
  opacity?: number
  /** Degrees around the box's centre. */
  rotate?: number
}

export class SvgCanvas {
  private defs: string[] = []
  private body: string[] = []
  private pending: Promise<void>[] = []
  private nextId = 0
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  private id(prefix: string): string {
    return `${prefix}${this.nextId++}`
  }

  /** Paint attributes for a fill: a colour, or a gradient defined once in <defs>. */
  paint(fill: Fill): string {
    if (typeof fill === 'string') return colourAttrs(fill, 'fill')
    const id = this.id('g')
    const stops = fill.stops.map((s) => `<stop offset="${num(s.offset)}" ${colourAttrs(s.colour, 'stop-color')}/>`).join('')
    if (fill.type === 'linear') {
      const rad = (fill.angle * Math.PI) / 180
      const dx = Math.cos(rad) / 2
      const dy = Math.sin(rad) / 2
      this.defs.push(
        `<linearGradient id="${id}" x1="${num(0.5 - dx)}" y1="${num(0.5 - dy)}" x2="${num(0.5 + dx)}" y2="${num(0.5 + dy)}">${stops}</linearGradient>`,
      )
    } else {
      this.defs.push(`<radialGradient id="${id}" cx="${num(fill.cx)}" cy="${num(fill.cy)}" r="${num(fill.r)}">${stops}</radialGradient>`)
    }
    return `fill="url(#${id})"`
  }

  private outline(box: Box, o: { radius?: number; ellipse?: boolean }, attrs: string): string {
    if (o.ellipse) {
      return `<ellipse cx="${num(box.x + box.width / 2)}" cy="${num(box.y + box.height / 2)}" rx="${num(box.width / 2)}" ry="${num(box.height / 2)}" ${attrs}/>`
    }
    const r = Math.min(o.radius ?? 0, box.width / 2, box.height / 2)
    return `<rect x="${num(box.x)}" y="${num(box.y)}" width="${num(box.width)}" height="${num(box.height)}"${r > 0 ? ` rx="${num(r)}"` : ''} ${attrs}/>`
  }

  /**
   * A soft shadow: the shape's silhouette, offset and blurred. librsvg's own blur
   * costs ~150 ms for a card-sized shadow, so the silhouette is drawn small,
   * blurred by sharp and scaled back up as an image: a blurred edge loses
   * nothing at a quarter of the resolution. Call `render()` (not toString) to
   * wait for these.
   */
  shadow(box: Box, shadow: NonNullable<ShapeOptions['shadow']>, o: { radius?: number; ellipse?: boolean; points?: string }): void {
    const sd = Math.max(0.3, shadow.blur / 2)
    const margin = Math.ceil(sd * 3)
    const dx = shadow.offsetX
    const dy = shadow.offsetY
    // The region the blurred silhouette covers, in canvas units.
    let region: Box
    if (o.points) {
      const xy = o.points.split(' ').map((p) => p.split(',').map(Number))
      const xs = xy.map((p) => p[0])
      const ys = xy.map((p) => p[1])
      region = { x: Math.min(...xs) + dx - margin, y: Math.min(...ys) + dy - margin, width: Math.max(...xs) - Math.min(...xs) + 2 * margin, height: Math.max(...ys) - Math.min(...ys) + 2 * margin }
    } else {
      region = { x: box.x + dx - margin, y: box.y + dy - margin, width: box.width + 2 * margin, height: box.height + 2 * margin }
    }
    const k = Math.max(1, Math.min(4, Math.floor(sd / 1.5)))
    const w = Math.max(1, Math.ceil(region.width / k))
    const h = Math.max(1, Math.ceil(region.height / k))
    const silhouette = o.points
      ? `<polygon points="${o.points}" ${colourAttrs(shadow.colour, 'fill')}/>`
      : this.outline(box, o, colourAttrs(shadow.colour, 'fill'))
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><g transform="scale(${1 / k}) translate(${num(dx - region.x)} ${num(dy - region.y)})">${silhouette}</g></svg>`
    const at = this.body.length
    this.body.push('')
    this.pending.push(
      sharp(Buffer.from(svg))
        .blur(Math.max(0.3, sd / k))
        .png({ compressionLevel: 1 })
        .toBuffer()
        .then((png) => {
          this.body[at] = `<image x="${num(region.x)}" y="${num(region.y)}" width="${num(w * k)}" height="${num(h * k)}" preserveAspectRatio="none" href="data:image/png;base64,${png.toString('base64')}"/>`
        }),
    )
  }

  shape(box: Box, o: ShapeOptions): void {
    const open = this.groupOpen(box, o.opacity, o.rotate)
    if (o.shadow && o.shadow.blur + Math.abs(o.shadow.offsetX) + Math.abs(o.shadow.offsetY) > 0) this.shadow(box, o.shadow, o)
    const stroke = o.stroke ? ` ${colourAttrs(o.stroke.colour, 'stroke')} stroke-width="${num(o.stroke.width)}"` : ''
    this.body.push(this.outline(box, o, this.paint(o.fill) + stroke))
    if (open) this.body.push('</g>')
  }

  /** A starburst (a sticker-like 爆款 stamp) filling the box. */
  burst(box: Box, o: ShapeOptions & { points?: number }): void {
    const open = this.groupOpen(box, o.opacity, o.rotate)
    const n = o.points ?? 18
    const cx = box.x + box.width / 2
    const cy = box.y + box.height / 2
    const pts: string[] = []
    for (let i = 0; i < n * 2; i++) {
      const r = i % 2 === 0 ? 1 : 0.86
      const a = (Math.PI * i) / n - Math.PI / 2
      pts.push(`${num(cx + Math.cos(a) * (box.width / 2) * r)},${num(cy + Math.sin(a) * (box.height / 2) * r)}`)
    }
    const points = pts.join(' ')
    if (o.shadow) this.shadow(box, o.shadow, { points })
    const stroke = o.stroke ? ` ${colourAttrs(o.stroke.colour, 'stroke')} stroke-width="${num(o.stroke.width)}" stroke-linejoin="round"` : ''
    this.body.push(`<polygon points="${points}" ${this.paint(o.fill)}${stroke}/>`)
    if (open) this.body.push('</g>')
  }

  private groupOpen(box: Box, opacity?: number, rotate?: number): boolean {
    const attrs: string[] = []
    if (opacity !== undefined && opacity < 1) attrs.push(`opacity="${num(opacity)}"`)
    if (rotate) attrs.push(`transform="rotate(${num(rotate)} ${num(box.x + box.width / 2)} ${num(box.y + box.height / 2)})"`)
    if (!attrs.length) return false
    this.body.push(`<g ${attrs.join(' ')}>`)
    return true
  }

  /** Paints laid-out text with its top-left corner at (x, y). */
  text(layout: Pick<TextLayout, 'glyphs' | 'size'>, x: number, y: number, colour: string, opts: { opacity?: number; rotate?: { angle: number; cx: number; cy: number } } = {}): void {
    if (!layout.glyphs.length) return
    const s = layout.size
    const g: string[] = []
    for (const p of layout.glyphs) {
      if (!p.glyph.d) continue
      const k = s / p.glyph.unitsPerEm
      g.push(`<path transform="matrix(${k.toFixed(5)} 0 0 ${(-k).toFixed(5)} ${num(x + p.x)} ${num(y + p.baseline)})" d="${p.glyph.d}"/>`)
    }
    const attrs = [colourAttrs(colour, 'fill')]
    if (opts.opacity !== undefined && opts.opacity < 1) attrs.push(`opacity="${num(opts.opacity)}"`)
    if (opts.rotate) attrs.push(`transform="rotate(${num(opts.rotate.angle)} ${num(opts.rotate.cx)} ${num(opts.rotate.cy)})"`)
    this.body.push(`<g ${attrs.join(' ')}>${g.join('')}</g>`)
  }

  /** A straight line, e.g. the strike-through of a list price. */
  line(x1: number, y1: number, x2: number, y2: number, colour: string, width: number): void {
    this.body.push(`<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" ${colourAttrs(colour, 'stroke')} stroke-width="${num(width)}" stroke-linecap="round"/>`)
  }

  /** An embedded raster (PNG/JPEG bytes), e.g. a photo inside a comparison card. */
  image(box: Box, bytes: Buffer, mime: 'image/png' | 'image/jpeg', radius = 0): void {
    let clip = ''
    if (radius > 0) {
      const id = this.id('c')
      this.defs.push(`<clipPath id="${id}">${this.outline(box, { radius }, '')}</clipPath>`)
      clip = ` clip-path="url(#${id})"`
    }
    this.body.push(
      `<image x="${num(box.x)}" y="${num(box.y)}" width="${num(box.width)}" height="${num(box.height)}" preserveAspectRatio="none"${clip} href="data:${mime};base64,${bytes.toString('base64')}"/>`,
    )
  }

  raw(markup: string): void {
    this.body.push(markup)
  }

  get empty(): boolean {
    return this.body.length === 0
  }

  toString(): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}"><defs>${this.defs.join('')}</defs>${this.body.join('')}</svg>`
  }

  /** The finished SVG, once every shadow is drawn. */
  async render(): Promise<Buffer> {
    await Promise.all(this.pending)
    return Buffer.from(this.toString())
  }
}
