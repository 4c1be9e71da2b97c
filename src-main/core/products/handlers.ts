import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { Product, ProductInput, ProductListQuery, ProductPatch } from '../../../src-shared/schemas'
import type { CoreContext, ServiceHandlers } from '../context'
import type { Db } from '../db/connection'
import { PRODUCT_COLUMNS, PRODUCTS, toProduct, type ProductRow } from '../db/tables/products'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { changeWriter, recordChange, type ChangeWriter } from '../records/changes'
import { storeImageFiles } from '../materials/photos'

type Input = z.output<typeof ProductInput>
type Patch = z.output<typeof ProductPatch>
type ListQuery = z.output<typeof ProductListQuery>

const SORT_COLUMNS: Record<ListQuery['sort']['field'], string> = {
  name: 'name',
  sku: 'sku',
  salePriceFen: 'sale_price_fen',
  stock: 'stock',
  updatedAt: 'updated_at',
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export function listProducts(db: Db, q: ListQuery): { rows: Product[]; total: number } {
  const where: string[] = []
  const params: Record<string, unknown> = {}
  const term = q.search?.trim()
  if (term) {
    where.push(`(sku LIKE @like ESCAPE '\\' OR name LIKE @like ESCAPE '\\' OR brand LIKE @like ESCAPE '\\')`)
    params.like = likePattern(term)
  }
  if (q.category !== undefined) {
    where.push('category = @category')
    params.category = q.category
  }
  if (q.brand !== undefined) {
    where.push('brand = @brand')
    params.brand = q.brand
  }
  if (q.active !== undefined) {
    where.push('active = @active')
    params.active = q.active ? 1 : 0
  }
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : ''
  const dir = q.sort.dir === 'asc' ? 'ASC' : 'DESC'
  const total = (db.prepare(`SELECT COUNT(*) AS n FROM products ${whereSql}`).get(params) as { n: number }).n
  const rows = db
    .prepare(`SELECT ${PRODUCT_COLUMNS} FROM products ${whereSql} ORDER BY ${SORT_COLUMNS[q.sort.field]} ${dir}, id ${dir} LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit: q.limit, offset: q.offset }) as ProductRow[]
  return { rows: rows.map(toProduct), total }
}

export function getProduct(db: Db, id: string): Product {
  const row = db.prepare(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ?`).get(id) as ProductRow | undefined
  if (!row) throw new OrchardError('not_found', `商品不存在 / product not found: ${id}`, { field: 'id', value: id })
  return toProduct(row)
}

/** 控价: members must never be shown a sale price below the floor the brand set. */
function assertPriceFloor(salePriceFen: number, priceFloorFen: number): void {
  if (salePriceFen < priceFloorFen) {
    throw new OrchardError(
      'below_price_floor',
      `售价 ${(salePriceFen / 100).toFixed(2)} 元低于控价 ${(priceFloorFen / 100).toFixed(2)} 元 / sale price is below the price floor`,
      { field: 'salePriceFen', value: salePriceFen, floor: priceFloorFen },
    )
  }
}

/**
 * A product's own commission rates (0: none, the scheme's apply) may not add up to the
 * whole sale — the compliance panel's blocking line, kept for products at their save.
 */
function assertCommission(commissionBp: number, mentorCommissionBp: number): void {
  if (commissionBp + mentorCommissionBp >= 10_000) {
    throw new OrchardError(
      'commission_whole_sale',
      `佣金 ${commissionBp / 100}% 与上级佣金 ${mentorCommissionBp / 100}% 合计达到售价的 100% / seller and mentor rates add up to the whole sale`,
      { field: 'commissionBp', value: commissionBp + mentorCommissionBp },
    )
  }
}

function assertSkuFree(db: Db, sku: string, selfId: string | null): void {
  const hit = db.prepare('SELECT id, name FROM products WHERE sku = ?').get(sku) as { id: string; name: string } | undefined
  if (hit && hit.id !== selfId) {
    throw new OrchardError('duplicate_sku', `SKU ${sku} 已属于商品「${hit.name}」/ SKU already in use`, { field: 'sku', value: sku, productId: hit.id })
  }
}

/** The fields of a product as the field table names them (what a change compares). */
function fieldsOf(p: Product): Record<string, unknown> {
  const { id: _id, createdAt: _created, updatedAt: _updated, ...fields } = p
  return fields
}

export function createProduct(w: ChangeWriter, input: Input): Product {
  const { db, at: now } = w
  return db.transaction(() => {
    assertPriceFloor(input.salePriceFen, input.priceFloorFen)
    assertCommission(input.commissionBp, input.mentorCommissionBp)
    assertSkuFree(db, input.sku, null)
    const id = newId()
    const at = now.toISOString()
    insertRow(db, PRODUCTS, {
      id,
      sku: input.sku,
      name: input.name,
      brand: input.brand,
      category: input.category,
      images: JSON.stringify(storeImageFiles(db, input.images)),
      list_price_fen: input.listPriceFen,
      sale_price_fen: input.salePriceFen,
      price_floor_fen: input.priceFloorFen,
      stock: input.stock,
      commission_bp: input.commissionBp,
      mentor_commission_bp: input.mentorCommissionBp,
      facts: input.facts,
      active: input.active ? 1 : 0,
      created_at: at,
      updated_at: at,
    })
    const created = getProduct(db, id)
    recordChange(w, { record: 'product', id, label: `${created.sku} ${created.name}`, op: 'create', after: fieldsOf(created) })
    return created
  })()
}

/** The floor is checked on the merged record: lowering the price or raising the floor alone can break it. */
export function updateProduct(w: ChangeWriter, id: string, patch: Patch): Product {
  const { db, at: now } = w
  return db.transaction(() => {
    const current = getProduct(db, id)
    const merged = { ...current }
    for (const [key, value] of Object.entries(patch)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value
    // A picture given as a file here is kept in the store and named by its hash: the team's workstations fetch it by that name.
    if (patch.images !== undefined) merged.images = storeImageFiles(db, patch.images)
    assertPriceFloor(merged.salePriceFen, merged.priceFloorFen)
    assertCommission(merged.commissionBp, merged.mentorCommissionBp)
    if (patch.sku !== undefined) assertSkuFree(db, merged.sku, id)
    db.prepare(
      `UPDATE products SET sku = @sku, name = @name, brand = @brand, category = @category, images = @images,
         list_price_fen = @listPriceFen, sale_price_fen = @salePriceFen, price_floor_fen = @priceFloorFen, stock = @stock,
         commission_bp = @commissionBp, mentor_commission_bp = @mentorCommissionBp, facts = @facts, active = @active, updated_at = @updatedAt
       WHERE id = @id`,
    ).run({
      id,
      sku: merged.sku,
      name: merged.name,
      brand: merged.brand,
      category: merged.category,
      images: JSON.stringify(merged.images),
      listPriceFen: merged.listPriceFen,
      salePriceFen: merged.salePriceFen,
      priceFloorFen: merged.priceFloorFen,
      stock: merged.stock,
      commissionBp: merged.commissionBp,
      mentorCommissionBp: merged.mentorCommissionBp,
      facts: merged.facts,
      active: merged.active ? 1 : 0,
      updatedAt: now.toISOString(),
    })
    const updated = getProduct(db, id)
    recordChange(w, { record: 'product', id, label: `${updated.sku} ${updated.name}`, op: 'update', before: fieldsOf(current), after: fieldsOf(updated) })
    return updated
  })()
}

function changed(ctx: CoreContext): void {
  ctx.emit('data.changed', { entities: ['products'] })
}

export const productsHandlers: ServiceHandlers<'products'> = {
  list: (q, ctx) => listProducts(ctx.db, q),
  get: ({ id }, ctx) => getProduct(ctx.db, id),
  categories: (_input, ctx) =>
    ctx.db
      .prepare(`SELECT category, COUNT(*) AS count FROM products WHERE category <> '' GROUP BY category ORDER BY count DESC, category`)
      .all() as { category: string; count: number }[],
  create: (input, ctx) => {
    const product = createProduct(changeWriter(ctx), input)
    changed(ctx)
    return product
  },
  update: ({ id, patch }, ctx) => {
    const product = updateProduct(changeWriter(ctx), id, patch)
    changed(ctx)
    return product
  },
}
