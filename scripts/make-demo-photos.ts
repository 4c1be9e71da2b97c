/**
 * Regenerates the demo studio's photos in resources/demo/photos: studio product
 * shots (products/) and customers' buyer-show snapshots (buyers/), drawn from
 * vector "models" of each category's typical product with the shipped font on
 * the packaging. Deterministic: the same files every run.
 *
 *   node --import tsx scripts/make-demo-photos.ts
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp, { type OverlayOptions } from 'sharp'
import type { FontWeight } from '../src-shared/materials/templates'
import { resourcesDir } from '../src-main/core/materials/render/resources'
import { lineLayout } from '../src-main/core/materials/render/text'

const out = join(resourcesDir(), 'demo', 'photos')

// ------------------------------------------------------------------ colour & text

function hex(h: string): [number, number, number] {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]
}
/** Lighter (amount > 0) or darker (amount < 0) version of a colour. */
function shade(h: string, amount: number): string {
  const [r, g, b] = hex(h)
  const f = (c: number) => Math.round(amount >= 0 ? c + (255 - c) * amount : c * (1 + amount))
  return `#${[f(r), f(g), f(b)].map((c) => c.toString(16).padStart(2, '0')).join('')}`
}

let uid = 0
const id = (p: string) => `${p}${uid++}`

/** Text as glyph outlines, centred on cx with its baseline at y. */
function label(text: string, font: FontWeight, size: number, colour: string, cx: number, y: number, opts: { spacing?: number; anchor?: 'middle' | 'start' } = {}): string {
  const layout = lineLayout(text, font, size, opts.spacing ?? 0)
  const x0 = opts.anchor === 'start' ? cx : cx - layout.widths[0] / 2
  const paths = layout.glyphs
    .filter((g) => g.glyph.d)
    .map((g) => {
      const k = size / g.glyph.unitsPerEm
      return `<path transform="matrix(${k.toFixed(5)} 0 0 ${(-k).toFixed(5)} ${(x0 + g.x).toFixed(1)} ${y.toFixed(1)})" d="${g.glyph.d}"/>`
    })
    .join('')
  return `<g fill="${colour}">${paths}</g>`
}

// ------------------------------------------------------------------ shared pieces

interface Defs {
  list: string[]
}

/** A horizontal gradient that makes a flat shape read as a lit cylinder. */
function cylinder(defs: Defs, base: string, opts: { gloss?: number } = {}): string {
  const g = id('cyl')
  const gloss = opts.gloss ?? 0.55
  defs.list.push(
    `<linearGradient id="${g}" x1="0" y1="0" x2="1" y2="0">` +
      `<stop offset="0" stop-color="${shade(base, -0.38)}"/>` +
      `<stop offset="0.12" stop-color="${shade(base, -0.12)}"/>` +
      `<stop offset="0.3" stop-color="${shade(base, gloss)}"/>` +
      `<stop offset="0.42" stop-color="${shade(base, 0.08)}"/>` +
      `<stop offset="0.78" stop-color="${shade(base, -0.08)}"/>` +
      `<stop offset="1" stop-color="${shade(base, -0.42)}"/></linearGradient>`,
  )
  return `url(#${g})`
}

function vertical(defs: Defs, top: string, bottom: string): string {
  const g = id('v')
  defs.list.push(`<linearGradient id="${g}" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient>`)
  return `url(#${g})`
}

function blur(defs: Defs, sd: number): string {
  const f = id('b')
  defs.list.push(`<filter id="${f}" x="-60%" y="-60%" width="220%" height="220%"><feGaussianBlur stdDeviation="${sd}"/></filter>`)
  return `url(#${f})`
}

/** A soft contact shadow on the floor under an object of width w. */
function floorShadow(defs: Defs, cx: number, y: number, w: number, strength = 0.32): string {
  return (
    `<ellipse cx="${cx}" cy="${y + 4}" rx="${w * 0.62}" ry="${w * 0.1}" fill="#000" opacity="${strength * 0.55}" filter="${blur(defs, w * 0.06)}"/>` +
    `<ellipse cx="${cx}" cy="${y + 1}" rx="${w * 0.48}" ry="${w * 0.035}" fill="#000" opacity="${strength}" filter="${blur(defs, w * 0.018)}"/>`
  )
}

/** A narrow white reflection strip, the cue that makes plastic and glass look glossy. */
function specular(defs: Defs, x: number, y: number, w: number, h: number, opacity = 0.6): string {
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${w / 2}" fill="#fff" opacity="${opacity}" filter="${blur(defs, Math.max(1.5, w * 0.25))}"/>`
}

// ------------------------------------------------------------------ product models
// Each draws a product standing on the floor at (0, 0), about `h` units tall, facing the camera.

type Model = (defs: Defs) => { svg: string; width: number; height: number }

const dropperBottle =
  (glass: string, cap: string, text: string, sub: string): Model =>
  (defs) => {
    const w = 190
    const h = 330
    const body = cylinder(defs, glass, { gloss: 0.45 })
    const capFill = cylinder(defs, cap, { gloss: 0.35 })
    const svg =
      floorShadow(defs, 0, 0, w) +
      `<path d="M ${-w / 2} -26 Q ${-w / 2} 0 ${-w / 2 + 26} 0 L ${w / 2 - 26} 0 Q ${w / 2} 0 ${w / 2} -26 L ${w / 2} ${-h + 110} Q ${w / 2} ${-h + 70} ${w / 2 - 40} ${-h + 62} L ${-w / 2 + 40} ${-h + 62} Q ${-w / 2} ${-h + 70} ${-w / 2} ${-h + 110} Z" fill="${body}"/>` +
      `<rect x="-34" y="${-h + 20}" width="68" height="48" rx="6" fill="${capFill}"/>` +
      `<path d="M -26 ${-h + 22} Q -26 ${-h - 60} 0 ${-h - 64} Q 26 ${-h - 60} 26 ${-h + 22} Z" fill="${cylinder(defs, '#2b2b2b', { gloss: 0.3 })}"/>` +
      `<rect x="${-w / 2 + 18}" y="${-h + 150}" width="${w - 36}" height="120" rx="6" fill="#fbf7f0" opacity="0.93"/>` +
      label(text, 'bold', 30, '#3a2a1a', 0, -h + 202, { spacing: 0.1 }) +
      label(sub, 'medium', 13, '#8a6d4a', 0, -h + 238, { spacing: 0.12 }) +
      specular(defs, -w / 2 + 30, -h + 96, 12, h - 130, 0.55)
    return { svg, width: w, height: h + 64 }
  }

