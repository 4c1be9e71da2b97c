/**
 * Chinese-first text layout on the shipped font: measure with the font's own
 * advances, wrap Chinese between words and Latin between words, keep the line-breaking
 * rules (禁则: no closing punctuation at a line start, no opening bracket at a
 * line end), shrink until the text fits its box, and ellipsise when even the
 * smallest size cannot hold it. Measuring and painting use the same numbers, so
 * what fits here never spills out of its slot on the poster.
 */
import { LINE_ASCENT_EM, LINE_INK_EM, type FontWeight } from '../../../../src-shared/materials/templates'
import { loadFont, type GlyphInfo, type LoadedFont } from './fonts'

export interface FitStyle {
  font: FontWeight
  maxSize: number
  minSize: number
  /** Line pitch as a multiple of the size. */
  lineHeight: number
  maxLines?: number
  /** Extra space after each character, as a fraction of the size. */
  letterSpacing?: number
}

export interface FittedText {
  size: number
  lines: string[]
  /** True when the text could not fit even at minSize and was cut with an ellipsis. */
  overflow: boolean
}

/** Characters that may not begin a line. */
const NO_START = new Set([...'。，、．：；！？）」』】》〉〕｝〗〙〛’”…—～‥·・%％,.:;!?)]}>ー々〃ゝゞ'])
/** Characters that may not end a line. */
const NO_END = new Set([...'（「『【《〈〔｛〖〘〚‘“([{<¥￥$＄£€#＃'])
const ELLIPSIS = '…'

/** Wide scripts break between any two characters; everything else is a word. */
function isWide(code: number): boolean {
  return (
    (code >= 0x2e80 && code <= 0x9fff) || // CJK radicals … unified ideographs, kana, CJK punctuation
    (code >= 0xac00 && code <= 0xd7af) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xffef) || // full-width forms: ，！（）￥
    code >= 0x20000 ||
    code === 0x2026 || // … and — behave like Chinese punctuation
    code === 0x2014 ||
    code === 0x201c ||
    code === 0x201d ||
    code === 0x2018 ||
    code === 0x2019 ||
    code === 0x00b7
  )
}

interface Atom {
  glyphs: GlyphInfo[]
  /** Sum of advances in ems. */
  advance: number
  space: boolean
  newline: boolean
}

function atomOf(glyphs: GlyphInfo[]): Atom {
  let advance = 0
  for (const g of glyphs) advance += g.advance
  return { glyphs, advance, space: glyphs.length === 1 && /\s/.test(glyphs[0].char), newline: false }
}

/**
 * Chinese words, as a dictionary segmenter finds them (内含, 坚果, 独立装): a line may break
 * between two words but not inside one, so 内含 never ends one line as 内 and begins the
 * next as 含. One word longer than a whole line still breaks where the width says.
 */
const WORDS = new Intl.Segmenter('zh-Hans', { granularity: 'word' })

/** Splits text into unbreakable pieces; characters the font lacks (emoji) are dropped rather than shown as boxes. */
function atomise(font: LoadedFont, text: string): Atom[] {
  const atoms: Atom[] = []
  for (const { segment } of WORDS.segment(text.replace(/\r\n?/g, '\n'))) {
    let word: GlyphInfo[] = []
    const endWord = () => {
      if (word.length) atoms.push(atomOf(word))
      word = []
    }
    const chars = [...segment]
    // Punctuation keeps an atom of its own, so the 禁则 rules can move it; a word of Chinese is one atom.
    const wholeWord = chars.length > 1 && chars.every((c) => isWide(c.codePointAt(0)!) && !NO_START.has(c) && !NO_END.has(c))
    for (const char of chars) {
      if (char === '\n') {
        endWord()
        atoms.push({ glyphs: [], advance: 0, space: false, newline: true })
        continue
      }
      if (/\s/.test(char)) {
        endWord()
        atoms.push(atomOf([font.glyph(' ')]))
        continue
      }
      const glyph = font.glyph(char)
      if (glyph.index === 0) continue
      if (isWide(char.codePointAt(0)!) && !wholeWord) {
        endWord()
        atoms.push(atomOf([glyph]))
      } else {
        word.push(glyph)
      }
    }
    endWord()
  }
  return atoms
}

/** Width in ems of a run of glyphs with letter spacing between them. */
function runWidth(glyphs: readonly GlyphInfo[], spacing: number): number {
  let w = 0
  for (const g of glyphs) w += g.advance
  return glyphs.length > 1 ? w + spacing * (glyphs.length - 1) : w
}

function lineGlyphs(atoms: readonly Atom[]): GlyphInfo[] {
  let start = 0
  let end = atoms.length
  while (start < end && atoms[start].space) start++
  while (end > start && atoms[end - 1].space) end--
  const out: GlyphInfo[] = []
  for (let i = start; i < end; i++) out.push(...atoms[i].glyphs)
  return out
}

