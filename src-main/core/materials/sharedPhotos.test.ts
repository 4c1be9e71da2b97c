import { createHash, randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import type { OrchardCore } from '../api'
import { actAs, refusal } from '../lifecycle/lifecycle.testkit'
import { deviceOf, pushRecords, teamHarness } from '../sync/team.testkit'
import { productPhotos, storedFile } from './photos'

/**
 * Buyer photos and products' own pictures as the team's shared records, between
 * workstations and a real server process (PGlite) over HTTP: the records travel field by
 * field, their image files through the team's file store by their SHA-256.
 */
const team_ = teamHarness('photos')
const { workstation, sync, pairWith, joinTeam, withServerDatabase } = team_

const sha = (bytes: Buffer | Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** A real picture: a 480×400 JPEG (or PNG) of a colour of its own, so each one has bytes of its own. */
async function picture(seed: number, format: 'jpeg' | 'png' = 'jpeg'): Promise<Buffer> {
  const image = sharp({ create: { width: 480, height: 400, channels: 3, background: { r: (seed * 53) % 256, g: (seed * 97) % 256, b: (seed * 31) % 256 } } })
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 80 }).toBuffer()
}

/** Two workstations of one new team, enrolled, with a product and a customer A made and B holds. */
const pairWithBuyer = () =>
  pairWith(async (a) => {
    const p = await a.invoke('products', 'create', { sku: 'SP-2001', name: '纯棉睡衣', listPriceFen: 19900, salePriceFen: 12900, priceFloorFen: 9900, stock: 30, images: [] })
    const c = await a.invoke('customers', 'create', { name: '蒋强东', phones: ['13800138000'], addresses: ['浙江省杭州市西湖区文三路 1 号'], notes: '' })
    return { productId: p.id, customerId: c.id }
  })

const photoRows = (core: OrchardCore) =>
  core.context.db.prepare('SELECT id, product_id, customer_id, caption, width, height, sha256 FROM buyer_photos ORDER BY id').all() as Record<string, unknown>[]
const changeRows = (core: OrchardCore, record: string) =>
  core.context.db.prepare('SELECT op, field, actor_role AS role FROM record_changes WHERE record = ? ORDER BY seq').all(record) as { op: string; field: string | null; role: string }[]
const storeOf = (core: OrchardCore) => {
  const dir = join(team_.dirOf(core), 'files')
  return existsSync(dir) ? readdirSync(dir).sort() : []
}

async function addPhoto(core: OrchardCore, productId: string, customerId: string | null, bytes: Buffer, caption = '面料很舒服') {
  return core.invoke('buyerPhotos', 'add', { productId, customerId, caption, dataBase64: bytes.toString('base64'), fileName: 'buyer.jpg' })
}

