import { describe, expect, it } from 'vitest'

const zh = import.meta.glob<{ default: unknown }>('./locales/zh-CN/*.ts', { eager: true })

describe('the console’s Chinese wording', () => {
  it('calls a member’s mentor 师父, the studio’s word, on every screen (never 师傅)', () => {
    const text = JSON.stringify(Object.values(zh).map((m) => m.default))
    expect(Object.keys(zh).length).toBeGreaterThan(10)
    expect(text).toContain('师父')
    expect(text).not.toContain('师傅')
  })
})
