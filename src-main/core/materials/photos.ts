import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import type { Db } from '../db/connection'
import { writeOutput } from '../jobs/outputs'
import { recordChange, systemWriter } from '../records/changes'
import { resourcesDir } from './render'

/** Images shipped with Orchard (the demo studio's) are referred to as demo:<path under resources/demo/photos>. */
const SHIPPED = 'demo:'
/** A picture of the studio's own, kept in the file store and named by the SHA-256 of its bytes: sha256:<64 hex>. */
export const STORED = 'sha256:'
const SHA256 = /^[0-9a-f]{64}$/

export const isSha256 = (s: unknown): s is string => typeof s === 'string' && SHA256.test(s)
export const sha256Of = (bytes: Buffer | Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/**
 * The studio's pictures by content: files/<sha256> beside the database. A record names a
 * picture by its hash, so the same name means the same bytes on every workstation of a team
 * and the team server's file store (PUT/GET /v1/files/:sha256) can carry it (core/sync/files.ts).
 */
export const filesDir = (db: Db): string => join(dirname(db.name), 'files')
export const storedFile = (db: Db, sha256: string): string => join(filesDir(db), sha256)
export const hasStoredFile = (db: Db, sha256: string): boolean => isSha256(sha256) && existsSync(storedFile(db, sha256))

/**
 * Keeps `bytes` in the store under their hash (written under a temporary name and renamed,
 * so a file is never seen half-written) and returns the hash. Bytes already held are left as they are.
 */
export function storeFile(db: Db, bytes: Buffer): string {
  const sha = sha256Of(bytes)
  const file = storedFile(db, sha)
  if (existsSync(file)) return sha
  writeOutput(file, bytes, { mode: 0o600 })
  return sha
}

/** Removes a stored file no buyer photo and no product names any more (a removed customer's photo does not linger). */
export function forgetStoredFile(db: Db, sha256: string): void {
  if (!isSha256(sha256)) return
  const named =
    db.prepare('SELECT 1 FROM buyer_photos WHERE sha256 = ? LIMIT 1').get(sha256) ??
    db.prepare(`SELECT 1 FROM products p, json_each(p.images) j WHERE j.value = ? LIMIT 1`).get(`${STORED}${sha256}`)
  if (!named) rmSync(storedFile(db, sha256), { force: true })
}

/**
 * A product's pictures as the record keeps them: a picture given as a file on this machine
 * is copied into the store and named by its hash (a path means nothing on the team's other
 * workstations); links to a shop's pictures, shipped pictures and stored names stay as they are.
 */
export function storeImageFiles(db: Db, images: readonly string[]): string[] {
  return images.map((i) => {
    if (/^https?:/i.test(i) || i.startsWith(SHIPPED) || i.startsWith(STORED) || !isAbsolute(i) || !existsSync(i) || !statSync(i).isFile()) return i
    return `${STORED}${storeFile(db, readFileSync(i))}`
  })
}

/** The stored pictures a product names (their hashes). */
export function productImageHashes(images: readonly unknown[]): string[] {
  return images.filter((i): i is string => typeof i === 'string' && i.startsWith(STORED) && isSha256(i.slice(STORED.length))).map((i) => i.slice(STORED.length))
}

/**
 * A product's photos that are files here: its own images (links to a shop's pictures are
 * not files and are left out, and so is a picture of the team's not downloaded yet), and
 * for the demo studio the shipped photos that show it. A product with none gets no photo —
 * never a picture of another product.
 */
export function productPhotos(p: { images: string }, db: Db): string[] {
  let images: string[]
  try {
    images = JSON.parse(p.images) as string[]
  } catch {
    return []
  }
  return images
    .filter((i) => typeof i === 'string' && !/^https?:/i.test(i))
    .map((i) =>
      i.startsWith(SHIPPED) ? join(resourcesDir(), 'demo', 'photos', i.slice(SHIPPED.length)) : i.startsWith(STORED) ? storedFile(db, i.slice(STORED.length)) : i,
    )
    .filter((f) => existsSync(f))
}

/**
 * Pictures kept under a path before 0029 — buyer photos in photos/buyers/, product pictures
 * given as files of this machine — hashed into the store once, when the studio opens, and
 * recorded as the studio's own change through the one write path so the team hears of them
 * (a buyer photo as its create, a product's pictures as a change of its images). A file
 * that is gone is left as it was: there is nothing to share, and nothing is deleted.
 */
export function adoptLocalFiles(db: Db, at: Date): { photos: number; products: number } {
  const photos = db.prepare(`SELECT id, product_id, customer_id, file, caption, width, height FROM buyer_photos WHERE sha256 IS NULL AND file <> ''`).all() as {
    id: string
    product_id: string
    customer_id: string | null
    file: string
    caption: string
    width: number
    height: number
  }[]
  const products = (db.prepare(`SELECT id, sku, name, images FROM products WHERE images LIKE '%/%' OR images LIKE '%\\%'`).all() as { id: string; sku: string; name: string; images: string }[])
    .map((p) => {
      const before = JSON.parse(p.images) as string[]
      return { ...p, before, after: storeImageFiles(db, before) }
    })
    .filter((p) => p.after.some((x, i) => x !== p.before[i]))
  const hashed = photos.filter((p) => existsSync(p.file)).map((p) => ({ ...p, sha: storeFile(db, readFileSync(p.file)) }))
  if (!hashed.length && !products.length) return { photos: 0, products: 0 }
  const w = systemWriter(db, at, 'console')
  db.transaction(() => {
    for (const p of hashed) {
      db.prepare(`UPDATE buyer_photos SET sha256 = ?, file = '' WHERE id = ?`).run(p.sha, p.id)
      recordChange(w, {
        record: 'buyerPhoto',
        id: p.id,
        label: p.caption || p.id,
        op: 'create',
        after: { productId: p.product_id, customerId: p.customer_id, caption: p.caption, width: p.width, height: p.height, sha256: p.sha },
      })
    }
    for (const p of products) {
      db.prepare('UPDATE products SET images = ? WHERE id = ?').run(JSON.stringify(p.after), p.id)
      recordChange(w, { record: 'product', id: p.id, label: `${p.sku} ${p.name}`, op: 'update', before: { images: p.before }, after: { images: p.after } })
    }
  })()
  // The old copies are in the store now (photos/buyers/ held copies of their own; a product's file stays where its owner put it).
  for (const p of hashed) rmSync(p.file, { force: true })
  return { photos: hashed.length, products: products.length }
}