const creamJar =
  (colour: string, lid: string, text: string): Model =>
  (defs) => {
    const w = 260
    const svg =
      floorShadow(defs, 0, 0, w) +
      `<path d="M ${-w / 2} -130 L ${-w / 2} -16 Q ${-w / 2} 0 ${-w / 2 + 18} 0 L ${w / 2 - 18} 0 Q ${w / 2} 0 ${w / 2} -16 L ${w / 2} -130 Z" fill="${cylinder(defs, colour, { gloss: 0.5 })}"/>` +
      `<ellipse cx="0" cy="-130" rx="${w / 2}" ry="16" fill="${shade(colour, 0.15)}"/>` +
      `<path d="M ${-w / 2 - 6} -200 L ${-w / 2 - 6} -138 Q ${-w / 2 - 6} -128 ${-w / 2 + 6} -128 L ${w / 2 - 6} -128 Q ${w / 2 + 6} -128 ${w / 2 + 6} -138 L ${w / 2 + 6} -200 Z" fill="${cylinder(defs, lid, { gloss: 0.6 })}"/>` +
      `<ellipse cx="0" cy="-200" rx="${w / 2 + 6}" ry="18" fill="${shade(lid, 0.25)}"/>` +
      label(text, 'bold', 28, shade(colour, 0.85), 0, -60, { spacing: 0.25 }) +
      specular(defs, -w / 2 + 34, -120, 10, 100, 0.45) +
      specular(defs, -w / 2 + 30, -192, 8, 54, 0.5)
    return { svg, width: w + 12, height: 220 }
  }

const pumpBottle =
  (colour: string, labelColour: string, text: string, sub: string, opts: { h?: number; w?: number } = {}): Model =>
  (defs) => {
    const w = opts.w ?? 180
    const h = opts.h ?? 360
    const svg =
      floorShadow(defs, 0, 0, w) +
      `<rect x="${-w / 2}" y="${-h}" width="${w}" height="${h}" rx="${w * 0.18}" fill="${cylinder(defs, colour)}"/>` +
      `<rect x="-26" y="${-h - 40}" width="52" height="44" rx="6" fill="${cylinder(defs, '#f4f4f4', { gloss: 0.3 })}"/>` +
      `<rect x="-12" y="${-h - 92}" width="24" height="56" fill="${cylinder(defs, '#efefef', { gloss: 0.3 })}"/>` +
      `<path d="M -14 ${-h - 96} L 74 ${-h - 96} Q 84 ${-h - 96} 84 ${-h - 84} L 84 ${-h - 78} L -14 ${-h - 78} Z" fill="${cylinder(defs, '#f2f2f2', { gloss: 0.3 })}"/>` +
      `<rect x="${-w / 2 + 16}" y="${-h * 0.62}" width="${w - 32}" height="${h * 0.42}" rx="10" fill="${labelColour}"/>` +
      label(text, 'black', Math.min(40, w * 0.2), shade(colour, -0.35), 0, -h * 0.62 + h * 0.19, { spacing: 0.08 }) +
      label(sub, 'medium', 13, shade(colour, -0.2), 0, -h * 0.62 + h * 0.3, { spacing: 0.1 }) +
      specular(defs, -w / 2 + 22, -h + 30, 12, h - 60, 0.5)
    return { svg, width: w, height: h + 96 }
  }

const pillBottle =
  (capColour: string, bandColour: string, text: string, sub: string): Model =>
  (defs) => {
    const w = 210
    const h = 290
    const svg =
      floorShadow(defs, 0, 0, w) +
      `<rect x="${-w / 2}" y="${-h}" width="${w}" height="${h}" rx="30" fill="${cylinder(defs, '#f6f5f2', { gloss: 0.3 })}"/>` +
      `<rect x="${-w / 2 + 10}" y="${-h - 70}" width="${w - 20}" height="80" rx="10" fill="${cylinder(defs, capColour, { gloss: 0.4 })}"/>` +
      Array.from({ length: 12 }, (_, i) => `<rect x="${-w / 2 + 18 + i * ((w - 36) / 12)}" y="${-h - 64}" width="3" height="68" fill="#000" opacity="0.08"/>`).join('') +
      `<rect x="${-w / 2}" y="${-h * 0.78}" width="${w}" height="${h * 0.6}" fill="${bandColour}"/>` +
      `<rect x="${-w / 2}" y="${-h * 0.78}" width="${w}" height="${h * 0.6}" fill="${cylinder(defs, bandColour, { gloss: 0.25 })}" opacity="0.55"/>` +
      label(text, 'black', 40, '#ffffff', 0, -h * 0.52, { spacing: 0.05 }) +
      label(sub, 'medium', 18, shade(bandColour, 0.8), 0, -h * 0.38, { spacing: 0.2 }) +
      `<rect x="${-w / 2 + 40}" y="${-h * 0.32}" width="${w - 80}" height="2" fill="#fff" opacity="0.6"/>` +
      specular(defs, -w / 2 + 24, -h + 20, 12, h - 40, 0.45)
    return { svg, width: w, height: h + 70 }
  }

const tin =
  (colour: string, accent: string, text: string, sub: string): Model =>
  (defs) => {
    const w = 240
    const h = 300
    const svg =
      floorShadow(defs, 0, 0, w) +
      `<rect x="${-w / 2}" y="${-h}" width="${w}" height="${h}" rx="14" fill="${cylinder(defs, colour, { gloss: 0.4 })}"/>` +
      `<rect x="${-w / 2 - 4}" y="${-h - 36}" width="${w + 8}" height="44" rx="10" fill="${cylinder(defs, '#d8d8d8', { gloss: 0.7 })}"/>` +
      `<ellipse cx="0" cy="${-h * 0.5}" rx="${w * 0.34}" ry="${w * 0.34}" fill="${accent}" opacity="0.9"/>` +
      label(text, 'black', 40, '#ffffff', 0, -h * 0.5 + 8, { spacing: 0.05 }) +
      label(sub, 'bold', 18, shade(colour, -0.5), 0, -h * 0.12, { spacing: 0.3 }) +
      specular(defs, -w / 2 + 28, -h + 20, 12, h - 40, 0.35)
    return { svg, width: w + 8, height: h + 36 }
  }