describe('buyer photos as shared records, with their image files', () => {
  it('a photo added on A shows on B with identical bytes; its removal travels as a tombstone and the file goes with it', async () => {
    const { a, b, productId, customerId } = await pairWithBuyer()
    actAs(a, 'operator', '小周')
    const added = await addPhoto(a, productId, customerId, await picture(1))
    // Recorded in the write's transaction through the one path; the image kept by its hash.
    expect(changeRows(a, 'buyerPhoto')).toEqual([{ op: 'create', field: null, role: 'operator' }])
    const [row] = photoRows(a)
    expect(row.sha256).toMatch(/^[0-9a-f]{64}$/)
    const bytesOnA = readFileSync(storedFile(a.context.db, row.sha256 as string))
    expect(sha(bytesOnA)).toBe(row.sha256)

    expect((await sync(a)).files).toMatchObject({ uploaded: 1, refused: 0 })
    const onB = await sync(b)
    expect(onB.records).toMatchObject({ notApplied: 0 })
    expect(onB.files).toMatchObject({ downloaded: 1, missing: 0, refused: 0 })
    expect(photoRows(b)).toEqual(photoRows(a))
    expect(sha(readFileSync(storedFile(b.context.db, row.sha256 as string)))).toBe(row.sha256)
    expect(await b.invoke('buyerPhotos', 'list', { productId })).toEqual([
      expect.objectContaining({ id: added.id, customerId, customerName: '蒋强东', caption: '面料很舒服', width: 480, height: 400, downloaded: true, thumb: expect.stringMatching(/^data:image\/jpeg/) }),
    ])

    actAs(b, 'manager', '陈姐')
    await b.invoke('buyerPhotos', 'remove', { id: added.id })
    expect(changeRows(b, 'buyerPhoto')).toEqual([{ op: 'delete', field: null, role: 'manager' }])
    // The removal is in the audit log, naming the product and caption — never the customer.
    expect(b.context.db.prepare(`SELECT summary FROM audit_log WHERE entity = 'buyerPhoto' AND kind = 'record.deleted'`).pluck().all()).toEqual([expect.stringMatching(/SP-2001 · 面料很舒服/)])
    expect(storeOf(b)).toEqual([])
    await sync(b)
    await sync(a)
    expect(await a.invoke('buyerPhotos', 'list', { productId })).toEqual([])
    expect(storeOf(a)).toEqual([])
  })

  it('a file tampered with on the server is refused on B and never written under its name; the record still shows, as not yet downloaded', async () => {
    const { a, b, productId } = await pairWithBuyer()
    await addPhoto(a, productId, null, await picture(2), '回购第三次了')
    await sync(a)
    const hash = photoRows(a)[0].sha256 as string
    const bad = await picture(99)
    await withServerDatabase((db) => db.query('UPDATE team_files SET bytes = $1, size = $2 WHERE sha256 = $3', [bad, bad.length, hash]))

    expect((await sync(b)).files).toMatchObject({ downloaded: 0, refused: 1 })
    expect(existsSync(storedFile(b.context.db, hash))).toBe(false)
    expect(storeOf(b)).toEqual([])
    expect(await b.invoke('buyerPhotos', 'list', { productId })).toEqual([expect.objectContaining({ caption: '回购第三次了', downloaded: false, thumb: '' })])

    // Every round asks again (the bytes may be mended on the server) and refuses again.
    expect((await sync(b)).files).toMatchObject({ downloaded: 0, refused: 1 })
    expect(storeOf(b)).toEqual([])
  })

  it('a photo whose file the server lacks still applies on B, is shown as not yet downloaded, and is fetched in a later round', async () => {
    const { team, a, b, productId } = await pairWithBuyer()
    const bytes = await sharp(await picture(3)).jpeg().toBuffer()
    const hash = sha(bytes)
    // A change naming a file nobody has put on the server yet (sent straight over HTTP by A's device).
    const { token } = deviceOf(a)
    const id = randomUUID()
    const push = await pushRecords(a, team, [
      { clientSeq: 900_001, txId: randomUUID(), record: 'buyerPhoto', id, op: 'create', field: null, value: { productId, customerId: null, caption: '包装很用心', width: 480, height: 400, sha256: hash }, role: 'operator', at: new Date().toISOString() },
    ])
    expect(((await push.json()) as { accepted: number[] }).accepted).toEqual([900_001])
    expect((await sync(b)).files).toMatchObject({ downloaded: 0, missing: 1 })
    expect(await b.invoke('buyerPhotos', 'list', { productId })).toEqual([expect.objectContaining({ id, downloaded: false })])
    const put = await fetch(`${team_.server.url}/v1/files/${hash}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}` }, body: new Uint8Array(bytes) })
    expect(put.status).toBe(200)
    expect((await sync(b)).files).toMatchObject({ downloaded: 1, missing: 0 })
    expect(readFileSync(storedFile(b.context.db, hash)).equals(bytes)).toBe(true)
  })

  it('a trainer may not add or remove photos: refused by the core, nothing written, and by the server over HTTP, nothing applied', async () => {
    const { team, a, productId, customerId } = await pairWithBuyer()
    const kept = await addPhoto(a, productId, customerId, await picture(4))
    const before = { rows: photoRows(a), changes: changeRows(a, 'buyerPhoto'), files: storeOf(a) }
    const another = await picture(5)
    actAs(a, 'trainer', '林老师')
    expect(await refusal(() => addPhoto(a, productId, customerId, another))).toMatchObject({ code: 'forbidden' })
    expect(await refusal(() => a.invoke('buyerPhotos', 'remove', { id: kept.id }))).toMatchObject({ code: 'forbidden' })
    expect({ rows: photoRows(a), changes: changeRows(a, 'buyerPhoto'), files: storeOf(a) }).toEqual(before)
    // The one path itself refuses the field for a trainer (an import or another caller cannot go round it).
    const { recordChange, changeWriter } = await import('../records/changes')
    expect(() =>
      a.context.db.transaction(() => {
        a.context.db.prepare(`INSERT INTO buyer_photos (id, product_id, sha256, width, height, created_at, updated_at) VALUES ('x', ?, ?, 400, 400, 'now', 'now')`).run(productId, '0'.repeat(64))
        recordChange(changeWriter(a.context), { record: 'buyerPhoto', id: 'x', label: 'x', op: 'create', after: { productId, sha256: '0'.repeat(64), width: 400, height: 400 } })
      })(),
    ).toThrow(/may not change a buyer photo/)
    expect({ rows: photoRows(a), changes: changeRows(a, 'buyerPhoto'), files: storeOf(a) }).toEqual(before)

    // A trainer's device sends a photo of its own straight to the server: refused with the reason.
    const trainer = await joinTeam(team, '培训室', 'trainer')
    const id = randomUUID()
    const res = await pushRecords(trainer, team, [
      { clientSeq: 1, txId: randomUUID(), record: 'buyerPhoto', id, op: 'create', field: null, value: { productId, customerId, caption: '', width: 480, height: 400, sha256: '1'.repeat(64) }, role: 'trainer', at: new Date().toISOString() },
      { clientSeq: 2, txId: randomUUID(), record: 'buyerPhoto', id: kept.id, op: 'delete', field: null, value: null, role: 'trainer', at: new Date().toISOString() },
    ])
    expect(res.status).toBe(200)
    const body = (await res.json()) as { accepted: number[]; refused: { clientSeq: number; code: string; reason: string }[] }
    expect(body.accepted).toEqual([])
    expect(body.refused).toEqual([
      expect.objectContaining({ clientSeq: 1, code: 'forbidden', reason: expect.stringMatching(/Trainer may not change a buyerPhoto/) }),
      expect.objectContaining({ clientSeq: 2, code: 'forbidden', reason: expect.stringMatching(/Trainer may not delete a buyerPhoto/) }),
    ])
    actAs(a, 'manager', '陈姐')
    await sync(a)
    const c = await joinTeam(team)
    await sync(c)
    for (const ws of [a, c]) expect((await ws.invoke('buyerPhotos', 'list', { productId })).map((p) => p.id)).toEqual([kept.id])
  })

  it('a trainer’s device gets the photos and their files, but never the contacts of the customer a photo names', async () => {
    const { team, a, productId, customerId } = await pairWithBuyer()
    await addPhoto(a, productId, customerId, await picture(6))
    await sync(a)
    const trainer = await joinTeam(team, '培训室', 'trainer')
    expect((await sync(trainer)).files).toMatchObject({ downloaded: 1 })
    expect(photoRows(trainer)).toEqual(photoRows(a))
    const held = trainer.context.db.prepare('SELECT name, phones, addresses FROM customers WHERE id = ?').get(customerId)
    expect(held).toEqual({ name: '蒋强东', phones: '[]', addresses: '[]' })
    expect(JSON.stringify(await trainer.invoke('buyerPhotos', 'list', { productId }))).not.toMatch(/13800138000|文三路/)
  })

  it('a new workstation’s snapshot brings the team’s photos and their files', async () => {
    const { team, a, productId, customerId } = await pairWithBuyer()
    await addPhoto(a, productId, customerId, await picture(7))
    await addPhoto(a, productId, null, await picture(8), '用了一周，很满意')
    await sync(a)
    const c = await joinTeam(team)
    const round = await sync(c)
    expect(round.records.bootstrap).toBeDefined()
    expect(round.records).toMatchObject({ notApplied: 0 })
    expect(round.files).toMatchObject({ downloaded: 2, missing: 0, refused: 0 })
    expect(photoRows(c)).toEqual(photoRows(a))
    expect(storeOf(c)).toEqual(storeOf(a))
    for (const f of storeOf(c)) expect(sha(readFileSync(join(team_.dirOf(c), 'files', f)))).toBe(f)
  })
})

