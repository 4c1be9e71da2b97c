import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import opentype from 'opentype.js'
import { OrchardError } from '../../../../src-shared/errors'
import type { FontWeight } from '../../../../src-shared/materials/templates'
import { packageFile, resourcesDir } from './resources'

/** The shipped OFL font, Noto Sans SC, one static TTF per weight. */
const FILES: Record<FontWeight, { folder: string; file: string }> = {
  regular: { folder: '400Regular', file: 'NotoSansSC_400Regular.ttf' },
  medium: { folder: '500Medium', file: 'NotoSansSC_500Medium.ttf' },
  bold: { folder: '700Bold', file: 'NotoSansSC_700Bold.ttf' },
  black: { folder: '900Black', file: 'NotoSansSC_900Black.ttf' },
}

/** One glyph as the layout and the painters need it, in ems (1 = the font size). */
export interface GlyphInfo {
  char: string
  /** 0 when the font has no glyph for the character (emoji, rare symbols). */
  index: number
  advance: number
  /** SVG path data in font units, y pointing up (paint with scale(size / unitsPerEm, -size / unitsPerEm)). */
  d: string
  unitsPerEm: number
  /** Ink box in ems, y up. */
  xMin: number
  xMax: number
  yMin: number
  yMax: number
}

export interface LoadedFont {
  weight: FontWeight
  unitsPerEm: number
  glyph(char: string): GlyphInfo
}

/** Where a weight's TTF is: resources/fonts when a copy is shipped there, else the npm package. */
export function fontPath(weight: FontWeight): string {
  const { folder, file } = FILES[weight]
  const shipped = join(resourcesDir(), 'fonts', file)
  if (existsSync(shipped)) return shipped
  return packageFile('@expo-google-fonts/noto-sans-sc', folder, file)
}

// Parsing a 10 MB CJK font takes ~0.15 s; each process (and worker thread) does it once per weight.
const loaded = new Map<FontWeight, LoadedFont>()

export function loadFont(weight: FontWeight): LoadedFont {
  const cached = loaded.get(weight)
  if (cached) return cached
  const path = fontPath(weight)
  let font: opentype.Font
  try {
    const bytes = readFileSync(path)
    // lowMemory loads glyphs on first use: a CJK font has 30,000 of them and a poster needs a few dozen
    // (about 25 MB per weight instead of 100 MB, which matters with a font set per worker thread).
    font = opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, { lowMemory: true })
  } catch (err) {
    throw new OrchardError('font_missing', `无法读取字体文件 / cannot read the font file: ${path}`, {
      file: path,
      why: err instanceof Error ? err.message : String(err),
    })
  }
  const upm = font.unitsPerEm
  const glyphs = new Map<string, GlyphInfo>()
  const result: LoadedFont = {
    weight,
    unitsPerEm: upm,
    glyph(char) {
      let info = glyphs.get(char)
      if (info) return info
      const index = font.charToGlyphIndex(char)
      const g = font.glyphs.get(index)
      const commands = index === 0 ? [] : g.path.commands
      let d = ''
      let xMin = Infinity
      let xMax = -Infinity
      let yMin = Infinity
      let yMax = -Infinity
      const see = (x: number, y: number) => {
        if (x < xMin) xMin = x
        if (x > xMax) xMax = x
        if (y < yMin) yMin = y
        if (y > yMax) yMax = y
      }
      for (const c of commands) {
        switch (c.type) {
          case 'M':
            d += `M${c.x} ${c.y}`
            see(c.x, c.y)
            break
          case 'L':
            d += `L${c.x} ${c.y}`
            see(c.x, c.y)
            break
          case 'Q':
            d += `Q${c.x1} ${c.y1} ${c.x} ${c.y}`
            see(c.x1, c.y1)
            see(c.x, c.y)
            break
          case 'C':
            d += `C${c.x1} ${c.y1} ${c.x2} ${c.y2} ${c.x} ${c.y}`
            see(c.x1, c.y1)
            see(c.x2, c.y2)
            see(c.x, c.y)
            break
          case 'Z':
            d += 'Z'
            break
        }
      }
      if (xMin === Infinity) xMin = xMax = yMin = yMax = 0
      info = {
        char,
        index,
        advance: index === 0 ? 0 : (g.advanceWidth ?? upm) / upm,
        d,
        unitsPerEm: upm,
        xMin: xMin / upm,
        xMax: xMax / upm,
        yMin: yMin / upm,
        yMax: yMax / upm,
      }
      glyphs.set(char, info)
      return info
    },
  }
  loaded.set(weight, result)
  return result
}
