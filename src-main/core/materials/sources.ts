/**
 * What material packs are made from besides the product records: the prices the
 * operator saw elsewhere (比价), the photos customers sent (买家秀) and each group's
 * WeChat QR code, which WeChat lets lapse 7 days after it was made. Pictures are
 * copied into the data folder, so a pack never depends on a file that moved.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import jsQR from 'jsqr'
import sharp from 'sharp'
import type { z } from 'zod'
import type { BuyerPhoto, BuyerPhotoInput, GroupQr, GroupQrInput, PriceComparison, PriceComparisonInput } from '../../../src-shared/contracts/materials'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import {
  BUYER_PHOTO_COLUMNS,
  BUYER_PHOTOS,
  GROUP_QR_CODES,
  PRICE_COMPARISONS,
  toBuyerPhoto,
  toComparison,
  toGroupQr,
  type BuyerPhotoFields,
  type BuyerPhotoRow,
  type BuyerPhotoTableRow,
  type ComparisonFields,
  type ComparisonRow,
  type GroupQrRow,
} from '../db/tables/materials'
import { decodeFields, insertRow } from '../db/tables/table'
import { dayIn, timeIn } from '../clock'
import { newId } from '../ids'
import { produceOutput } from '../jobs/outputs'
import { changeWriter, recordChange, requireFieldWrite, type ChangeWriter } from '../records/changes'
import { forgetStoredFile, storedFile, storeFile } from './photos'
import { MAX_TEAM_FILE_BYTES } from '../../../src-shared/recordsProtocol'
import { COMPARISON_MAX_AGE_DAYS, COMPARISON_MAX_SOURCES, GROUP_QR_LIFETIME_DAYS as GROUP_QR_DAYS, GROUP_QR_WARN_HOURS } from '../../../src-shared/materials/rules'
import { addDays } from '../../../src-shared/time'

/** The library's rules (a code's lifetime and warning, a comparison's window and size) are the console's too. */
export { COMPARISON_MAX_AGE_DAYS, COMPARISON_MAX_SOURCES, GROUP_QR_LIFETIME_DAYS as GROUP_QR_DAYS, GROUP_QR_WARN_HOURS } from '../../../src-shared/materials/rules'

const DAY_MS = 86_400_000