const firstChar = (a: Atom) => a.glyphs[0]?.char ?? ''
const lastChar = (a: Atom) => a.glyphs[a.glyphs.length - 1]?.char ?? ''

/** Greedy line filling in ems (maxWidth is box width ÷ size), keeping the 禁则 rules where the width allows. */
function wrap(atoms: readonly Atom[], maxWidth: number, spacing: number): GlyphInfo[][] {
  const lines: GlyphInfo[][] = []
  const queue = [...atoms]
  let cur: Atom[] = []
  const widthOf = (run: Atom[]) => runWidth(lineGlyphs(run), spacing)
  const flush = () => {
    lines.push(lineGlyphs(cur))
    cur = []
  }
  while (queue.length) {
    const atom = queue.shift()!
    if (atom.newline) {
      flush()
      continue
    }
    if (atom.space && cur.length === 0) continue
    if (widthOf([...cur, atom]) <= maxWidth + 1e-9) {
      cur.push(atom)
      continue
    }
    if (atom.space) {
      flush()
      continue
    }
    if (cur.every((a) => a.space)) {
      // A single word wider than the line: break it between letters.
      if (atom.glyphs.length > 1) {
        queue.unshift(...atom.glyphs.map((g) => atomOf([g])))
        continue
      }
      cur = [atom] // one glyph wider than the box; fitting will shrink or ellipsise
      flush()
      continue
    }
    const next: Atom[] = [atom]
    const kept = [...cur]
    // Pull characters down until the new line starts with one that may start a line (用”— → 用”—).
    while (NO_START.has(firstChar(next[0]))) {
      while (kept.length && kept[kept.length - 1].space) kept.pop()
      // A line of one word gives up its last character rather than start the next with a comma.
      if (kept.length === 1 && kept[0].glyphs.length > 1) kept.splice(0, 1, ...kept[0].glyphs.map((g) => atomOf([g])))
      if (kept.length < 2) break
      next.unshift(kept.pop()!)
    }
    while (kept.length >= 2 && NO_END.has(lastChar(kept[kept.length - 1]))) next.unshift(kept.pop()!)
    if (widthOf(next) > maxWidth + 1e-9 || lineGlyphs(kept).length === 0) {
      // Too narrow to keep the rules: break where the width says.
      flush()
      cur = [atom]
      continue
    }
    cur = kept
    flush()
    cur = next
  }
  if (cur.length) flush()
  // A line made only of spaces is not a line.
  return lines.filter((l, i) => l.length > 0 || (i > 0 && i < lines.length - 1))
}

/**
 * Greedy filling can leave one or two characters alone on the last line (超薄透 / 气).
 * Then the narrowest width that keeps the same number of lines spreads the text
 * evenly instead; otherwise the greedy lines stay, so left-aligned text keeps a
 * full measure.
 */
function balance(atoms: readonly Atom[], lines: GlyphInfo[][], maxWidth: number, spacing: number): GlyphInfo[][] {
  if (lines.length < 2 || atoms.some((a) => a.newline)) return lines
  if (runWidth(lines[lines.length - 1], spacing) >= maxWidth * 0.34) return lines
  let lo = maxWidth * 0.4
  let hi = maxWidth
  let best = lines
  for (let i = 0; i < 14; i++) {
    const mid = (lo + hi) / 2
    const tried = wrap(atoms, mid, spacing)
    if (tried.length === lines.length && tried.every((l) => runWidth(l, spacing) <= mid + 1e-9)) {
      best = tried
      hi = mid
    } else {
      lo = mid
    }
  }
  return best
}

/** Height a block of n lines needs: the pitch between baselines, plus one line's ink. */
export function blockHeight(lines: number, size: number, lineHeight: number): number {
  return lines <= 0 ? 0 : (lines - 1) * size * lineHeight + size * LINE_INK_EM
}

export interface PlacedGlyph {
  glyph: GlyphInfo
  /** Pen position in pixels, relative to the box's top-left corner. */
  x: number
  /** Baseline in pixels, relative to the box's top-left corner. */
  baseline: number
}

export interface TextLayout extends FittedText {
  font: FontWeight
  /** Width of each line in pixels. */
  widths: number[]
  glyphs: PlacedGlyph[]
}

function lineText(glyphs: readonly GlyphInfo[]): string {
  return glyphs.map((g) => g.char).join('')
}

