import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import jsQR from 'jsqr'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PosterTemplate } from '../../../src-shared/materials/templates'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'

async function decodeQr(dataUrl: string): Promise<string | null> {
  const { data, info } = await sharp(Buffer.from(dataUrl.split(',')[1], 'base64')).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), info.width, info.height)?.data ?? null
}
const pixels = async (dataUrl: string) => (await sharp(Buffer.from(dataUrl.split(',')[1], 'base64')).raw().toBuffer()).toString('base64')

describe('the studio’s poster templates', () => {
  let dir: string
  let core: OrchardCore
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orchard-templates-'))
    core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'demo', clock: fixedClock('2026-11-20T04:00:00Z') })
  })
  afterAll(async () => {
    await core.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('duplicates a shipped template, edits and saves the copy, and packs use it', async () => {
    await expect(core.invoke('posterTemplates', 'save', { id: 'clean-white', template: {} })).rejects.toMatchObject({ code: 'template_builtin' })
    const copy = await core.invoke('posterTemplates', 'duplicate', { id: 'clean-white' })
    const t = copy.template as unknown as PosterTemplate
    expect(copy.builtin).toBe(false)
    expect(t.id).toMatch(/^own-/)
    expect(t.name).toBe('简约白卡 副本')
    const before = await core.invoke('posterTemplates', 'preview', { template: t })
    const title = t.slots.find((s) => s.kind === 'title')!
    const edited: PosterTemplate = { ...t, name: '我们的白卡', background: '#FFF4E0', slots: t.slots.map((s) => (s === title ? { ...s, y: s.y + 40 } : s)) }
    const after = await core.invoke('posterTemplates', 'preview', { template: edited })
    expect(await pixels(after.image)).not.toBe(await pixels(before.image))
    await core.invoke('posterTemplates', 'save', { id: t.id, template: edited })
    expect((await core.invoke('posterTemplates', 'list', {})).find((x) => x.id === t.id)).toMatchObject({ name: '我们的白卡', builtin: false, basedOn: 'clean-white' })
    expect(((await core.invoke('posterTemplates', 'get', { id: t.id })).template as unknown as PosterTemplate).background).toBe('#FFF4E0')

    const member = (await core.invoke('members', 'all', {})).find((m) => m.status === 'active')!
    const out = join(dir, 'out')
    const job = await core.invoke('packs', 'generate', { date: '2026-11-21', members: [member.id], templates: [t.id], products: ['MZ-1001'], out })
    expect(job.status).toBe('done')
    expect(existsSync(join(out, `${member.name}-${member.inviteCode}`, `01-MZ-1001-${t.id}.jpg`))).toBe(true)
    expect(readFileSync(join(out, `${member.name}-${member.inviteCode}`, 'manifest.json'), 'utf8')).toContain(t.id)

    await core.invoke('posterTemplates', 'archive', { id: t.id })
    expect((await core.invoke('posterTemplates', 'list', {})).some((x) => x.id === t.id)).toBe(false)
    await expect(core.invoke('packs', 'check', { date: '2026-11-21', templates: [t.id] })).rejects.toMatchObject({ code: 'not_found', details: { field: 'templates.0' } })
  })

  it('refuses a slot moved off the canvas with the path, the value and the edge, and keeps the saved version', async () => {
    const copy = await core.invoke('posterTemplates', 'duplicate', { id: 'red-promo' })
    const t = copy.template as unknown as PosterTemplate
    const index = t.slots.findIndex((s) => s.kind === 'qr')
    const broken = { ...t, slots: t.slots.map((s, i) => (i === index ? { ...s, x: 1000 } : s)) }
    await expect(core.invoke('posterTemplates', 'preview', { template: broken })).rejects.toMatchObject({ code: 'template_invalid', details: { path: `slots[${index}].x`, value: 1000, edge: 'right' } })
    await expect(core.invoke('posterTemplates', 'save', { id: t.id, template: broken })).rejects.toMatchObject({ details: { path: `slots[${index}].x` } })
    expect(((await core.invoke('posterTemplates', 'get', { id: t.id })).template as unknown as PosterTemplate).slots[index]).toEqual(t.slots[index])
  })

  it('previews with a real product of the studio and a QR that scans', async () => {
    const { template } = await core.invoke('posterTemplates', 'get', { id: 'story-orange' })
    const { image } = await core.invoke('posterTemplates', 'preview', { template })
    expect(image.startsWith('data:image/png;base64,')).toBe(true)
    expect(await decodeQr(image)).toMatch(/^https:\/\//)
  })
})
