import { formatFen } from '../../../src-shared/vocabulary'
import { PRODUCTS, type ProductRow as ProductTableRow } from '../db/tables/products'
import { rowWriter } from '../db/tables/table'
import { newId } from '../ids'
import { storeImageFiles } from '../materials/photos'
import { duplicateReason, type ImportJob, type ImportPlan } from './job'
import { CellError, parseFen, parseInteger, parsePercentBp, splitList } from './values'

type ProductRow = Pick<ProductTableRow, 'id' | (typeof COLUMNS)[number]>
type ProductValues = Omit<ProductRow, 'id'>
/** A new product as written: the file's columns and the times (a new product is active, the table's default). */
type NewProduct = Pick<ProductTableRow, (typeof INSERT_COLUMNS)[number]>
const COLUMNS = ['name', 'brand', 'category', 'images', 'list_price_fen', 'sale_price_fen', 'price_floor_fen', 'stock', 'commission_bp', 'mentor_commission_bp', 'facts'] as const
const INSERT_COLUMNS = ['id', 'sku', ...COLUMNS, 'created_at', 'updated_at'] as const

// The limits of the console's product form (src-shared/schemas.ts ProductFields).
const MAX = { sku: 64, name: 120, brand: 60, category: 60, images: 20, facts: 4000 }
const money = (s: string) => parseFen(s)
const stockOf = (s: string) => parseInteger(s, { min: 0 })
const imagesOf = (s: string) => {
  const list = splitList(s)
  if (list.length > MAX.images) throw new CellError('too_many', `最多 ${MAX.images} 张图片 / at most ${MAX.images} images`)
  return list
}
const identity = (s: string) => s

/**
 * Products, matched by SKU. Prices are yuan in the file and integer fen here; the
 * sale price may not be below the price floor (控价) members must keep. Commission
 * rates are a product's own (see the scheme's rules for when they apply); a blank
 * cell leaves the product on the scheme's rates.
 */
export async function planProducts(job: ImportJob): Promise<ImportPlan> {
  const { db, table } = job
  const bySku = new Map<string, ProductRow>()
  for (const r of db.prepare(`SELECT sku, id, ${COLUMNS.join(', ')} FROM products`).iterate() as Iterable<ProductRow & { sku: string }>) bySku.set(r.sku, r)
  const firstRowOfSku = new Map<string, number>()
  const inserts: NewProduct[] = []
  const updates: unknown[][] = []
  let unchanged = 0
  let rejected = 0

  while (await job.nextBatch()) {
    for (let i = 0; i < table.rows.length; i++) {
      const row = table.rows[i]
      const errorsBefore = job.errorCount
      const sku = job.text(row, i, 'sku', MAX.sku, true)
      const name = job.text(row, i, 'name', MAX.name, true)
      const brand = job.text(row, i, 'brand', MAX.brand)
      const category = job.text(row, i, 'category', MAX.category)
      const images = job.read(row, i, 'images', imagesOf)
      const list = job.read(row, i, 'listPrice', money, true)
      const sale = job.read(row, i, 'salePrice', money, true)
      const floor = job.read(row, i, 'priceFloor', money, true)
      const stock = job.read(row, i, 'stock', stockOf)
      const commission = job.read(row, i, 'commission', parsePercentBp)
      const mentorCommission = job.read(row, i, 'mentorCommission', parsePercentBp)
      // 0 is "no rate of its own": the scheme's applies (and one pays nothing on its own, below).
      if ((commission ?? 0) + (mentorCommission ?? 0) >= 10_000) {
        job.reject(i, 'commission', job.cell(row, 'commission'), 'commission_whole_sale', '佣金与上级佣金合计达到售价的 100% / seller and mentor rates add up to the whole sale')
      }
      const facts = job.read(row, i, 'facts', identity)
      if (facts !== undefined && facts.length > MAX.facts) job.reject(i, 'facts', facts, 'too_long', `卖点最多 ${MAX.facts} 个字 / at most ${MAX.facts} characters`)
      if (sale !== undefined && floor !== undefined && sale < floor) {
        job.reject(i, 'salePrice', job.cell(row, 'salePrice'), 'below_price_floor', `售价低于控价 ${formatFen(floor)} 元 / sale price is below the price floor`)
      }
      if (sku) {
        const first = firstRowOfSku.get(sku)
        if (first !== undefined) job.reject(i, 'sku', sku, 'duplicate_in_file', duplicateReason('商品编码', first))
      }
      if (job.errorCount > errorsBefore) {
        rejected++
        continue
      }
      firstRowOfSku.set(sku!, job.rowNumber(i))
      const cur = bySku.get(sku!)
      // An unmapped column keeps what the studio has. A blank commission cell in a mapped
      // column means "use the scheme" (0), never a rate of its own; other blank cells keep
      // what the studio has (or the form's default for a new product).
      const next: ProductValues = {
        name: name!,
        brand: brand ?? cur?.brand ?? '',
        category: category ?? cur?.category ?? '',
        // A picture named by a file on this machine goes into the store under its hash now, as the
        // product form does: a path means nothing on the team's other workstations.
        images: images ? JSON.stringify(storeImageFiles(db, images)) : (cur?.images ?? '[]'),
        list_price_fen: list!,
        sale_price_fen: sale!,
        price_floor_fen: floor!,
        stock: stock ?? cur?.stock ?? 0,
        commission_bp: commission ?? (job.mapped('commission') ? 0 : (cur?.commission_bp ?? 0)),
        mentor_commission_bp: mentorCommission ?? (job.mapped('mentorCommission') ? 0 : (cur?.mentor_commission_bp ?? 0)),
        facts: facts ?? cur?.facts ?? '',
      }
      if (!cur) inserts.push({ id: newId(), sku: sku!, ...next, created_at: job.now, updated_at: job.now })
      else if (COLUMNS.every((c) => cur[c] === next[c])) unchanged++
      else updates.push([...COLUMNS.map((c) => next[c]), job.now, cur.id])
    }
  }

  return {
    inserted: inserts.length,
    updated: updates.length,
    unchanged,
    rejectedRows: rejected,
    unattributedOrders: 0,
    entities: ['products'],
    write: () => {
      const insert = rowWriter(db, PRODUCTS, INSERT_COLUMNS)
      const update = db.prepare(`UPDATE products SET ${COLUMNS.map((c) => `${c} = ?`).join(', ')}, updated_at = ? WHERE id = ?`)
      for (const r of inserts) insert(r)
      for (const r of updates) update.run(r)
    },
  }
}