/** A soft pillow pack (diapers, wipes, snacks in a bag). */
const pillowPack =
  (colour: string, accent: string, text: string, sub: string): Model =>
  (defs) => {
    const w = 420
    const h = 330
    const fill = vertical(defs, shade(colour, 0.25), shade(colour, -0.12))
    const svg =
      floorShadow(defs, 0, 0, w, 0.28) +
      `<path d="M ${-w / 2 + 10} -12 Q ${-w / 2 - 10} ${-h / 2} ${-w / 2 + 14} ${-h + 10} Q 0 ${-h - 14} ${w / 2 - 14} ${-h + 10} Q ${w / 2 + 10} ${-h / 2} ${w / 2 - 10} -12 Q 0 8 ${-w / 2 + 10} -12 Z" fill="${fill}"/>` +
      `<path d="M ${-w / 2 + 40} ${-h + 40} Q 0 ${-h + 20} ${w / 2 - 40} ${-h + 40}" stroke="#fff" stroke-width="14" fill="none" opacity="0.35" filter="${blur(defs, 6)}"/>` +
      `<circle cx="${-w * 0.22}" cy="${-h * 0.62}" r="46" fill="${accent}"/>` +
      `<circle cx="${-w * 0.22 + 40}" cy="${-h * 0.66}" r="34" fill="${accent}"/>` +
      `<circle cx="${-w * 0.22 - 38}" cy="${-h * 0.6}" r="28" fill="${accent}"/>` +
      label(text, 'black', 52, '#ffffff', w * 0.1, -h * 0.42, { spacing: 0.05 }) +
      label(sub, 'bold', 22, shade(colour, -0.45), w * 0.1, -h * 0.3, { spacing: 0.2 }) +
      `<rect x="${-w / 2 + 30}" y="-70" width="${w - 60}" height="34" rx="17" fill="#fff" opacity="0.85"/>` +
      label('柔软 · 透气 · 干爽', 'medium', 18, shade(colour, -0.45), 0, -46, { spacing: 0.25 })
    return { svg, width: w, height: h }
  }

/** A stand-up kraft pouch with a window onto what is inside. */
const pouch =
  (paper: string, text: string, sub: string): Model =>
  (defs) => {
    const w = 300
    const h = 400
    const nuts = Array.from({ length: 16 }, (_, i) => {
      const x = -80 + (i % 4) * 52 + ((i * 13) % 11)
      const y = -h * 0.46 + Math.floor(i / 4) * 30 + ((i * 7) % 9)
      const c = ['#c98d4a', '#b5733a', '#d9a55f', '#8a5a2b'][i % 4]
      return `<ellipse cx="${x}" cy="${y}" rx="22" ry="14" fill="${c}" transform="rotate(${(i * 37) % 60 - 30} ${x} ${y})"/>`
    }).join('')
    const clip = id('win')
    defs.list.push(`<clipPath id="${clip}"><rect x="-95" y="${-h * 0.56}" width="190" height="120" rx="50"/></clipPath>`)
    const svg =
      floorShadow(defs, 0, 0, w, 0.3) +
      `<path d="M ${-w / 2} -8 L ${-w / 2 + 14} ${-h + 30} L ${w / 2 - 14} ${-h + 30} L ${w / 2} -8 Q 0 10 ${-w / 2} -8 Z" fill="${cylinder(defs, paper, { gloss: 0.2 })}"/>` +
      `<rect x="${-w / 2 + 14}" y="${-h + 16}" width="${w - 28}" height="28" fill="${shade(paper, -0.15)}"/>` +
      Array.from({ length: 22 }, (_, i) => `<rect x="${-w / 2 + 18 + i * 12}" y="${-h + 18}" width="5" height="24" fill="#000" opacity="0.1"/>`).join('') +
      `<g clip-path="url(#${clip})"><rect x="-95" y="${-h * 0.56}" width="190" height="120" fill="#6b4322"/>${nuts}</g>` +
      `<rect x="-95" y="${-h * 0.56}" width="190" height="120" rx="50" fill="none" stroke="#fff" stroke-width="3" opacity="0.7"/>` +
      label(text, 'black', 44, '#3b2412', 0, -h * 0.7, { spacing: 0.06 }) +
      label(sub, 'bold', 20, '#7a4b22', 0, -h * 0.18, { spacing: 0.3 }) +
      `<rect x="-60" y="${-h * 0.14}" width="120" height="2" fill="#7a4b22" opacity="0.5"/>`
    return { svg, width: w, height: h }
  }

const towelStack =
  (colours: string[]): Model =>
  (defs) => {
    const w = 380
    let y = 0
    let svg = floorShadow(defs, 0, 0, w, 0.3)
    colours.forEach((c, i) => {
      const th = 70
      const inset = i * 6
      svg +=
        `<rect x="${-w / 2 + inset}" y="${y - th}" width="${w - inset * 2}" height="${th}" rx="30" fill="${vertical(defs, shade(c, 0.12), shade(c, -0.15))}"/>` +
        Array.from({ length: 26 }, (_, k) => `<rect x="${-w / 2 + inset + 16 + k * 13.5}" y="${y - th + 10}" width="2" height="${th - 20}" fill="#fff" opacity="0.12"/>`).join('') +
        `<rect x="${-w / 2 + inset + 20}" y="${y - 16}" width="${w - inset * 2 - 40}" height="5" rx="2" fill="${shade(c, -0.25)}" opacity="0.6"/>`
      y -= th - 4
    })
    return { svg, width: w, height: -y }
  }

