import { parseDocument } from 'htmlparser2'
import type { ChildNode, Element } from 'domhandler'
import { KIT_ALLOWED_TAGS } from '../../../../src-shared/contracts/lifecycle'

/**
 * Rich text from the console's editor (Tiptap), kept to what a kit needs: headings,
 * paragraphs, bold, emphasis, lists and quotes. Anything else — attributes, links,
 * images, scripts, styles — is removed on save, so what is stored is safe to show
 * in the console and simple to typeset.
 */

const ALLOWED = new Set<string>(KIT_ALLOWED_TAGS)
/** Tags folded into an allowed one rather than dropped with their meaning. */
const RENAMED: Record<string, string> = { b: 'strong', i: 'em', h1: 'h2', h4: 'h3', h5: 'h3', h6: 'h3', div: 'p', section: 'p', article: 'p' }
/** Tags whose content is not text at all. */
const DROPPED = new Set(['script', 'style', 'iframe', 'object', 'embed', 'template', 'head', 'title', 'noscript', 'svg', 'math', 'canvas', 'select', 'textarea', 'button', 'img', 'video', 'audio'])
const BLOCKS = new Set(['h2', 'h3', 'p', 'ul', 'ol', 'li', 'blockquote'])

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function isElement(n: ChildNode): n is Element {
  return n.type === 'tag' || n.type === 'script' || n.type === 'style'
}

function serialise(nodes: ChildNode[], parents: string[]): string {
  let out = ''
  for (const n of nodes) {
    if (n.type === 'text') {
      out += escape((n as unknown as { data: string }).data)
      continue
    }
    if (!isElement(n)) continue
    const raw = n.name.toLowerCase()
    if (DROPPED.has(raw)) continue
    const tag = RENAMED[raw] ?? raw
    const inner = () => serialise(n.children, ALLOWED.has(tag) ? [...parents, tag] : parents)
    if (!ALLOWED.has(tag)) {
      out += inner()
      continue
    }
    if (tag === 'br') {
      out += '<br>'
      continue
    }
    // A list item belongs in a list, and blocks do not nest inside inline text.
    if (tag === 'li' && !parents.some((p) => p === 'ul' || p === 'ol')) {
      out += `<p>${inner()}</p>`
      continue
    }
    if (BLOCKS.has(tag) && parents.some((p) => p === 'strong' || p === 'em' || p === 'h2' || p === 'h3')) {
      out += inner()
      continue
    }
    // Nested p inside p (pasted HTML) is flattened.
    if (tag === 'p' && parents.at(-1) === 'p') {
      out += inner()
      continue
    }
    const body = inner()
    if (tag !== 'li' && BLOCKS.has(tag) && body.replace(/<[^>]+>/g, '').trim() === '' && tag !== 'ul' && tag !== 'ol') {
      // Empty paragraphs are what an editor leaves behind; keep one as a blank line.
      out += tag === 'p' ? '<p></p>' : ''
      continue
    }
    out += `<${tag}>${body}</${tag}>`
  }
  return out
}

export function sanitizeRichText(html: string): string {
  const doc = parseDocument(html, { decodeEntities: true, lowerCaseTags: true })
  return serialise(doc.children, [])
    .replace(/(<p><\/p>){2,}/g, '<p></p>')
    .trim()
}

// ---------------------------------------------------------------- blocks for typesetting

export interface InlineRun {
  text: string
  bold: boolean
  emphasis: boolean
}

export type Block =
  | { kind: 'h2' | 'h3' | 'p'; runs: InlineRun[] }
  | { kind: 'li'; runs: InlineRun[]; marker: string; depth: number }
  | { kind: 'quote'; blocks: Block[] }

function inline(nodes: ChildNode[], bold: boolean, emphasis: boolean, out: InlineRun[]): void {
  for (const n of nodes) {
    if (n.type === 'text') {
      const text = (n as unknown as { data: string }).data.replace(/\s*\n\s*/g, '')
      if (text) out.push({ text, bold, emphasis })
    } else if (isElement(n)) {
      if (n.name === 'br') out.push({ text: '\n', bold, emphasis })
      else inline(n.children, bold || n.name === 'strong', emphasis || n.name === 'em', out)
    }
  }
}

function blocksOf(nodes: ChildNode[], depth: number, out: Block[]): void {
  let loose: ChildNode[] = []
  const flush = () => {
    if (!loose.length) return
    const runs: InlineRun[] = []
    inline(loose, false, false, runs)
    if (runs.some((r) => r.text.trim())) out.push({ kind: 'p', runs })
    loose = []
  }
  for (const n of nodes) {
    if (!isElement(n) || !BLOCKS.has(n.name)) {
      loose.push(n)
      continue
    }
    flush()
    if (n.name === 'h2' || n.name === 'h3' || n.name === 'p') {
      const runs: InlineRun[] = []
      inline(n.children, n.name !== 'p', false, runs)
      out.push({ kind: n.name, runs })
    } else if (n.name === 'ul' || n.name === 'ol') {
      let k = 0
      for (const li of n.children) {
        if (!isElement(li) || li.name !== 'li') continue
        k++
        const marker = n.name === 'ol' ? `${k}.` : depth === 0 ? '●' : '○'
        const runs: InlineRun[] = []
        const nested: ChildNode[] = []
        for (const c of li.children) {
          if (isElement(c) && (c.name === 'ul' || c.name === 'ol')) nested.push(c)
          else if (isElement(c) && c.name === 'p') inline(c.children, false, false, runs)
          else inline([c], false, false, runs)
        }
        out.push({ kind: 'li', runs, marker, depth })
        if (nested.length) blocksOf(nested, depth + 1, out)
      }
    } else if (n.name === 'blockquote') {
      const inner: Block[] = []
      blocksOf(n.children, depth, inner)
      out.push({ kind: 'quote', blocks: inner })
    }
  }
  flush()
}

/** Sanitised HTML as blocks of styled runs. */
export function richTextBlocks(html: string): Block[] {
  const out: Block[] = []
  blocksOf(parseDocument(sanitizeRichText(html)).children, 0, out)
  return out
}

/**
 * The text of rich text, for .txt files: paragraphs separated by blank lines, list items
 * marked, quotes marked with "> " unless `quoteMarks` is off (a script is copied as it is).
 */
export function richTextPlain(html: string, options: { quoteMarks?: boolean } = {}): string {
  const mark = options.quoteMarks === false ? '' : '> '
  const lines: string[] = []
  const write = (blocks: Block[], quote: string) => {
    for (const b of blocks) {
      if (b.kind === 'quote') write(b.blocks, `${quote}${mark}`)
      else if (b.kind === 'li') lines.push(`${quote}${'  '.repeat(b.depth)}${b.marker === '●' || b.marker === '○' ? '•' : b.marker} ${b.runs.map((r) => r.text).join('')}`)
      else {
        if (lines.length && lines.at(-1) !== '') lines.push('')
        lines.push(`${quote}${b.kind === 'h2' ? '【' : ''}${b.runs.map((r) => r.text).join('')}${b.kind === 'h2' ? '】' : ''}`)
        if (b.kind !== 'p') lines.push('')
      }
    }
  }
  write(richTextBlocks(html), '')
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trim()
}
