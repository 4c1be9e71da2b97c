import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LINE_INK_EM } from '../../../../src-shared/materials/templates'
import { fitText, measureText } from './text'

const TITLE = '珀莱雅双抗精华液 30ml 烟酰胺抗氧化提亮肤色，熬夜急救精华（第三代）敏感肌也能用，限时到手再送小样三件套和化妆包'

/** Every returned line, measured with the font, fits the box's width; the block fits its height. */
function expectInside(text: string, box: { width: number; height: number }, style: Parameters<typeof fitText>[2]) {
  const fit = fitText(text, box, style)
  for (const line of fit.lines) expect(measureText(line, style.font, fit.size, style.letterSpacing ?? 0)).toBeLessThanOrEqual(box.width + 1e-6)
  const height = fit.lines.length ? (fit.lines.length - 1) * fit.size * style.lineHeight + fit.size * LINE_INK_EM : 0
  expect(height).toBeLessThanOrEqual(box.height + 1e-6)
  if (style.maxLines) expect(fit.lines.length).toBeLessThanOrEqual(style.maxLines)
  expect(fit.size).toBeGreaterThanOrEqual(style.minSize)
  expect(fit.size).toBeLessThanOrEqual(style.maxSize)
  return fit
}

describe('fitText', () => {
  it('keeps a short title at its largest size', () => {
    const fit = expectInside('超薄透气纸尿裤', { width: 640, height: 120 }, { font: 'bold', maxSize: 44, minSize: 30, lineHeight: 1.3, maxLines: 2 })
    expect(fit).toEqual({ size: 44, lines: ['超薄透气纸尿裤'], overflow: false })
  })

  it('shrinks a long Chinese title until it fits, without cutting it', () => {
    const fit = expectInside(TITLE, { width: 640, height: 240 }, { font: 'bold', maxSize: 60, minSize: 30, lineHeight: 1.3, maxLines: 4 })
    expect(fit.overflow).toBe(false)
    expect(fit.size).toBeLessThan(60)
    expect(fit.lines.join('').replace(/\s/g, '')).toBe(TITLE.replace(/\s/g, ''))
  })

  it('ellipsises the last line when even the smallest size cannot hold the text, and says so', () => {
    const fit = expectInside(TITLE, { width: 400, height: 110 }, { font: 'bold', maxSize: 44, minSize: 36, lineHeight: 1.3, maxLines: 2 })
    expect(fit.overflow).toBe(true)
    expect(fit.size).toBe(36)
    expect(fit.lines).toHaveLength(2)
    expect(fit.lines[1].endsWith('…')).toBe(true)
    expect(fit.lines[0]).toBe(TITLE.slice(0, fit.lines[0].length))
  })

  it('never starts a line with closing punctuation nor ends one with an opening bracket', () => {
    // At 8 characters a line, greedy filling would put the comma first on line two.
    const comma = fitText('一二三四五六七八，九十', { width: 400, height: 300 }, { font: 'regular', maxSize: 50, minSize: 50, lineHeight: 1.3 })
    expect(comma.lines).toEqual(['一二三四五六七', '八，九十'])
    // …and the opening bracket last on line one.
    const bracket = fitText('一二三四五六七（八）九十', { width: 400, height: 300 }, { font: 'regular', maxSize: 50, minSize: 50, lineHeight: 1.3 })
    expect(bracket.lines[0].endsWith('（')).toBe(false)
    expect(bracket.lines[1].startsWith('（')).toBe(true)
    const texts = ['好物推荐。今日特价！买二送一？限时（三天）「爆款」，速抢、别错过。', TITLE, '“宝妈们都说好用”——真实反馈……值得一试！']
    for (const text of texts) {
      for (let width = 180; width <= 700; width += 37) {
        const fit = fitText(text, { width, height: 2000 }, { font: 'bold', maxSize: 40, minSize: 40, lineHeight: 1.3 })
        for (const [i, line] of fit.lines.entries()) {
          if (i > 0) expect('。，！？、）」』】》：；…”'.includes(line[0]), `line ${i} of ${JSON.stringify(fit.lines)} at width ${width}`).toBe(false)
          if (i < fit.lines.length - 1) expect('（「『【《“'.includes(line[line.length - 1])).toBe(false)
        }
      }
    }
  })

  it('wraps Latin text between words, not inside them', () => {
    const fit = fitText('Hello wonderful world of extraordinary things', { width: 300, height: 300 }, { font: 'regular', maxSize: 40, minSize: 40, lineHeight: 1.3 })
    expect(fit.lines).toEqual(['Hello wonderful', 'world of', 'extraordinary', 'things'])
    // SPF48 and 30ml stay whole next to Chinese.
    const mixed = fitText('清透防晒乳 SPF48 PA+++ 50g 不泛白', { width: 260, height: 400 }, { font: 'regular', maxSize: 36, minSize: 36, lineHeight: 1.3 })
    expect(mixed.lines.some((l) => l.includes('SPF48'))).toBe(true)
    expect(mixed.lines.some((l) => l.includes('PA+++'))).toBe(true)
  })

  it('does not leave one character alone on the last line when it can spread the lines', () => {
    const fit = fitText('好奇铂金装纸尿裤 M 号 92 片 超薄透气', { width: 640, height: 118 }, { font: 'bold', maxSize: 44, minSize: 30, lineHeight: 1.3, maxLines: 2 })
    expect(fit.lines).toHaveLength(2)
    expect(fit.lines[1].length).toBeGreaterThan(2)
  })

  it('drops characters the font cannot draw instead of printing boxes', () => {
    const fit = fitText('🔥爆款🔥', { width: 400, height: 100 }, { font: 'bold', maxSize: 40, minSize: 40, lineHeight: 1.2 })
    expect(fit.lines).toEqual(['爆款'])
  })

  it('never returns a line wider than the box or more lines than fit, for any text and box', () => {
    const chars = [...'果园好物推荐今日特价纸尿裤精华液面霜宝妈。，！？、（）「」…—']
    const piece = fc.oneof(
      fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 12 }).map((a) => a.join('')),
      fc.constantFrom('SPF48', '30ml', 'Hello', 'extraordinarily', ' ', '\n', '¥129.90', '3D'),
    )
    fc.assert(
      fc.property(
        fc.array(piece, { minLength: 0, maxLength: 20 }).map((a) => a.join('')),
        fc.integer({ min: 60, max: 900 }),
        fc.integer({ min: 40, max: 600 }),
        fc.constantFrom('regular' as const, 'bold' as const, 'black' as const),
        fc.integer({ min: 12, max: 30 }),
        fc.integer({ min: 0, max: 40 }),
        fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        (text, width, height, font, minSize, extra, maxLines) => {
          const style = { font, minSize, maxSize: minSize + extra, lineHeight: 1.3, maxLines }
          const box = { width, height: Math.max(height, Math.ceil(minSize * LINE_INK_EM)) }
          expectInside(text, box, style)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('breaks Chinese between words, never inside one: 内含 stays whole', () => {
    const text = '每日坚果 750g/30 袋，内含腰果、巴旦木、榛子和蔓越莓干，独立小包装'
    let splitSomewhere = false
    for (let width = 200; width <= 700; width += 23) {
      const fit = fitText(text, { width, height: 2000 }, { font: 'regular', maxSize: 36, minSize: 36, lineHeight: 1.3 })
      expect(fit.lines.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''))
      for (let i = 1; i < fit.lines.length; i++) {
        const joint = fit.lines[i - 1].slice(-1) + fit.lines[i].slice(0, 1)
        for (const word of ['内含', '腰果', '坚果', '榛子', '包装']) expect(joint, `${JSON.stringify(fit.lines)} at ${width}`).not.toBe(word)
        splitSomewhere = true
      }
    }
    expect(splitSomewhere).toBe(true)
  })
})
