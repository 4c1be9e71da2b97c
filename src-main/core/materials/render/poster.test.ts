import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import jsQR from 'jsqr'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PosterTemplate } from '../../../../src-shared/materials/templates'
import { preparePoster, renderMemberPoster, renderTemplatePreview, sampleProduct, type PosterMember, type PosterProduct } from './poster'
import { resourcesDir } from './resources'
import { defaultTemplates } from './templates'

const photo = (name: string) => join(resourcesDir(), 'demo', 'photos', 'products', name)
const product: PosterProduct = {
  id: 'p1',
  name: '双抗精华液 30ml',
  title: '珀莱雅双抗精华液 烟酰胺抗氧化提亮肤色，熬夜急救精华（第三代）敏感肌也能用，限时再送小样三件套',
  brand: '珀莱雅',
  salePriceFen: 25_900,
  listPriceFen: 29_900,
  badge: '爆款',
  photoPath: photo('MZ-1.jpg'),
  footer: '正品保障 · 48 小时发货',
}
const fang: PosterMember = { id: 'm1', name: '王芳', inviteCode: 'WF8K2Q', inviteUrl: 'https://m.orchard.example/i/WF8K2Q?s=poster&t=20261123' }
const lei: PosterMember = { id: 'm2', name: '欧阳晓磊', inviteCode: 'OY3M7P', inviteUrl: 'https://m.orchard.example/i/OY3M7P?s=poster&t=20261123' }
const studio = { name: '果园优选' }

async function decodeQr(image: Buffer): Promise<string | null> {
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), info.width, info.height)?.data ?? null
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-posters-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('member posters', () => {
  it('carries each member’s own invite link in a QR code that scans from the JPEG, on every default template', async () => {
    for (const [i, template] of defaultTemplates().entries()) {
      const prepared = await preparePoster(template, product, studio)
      for (const member of i === 0 ? [fang, lei] : [[fang, lei][i % 2]]) {
        const jpeg = await renderMemberPoster(prepared, member)
        const meta = await sharp(jpeg).metadata()
        expect(meta).toMatchObject({ format: 'jpeg', width: template.width, height: template.height })
        expect(await decodeQr(jpeg), `${template.id} for ${member.name}`).toBe(member.inviteUrl)
      }
    }
  })

  it('changes only the member slots between two members’ posters', async () => {
    const template = defaultTemplates().find((t) => t.id === 'clean-white')!
    const prepared = await preparePoster(template, product, studio)
    const a = await sharp(await renderMemberPoster(prepared, fang, { format: 'png' })).raw().toBuffer({ resolveWithObject: true })
    const b = await sharp(await renderMemberPoster(prepared, lei, { format: 'png' })).raw().toBuffer({ resolveWithObject: true })
    const member = template.slots.filter((s) => s.kind === 'qr' || s.kind === 'inviteCode' || s.kind === 'memberName')
    const inside = (x: number, y: number) => member.some((s) => x >= s.x - 1 && x < s.x + s.width + 1 && y >= s.y - 1 && y < s.y + s.height + 1)
    let changedInside = 0
    let changedOutside = 0
    const { width, channels } = a.info
    for (let i = 0; i < a.data.length; i += channels) {
      if (a.data[i] === b.data[i] && a.data[i + 1] === b.data[i + 1] && a.data[i + 2] === b.data[i + 2]) continue
      const p = i / channels
      if (inside(p % width, Math.floor(p / width))) changedInside++
      else changedOutside++
    }
    expect(changedOutside).toBe(0)
    expect(changedInside).toBeGreaterThan(1000)
  })

  it('prints the price the way shops do and never invents a list price', async () => {
    const template = defaultTemplates().find((t) => t.id === 'clean-white')!
    const render = async (p: Partial<PosterProduct>) => (await sharp(await renderMemberPoster(await preparePoster(template, { ...product, ...p }, studio), fang, { format: 'png' })).raw().toBuffer()).toString('base64')
    // No list price and a list price not above the sale price draw the same poster…
    const none = await render({ listPriceFen: null })
    expect(await render({ listPriceFen: product.salePriceFen })).toBe(none)
    // …and a real, higher one draws something more.
    expect(await render({ listPriceFen: 29_900 })).not.toBe(none)
    // A product without a badge draws no badge.
    expect(await render({ badge: null, listPriceFen: null })).not.toBe(none)
  })

  it('warns when a title had to be cut to fit its slot', async () => {
    const template = structuredClone(defaultTemplates().find((t) => t.id === 'clean-white')!) as PosterTemplate
    const long = { ...product, title: product.title.repeat(4) }
    const prepared = await preparePoster(template, long, studio)
    expect(prepared.warnings).toEqual([expect.objectContaining({ kind: 'title', code: 'text_ellipsised', path: expect.stringMatching(/^slots\[\d+\]$/) })])
    expect((await preparePoster(template, { ...product, title: '珀莱雅双抗精华液 烟酰胺抗氧化提亮肤色' }, studio)).warnings).toEqual([])
  })

  it('refuses a product photo that is missing or broken, naming the file', async () => {
    const template = defaultTemplates()[0]
    await expect(preparePoster(template, { ...product, photoPath: join(dir, 'nope.jpg') }, studio)).rejects.toMatchObject({
      code: 'photo_unreadable',
      details: { file: join(dir, 'nope.jpg') },
    })
    const broken = join(dir, 'broken.jpg')
    writeFileSync(broken, Buffer.from('not really a jpeg'))
    await expect(preparePoster(template, { ...product, photoPath: broken }, studio)).rejects.toMatchObject({ code: 'photo_unreadable', details: { file: broken } })
  })

  it('survives the trip to a worker thread: the prepared poster is plain data', async () => {
    const prepared = await preparePoster(defaultTemplates()[0], product, studio)
    const copy = structuredClone(prepared)
    expect(await decodeQr(await renderMemberPoster(copy, fang))).toBe(fang.inviteUrl)
  })
})

describe('template preview', () => {
  it('renders a PNG with sample data, or with the data it is given', async () => {
    const template = defaultTemplates().find((t) => t.shape === '9:16')!
    const png = await renderTemplatePreview(template)
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 1080, height: 1920 })
    expect(await decodeQr(png)).toContain('https://')
    const mine = await renderTemplatePreview(template, { member: fang, product: { photoPath: photo('YY-1.jpg') } })
    expect(await decodeQr(mine)).toBe(fang.inviteUrl)
    expect(sampleProduct().photoPath).toMatch(/MZ-1\.jpg$/)
  })
})