const mug =
  (colour: string, text: string): Model =>
  (defs) => {
    const w = 230
    const h = 250
    const svg =
      floorShadow(defs, 0, 0, w + 60) +
      `<path d="M ${w / 2 - 6} ${-h + 60} Q ${w / 2 + 90} ${-h + 70} ${w / 2 + 70} ${-h + 150} Q ${w / 2 + 50} ${-h + 210} ${w / 2 - 6} ${-h + 200}" stroke="${shade(colour, -0.15)}" stroke-width="26" fill="none"/>` +
      `<path d="M ${-w / 2} ${-h} L ${w / 2} ${-h} L ${w / 2 - 6} -20 Q ${w / 2 - 8} 0 ${w / 2 - 30} 0 L ${-w / 2 + 30} 0 Q ${-w / 2 + 8} 0 ${-w / 2 + 6} -20 Z" fill="${cylinder(defs, colour, { gloss: 0.45 })}"/>` +
      `<ellipse cx="0" cy="${-h}" rx="${w / 2}" ry="20" fill="${shade(colour, -0.3)}"/>` +
      `<ellipse cx="0" cy="${-h + 4}" rx="${w / 2 - 10}" ry="14" fill="#5a3a22"/>` +
      label(text, 'bold', 30, shade(colour, -0.5), 0, -h * 0.45, { spacing: 0.3 }) +
      specular(defs, -w / 2 + 26, -h + 30, 12, h - 70, 0.5)
    return { svg, width: w + 90, height: h + 20 }
  }

const candle =
  (glass: string, text: string): Model =>
  (defs) => {
    const w = 220
    const h = 240
    const svg =
      floorShadow(defs, 0, 0, w) +
      `<rect x="${-w / 2}" y="${-h}" width="${w}" height="${h}" rx="18" fill="${cylinder(defs, glass, { gloss: 0.4 })}"/>` +
      `<rect x="${-w / 2 + 8}" y="${-h + 40}" width="${w - 16}" height="${h - 50}" rx="12" fill="#f7efe2" opacity="0.55"/>` +
      `<rect x="${-w / 2 - 4}" y="${-h - 40}" width="${w + 8}" height="46" rx="8" fill="${cylinder(defs, '#c9a56a', { gloss: 0.7 })}"/>` +
      `<rect x="-70" y="${-h * 0.62}" width="140" height="92" rx="4" fill="#fffaf2"/>` +
      label(text, 'bold', 26, '#5b4630', 0, -h * 0.62 + 44, { spacing: 0.3 }) +
      label('SCENTED', 'medium', 14, '#9b8466', 0, -h * 0.62 + 72, { spacing: 0.4 }) +
      specular(defs, -w / 2 + 22, -h + 20, 12, h - 40, 0.5)
    return { svg, width: w + 8, height: h + 40 }
  }

const handbag =
  (leather: string): Model =>
  (defs) => {
    const w = 400
    const h = 280
    const svg =
      floorShadow(defs, 0, 0, w, 0.35) +
      `<path d="M -110 ${-h + 10} Q -110 ${-h - 130} 0 ${-h - 130} Q 110 ${-h - 130} 110 ${-h + 10}" stroke="${shade(leather, -0.25)}" stroke-width="20" fill="none"/>` +
      `<path d="M ${-w / 2 + 30} ${-h} L ${w / 2 - 30} ${-h} L ${w / 2} -14 Q ${w / 2} 0 ${w / 2 - 16} 0 L ${-w / 2 + 16} 0 Q ${-w / 2} 0 ${-w / 2} -14 Z" fill="${vertical(defs, shade(leather, 0.18), shade(leather, -0.22))}"/>` +
      `<path d="M ${-w / 2 + 30} ${-h} L ${w / 2 - 30} ${-h} L ${w / 2 - 20} ${-h + 110} Q 0 ${-h + 140} ${-w / 2 + 20} ${-h + 110} Z" fill="${shade(leather, -0.08)}"/>` +
      `<path d="M ${-w / 2 + 20} ${-h + 110} Q 0 ${-h + 140} ${w / 2 - 20} ${-h + 110}" stroke="${shade(leather, 0.35)}" stroke-width="3" stroke-dasharray="10 8" fill="none"/>` +
      `<rect x="-28" y="${-h + 112}" width="56" height="40" rx="8" fill="${cylinder(defs, '#d4b06a', { gloss: 0.8 })}"/>` +
      `<path d="M ${-w / 2 + 14} -20 L ${w / 2 - 14} -20" stroke="${shade(leather, 0.3)}" stroke-width="3" stroke-dasharray="10 8"/>` +
      specular(defs, -w / 2 + 40, -h + 20, 10, h - 60, 0.25)
    return { svg, width: w, height: h + 140 }
  }

const sneaker =
  (upper: string, accent: string): Model =>
  (defs) => {
    const svg =
      floorShadow(defs, 0, 0, 470, 0.35) +
      // upper: heel at the left, toe at the right, ankle opening on top
      `<path d="M -228 -40 Q -240 -120 -210 -178 Q -196 -200 -160 -196 Q -120 -190 -96 -172 Q -60 -150 -20 -150 Q 20 -150 60 -128 Q 130 -96 200 -84 Q 244 -74 244 -40 Z" fill="${vertical(defs, shade(upper, 0.1), shade(upper, -0.12))}"/>` +
      `<path d="M -214 -176 Q -160 -214 -96 -172" stroke="${shade(upper, -0.35)}" stroke-width="10" fill="none" stroke-linecap="round"/>` +
      // toe cap and heel counter in the accent colour
      `<path d="M 120 -98 Q 190 -86 222 -72 Q 246 -60 244 -40 L 110 -40 Q 100 -70 120 -98 Z" fill="${shade(accent, 0.05)}"/>` +
      `<path d="M -228 -40 Q -238 -110 -214 -160 L -170 -150 Q -186 -100 -176 -40 Z" fill="${accent}"/>` +
      // a side stripe
      `<path d="M -120 -60 Q -40 -140 60 -118 Q -10 -96 -60 -60 Z" fill="${accent}" opacity="0.9"/>` +
      // laces across the tongue
      Array.from({ length: 5 }, (_, i) => `<path d="M ${-70 + i * 30} ${-160 + i * 7} l 26 16" stroke="#ffffff" stroke-width="7" stroke-linecap="round"/><circle cx="${-74 + i * 30}" cy="${-158 + i * 7}" r="4" fill="${shade(upper, -0.4)}"/>`).join('') +
      // midsole and outsole
      `<path d="M -238 -44 L 248 -44 Q 256 -44 254 -30 L 250 -8 Q 248 4 234 4 L -226 4 Q -242 4 -242 -10 Z" fill="#f7f4ec"/>` +
      `<path d="M -240 -44 L 250 -44" stroke="#dcd5c5" stroke-width="3"/>` +
      `<path d="M -236 -6 L 250 -6" stroke="${shade(accent, -0.2)}" stroke-width="9" opacity="0.85"/>` +
      specular(defs, -160, -170, 150, 8, 0.35)
    return { svg, width: 500, height: 210 }
  }