/** A small JPEG of a picture as a data: URL, for the console. */
export async function thumbnail(input: string | Buffer, width = 360): Promise<string> {
  const jpeg = await sharp(input).rotate().resize({ width, withoutEnlargement: true }).jpeg({ quality: 72 }).toBuffer()
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`
}

/** The picture given as a path on this machine or as uploaded bytes, read and checked to be an image. */
export async function readPicture(input: { path?: string; dataBase64?: string; fileName?: string }): Promise<{ data: Buffer; name: string; width: number; height: number }> {
  let data: Buffer
  let name: string
  if (input.path) {
    if (!existsSync(input.path)) throw new OrchardError('file_not_found', `找不到文件 / no such file: ${input.path}`, { file: input.path, field: 'path' })
    data = readFileSync(input.path)
    name = input.path
  } else if (input.dataBase64) {
    data = Buffer.from(input.dataBase64, 'base64')
    name = input.fileName ?? '上传的图片 / uploaded picture'
  } else {
    throw new OrchardError('invalid_input', '请选择一张图片 / choose a picture', { field: 'path' })
  }
  try {
    const meta = await sharp(data).metadata()
    if (!meta.width || !meta.height) throw new Error('no size')
    const rotated = meta.orientation && meta.orientation >= 5
    return { data, name, width: rotated ? meta.height : meta.width, height: rotated ? meta.width : meta.height }
  } catch {
    throw new OrchardError('not_an_image', `不是可读的图片（支持 JPEG、PNG、WebP、HEIC 以外的常见格式）/ not a readable picture: ${name}`, { file: name, field: 'path', why: 'the file does not decode as an image' })
  }
}

export function photosDir(ctx: CoreContext, kind: 'buyers' | 'groups'): string {
  const dir = join(ctx.paths.dataDir, 'photos', kind)
  mkdirSync(dir, { recursive: true })
  return dir
}

function assertProduct(db: Db, productId: string): void {
  if (!db.prepare('SELECT 1 FROM products WHERE id = ?').get(productId)) {
    throw new OrchardError('not_found', `商品不存在 / product not found: ${productId}`, { field: 'productId', value: productId })
  }
}

// ------------------------------------------------------------------ comparisons

export function listComparisons(db: Db, productId: string): PriceComparison[] {
  return (db.prepare('SELECT * FROM price_comparisons WHERE product_id = ? ORDER BY observed_on DESC, created_at DESC').all(productId) as ComparisonRow[]).map(toComparison)
}

export function addComparison(ctx: CoreContext, input: z.output<typeof PriceComparisonInput>): PriceComparison {
  assertProduct(ctx.db, input.productId)
  // The studio's day (Beijing by default), not UTC's: at 01:00 in Shanghai a price seen today is not in the future.
  const today = dayIn(ctx.timezone(), ctx.clock.now())
  const observed = new Date(`${input.observedOn}T00:00:00Z`)
  if (Number.isNaN(observed.getTime()) || observed.toISOString().slice(0, 10) !== input.observedOn) {
    throw new OrchardError('invalid_input', `日期不存在 / no such day: ${input.observedOn}`, { field: 'observedOn', value: input.observedOn })
  }
  if (input.observedOn > today) {
    throw new OrchardError('invalid_input', `看到价格的日期不能在未来 / the day the price was seen cannot be in the future: ${input.observedOn}`, { field: 'observedOn', value: input.observedOn })
  }
  if (input.url && !/^https?:\/\//i.test(input.url)) {
    throw new OrchardError('invalid_input', `链接须以 http:// 或 https:// 开头 / the link must start with http:// or https://`, { field: 'url', value: input.url })
  }
  const id = newId()
  const w = changeWriter(ctx)
  ctx.db.transaction(() => {
    insertComparison(w, { id, ...input }, ctx.session.profileId)
  })()
  return toComparison(ctx.db.prepare('SELECT * FROM price_comparisons WHERE id = ?').get(id) as ComparisonRow)
}

/**
 * A price comparison written and recorded through the one write path, in the caller's
 * transaction (the console's add, the demo seed): the team's other workstations get it
 * with the next sync, and its price goes into the audit log.
 */
export function insertComparison(w: ChangeWriter, c: ComparisonFields, createdBy: string | null): void {
  const at = w.at.toISOString()
  insertRow(w.db, PRICE_COMPARISONS, {
    id: c.id,
    product_id: c.productId,
    source: c.source,
    price_fen: c.priceFen,
    observed_on: c.observedOn,
    url: c.url,
    note: c.note,
    created_by: createdBy,
    created_at: at,
    updated_at: at,
  })
  const { id, ...after } = c
  recordChange(w, { record: 'comparison', id, label: comparisonLabel(w.db, c.productId, c.source), op: 'create', after })
}

/** How the audit names a comparison: the product's SKU and where the price was seen. */
function comparisonLabel(db: Db, productId: string, source: string): string {
  const sku = db.prepare('SELECT sku FROM products WHERE id = ?').pluck().get(productId) as string | undefined
  return `${sku ?? productId} · ${source}`
}

export function removeComparison(ctx: CoreContext, id: string): { ok: true } {
  const db = ctx.db
  const row = db.prepare('SELECT * FROM price_comparisons WHERE id = ?').get(id) as ComparisonRow | undefined
  if (!row) throw new OrchardError('not_found', `比价记录不存在 / no such price record: ${id}`, { id })
  const w = changeWriter(ctx)
  db.transaction(() => {
    // A tombstone the team's sync sends: the price is gone on every workstation.
    recordChange(w, { record: 'comparison', id, label: comparisonLabel(db, row.product_id, row.source), op: 'delete', before: { ...toComparison(row) } })
    db.prepare('DELETE FROM price_comparisons WHERE id = ?').run(id)
  })()
  return { ok: true }
}

