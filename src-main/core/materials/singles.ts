/**
 * One-off pictures for the console: a product's price comparison and buyer-show
 * collage as a pack would carry them, so the operator sees the result while
 * entering prices or adding photos.
 */
import { OrchardError } from '../../../src-shared/errors'
import type { Db } from '../db/connection'
import { productPhotos } from './photos'
import { checkComparison, renderCollage, renderComparison, type PosterProduct } from './render'
import { thumbnail } from './sources'

export function productForRender(db: Db, productId: string): PosterProduct {
  const p = db.prepare('SELECT id, sku, name, brand, images, list_price_fen, sale_price_fen, stock, facts FROM products WHERE id = ?').get(productId) as
    | { id: string; sku: string; name: string; brand: string; images: string; list_price_fen: number; sale_price_fen: number; stock: number; facts: string }
    | undefined
  if (!p) throw new OrchardError('not_found', `商品不存在 / product not found: ${productId}`, { field: 'productId', value: productId })
  const photo = productPhotos(p, db)[0]
  if (!photo) throw new OrchardError('no_photo', `商品没有可用的照片 / the product has no photo`, { field: 'productId', value: productId })
  return {
    id: p.id,
    name: p.name,
    title: p.name,
    brand: p.brand,
    salePriceFen: p.sale_price_fen,
    listPriceFen: p.list_price_fen > p.sale_price_fen ? p.list_price_fen : null,
    badge: null,
    photoPath: photo,
    footer: null,
  }
}

export async function renderPriceComparison(product: PosterProduct, entries: { source: string; priceFen: number; date: string; note?: string }[]): Promise<string> {
  checkComparison({ ourPriceFen: product.salePriceFen, entries })
  return thumbnail(await renderComparison({ product, ourPriceFen: product.salePriceFen, entries }), 720)
}

export async function renderBuyerShow(product: PosterProduct, photos: string[]): Promise<string> {
  if (!photos.length) throw new OrchardError('collage_needs_photos', '还没有这个商品的买家秀照片，请先添加 / no buyer photos of this product yet: add some first', { field: 'productId', value: product.id })
  return thumbnail(await renderCollage({ product, photos, caption: `${product.name} · 买家真实反馈` }), 720)
}
