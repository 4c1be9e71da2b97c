import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_KIT } from '../kits/defaultKit'
import { richTextPlain } from './richText'
import { breakLines, newDocument, type Style } from './typeset'

const doc = newDocument({ title: 'test', author: 'test' })
const body: Style = { weight: 'regular', size: 10.5, color: '#000' }
const NO_START = '，。、；：？！）》」』】”’…%,.;:?!)'
const NO_END = '（《「『【“‘(['
const paragraphs = DEFAULT_KIT.sections.flatMap((s) => richTextPlain(s.html).split('\n')).filter((p) => p.length > 20)
const text = (line: { atoms: { text: string }[] }) => line.atoms.map((a) => a.text).join('')

describe('Chinese line breaking', () => {
  it('never starts a line with closing punctuation or ends one with opening punctuation, and keeps every character', () => {
    fc.assert(
      fc.property(fc.constantFrom(...paragraphs), fc.integer({ min: 90, max: 460 }), (paragraph, width) => {
        const lines = breakLines(doc, [{ text: paragraph, style: body }], width)
        expect(lines.map(text).join('').replace(/\s+/g, '')).toBe(paragraph.replace(/\s+/g, ''))
        for (const [i, line] of lines.entries()) {
          const t = text(line)
          if (i > 0) expect(NO_START).not.toContain(t[0])
          if (i < lines.length - 1) expect(NO_END).not.toContain(t[t.length - 1])
          // Lines fit, except the few characters carried to avoid a bad break (at most 2.5 em over).
          expect(line.width).toBeLessThanOrEqual(width + body.size * 2.5)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('keeps Latin words and numbers whole and does not end a paragraph on one lone character', () => {
    const lines = breakLines(doc, [{ text: '朋友通过你的链接或邀请码购买商品，你获得该商品的佣金；朋友退款时，佣金随之退回。邀请码 VA9XZN 在 2026-11-23 生效。', style: body }], 300)
    const all = lines.map(text)
    expect(all.some((l) => l.includes('VA9XZN'))).toBe(true)
    expect(all.some((l) => l.includes('2026-11-23'))).toBe(true)
    for (let w = 120; w <= 420; w += 7) {
      const ls = breakLines(doc, [{ text: '朋友通过你的链接或邀请码购买商品，你获得该商品的佣金；朋友退款时，佣金随之退回。', style: body }], w)
      if (ls.length > 1) expect(text(ls[ls.length - 1]).replace(/[\p{P}\s]/gu, '').length).toBeGreaterThanOrEqual(2)
    }
  })
})