/** The prices a comparison image for a product shows on a day: the newest per source, seen within the last 30 days. */
export function comparisonEntries(db: Db, productId: string, day: string): { source: string; priceFen: number; date: string; note?: string }[] {
  const since = addDays(day, -COMPARISON_MAX_AGE_DAYS)
  const rows = db
    .prepare(
      `SELECT source, price_fen, observed_on, note FROM price_comparisons c
        WHERE product_id = ? AND observed_on BETWEEN ? AND ?
          AND NOT EXISTS (SELECT 1 FROM price_comparisons n WHERE n.product_id = c.product_id AND n.source = c.source AND n.observed_on BETWEEN ? AND ?
                          AND (n.observed_on > c.observed_on OR (n.observed_on = c.observed_on AND n.created_at > c.created_at)))
        ORDER BY price_fen DESC LIMIT ${COMPARISON_MAX_SOURCES}`,
    )
    .all(productId, since, day, since, day) as { source: string; price_fen: number; observed_on: string; note: string }[]
  return rows.map((r) => ({ source: r.source, priceFen: r.price_fen, date: r.observed_on, ...(r.note ? { note: r.note } : {}) }))
}

// ------------------------------------------------------------------ buyer photos

/** Where a buyer photo's image is on this workstation: the store's file named by its hash (or, until it is hashed, the path of a photo of before 0029). */
const photoFile = (db: Db, r: { sha256: string | null; file: string }): string => (r.sha256 ? storedFile(db, r.sha256) : r.file)

export async function listBuyerPhotos(ctx: CoreContext, productId: string): Promise<BuyerPhoto[]> {
  const rows = ctx.db
    .prepare(`SELECT ${BUYER_PHOTO_COLUMNS} FROM buyer_photos b LEFT JOIN customers c ON c.id = b.customer_id WHERE b.product_id = ? ORDER BY b.created_at DESC, b.id`)
    .all(productId) as BuyerPhotoRow[]
  return Promise.all(
    rows.map(async (r) => {
      const file = photoFile(ctx.db, r)
      const downloaded = file !== '' && existsSync(file)
      return toBuyerPhoto(r, { thumb: downloaded ? await thumbnail(file, 240) : '', downloaded })
    }),
  )
}

/**
 * A buyer photo written and recorded through the one write path, in the caller's
 * transaction (the console's add, the demo seed): the team's other workstations get the
 * record with the next sync, and its image from the team's file store by its hash.
 */
export function insertBuyerPhoto(w: ChangeWriter, id: string, photo: BuyerPhotoFields, createdBy: string | null): void {
  const at = w.at.toISOString()
  insertRow(w.db, BUYER_PHOTOS, {
    id,
    product_id: photo.productId,
    customer_id: photo.customerId,
    sha256: photo.sha256,
    file: '',
    caption: photo.caption,
    width: photo.width,
    height: photo.height,
    created_by: createdBy,
    created_at: at,
    updated_at: at,
  })
  recordChange(w, { record: 'buyerPhoto', id, label: photoLabel(w.db, photo.productId, photo.caption), op: 'create', after: photo })
}

/** How the audit names a photo: the product's SKU and the caption (never the customer's name or contacts). */
function photoLabel(db: Db, productId: string, caption: string): string {
  const sku = db.prepare('SELECT sku FROM products WHERE id = ?').pluck().get(productId) as string | undefined
  return `${sku ?? productId}${caption ? ` · ${caption}` : ''}`
}