const sweater =
  (colour: string): Model =>
  (defs) => {
    const w = 420
    const h = 200
    const body = vertical(defs, shade(colour, 0.12), shade(colour, -0.16))
    const svg =
      floorShadow(defs, 0, 0, w, 0.3) +
      `<rect x="${-w / 2}" y="${-h}" width="${w}" height="${h}" rx="26" fill="${body}"/>` +
      Array.from({ length: 30 }, (_, i) => `<rect x="${-w / 2 + 12 + i * 13.4}" y="${-h + 8}" width="3" height="${h - 16}" fill="#000" opacity="0.07"/>`).join('') +
      `<path d="M -80 ${-h} Q 0 ${-h + 70} 80 ${-h}" fill="${shade(colour, -0.22)}"/>` +
      `<path d="M -64 ${-h} Q 0 ${-h + 52} 64 ${-h}" fill="${shade(colour, 0.05)}"/>` +
      `<rect x="${-w / 2}" y="-40" width="${w}" height="40" rx="14" fill="${shade(colour, -0.1)}"/>` +
      Array.from({ length: 40 }, (_, i) => `<rect x="${-w / 2 + 8 + i * 10.2}" y="-38" width="4" height="36" fill="#000" opacity="0.1"/>`).join('')
    return { svg, width: w, height: h }
  }

const tube =
  (colour: string, text: string, sub: string): Model =>
  (defs) => {
    const svg =
      floorShadow(defs, 0, 0, 460, 0.3) +
      `<path d="M -230 -90 L 150 -110 L 150 -10 L -230 -30 Z" fill="${vertical(defs, shade(colour, 0.3), shade(colour, -0.15))}"/>` +
      `<rect x="-246" y="-94" width="22" height="68" rx="3" fill="${shade(colour, -0.2)}"/>` +
      Array.from({ length: 6 }, (_, i) => `<rect x="-244" y="${-90 + i * 11}" width="18" height="3" fill="#fff" opacity="0.35"/>`).join('') +
      `<path d="M 150 -104 L 176 -96 L 176 -24 L 150 -16 Z" fill="${shade(colour, -0.1)}"/>` +
      `<rect x="176" y="-82" width="58" height="46" rx="10" fill="${cylinder(defs, '#f3f3f3', { gloss: 0.4 })}"/>` +
      label(text, 'black', 42, '#ffffff', -40, -50) +
      label(sub, 'medium', 16, shade(colour, 0.8), -40, -28, { spacing: 0.2 }) +
      specular(defs, -200, -92, 300, 8, 0.4)
    return { svg, width: 480, height: 120 }
  }

const jug =
  (colour: string, text: string, sub: string): Model =>
  (defs) => {
    const w = 280
    const h = 380
    const svg =
      floorShadow(defs, 0, 0, w) +
      `<path d="M ${-w / 2} -20 Q ${-w / 2} 0 ${-w / 2 + 20} 0 L ${w / 2 - 20} 0 Q ${w / 2} 0 ${w / 2} -20 L ${w / 2} ${-h + 90} Q ${w / 2} ${-h + 40} ${w / 2 - 60} ${-h + 30} L ${-30} ${-h + 30} L ${-40} ${-h + 10} L ${-w / 2 + 40} ${-h + 10} Q ${-w / 2} ${-h + 20} ${-w / 2} ${-h + 80} Z" fill="${cylinder(defs, colour, { gloss: 0.5 })}"/>` +
      `<path d="M ${w / 2 - 50} ${-h + 60} Q ${w / 2 + 30} ${-h + 90} ${w / 2 - 10} ${-h + 200}" stroke="${shade(colour, -0.2)}" stroke-width="22" fill="none"/>` +
      `<rect x="${-w / 2 + 30}" y="${-h - 26}" width="80" height="44" rx="8" fill="${cylinder(defs, '#ffffff', { gloss: 0.3 })}"/>` +
      `<rect x="${-w / 2 + 24}" y="${-h * 0.56}" width="${w - 48}" height="${h * 0.4}" rx="16" fill="#ffffff" opacity="0.92"/>` +
      label(text, 'black', 44, shade(colour, -0.35), 0, -h * 0.56 + 70, { spacing: 0.05 }) +
      label(sub, 'medium', 18, shade(colour, -0.2), 0, -h * 0.56 + 108, { spacing: 0.2 }) +
      specular(defs, -w / 2 + 22, -h + 100, 12, h - 140, 0.45)
    return { svg, width: w + 20, height: h + 26 }
  }

const giftBox =
  (colour: string, ribbon: string, text: string): Model =>
  (defs) => {
    const w = 380
    const h = 250
    const svg =
      floorShadow(defs, 0, 0, w, 0.35) +
      `<rect x="${-w / 2}" y="${-h}" width="${w}" height="${h}" rx="6" fill="${vertical(defs, shade(colour, 0.1), shade(colour, -0.18))}"/>` +
      `<rect x="${-w / 2 - 8}" y="${-h - 10}" width="${w + 16}" height="64" rx="6" fill="${vertical(defs, shade(colour, 0.22), shade(colour, -0.05))}"/>` +
      `<rect x="-18" y="${-h - 10}" width="36" height="${h + 10}" fill="${vertical(defs, shade(ribbon, 0.2), shade(ribbon, -0.15))}"/>` +
      `<path d="M 0 ${-h - 10} Q -90 ${-h - 90} -100 ${-h - 30} Q -60 ${-h - 14} 0 ${-h - 10} Z" fill="${shade(ribbon, 0.1)}"/>` +
      `<path d="M 0 ${-h - 10} Q 90 ${-h - 90} 100 ${-h - 30} Q 60 ${-h - 14} 0 ${-h - 10} Z" fill="${shade(ribbon, -0.05)}"/>` +
      `<rect x="${-w / 2 + 40}" y="${-h * 0.5}" width="110" height="70" rx="4" fill="#fffaf0" opacity="0.92"/>` +
      label(text, 'bold', 22, shade(colour, -0.4), -w / 2 + 95, -h * 0.5 + 43, { spacing: 0.05 })
    return { svg, width: w + 16, height: h + 90 }
  }

