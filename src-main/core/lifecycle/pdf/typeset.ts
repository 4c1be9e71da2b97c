import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import PDFDocument from 'pdfkit'
import { OrchardError } from '../../../../src-shared/errors'

/**
 * Chinese typesetting on pdfkit. pdfkit's own wrapping justifies with word spacing,
 * which does nothing for Chinese (no spaces), and knows nothing of 禁则 (line-start
 * and line-end prohibitions). So lines are broken here: CJK characters break anywhere,
 * Latin words and numbers stay whole, closing punctuation never starts a line and
 * opening punctuation never ends one (the character before is carried over instead),
 * and full lines are justified by spreading the slack over the gaps between characters.
 */

export type Weight = 'regular' | 'medium' | 'bold'
const FONT_FILES: Record<Weight, [string, string]> = {
  regular: ['400Regular', 'NotoSansSC_400Regular.ttf'],
  medium: ['500Medium', 'NotoSansSC_500Medium.ttf'],
  bold: ['700Bold', 'NotoSansSC_700Bold.ttf'],
}

/** The shipped OFL font (Noto Sans SC), from resources/fonts when copied there, else the npm package. */
export function fontFile(weight: Weight): string {
  const [folder, file] = FONT_FILES[weight]
  const require = createRequire(import.meta.url)
  let path: string
  try {
    path = join(dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json')), folder, file)
  } catch {
    path = join(process.cwd(), 'node_modules', '@expo-google-fonts', 'noto-sans-sc', folder, file)
  }
  const unpacked = path.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1')
  const found = unpacked !== path && existsSync(unpacked) ? unpacked : path
  if (!existsSync(found)) throw new OrchardError('font_missing', `找不到中文字体文件 / the Chinese font is missing: ${found}`, { file: found })
  return found
}

export const A4 = { width: 595.28, height: 841.89 }

export function newDocument(options: { layout?: 'portrait' | 'landscape'; title: string; author: string; subject?: string; margins?: { top: number; bottom: number; left: number; right: number } }) {
  const doc = new PDFDocument({
    size: 'A4',
    layout: options.layout ?? 'portrait',
    margins: options.margins ?? { top: 72, bottom: 72, left: 64, right: 64 },
    bufferPages: true,
    autoFirstPage: true,
    info: { Title: options.title, Author: options.author, Subject: options.subject ?? options.title, Creator: 'Orchard 果园', Producer: 'Orchard 果园' },
    lang: 'zh-CN',
    displayTitle: true,
  } as PDFKit.PDFDocumentOptions)
  for (const w of Object.keys(FONT_FILES) as Weight[]) doc.registerFont(w, fontFile(w))
  doc.font('regular')
  return doc
}

export type Doc = InstanceType<typeof PDFDocument>

// ---------------------------------------------------------------- line breaking

/** Never at the start of a line (行首禁则). */
const NO_START = new Set([...'，。、；：？！）》」』】〕〉”’…—～·%‰,.;:?!)]}>、ー々〻ゝゞ〃〜'])
/** Never at the end of a line (行尾禁则). */
const NO_END = new Set([...'（《「『【〔〈“‘([{<'])
const CJK = /[\u2E80-\u9FFF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF\u3000-\u303F]/u

export interface Style {
  weight: Weight
  size: number
  color: string
  /** 着重号: dots under each character, the Chinese way to emphasise (there is no italic). */
  emphasis?: boolean
}

export interface Run {
  text: string
  style: Style
}

interface Atom {
  text: string
  width: number
  style: Style
  space: boolean
}

export interface Line {
  atoms: Atom[]
  width: number
  /** The last line of a paragraph is set ragged, every other line justified. */
  last: boolean
}

const widthCache = new Map<string, Map<string, number>>()

export function measure(doc: Doc, text: string, weight: Weight, size: number): number {
  const key = `${weight}|${size}`
  let cache = widthCache.get(key)
  if (!cache) widthCache.set(key, (cache = new Map()))
  let w = cache.get(text)
  if (w === undefined) {
    doc.font(weight).fontSize(size)
    w = doc.widthOfString(text)
    if (cache.size < 50_000) cache.set(text, w)
  }
  return w
}

function atomsOf(doc: Doc, runs: Run[]): Atom[] {
  const atoms: Atom[] = []
  // CJK characters one by one; Latin words, numbers and their attached punctuation whole; spaces apart.
  const pattern = /[A-Za-z0-9][A-Za-z0-9'’.,:;!?%‰\-_/@#&+=*~]*|[ \t\u00A0]+|\n|./gsu
  for (const run of runs) {
    for (const m of run.text.matchAll(pattern)) {
      const text = m[0]
      if (text === '\n') {
        atoms.push({ text: '\n', width: 0, style: run.style, space: false })
        continue
      }
      const space = /^[ \t\u00A0]+$/.test(text)
      atoms.push({ text: space ? ' ' : text, width: measure(doc, space ? ' ' : text, run.style.weight, run.style.size), style: run.style, space })
    }
  }
  return atoms
}

/** A Latin word too long for a whole line is cut into pieces that fit. */
function splitLong(doc: Doc, atom: Atom, max: number): Atom[] {
  const out: Atom[] = []
  let piece = ''
  for (const ch of atom.text) {
    const next = piece + ch
    if (piece && measure(doc, next, atom.style.weight, atom.style.size) > max) {
      out.push({ ...atom, text: piece, width: measure(doc, piece, atom.style.weight, atom.style.size) })
      piece = ch
    } else piece = next
  }
  if (piece) out.push({ ...atom, text: piece, width: measure(doc, piece, atom.style.weight, atom.style.size) })
  return out
}

const first = (a: Atom) => [...a.text][0] ?? ''
const lastChar = (a: Atom) => [...a.text].at(-1) ?? ''

export function breakLines(doc: Doc, runs: Run[], max: number, firstLineMax = max): Line[] {
  const atoms = atomsOf(doc, runs).flatMap((a) => (a.width > max && !a.space ? splitLong(doc, a, max) : [a]))
  const lines: Line[] = []
  let cur: Atom[] = []
  let width = 0
  const limit = () => (lines.length === 0 ? firstLineMax : max)
  const finish = (last: boolean) => {
    while (cur.length && cur[cur.length - 1].space) width -= cur.pop()!.width
    lines.push({ atoms: cur, width, last })
    cur = []
    width = 0
  }
  for (let i = 0; i < atoms.length; i++) {
    const a = atoms[i]
    if (a.text === '\n') {
      finish(true)
      continue
    }
    if (a.space && cur.length === 0) continue
    if (width + a.width <= limit() + 0.01 || cur.length === 0) {
      cur.push(a)
      width += a.width
      continue
    }
    if (a.space) {
      finish(false)
      continue
    }
    // a does not fit. Carry characters over so that no line starts with closing
    // punctuation and none ends with opening punctuation.
    const carried: Atom[] = [a]
    if (NO_START.has(first(a))) {
      while (cur.length > 1 && NO_START.has(first(carried[0]))) {
        const back = cur.pop()!
        width -= back.width
        carried.unshift(back)
      }
    }
    while (cur.length > 1 && NO_END.has(lastChar(cur[cur.length - 1]))) {
      const back = cur.pop()!
      width -= back.width
      carried.unshift(back)
    }
    finish(false)
    for (const c of carried) {
      if (c.space && cur.length === 0) continue
      cur.push(c)
      width += c.width
    }
  }
  if (cur.length || lines.length === 0) finish(true)
  else if (lines.length) lines[lines.length - 1].last = true
  avoidLoneCharacter(lines)
  return lines
}

const PUNCTUATION = /^[\p{P}\p{S}\s]+$/u

/**
 * A paragraph should not end on a line holding a single character and its punctuation
 * (孤字, "退\n回。"): one character moves down from the line before, whose slack is then
 * spread by justification.
 */
function avoidLoneCharacter(lines: Line[]): void {
  if (lines.length < 2) return
  const last = lines[lines.length - 1]
  const prev = lines[lines.length - 2]
  if (prev.last) return
  const letters = last.atoms.filter((a) => !a.space && !PUNCTUATION.test(a.text)).length
  if (letters !== 1 || prev.atoms.length < 6) return
  const moved: Atom[] = []
  while (prev.atoms.length > 4) {
    const a = prev.atoms.pop()!
    prev.width -= a.width
    moved.unshift(a)
    const tail = prev.atoms[prev.atoms.length - 1]
    if (!a.space && !NO_START.has(first(a)) && !(tail && NO_END.has(lastChar(tail)))) break
  }
  while (prev.atoms.length && prev.atoms[prev.atoms.length - 1].space) prev.width -= prev.atoms.pop()!.width
  last.atoms.unshift(...moved)
  last.width += moved.reduce((w, a) => w + a.width, 0)
}

/**
 * Draws one line at (x, y): justified to `max` unless it is a paragraph's last line or
 * the slack is too large to spread without gaps showing.
 */
export function drawLine(doc: Doc, line: Line, x: number, y: number, max: number, align: 'justify' | 'left' | 'center' | 'right' = 'justify'): void {
  const chars = line.atoms.reduce((n, a) => n + [...a.text].length, 0)
  const size = line.atoms[0]?.style.size ?? 10
  let spacing = 0
  if (align === 'justify' && !line.last && chars > 1) {
    const slack = max - line.width
    if (slack > 0 && slack / (chars - 1) <= size * 0.35) spacing = slack / (chars - 1)
  }
  let cx = x
  if (align === 'center') cx = x + (max - line.width) / 2
  if (align === 'right') cx = x + max - line.width
  // Consecutive atoms of one style are drawn as one string.
  let i = 0
  while (i < line.atoms.length) {
    const style = line.atoms[i].style
    let text = ''
    let width = 0
    while (i < line.atoms.length && line.atoms[i].style === style) {
      text += line.atoms[i].text
      width += line.atoms[i].width
      i++
    }
    const n = [...text].length
    doc.font(style.weight).fontSize(style.size).fillColor(style.color)
    doc.text(text, cx, y, { lineBreak: false, characterSpacing: spacing, continued: false })
    if (style.emphasis) {
      let dx = cx
      for (const ch of text) {
        const w = measure(doc, ch, style.weight, style.size)
        if (CJK.test(ch) && !NO_START.has(ch) && !NO_END.has(ch)) doc.circle(dx + w / 2, y + style.size * 1.32, style.size * 0.07).fill(style.color)
        dx += w + spacing
      }
    }
    cx += width + spacing * n
  }
}

/** Plain text wrapped into lines of one style (tables, captions). */
export function wrap(doc: Doc, text: string, style: Style, max: number): Line[] {
  return breakLines(doc, [{ text, style }], max)
}
