import type { BuyerPhoto, CopyChannel, GroupQr, PriceComparison } from '../../../../src-shared/contracts/materials'
import type { PosterTemplate } from '../../../../src-shared/materials/templates'
import type { Segment } from '../../../../src-shared/vocabulary'
import { bool, decodeFields, defineTable, int, json, nullableText, object, text, type FieldsOf, type RowOf } from './table'

/** A price seen elsewhere for a product, as the comparison image shows it. */
export const PRICE_COMPARISONS = defineTable(
  'price_comparisons',
  {
    id: text(),
    product_id: text(),
    source: text(),
    price_fen: int(),
    observed_on: text(),
    url: text(),
    note: text(),
    created_by: nullableText(),
    created_at: text(),
    updated_at: text(),
  },
  {
    productId: 'product_id',
    source: 'source',
    priceFen: 'price_fen',
    observedOn: 'observed_on',
    url: 'url',
    note: 'note',
  },
)

export type ComparisonRow = RowOf<typeof PRICE_COMPARISONS>
/** A comparison as it is written: its id and its shared fields. */
export type ComparisonFields = { id: string } & FieldsOf<typeof PRICE_COMPARISONS>

export const toComparison = (row: ComparisonRow): PriceComparison => ({ id: row.id, ...decodeFields(PRICE_COMPARISONS, row), createdAt: row.created_at })

/**
 * A buyer-show photo. Its image is the team's file named by `sha256`; `file` is where a
 * photo of before 0029 was kept until it is hashed.
 */
export const BUYER_PHOTOS = defineTable(
  'buyer_photos',
  {
    id: text(),
    product_id: text(),
    customer_id: nullableText(),
    sha256: nullableText(),
    file: text(),
    caption: text(),
    width: int(),
    height: int(),
    created_by: nullableText(),
    created_at: text(),
    updated_at: text(),
  },
  {
    productId: 'product_id',
    customerId: 'customer_id',
    caption: 'caption',
    width: 'width',
    height: 'height',
    sha256: 'sha256',
  },
)

export type BuyerPhotoTableRow = RowOf<typeof BUYER_PHOTOS>
/** A photo as the lists read it: the row and its customer's name. */
export type BuyerPhotoRow = BuyerPhotoTableRow & { customer_name: string | null }
/** A photo as it is written: its image is always stored (hashed) first. */
export type BuyerPhotoFields = FieldsOf<typeof BUYER_PHOTOS> & { sha256: string }

/** The columns of a BuyerPhotoRow over `buyer_photos b LEFT JOIN customers c ON c.id = b.customer_id`. */
export const BUYER_PHOTO_COLUMNS = 'b.*, c.name AS customer_name'

/** A photo as the console shows it: its thumbnail (empty until its image is here), never its hash or path. */
export function toBuyerPhoto(row: BuyerPhotoRow, image: { thumb: string; downloaded: boolean }): BuyerPhoto {
  const f = decodeFields(BUYER_PHOTOS, row)
  return {
    id: row.id,
    productId: f.productId,
    customerId: f.customerId,
    customerName: row.customer_name,
    caption: f.caption,
    width: f.width,
    height: f.height,
    thumb: image.thumb,
    downloaded: image.downloaded,
    createdAt: row.created_at,
  }
}

/** A group's QR code as uploaded (this workstation's own: not shared with the team). */
export const GROUP_QR_CODES = defineTable(
  'group_qr_codes',
  {
    id: text(),
    group_id: text(),
    file: text(),
    payload: text(),
    uploaded_at: text(),
    expires_at: text(),
    created_by: nullableText(),
  },
  {
    groupId: 'group_id',
    payload: 'payload',
    uploadedAt: 'uploaded_at',
    expiresAt: 'expires_at',
  },
)

export type GroupQrRow = RowOf<typeof GROUP_QR_CODES>

/** A QR code as the console shows it: lapsed once it expired by `now` (ISO time). */
export const toGroupQr = (row: GroupQrRow, now: string, thumb: string): GroupQr => ({
  id: row.id,
  ...decodeFields(GROUP_QR_CODES, row),
  lapsed: row.expires_at <= now,
  thumb,
})

/**
 * A mass send planned for a group on a day (`slot`: the schedule's), by the pack run that
 * planned it: what the group's monthly allowance (groups.mass_send_allowance) counts.
 */
export const GROUP_MASS_SENDS = defineTable('group_mass_sends', { group_id: text(), day: text(), slot: text(), job_id: text() }, { groupId: 'group_id', day: 'day', slot: 'slot', jobId: 'job_id' })

/** A copy variant: per channel and per consumer-segment tone (`all`: every tone). */
export const COPY_TEMPLATES = defineTable(
  'copy_templates',
  {
    id: text(),
    channel: text<CopyChannel>(),
    tone: text<Segment | 'all'>(),
    body: text(),
    position: int(),
    active: bool(),
    created_at: text(),
    updated_at: text(),
  },
  {
    channel: 'channel',
    tone: 'tone',
    body: 'body',
    position: 'position',
    active: 'active',
  },
)

export type CopyTemplateRow = RowOf<typeof COPY_TEMPLATES>
export type CopyTemplate = { id: string } & FieldsOf<typeof COPY_TEMPLATES>

export const toCopyTemplate = (row: CopyTemplateRow): CopyTemplate => ({ id: row.id, ...decodeFields(COPY_TEMPLATES, row) })

/** The studio's list of forbidden absolute claims: one shared record (`studio`), its words a set kept as JSON. */
export const FORBIDDEN_CLAIMS = defineTable(
  'forbidden_claims',
  {
    id: text(),
    words: json<string[]>(),
    created_at: text(),
    updated_at: text(),
  },
  {
    words: 'words',
  },
)

/** A poster template of the studio's own (the shipped ones are not rows); `spec` is the whole template. */
export const POSTER_TEMPLATES = defineTable(
  'poster_templates',
  {
    id: text(),
    name: text(),
    shape: text<PosterTemplate['shape']>(),
    spec: object<PosterTemplate>(),
    based_on: nullableText(),
    archived: bool(),
    created_by: nullableText(),
    created_at: text(),
    updated_at: text(),
  },
  {
    name: 'name',
    shape: 'shape',
    spec: 'spec',
    basedOn: 'based_on',
    archived: 'archived',
  },
)

export type PosterTemplateRow = RowOf<typeof POSTER_TEMPLATES>

/** How the template list shows a template: for one of the studio's own, when it was last saved. */
export interface TemplateSummary {
  id: string
  name: string
  shape: PosterTemplate['shape']
  builtin: boolean
  basedOn: string | null
  updatedAt: string | null
}

export function toTemplateSummary(row: PosterTemplateRow): TemplateSummary {
  return { id: row.id, name: row.name, shape: row.shape, builtin: false, basedOn: row.based_on, updatedAt: row.updated_at }
}
