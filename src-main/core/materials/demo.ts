/**
 * The demo studio's material library: competitor prices the operator "saw" for the
 * best sellers, and buyer-show photos (drawn demo snapshots, kept in the studio's file
 * store like any uploaded photo), so comparisons and collages show up in packs.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AreaSeedOptions } from '../coreArea'
import type { CoreContext } from '../context'
import { dayIn } from '../clock'
import { newId } from '../ids'
import { systemWriter } from '../records/changes'
import { demoBuyerPhotos } from './demoPhotos'
import { productPhotos, storeFile } from './photos'
import { resourcesDir } from './render'
import { insertBuyerPhoto, insertComparison } from './sources'

/** Width and height of a baseline or progressive JPEG, from its frame header. */
export function jpegSize(data: Buffer): { width: number; height: number } | null {
  let i = 2
  while (i + 9 < data.length) {
    if (data[i] !== 0xff) return null
    const marker = data[i + 1]
    const length = data.readUInt16BE(i + 2)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: data.readUInt16BE(i + 5), width: data.readUInt16BE(i + 7) }
    }
    i += 2 + length
  }
  return null
}

const SOURCES = [
  { source: '天猫旗舰店', markup: 1.32 },
  { source: '京东自营', markup: 1.25 },
  { source: '线下专柜', markup: 1.48 },
]

export function seedMaterialsDemo(ctx: CoreContext, options: AreaSeedOptions): void {
  const db = ctx.db
  const day = (back: number) => dayIn(options.timezone, new Date(options.now.getTime() - back * 86_400_000))
  // The twelve best sellers of the demo that photos show get prices from elsewhere; every other one of them buyer photos.
  const products = (
    db
      .prepare(
        `SELECT p.id, p.sku, p.name, p.images, p.sale_price_fen FROM products p JOIN order_lines l ON l.product_id = p.id
          WHERE p.active = 1 GROUP BY p.id ORDER BY SUM(l.quantity) DESC, p.sku`,
      )
      .all() as { id: string; sku: string; name: string; images: string; sale_price_fen: number }[]
  )
    .filter((p) => productPhotos(p, db).length > 0)
    .slice(0, 12)
  // The demo's prices are shared records like any other: recorded as the studio's own work.
  const w = systemWriter(db, options.now, 'demo')
  const customers = db.prepare(`SELECT id FROM customers ORDER BY id LIMIT 40`).pluck().all() as string[]
  products.forEach((p, n) => {
    SOURCES.slice(0, 2 + (n % 2)).forEach((s, k) => {
      // Rounded to whole yuan, as shops price them.
      const price = Math.round((p.sale_price_fen * (s.markup + ((n + k) % 3) * 0.03)) / 100) * 100
      insertComparison(w, { id: newId(), productId: p.id, source: s.source, priceFen: price, observedOn: day(1 + ((n + k) % 5)), url: '', note: '页面标价' }, 'demo')
    })
    if (n % 2 === 1) return
    // Only snapshots of this very product: a nappy's buyers show nappies, not milk powder.
    for (const [k, shot] of demoBuyerPhotos(p.name).entries()) {
      const source = join(resourcesDir(), 'demo', 'photos', shot)
      if (!existsSync(source)) continue
      const size = jpegSize(readFileSync(source))
      if (!size) continue
      // Kept in the studio's file store by hash and recorded as the team's record, as any photo added in the console.
      const sha256 = storeFile(db, readFileSync(source))
      const customerId = customers[(n * 3 + k + 1) % Math.max(1, customers.length)] ?? null
      insertBuyerPhoto(w, newId(), { productId: p.id, customerId, caption: ['用了一周，很满意', '回购第三次了', '包装很用心'][k % 3], width: size.width, height: size.height, sha256 }, 'demo')
    }
  })
}
