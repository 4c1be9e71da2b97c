import type { Product } from '../../../../src-shared/schemas'
import { bool, decodeFields, defineTable, int, json, text, type RowOf } from './table'

export const PRODUCTS = defineTable(
  'products',
  {
    id: text(),
    sku: text(),
    name: text(),
    brand: text(),
    category: text(),
    images: json<string[]>(),
    list_price_fen: int(),
    sale_price_fen: int(),
    price_floor_fen: int(),
    stock: int(),
    commission_bp: int(),
    mentor_commission_bp: int(),
    facts: text(),
    active: bool(),
    created_at: text(),
    updated_at: text(),
  },
  {
    sku: 'sku',
    name: 'name',
    brand: 'brand',
    category: 'category',
    images: 'images',
    facts: 'facts',
    listPriceFen: 'list_price_fen',
    salePriceFen: 'sale_price_fen',
    priceFloorFen: 'price_floor_fen',
    stock: 'stock',
    active: 'active',
    commissionBp: 'commission_bp',
    mentorCommissionBp: 'mentor_commission_bp',
  },
)

export type ProductRow = RowOf<typeof PRODUCTS>

export const PRODUCT_COLUMNS = Object.keys(PRODUCTS.columns).join(', ')

export function toProduct(row: ProductRow): Product {
  return { id: row.id, ...decodeFields(PRODUCTS, row), createdAt: row.created_at, updatedAt: row.updated_at }
}
