import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { resourcesDir } from './render'

/** A product's photos: its own images that are files here, else the demo photos of its category. */
export function productPhotos(p: { images: string; sku: string }): string[] {
  const images = JSON.parse(p.images) as string[]
  const own = images.filter((i) => !/^https?:/i.test(i) && existsSync(i))
  if (own.length) return own
  const prefix = p.sku.split('-')[0]
  let n = 0
  for (const ch of p.sku) n = (n * 31 + ch.charCodeAt(0)) >>> 0
  return [0, 1, 2].map((k) => join(resourcesDir(), 'demo', 'photos', 'products', `${prefix}-${((n + k) % 3) + 1}.jpg`)).filter((f) => existsSync(f))
}
