import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ProductInput, ProductListQuery } from '../../../src-shared/schemas'
import { openDatabase, type Db } from '../db/connection'
import { systemWriter } from '../records/changes'
import { createProduct, listProducts, updateProduct } from './handlers'

let dir: string
let db: Db
const now = new Date('2026-11-20T08:00:00Z')
const w = () => systemWriter(db, now, 'console')
const base = { sku: 'MZ-001', name: '双抗精华液 30ml', brand: '珀莱雅', category: '美妆护肤', listPriceFen: 29_900, salePriceFen: 25_900, priceFloorFen: 23_900 }

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-products-'))
  db = openDatabase(join(dir, 'orchard.db'))
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

function expectError(fn: () => unknown, expected: object) {
  try {
    fn()
    expect.unreachable()
  } catch (err) {
    expect(err).toMatchObject(expected)
  }
}

describe('products', () => {
  it('refuses a sale price below the floor, on create and after merging an update', () => {
    // The core checks even what skipped the contract's own refinement.
    expectError(() => createProduct(w(), { ...ProductInput.parse(base), salePriceFen: 20_000 }), {
      code: 'below_price_floor',
      details: { field: 'salePriceFen', value: 20_000, floor: 23_900 },
    })
    const p = createProduct(w(), ProductInput.parse({ ...base, images: ['a.jpg'] }))
    expectError(() => updateProduct(w(), p.id, { salePriceFen: 19_900 }), { code: 'below_price_floor', details: { field: 'salePriceFen', value: 19_900 } })
    // Raising the floor over the current price is refused the same way.
    expectError(() => updateProduct(w(), p.id, { priceFloorFen: 26_000 }), { code: 'below_price_floor', details: { value: 25_900, floor: 26_000 } })
    const updated = updateProduct(w(), p.id, { salePriceFen: 24_900, stock: 12 })
    expect(updated).toMatchObject({ salePriceFen: 24_900, priceFloorFen: 23_900, stock: 12, images: ['a.jpg'], name: base.name })
  })

  it('keeps SKUs unique', () => {
    const p = createProduct(w(), ProductInput.parse(base))
    const q = createProduct(w(), ProductInput.parse({ ...base, sku: 'MZ-002' }))
    expectError(() => createProduct(w(), ProductInput.parse(base)), { code: 'duplicate_sku', details: { field: 'sku', value: 'MZ-001' } })
    expectError(() => updateProduct(w(), q.id, { sku: 'MZ-001' }), { code: 'duplicate_sku', details: { field: 'sku', value: 'MZ-001' } })
    expect(updateProduct(w(), p.id, { sku: 'MZ-001' }).sku).toBe('MZ-001')
  })

  it('lists with search, filters, sort and paging', () => {
    createProduct(w(), ProductInput.parse(base))
    createProduct(w(), ProductInput.parse({ ...base, sku: 'MY-001', name: '婴儿纸尿裤 L 码', brand: '好奇', category: '母婴用品', salePriceFen: 9_900, listPriceFen: 12_900, priceFloorFen: 8_900 }))
    createProduct(w(), ProductInput.parse({ ...base, sku: 'MZ-002', name: '红宝石面霜', active: false }))
    expect(listProducts(db, ProductListQuery.parse({ search: '好奇' })).rows.map((p) => p.sku)).toEqual(['MY-001'])
    expect(listProducts(db, ProductListQuery.parse({ category: '美妆护肤', active: true })).total).toBe(1)
    const page = listProducts(db, ProductListQuery.parse({ sort: { field: 'sku', dir: 'asc' }, limit: 2 }))
    expect(page).toMatchObject({ total: 3 })
    expect(page.rows.map((p) => p.sku)).toEqual(['MY-001', 'MZ-001'])
  })
})
