import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { resourcesDir } from './render'

/** Images shipped with Orchard (the demo studio's) are referred to as demo:<path under resources/demo/photos>. */
const SHIPPED = 'demo:'

/**
 * A product's photos that are files here: its own images (links to a shop's pictures are
 * not files and are left out), and for the demo studio the shipped photos that show it.
 * A product with none gets no photo — never a picture of another product.
 */
export function productPhotos(p: { images: string }): string[] {
  let images: string[]
  try {
    images = JSON.parse(p.images) as string[]
  } catch {
    return []
  }
  return images
    .filter((i) => typeof i === 'string' && !/^https?:/i.test(i))
    .map((i) => (i.startsWith(SHIPPED) ? join(resourcesDir(), 'demo', 'photos', i.slice(SHIPPED.length)) : i))
    .filter((f) => existsSync(f))
}
