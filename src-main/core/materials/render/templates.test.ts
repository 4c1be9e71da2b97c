import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { OrchardError } from '../../../../src-shared/errors'
import { POSTER_SHAPES, type PosterTemplateInput } from '../../../../src-shared/materials/templates'
import { defaultTemplates, validateTemplate } from './templates'

function refusal(raw: unknown, source?: string): OrchardError {
  try {
    validateTemplate(raw, source)
  } catch (err) {
    expect(err).toBeInstanceOf(OrchardError)
    return err as OrchardError
  }
  throw new Error('the template was accepted')
}

/** A shipped template with one slot changed. */
function withSlot(id: string, change: (slot: Record<string, unknown>) => void): { template: PosterTemplateInput; index: number } {
  const template = structuredClone(defaultTemplates().find((t) => t.id === 'clean-white')!) as PosterTemplateInput
  const index = template.slots.findIndex((s) => s.id === id)
  change(template.slots[index] as Record<string, unknown>)
  return { template, index }
}

describe('default templates', () => {
  it('ships at least six valid templates covering every feed shape, with unique ids', () => {
    const templates = defaultTemplates()
    expect(templates.length).toBeGreaterThanOrEqual(6)
    expect(new Set(templates.map((t) => t.id)).size).toBe(templates.length)
    for (const shape of POSTER_SHAPES) expect(templates.some((t) => t.shape === shape)).toBe(true)
    for (const t of templates) {
      expect(t.slots.filter((s) => s.kind === 'qr')).toHaveLength(1)
      expect(t.slots.some((s) => s.kind === 'title')).toBe(true)
      expect(t.slots.some((s) => s.kind === 'price')).toBe(true)
      expect(t.slots.some((s) => s.kind === 'inviteCode')).toBe(true)
    }
  })

  it('hands out copies, so a caller editing one does not change the next call', () => {
    const first = defaultTemplates()
    first[0].slots[0].x = 999
    expect(defaultTemplates()[0].slots[0].x).not.toBe(999)
  })
})

describe('validateTemplate', () => {
  let dir: string | null = null
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
    dir = null
  })

  it('rejects a slot that hangs off the right edge, naming the slot, the edge and the file', () => {
    const { template, index } = withSlot('title', (s) => (s.x = 900))
    const err = refusal(template, '/studio/templates/mine.json')
    expect(err.code).toBe('template_invalid')
    expect(err.details).toMatchObject({ file: '/studio/templates/mine.json', path: `slots[${index}].x`, value: 900, edge: 'right' })
    expect(err.message).toContain('mine.json')
    expect(err.message).toContain(`第 ${index + 1} 个槽位（标题「title」）超出画布右边缘`)
    expect(err.message).toContain(`slot ${index + 1} (title "title") is off the right edge`)
    expect(err.message).toContain('900 + width 640 = 1540 > 1080')
  })

  it('rejects slots off the left, top and bottom edges with the field that moves them back', () => {
    expect(refusal(withSlot('qr', (s) => (s.x = -10)).template).details).toMatchObject({ path: expect.stringMatching(/^slots\[\d+\]\.x$/), edge: 'left', value: -10 })
    expect(refusal(withSlot('qr', (s) => (s.y = -1)).template).details).toMatchObject({ path: expect.stringMatching(/\.y$/), edge: 'top' })
    const bottom = refusal(withSlot('member', (s) => (s.y = 1060)).template)
    expect(bottom.details).toMatchObject({ edge: 'bottom', path: expect.stringMatching(/\.y$/) })
    expect(bottom.message).toContain('下边缘')
  })

  it('rejects a colour that is not #RRGGBB, quoting it', () => {
    const { template, index } = withSlot('badge', (s) => (s.fill = 'red'))
    const err = refusal(template)
    expect(err.details).toMatchObject({ path: `slots[${index}].fill`, value: 'red' })
    expect(err.message).toContain('red')
    const bad = refusal(withSlot('title', (s) => ((s.style as Record<string, unknown>).colour = '#12345')).template)
    expect(bad.details).toMatchObject({ path: expect.stringMatching(/style\.colour$/), value: '#12345' })
    expect(bad.message).toMatch(/#RRGGBB/)
  })

  it('rejects an unknown font, listing the ones there are', () => {
    const { template, index } = withSlot('title', (s) => ((s.style as Record<string, unknown>).font = 'SimHei'))
    const err = refusal(template)
    expect(err.details).toMatchObject({ path: `slots[${index}].style.font`, value: 'SimHei' })
    expect(err.message).toContain('未知字体「SimHei」')
    expect(err.message).toContain('regular, medium, bold or black')
  })

  it('rejects other mistakes an editor can make, each with a located message', () => {
    // a text slot too short for one line at its smallest size
    expect(refusal(withSlot('title', (s) => (s.height = 20)).template).details).toMatchObject({ path: expect.stringMatching(/\.height$/), value: 20 })
    // member details outside the member slots would be baked into every member's poster
    const leak = refusal(withSlot('title', (s) => (s.text = '{member} 推荐 {title}')).template)
    expect(leak.message).toContain('{member}')
    // an unknown kind of slot
    expect(refusal(withSlot('divider', (s) => (s.kind = 'sticker')).template).message).toContain('sticker')
    // no QR at all
    const noQr = structuredClone(defaultTemplates()[0]) as PosterTemplateInput
    noQr.slots = noQr.slots.filter((s) => s.kind !== 'qr')
    expect(refusal(noQr).message).toContain('exactly one invite QR slot')
    // a canvas that is not the shape's size
    expect(refusal({ ...defaultTemplates()[0], height: 1000 }).details).toMatchObject({ path: 'height' })
    // a misspelt field is not silently ignored
    expect(refusal(withSlot('title', (s) => (s.colour = '#000000')).template).message).toContain('colour')
  })

  it('fills in defaults for what a template leaves out', () => {
    const { template } = withSlot('qr', (s) => {
      delete s.dark
      delete s.radius
    })
    const t = validateTemplate(template)
    const qr = t.slots.find((s) => s.kind === 'qr')!
    expect(qr).toMatchObject({ dark: '#000000', radius: 16, errorCorrection: 'M', quietZone: 2 })
  })

  it('names the template file when a shipped file is not JSON', async () => {
    dir = mkdtempSync(join(tmpdir(), 'orchard-templates-'))
    const templates = join(dir, 'templates')
    const { mkdirSync } = await import('node:fs')
    mkdirSync(templates)
    writeFileSync(join(templates, '01-broken.json'), '{ "id": ')
    const before = process.env.ORCHARD_RESOURCES_DIR
    process.env.ORCHARD_RESOURCES_DIR = dir
    try {
      expect(() => defaultTemplates()).toThrow(/01-broken\.json/)
    } finally {
      if (before === undefined) delete process.env.ORCHARD_RESOURCES_DIR
      else process.env.ORCHARD_RESOURCES_DIR = before
    }
  })
})