describe('every write of a buyer photo goes through the one path', () => {
  it('a customer merge moving a photo, and its undo, are changes of the photo’s customer the team receives', async () => {
    const { a, b, productId, customerId } = await pairWithBuyer()
    actAs(a, 'operator', '小周')
    const twin = await a.invoke('customers', 'create', { name: '蒋强东（旧）', phones: ['13900139000'], notes: '' })
    const photo = await addPhoto(a, productId, twin.id, await picture(14))
    await sync(a)
    await sync(b)
    const { merge } = await a.invoke('duplicates', 'merge', { survivorId: customerId, mergedId: twin.id })
    expect(changeRows(a, 'buyerPhoto').slice(1)).toEqual([{ op: 'update', field: 'customerId', role: 'operator' }])
    await sync(a)
    await sync(b)
    expect(photoRows(b)).toEqual([expect.objectContaining({ id: photo.id, customer_id: customerId })])
    await a.invoke('duplicates', 'undo', { mergeId: merge.id })
    expect(changeRows(a, 'buyerPhoto').slice(2)).toEqual([{ op: 'update', field: 'customerId', role: 'operator' }])
    await sync(a)
    await sync(b)
    expect(photoRows(b)).toEqual([expect.objectContaining({ id: photo.id, customer_id: twin.id })])
  })
})