export async function addBuyerPhoto(ctx: CoreContext, input: z.output<typeof BuyerPhotoInput>): Promise<BuyerPhoto> {
  assertProduct(ctx.db, input.productId)
  if (input.customerId && !ctx.db.prepare('SELECT 1 FROM customers WHERE id = ?').get(input.customerId)) {
    throw new OrchardError('not_found', `客户不存在 / customer not found: ${input.customerId}`, { field: 'customerId', value: input.customerId })
  }
  const picture = await readPicture(input)
  if (Math.min(picture.width, picture.height) < 300) {
    throw new OrchardError('photo_too_small', `照片太小（${picture.width}×${picture.height}），买家秀至少需要 300 像素宽高 / the photo is too small for a collage: at least 300 px each side`, {
      file: picture.name,
      value: `${picture.width}×${picture.height}`,
      field: 'path',
    })
  }
  // Kept as an upright JPEG without its metadata (a customer's photo may carry where it was taken), named by its hash.
  const jpeg = await sharp(picture.data).rotate().jpeg({ quality: 90 }).toBuffer()
  if (jpeg.length > MAX_TEAM_FILE_BYTES) {
    throw new OrchardError('photo_too_large', `照片太大（${jpeg.length} 字节），团队最多接受 ${MAX_TEAM_FILE_BYTES} 字节 / the photo is larger than the team's file store takes`, {
      file: picture.name,
      value: jpeg.length,
      field: 'path',
    })
  }
  const id = newId()
  const w = changeWriter(ctx)
  // Checked before the file is kept: a role that may not add photos leaves nothing behind.
  requireFieldWrite(w.role, 'buyerPhoto', 'sha256', { id })
  const sha256 = storeFile(ctx.db, jpeg)
  try {
    ctx.db.transaction(() => {
      insertBuyerPhoto(w, id, { productId: input.productId, customerId: input.customerId ?? null, caption: input.caption, width: picture.width, height: picture.height, sha256 }, ctx.session.profileId)
    })()
  } catch (err) {
    forgetStoredFile(ctx.db, sha256)
    throw err
  }
  return (await listBuyerPhotos(ctx, input.productId)).find((p) => p.id === id)!
}

export function removeBuyerPhoto(ctx: CoreContext, id: string): { ok: true } {
  const db = ctx.db
  const row = db.prepare('SELECT * FROM buyer_photos WHERE id = ?').get(id) as BuyerPhotoTableRow | undefined
  if (!row) throw new OrchardError('not_found', `照片不存在 / no such photo: ${id}`, { id })
  const w = changeWriter(ctx)
  db.transaction(() => {
    // A tombstone the team's sync sends: the photo is gone on every workstation.
    recordChange(w, {
      record: 'buyerPhoto',
      id,
      label: photoLabel(db, row.product_id, row.caption),
      op: 'delete',
      before: decodeFields(BUYER_PHOTOS, row),
    })
    db.prepare('DELETE FROM buyer_photos WHERE id = ?').run(id)
  })()
  if (row.sha256) forgetStoredFile(db, row.sha256)
  else if (row.file) rmSync(row.file, { force: true })
  return { ok: true }
}

/** The buyer-show photos of a product whose image is on this workstation, newest first, at most 9. */
export function buyerPhotoFiles(db: Db, productId: string): string[] {
  const rows = db.prepare('SELECT sha256, file FROM buyer_photos WHERE product_id = ? ORDER BY created_at DESC, id').all(productId) as { sha256: string | null; file: string }[]
  return rows
    .map((r) => photoFile(db, r))
    .filter((f) => f !== '' && existsSync(f))
    .slice(0, 9)
}

// ------------------------------------------------------------------ group QR codes

export function latestGroupQr(db: Db, groupId: string): GroupQrRow | null {
  return (db.prepare('SELECT * FROM group_qr_codes WHERE group_id = ? ORDER BY uploaded_at DESC, rowid DESC LIMIT 1').get(groupId) as GroupQrRow | undefined) ?? null
}

export async function getGroupQr(ctx: CoreContext, groupId: string): Promise<GroupQr | null> {
  const row = latestGroupQr(ctx.db, groupId)
  if (!row) return null
  return toGroupQr(row, ctx.clock.now().toISOString(), existsSync(row.file) ? await thumbnail(row.file, 240) : '')
}

/** Reads the QR code on a picture (a screenshot of WeChat's group QR page, or the code alone). */
export async function decodeQr(data: Buffer): Promise<string | null> {
  for (const width of [1000, 600, 1600]) {
    const { data: rgba, info } = await sharp(data).rotate().resize({ width, withoutEnlargement: width !== 600 }).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
    const found = jsQR(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length), info.width, info.height)
    if (found?.data) return found.data
  }
  return null
}

