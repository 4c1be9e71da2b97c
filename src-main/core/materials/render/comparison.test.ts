import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderCollage } from './collage'
import { renderComparison } from './comparison'
import type { PosterProduct } from './poster'
import { resourcesDir } from './resources'

const photos = join(resourcesDir(), 'demo', 'photos')
const product: PosterProduct = {
  id: 'p2',
  name: '铂金装纸尿裤 M 号 92 片',
  title: '好奇铂金装纸尿裤 M 号 92 片 超薄透气',
  brand: '好奇',
  salePriceFen: 16_990,
  listPriceFen: 20_900,
  badge: null,
  photoPath: join(photos, 'products', 'MY-1.jpg'),
  footer: null,
}
const entries = [
  { source: '天猫旗舰店', priceFen: 19_900, date: '2026-11-20', note: '含店铺券' },
  { source: '京东自营', priceFen: 18_950, date: '2026-11-21' },
]

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cards-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('price comparison', () => {
  it('renders from prices entered with their source and date, in both shapes', async () => {
    expect(await sharp(await renderComparison({ product, ourPriceFen: 16_990, entries })).metadata()).toMatchObject({ format: 'jpeg', width: 1080, height: 1080 })
    expect(await sharp(await renderComparison({ product, ourPriceFen: 16_990, entries, shape: '3:4' })).metadata()).toMatchObject({ width: 1080, height: 1440 })
  })

  it('refuses without at least one real price with a source and a date', async () => {
    await expect(renderComparison({ product, ourPriceFen: 16_990, entries: [] })).rejects.toMatchObject({ code: 'comparison_needs_prices', details: { path: 'entries' } })
    await expect(renderComparison({ product, ourPriceFen: 16_990, entries: [{ source: '  ', priceFen: 19_900, date: '2026-11-20' }] })).rejects.toMatchObject({
      code: 'comparison_needs_prices',
      details: { path: 'entries[0].source' },
    })
    await expect(renderComparison({ product, ourPriceFen: 16_990, entries: [entries[0], { source: '京东', priceFen: 18_950, date: '' }] })).rejects.toMatchObject({
      code: 'comparison_needs_prices',
      details: { path: 'entries[1].date', value: '' },
    })
    await expect(renderComparison({ product, ourPriceFen: 16_990, entries: [{ source: '京东', priceFen: 18_950, date: '2026-02-30' }] })).rejects.toMatchObject({
      details: { path: 'entries[0].date', value: '2026-02-30' },
    })
    await expect(renderComparison({ product, ourPriceFen: 16_990, entries: [{ source: '京东', priceFen: 0, date: '2026-11-21' }] })).rejects.toMatchObject({
      details: { path: 'entries[0].priceFen' },
    })
  })
})

describe('buyer-show collage', () => {
  const buyers = (n: number) => Array.from({ length: n }, (_, i) => join(photos, 'buyers', `${['MY', 'MZ', 'SP'][i % 3]}-${(i % 3) + 1}.jpg`))

  it('lays out one to nine customer photos', async () => {
    for (const n of [1, 4, 9]) {
      const jpeg = await renderCollage({ product, photos: buyers(n), caption: '宝妈们都说吸水好，一夜干爽', shape: n === 9 ? '3:4' : '1:1' })
      expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 1080, height: n === 9 ? 1440 : 1080 })
    }
  })

  it('refuses without real photos, and names a photo it cannot read', async () => {
    await expect(renderCollage({ product, photos: [], caption: '好用' })).rejects.toMatchObject({ code: 'collage_needs_photos' })
    const missing = join(dir, 'gone.jpg')
    await expect(renderCollage({ product, photos: [buyers(1)[0], missing], caption: '好用' })).rejects.toMatchObject({
      code: 'collage_photo_unreadable',
      details: { file: missing, why: expect.any(String) },
    })
    const corrupt = join(dir, 'corrupt.jpg')
    writeFileSync(corrupt, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]))
    await expect(renderCollage({ product, photos: [corrupt], caption: '好用' })).rejects.toMatchObject({
      code: 'collage_photo_unreadable',
      details: { file: corrupt },
    })
    await expect(renderCollage({ product, photos: buyers(10), caption: '好用' })).rejects.toMatchObject({ code: 'collage_invalid' })
  })
})