function ellipsise(font: LoadedFont, glyphs: GlyphInfo[], maxWidth: number, spacing: number): GlyphInfo[] {
  const dots = font.glyph(ELLIPSIS)
  const out = [...glyphs]
  const fits = () => runWidth([...out, dots], spacing) <= maxWidth + 1e-9
  while (out.length && (!fits() || /[\s，、。：；,.:;（(「《“‘-]/.test(out[out.length - 1].char))) out.pop()
  return [...out, dots]
}

/**
 * Chooses the largest size in [minSize, maxSize] at which the text fits the box,
 * and lays it out. Sizes are tried in whole pixels from maxSize down.
 */
export function layoutText(
  text: string,
  box: { width: number; height: number },
  style: FitStyle & { align?: 'left' | 'center' | 'right'; valign?: 'top' | 'middle' | 'bottom' },
): TextLayout {
  const font = loadFont(style.font)
  const spacing = style.letterSpacing ?? 0
  const atoms = atomise(font, text.trim())
  const maxLinesFor = (size: number) => {
    const byHeight = Math.max(1, Math.floor((box.height - size * LINE_INK_EM) / (size * style.lineHeight) + 1e-9) + 1)
    return Math.min(style.maxLines ?? Infinity, byHeight)
  }
  let size = style.maxSize
  let lines: GlyphInfo[][] = []
  let overflow = false
  if (atoms.length) {
    const sizes: number[] = []
    for (let s = style.maxSize; s > style.minSize; s -= 1) sizes.push(s)
    sizes.push(style.minSize)
    let fitted = false
    for (const s of sizes) {
      const wrapped = wrap(atoms, box.width / s, spacing)
      const fitsWidth = wrapped.every((l) => runWidth(l, spacing) * s <= box.width + 1e-6)
      if (fitsWidth && wrapped.length <= maxLinesFor(s) && blockHeight(wrapped.length, s, style.lineHeight) <= box.height + 1e-6) {
        size = s
        lines = balance(atoms, wrapped, box.width / s, spacing)
        fitted = true
        break
      }
    }
    if (!fitted) {
      size = style.minSize
      const wrapped = wrap(atoms, box.width / size, spacing)
      const keep = maxLinesFor(size)
      lines = wrapped.slice(0, keep)
      overflow = true
      // A cut line, or a glyph too wide for the box, ends in an ellipsis that fits.
      const last = lines.length - 1
      if (wrapped.length > keep || runWidth(lines[last], spacing) * size > box.width + 1e-6) {
        lines[last] = ellipsise(font, lines[last], box.width / size, spacing)
      }
      for (let i = 0; i < last; i++) {
        if (runWidth(lines[i], spacing) * size > box.width + 1e-6) lines[i] = ellipsise(font, lines[i], box.width / size, spacing)
      }
    }
  }
  const widths = lines.map((l) => runWidth(l, spacing) * size)
  const blockH = blockHeight(lines.length, size, style.lineHeight)
  const valign = style.valign ?? 'top'
  const top = valign === 'top' ? 0 : valign === 'middle' ? (box.height - blockH) / 2 : box.height - blockH
  const glyphs: PlacedGlyph[] = []
  lines.forEach((line, i) => {
    const align = style.align ?? 'left'
    let x = align === 'left' ? 0 : align === 'center' ? (box.width - widths[i]) / 2 : box.width - widths[i]
    const baseline = top + LINE_ASCENT_EM * size + i * size * style.lineHeight
    for (const g of line) {
      glyphs.push({ glyph: g, x, baseline })
      x += (g.advance + spacing) * size
    }
  })
  return { font: style.font, size, lines: lines.map(lineText), overflow, widths, glyphs }
}

/**
 * Fits text into a box: wraps, shrinks from maxSize to minSize, and when even
 * minSize cannot hold it, cuts the last line with an ellipsis and reports
 * overflow so the checker can warn. The returned lines never exceed the box.
 */
export function fitText(
  text: string,
  box: { width: number; height: number },
  style: { font: FontWeight; maxSize: number; minSize: number; lineHeight: number; maxLines?: number; letterSpacing?: number },
): FittedText {
  const { size, lines, overflow } = layoutText(text, box, style)
  return { size, lines, overflow }
}

/** Width in pixels of one line of text at a size, measured the way layout measures it. */
export function measureText(text: string, font: FontWeight, size: number, letterSpacing = 0): number {
  const f = loadFont(font)
  const glyphs = [...text].map((c) => f.glyph(c)).filter((g) => g.index !== 0 || /\s/.test(g.char))
  return runWidth(glyphs, letterSpacing) * size
}

/** One line at a fixed size, unwrapped, pen starting at x = 0 and the baseline at LINE_ASCENT_EM × size. */
export function lineLayout(text: string, font: FontWeight, size: number, letterSpacing = 0): TextLayout {
  const f = loadFont(font)
  const glyphs = [...text].map((c) => f.glyph(/\s/.test(c) ? ' ' : c)).filter((g) => g.index !== 0)
  const placed: PlacedGlyph[] = []
  let x = 0
  for (const g of glyphs) {
    placed.push({ glyph: g, x, baseline: LINE_ASCENT_EM * size })
    x += (g.advance + letterSpacing) * size
  }
  const width = runWidth(glyphs, letterSpacing) * size
  return { font, size, lines: [lineText(glyphs)], overflow: false, widths: [width], glyphs: placed }
}