const babyBottle = (): Model => (defs) => {
  const w = 150
  const h = 300
  const svg =
    floorShadow(defs, 0, 0, w) +
    `<rect x="${-w / 2}" y="${-h}" width="${w}" height="${h}" rx="34" fill="${cylinder(defs, '#e9f3f7', { gloss: 0.6 })}" opacity="0.95"/>` +
    `<rect x="${-w / 2 + 6}" y="${-h * 0.55}" width="${w - 12}" height="${h * 0.55 - 8}" rx="28" fill="#fffdf6"/>` +
    Array.from({ length: 6 }, (_, i) => `<rect x="${w / 2 - 40}" y="${-h * 0.85 + i * 34}" width="${i % 2 ? 16 : 26}" height="3" fill="#6aa7c2"/>`).join('') +
    `<rect x="${-w / 2 - 6}" y="${-h - 40}" width="${w + 12}" height="50" rx="10" fill="${cylinder(defs, '#ffc7d1', { gloss: 0.5 })}"/>` +
    `<path d="M -34 ${-h - 38} Q -36 ${-h - 100} 0 ${-h - 118} Q 36 ${-h - 100} 34 ${-h - 38} Z" fill="${cylinder(defs, '#f3e3c8', { gloss: 0.5 })}" opacity="0.95"/>` +
    specular(defs, -w / 2 + 18, -h + 20, 12, h - 50, 0.6)
  return { svg, width: w + 12, height: h + 118 }
}

/** A round podium (the turntable product shots stand on). */
function podium(defs: Defs, cx: number, y: number, w: number, colour: string): string {
  const h = w * 0.16
  return (
    floorShadow(defs, cx, y, w, 0.25) +
    `<rect x="${cx - w / 2}" y="${y - h}" width="${w}" height="${h}" fill="${cylinder(defs, colour, { gloss: 0.25 })}"/>` +
    `<ellipse cx="${cx}" cy="${y}" rx="${w / 2}" ry="${w * 0.07}" fill="${shade(colour, -0.25)}"/>` +
    `<ellipse cx="${cx}" cy="${y - h}" rx="${w / 2}" ry="${w * 0.07}" fill="${vertical(defs, shade(colour, 0.2), shade(colour, 0.05))}"/>`
  )
}

/** A leaf, the usual prop beside a product. */
function leaf(x: number, y: number, size: number, angle: number, colour = '#6f9a5b'): string {
  return (
    `<g transform="translate(${x} ${y}) rotate(${angle}) scale(${size / 100})">` +
    `<path d="M 0 0 Q 40 -50 0 -110 Q -40 -50 0 0 Z" fill="${colour}"/>` +
    `<path d="M 0 -4 L 0 -104" stroke="${shade(colour, 0.3)}" stroke-width="2.5"/>` +
    `<path d="M 0 -30 L 16 -44 M 0 -55 L -15 -68 M 0 -75 L 13 -86" stroke="${shade(colour, 0.25)}" stroke-width="2"/></g>`
  )
}

// ------------------------------------------------------------------ scenes

interface Placed {
  model: Model
  x: number
  /** Floor line in scene pixels. */
  y: number
  scale: number
}

function place(defs: Defs, p: Placed): string {
  const { svg } = p.model(defs)
  return `<g transform="translate(${p.x} ${p.y}) scale(${p.scale})">${svg}</g>`
}

/** A seamless studio sweep: soft gradient wall, a glow behind the product, a slightly darker floor. */
function studio(defs: Defs, w: number, h: number, wall: string, floorY: number): string {
  const glow = id('glow')
  defs.list.push(`<radialGradient id="${glow}" cx="0.5" cy="0.45" r="0.6"><stop offset="0" stop-color="#ffffff" stop-opacity="0.55"/><stop offset="1" stop-color="#ffffff" stop-opacity="0"/></radialGradient>`)
  const vignette = id('vig')
  defs.list.push(`<radialGradient id="${vignette}" cx="0.5" cy="0.5" r="0.75"><stop offset="0.6" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.16"/></radialGradient>`)
  return (
    `<rect width="${w}" height="${h}" fill="${vertical(defs, shade(wall, 0.12), shade(wall, -0.04))}"/>` +
    `<rect y="${floorY - 60}" width="${w}" height="${h - floorY + 60}" fill="${vertical(defs, shade(wall, -0.02), shade(wall, -0.14))}" filter="${blur(defs, 30)}"/>` +
    `<rect width="${w}" height="${h}" fill="url(#${glow})"/>` +
    `<rect width="${w}" height="${h}" fill="url(#${vignette})"/>`
  )
}