export async function uploadGroupQr(ctx: CoreContext, input: z.output<typeof GroupQrInput>): Promise<GroupQr> {
  if (!ctx.db.prepare('SELECT 1 FROM groups WHERE id = ?').get(input.groupId)) {
    throw new OrchardError('not_found', `社群不存在 / group not found: ${input.groupId}`, { field: 'groupId', value: input.groupId })
  }
  const picture = await readPicture(input)
  const payload = await decodeQr(picture.data)
  if (!payload) {
    throw new OrchardError('qr_not_found', `图片里没有识别到二维码，请上传微信“群二维码名片”的截图 / no QR code found on the picture: upload a screenshot of the group's QR card`, {
      file: picture.name,
      field: 'path',
      why: 'no readable QR code',
    })
  }
  const now = ctx.clock.now()
  const madeAt = input.madeAt ? new Date(input.madeAt) : now
  if (Number.isNaN(madeAt.getTime()) || madeAt.getTime() > now.getTime() + 60_000) {
    throw new OrchardError('invalid_input', `二维码生成时间不能在未来 / the code cannot have been made in the future: ${input.madeAt}`, { field: 'madeAt', value: input.madeAt })
  }
  const expiresAt = new Date(madeAt.getTime() + GROUP_QR_DAYS * DAY_MS)
  if (expiresAt <= now) {
    throw new OrchardError('qr_lapsed', `这个群二维码已于 ${timeIn(ctx.timezone(), expiresAt)} 过期，请在微信里重新生成 / this group code lapsed on ${timeIn(ctx.timezone(), expiresAt)}: make a new one in WeChat`, {
      field: 'madeAt',
      value: input.madeAt,
    })
  }
  const id = newId()
  const file = join(photosDir(ctx, 'groups'), `${id}.png`)
  await produceOutput(file, (temp) => sharp(picture.data).rotate().png().toFile(temp))
  insertRow(ctx.db, GROUP_QR_CODES, {
    id,
    group_id: input.groupId,
    file,
    payload,
    uploaded_at: now.toISOString(),
    expires_at: expiresAt.toISOString(),
    created_by: ctx.session.profileId,
  })
  return (await getGroupQr(ctx, input.groupId))!
}

/** The studio's group codes that lapse within 48 hours or have lapsed (for groups that had one). */
export function groupQrAlerts(ctx: CoreContext): { code: 'group_qr_lapsing' | 'group_qr_lapsed'; groupId: string; groupName: string; expiresAt: string; message: string }[] {
  const now = ctx.clock.now()
  const soon = new Date(now.getTime() + GROUP_QR_WARN_HOURS * 3_600_000).toISOString()
  const rows = ctx.db
    .prepare(
      `SELECT g.id, g.name, q.expires_at FROM groups g
         JOIN group_qr_codes q ON q.rowid = (SELECT rowid FROM group_qr_codes WHERE group_id = g.id ORDER BY uploaded_at DESC, rowid DESC LIMIT 1)
        WHERE q.expires_at <= ? ORDER BY q.expires_at, g.name`,
    )
    .all(soon) as { id: string; name: string; expires_at: string }[]
  return rows.map((r) => {
    const lapsed = r.expires_at <= now.toISOString()
    const hours = Math.max(0, Math.round((Date.parse(r.expires_at) - now.getTime()) / 3_600_000))
    return {
      code: lapsed ? 'group_qr_lapsed' : 'group_qr_lapsing',
      groupId: r.id,
      groupName: r.name,
      expiresAt: r.expires_at,
      message: lapsed
        ? `「${r.name}」的群二维码已过期，素材包不再附带它；请在微信里重新生成并上传 / the QR code of “${r.name}” has lapsed: upload a new one`
        : `「${r.name}」的群二维码约 ${hours} 小时后过期，请提前重新生成并上传 / the QR code of “${r.name}” lapses in about ${hours} h`,
    }
  })
}

// ------------------------------------------------------------------ mass-send allowance

/** Mass sends already planned for a group in the month of `day`, other than on `day` itself. */
export function massSendsUsed(db: Db, groupId: string, day: string): number {
  const month = day.slice(0, 7)
  return db.prepare(`SELECT COUNT(*) FROM group_mass_sends WHERE group_id = ? AND substr(day, 1, 7) = ? AND day <> ?`).pluck().get(groupId, month, day) as number
}