describe('products’ own pictures through the team’s file store', () => {
  it('a picture given to a product on A is named by its hash and readable on B with the same bytes', async () => {
    const { a, b, productId } = await pairWithBuyer()
    const png = await picture(9, 'png')
    const path = join(team_.root, `shot-${randomUUID()}.png`)
    writeFileSync(path, png)
    const updated = await a.invoke('products', 'update', { id: productId, patch: { images: [path, 'https://img.example.com/x.jpg'] } })
    expect(updated.images).toEqual([`sha256:${sha(png)}`, 'https://img.example.com/x.jpg'])
    expect(changeRows(a, 'product').at(-1)).toMatchObject({ op: 'update', field: 'images' })
    expect((await sync(a)).files).toMatchObject({ uploaded: 1 })
    expect((await sync(b)).files).toMatchObject({ downloaded: 1 })
    expect((await b.invoke('products', 'get', { id: productId })).images).toEqual(updated.images)
    const row = b.context.db.prepare('SELECT images FROM products WHERE id = ?').get(productId) as { images: string }
    const [file] = productPhotos(row, b.context.db)
    expect(readFileSync(file).equals(png)).toBe(true)
  })

  it('pictures changed on A and on B offline: the later wins, the earlier is a conflict either restores, and its file is there', async () => {
    const { a, b, productId } = await pairWithBuyer()
    const first = await picture(10)
    const second = await picture(11)
    const pa = join(team_.root, `a-${randomUUID()}.jpg`)
    const pb = join(team_.root, `b-${randomUUID()}.jpg`)
    writeFileSync(pa, first)
    writeFileSync(pb, second)
    await a.invoke('products', 'update', { id: productId, patch: { images: [pa] } })
    await b.invoke('products', 'update', { id: productId, patch: { images: [pb] } })
    await sync(a)
    expect((await sync(b)).records).toMatchObject({ conflicts: 1 })
    await sync(a)
    for (const ws of [a, b]) expect((await ws.invoke('products', 'get', { id: productId })).images).toEqual([`sha256:${sha(second)}`])
    const [conflict] = await a.invoke('records', 'conflicts', { status: 'open' })
    expect(conflict).toMatchObject({ record: 'product', recordId: productId, field: 'images', earlier: { value: [`sha256:${sha(first)}`] } })
    await a.invoke('records', 'restoreConflict', { id: conflict.id })
    await sync(a)
    await sync(b)
    for (const ws of [a, b]) {
      expect((await ws.invoke('products', 'get', { id: productId })).images).toEqual([`sha256:${sha(first)}`])
      const row = ws.context.db.prepare('SELECT images FROM products WHERE id = ?').get(productId) as { images: string }
      expect(readFileSync(productPhotos(row, ws.context.db)[0]).equals(first)).toBe(true)
    }
  })
})

describe('a studio from before photos were shared', () => {
  it('hashes its photos and product pictures kept under paths into the store when it opens, recorded as the studio’s own changes for the team', async () => {
    const old = workstation()
    const dir = team_.dirOf(old)
    const db = old.context.db
    const p = await old.invoke('products', 'create', { sku: 'SP-3001', name: '旧商品', listPriceFen: 1000, salePriceFen: 900, priceFloorFen: 800, stock: 1, images: [] })
    const photo = await picture(12)
    const shot = await picture(13, 'png')
    const photoPath = join(dir, 'photos', 'buyers', 'old.jpg')
    const shotPath = join(team_.root, `old-${randomUUID()}.png`)
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(dir, 'photos', 'buyers'), { recursive: true })
    writeFileSync(photoPath, photo)
    writeFileSync(shotPath, shot)
    // As 0029 leaves a photo of before it: a path, no hash; a product's picture as a path of this machine.
    db.prepare(`INSERT INTO buyer_photos (id, product_id, customer_id, file, caption, width, height, created_by, created_at, updated_at) VALUES ('old', ?, NULL, ?, '老照片', 480, 400, NULL, 'x', 'x')`).run(p.id, photoPath)
    db.prepare('UPDATE products SET images = ? WHERE id = ?').run(JSON.stringify([shotPath]), p.id)
    await team_.close(old)

    const core = workstation(dir)
    expect(photoRows(core)).toEqual([expect.objectContaining({ id: 'old', sha256: sha(photo) })])
    expect(existsSync(photoPath)).toBe(false)
    expect(readFileSync(storedFile(core.context.db, sha(photo))).equals(photo)).toBe(true)
    expect((await core.invoke('products', 'get', { id: p.id })).images).toEqual([`sha256:${sha(shot)}`])
    expect(changeRows(core, 'buyerPhoto')).toEqual([{ op: 'create', field: null, role: 'system' }])
    expect(changeRows(core, 'product').at(-1)).toEqual({ op: 'update', field: 'images', role: 'system' })
    expect(await core.invoke('buyerPhotos', 'list', { productId: p.id })).toEqual([expect.objectContaining({ id: 'old', downloaded: true })])
  })
})