/** Home surfaces for buyer-show snapshots: a wooden table, linen, marble. */
function surface(defs: Defs, w: number, h: number, kind: 'wood' | 'linen' | 'marble', seed: number): string {
  const f = id('tex')
  if (kind === 'wood') {
    // Long grain: noise stretched along the boards, coloured from dark to light oak.
    defs.list.push(
      `<filter id="${f}" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="0.0025 0.045" numOctaves="4" seed="${seed}"/>` +
        `<feColorMatrix type="matrix" values="0 0 0 0 0.36  0 0 0 0 0.22  0 0 0 0 0.12  1.6 0 0 0 -0.35"/></filter>`,
    )
    const boards = Array.from({ length: 4 }, (_, i) => `<rect x="0" y="${(i + 1) * (h / 4.2) - 2}" width="${w}" height="3" fill="#4a2f1c" opacity="0.5"/>`).join('')
    return `<rect width="${w}" height="${h}" fill="#c0915f"/><rect width="${w}" height="${h}" filter="url(#${f})" opacity="0.8"/>${boards}`
  }
  if (kind === 'linen') {
    defs.list.push(
      `<filter id="${f}" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="0.9" numOctaves="1" seed="${seed}"/>` +
        `<feColorMatrix type="matrix" values="0 0 0 0 0.4  0 0 0 0 0.37  0 0 0 0 0.33  0.8 0 0 0 -0.25"/></filter>`,
    )
    const folds = id('fold')
    defs.list.push(
      `<filter id="${folds}" x="0" y="0" width="100%" height="100%"><feTurbulence type="fractalNoise" baseFrequency="0.0035 0.008" numOctaves="2" seed="${seed + 3}"/>` +
        `<feColorMatrix type="matrix" values="0 0 0 0 0.3  0 0 0 0 0.27  0 0 0 0 0.24  1.8 0 0 0 -0.75"/></filter>`,
    )
    return `<rect width="${w}" height="${h}" fill="#efe7da"/><rect width="${w}" height="${h}" filter="url(#${folds})" opacity="0.6"/><rect width="${w}" height="${h}" filter="url(#${f})" opacity="0.35"/>`
  }
  const veins = Array.from({ length: 6 }, (_, i) => {
    const y0 = ((seed * 137 + i * 251) % h) - 100
    return `<path d="M -50 ${y0} C ${w * 0.3} ${y0 + 160} ${w * 0.5} ${y0 - 120} ${w + 50} ${y0 + 220}" stroke="#9a9ca3" stroke-width="${1.5 + (i % 3)}" fill="none" opacity="${0.25 + (i % 2) * 0.2}" filter="${blur(defs, 1.2)}"/>`
  }).join('')
  return `<rect width="${w}" height="${h}" fill="#f3f2ef"/>${veins}`
}

async function save(svg: string, w: number, h: number, file: string, opts: { noise?: number; warm?: boolean; blur?: number } = {}): Promise<number> {
  let img = sharp(Buffer.from(svg)).resize(w, h).flatten({ background: '#ffffff' })
  const layers: OverlayOptions[] = []
  if (opts.noise) {
    // Sensor grain from a seeded generator, so every run writes the same files.
    let seed = (w * 31 + h * 17 + Math.round(opts.noise * 1000)) >>> 0 || 1
    const uniform = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) + 1) / 4294967297
    const grain = Buffer.alloc(w * h * 3)
    for (let i = 0; i < grain.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(uniform()))
      const a = 2 * Math.PI * uniform()
      grain[i] = Math.max(0, Math.min(255, 128 + opts.noise * r * Math.cos(a)))
      if (i + 1 < grain.length) grain[i + 1] = Math.max(0, Math.min(255, 128 + opts.noise * r * Math.sin(a)))
    }
    const noise = await sharp(grain, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer()
    layers.push({ input: noise, blend: 'soft-light' })
  }
  if (layers.length) img = sharp(await img.composite(layers).png().toBuffer())
  if (opts.warm) img = img.recomb([
    [1.04, 0.02, 0],
    [0, 1.0, 0],
    [0, 0, 0.9],
  ])
  if (opts.blur) img = img.blur(opts.blur)
  const buf = await img.jpeg({ quality: 80, mozjpeg: true, chromaSubsampling: '4:2:0' }).toBuffer()
  const tmp = `${file}.tmp`
  writeFileSync(tmp, buf)
  renameSync(tmp, file)
  return buf.length
}

// ------------------------------------------------------------------ the catalogue

interface Category {
  code: string
  wall: [string, string, string]
  hero: Model
  second: Model
  /** The product on the podium shot; the second product when there is no third. */
  third?: Model
  prop?: (defs: Defs) => string
}

const CATEGORIES: Category[] = [
  {
    code: 'MZ',
    wall: ['#f3d9cf', '#e9d3e6', '#f6e7d6'],
    hero: dropperBottle('#c4782e', '#d8b477', '双抗精华', 'ESSENCE 30ml'),
    second: creamJar('#b3203a', '#d9b26f', 'RUBY CREAM'),
    prop: (defs) => leaf(200, 880, 120, -30) + leaf(860, 900, 100, 28, '#86ad6e') + `<circle cx="790" cy="160" r="90" fill="#fff" opacity="0.35" filter="${blur(defs, 30)}"/>`,
  },
  {
    code: 'MY',
    wall: ['#d6ecf2', '#f7e3e8', '#e4f1e1'],
    hero: pillowPack('#7cc3de', '#ffffff', '纸尿裤', 'M 号 · 92 片'),
    second: tin('#f2e6cf', '#e58fa0', '幼儿奶粉', '3 段 · 800g'),
    third: babyBottle(),
  },
  {
    code: 'SP',
    wall: ['#f2e4c9', '#e9efd7', '#f4dcc7'],
    hero: pouch('#c9a272', '每日坚果', '30 袋独立装'),
    second: giftBox('#b8412e', '#e7c36a', '零食礼包'),
    prop: () => leaf(170, 900, 110, -20, '#7c9f4c'),
  },
  {
    code: 'JJ',
    wall: ['#e4e8ee', '#efe8de', '#e2ece6'],
    hero: towelStack(['#e9dfd0', '#9fb8c9', '#f3efe8', '#c9d6c2']),
    second: candle('#d9cbb5', '白茶香薰'),
    third: mug('#e8d5c4', 'MORNING'),
    prop: () => leaf(850, 900, 120, 25),
  },
  {
    code: 'FS',
    wall: ['#ece4da', '#dde4ea', '#efe1e1'],
    hero: handbag('#8a4b2c'),
    second: sneaker('#f3f1ec', '#2f6b8f'),
    third: sweater('#c9a27e'),
  },
  {
    code: 'GH',
    wall: ['#dcecf4', '#e6f0e4', '#f0e6f2'],
    hero: pumpBottle('#4f9fc9', '#ffffff', '洗发露', 'SHAMPOO · 400ml'),
    second: jug('#2f6fd0', '洗衣液', '深层洁净 · 3kg'),
    third: tube('#2fa37a', '清新牙膏', 'FRESH MINT · 180g'),
  },
  {
    code: 'YY',
    wall: ['#f4ead4', '#e7ecf4', '#efe3d6'],
    hero: pillBottle('#2f7d4f', '#3c9a63', '维生素', '60 片 · 每日一片'),
    second: tin('#fbfaf6', '#d6702f', '蛋白粉', 'PROTEIN · 450g'),
  },
]

async function productShots(cat: Category): Promise<{ file: string; bytes: number }[]> {
  const W = 1000
  const H = 1000
  const floorY = 760
  const made: { file: string; bytes: number }[] = []
  const shots: ((defs: Defs) => string)[] = [
    // 1. hero, centred, large
    (defs) => {
      const m = cat.hero(defs)
      const scale = Math.min(560 / m.height, 640 / m.width)
      return studio(defs, W, H, cat.wall[0], floorY) + (cat.prop?.(defs) ?? '') + place(defs, { model: cat.hero, x: 500, y: floorY, scale })
    },
    // 2. hero and its companion, the second product in front
    (defs) => {
      const a = cat.hero(defs)
      const b = cat.second(defs)
      const sa = Math.min(520 / a.height, 520 / a.width)
      const sb = Math.min(330 / b.height, 400 / b.width)
      return (
        studio(defs, W, H, cat.wall[1], floorY) +
        place(defs, { model: cat.hero, x: 400, y: floorY - 10, scale: sa }) +
        place(defs, { model: cat.second, x: 690, y: floorY + 60, scale: sb })
      )
    },
    // 3. the third product (or the companion) on a podium
    (defs) => {
      const model = cat.third ?? cat.second
      const b = model(defs)
      const sb = Math.min(460 / b.height, 560 / b.width)
      return studio(defs, W, H, cat.wall[2], floorY + 40) + podium(defs, 500, floorY + 60, 660, shade(cat.wall[2], 0.25)) + place(defs, { model, x: 500, y: floorY - 45, scale: sb })
    },
  ]
  for (const [i, shot] of shots.entries()) {
    const defs: Defs = { list: [] }
    const body = shot(defs)
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><defs>${defs.list.join('')}</defs>${body}</svg>`
    const file = join(out, 'products', `${cat.code}-${i + 1}.jpg`)
    made.push({ file, bytes: await save(svg, W, H, file, { noise: 5 }) })
  }
  return made
}

/** A customer's phone snapshot: the product on a surface at home, a little tilted, warm light, some grain. */
async function buyerShots(cat: Category, index: number): Promise<{ file: string; bytes: number }[]> {
  const W = 900
  const H = 1200
  const made: { file: string; bytes: number }[] = []
  const kinds: ('wood' | 'linen' | 'marble')[] = ['wood', 'linen', 'marble']
  for (let i = 0; i < 3; i++) {
    const defs: Defs = { list: [] }
    const kind = kinds[(i + index) % 3]
    const model = i === 1 ? cat.second : i === 2 ? (cat.third ?? cat.hero) : cat.hero
    const m = model(defs)
    const scale = Math.min(620 / m.height, 640 / m.width)
    const tilt = [-7, 5, -3][i]
    const light = id('light')
    defs.list.push(
      `<radialGradient id="${light}" cx="${[0.3, 0.7, 0.5][i]}" cy="0.25" r="0.9"><stop offset="0" stop-color="#fff5e0" stop-opacity="0.35"/><stop offset="0.7" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.28"/></radialGradient>`,
    )
    const props =
      i === 0
        ? `<circle cx="766" cy="190" r="150" fill="#000" opacity="0.18" filter="${blur(defs, 12)}"/><circle cx="760" cy="180" r="150" fill="#f7f3ea"/><circle cx="760" cy="180" r="118" fill="#ece6da"/><rect x="868" y="160" width="70" height="40" rx="20" fill="#fdfaf3"/><circle cx="760" cy="180" r="100" fill="#fdfaf3"/><circle cx="760" cy="180" r="82" fill="#7a4a2a"/><circle cx="748" cy="168" r="40" fill="#c89a6a" opacity="0.6"/>` // a coffee cup from above
        : i === 1
          ? leaf(120, 1150, 260, 30, '#5d8a4a') + leaf(60, 1100, 200, 60, '#729f5c')
          : `<rect x="640" y="930" width="220" height="150" rx="18" fill="#2b2b2b" transform="rotate(-18 750 1005)"/><rect x="652" y="942" width="196" height="126" rx="12" fill="#4a5a6a" transform="rotate(-18 750 1005)"/>` // a phone lying beside it
    const body =
      surface(defs, W, H, kind, index * 7 + i) +
      props +
      `<g transform="rotate(${tilt} 450 700)">${place(defs, { model, x: 450, y: 880, scale })}</g>` +
      `<rect width="${W}" height="${H}" fill="url(#${light})"/>`
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><defs>${defs.list.join('')}</defs>${body}</svg>`
    const file = join(out, 'buyers', `${cat.code}-${i + 1}.jpg`)
    made.push({ file, bytes: await save(svg, W, H, file, { noise: 9, warm: true, blur: 0.6 }) })
  }
  return made
}

rmSync(join(out, 'products'), { recursive: true, force: true })
rmSync(join(out, 'buyers'), { recursive: true, force: true })
mkdirSync(join(out, 'products'), { recursive: true })
mkdirSync(join(out, 'buyers'), { recursive: true })
const index: Record<string, { products: string[]; buyers: string[] }> = {}
let largest = 0
for (const [i, cat] of CATEGORIES.entries()) {
  const products = await productShots(cat)
  const buyers = await buyerShots(cat, i)
  index[cat.code] = {
    products: products.map((p) => `products/${p.file.split('/').pop()}`),
    buyers: buyers.map((p) => `buyers/${p.file.split('/').pop()}`),
  }
  for (const p of [...products, ...buyers]) {
    largest = Math.max(largest, p.bytes)
    console.log(`${p.file}  ${(p.bytes / 1024).toFixed(0)} KB`)
  }
}
writeFileSync(
  join(out, 'index.json'),
  JSON.stringify(
    {
      about: 'Demo photos drawn by scripts/make-demo-photos.ts, by SKU prefix of the demo catalogue: studio product shots and customers’ buyer-show snapshots.',
      categories: index,
    },
    null,
    2,
  ) + '\n',
)
console.log(`largest ${(largest / 1024).toFixed(0)} KB`)
