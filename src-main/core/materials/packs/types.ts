import type { PosterTemplate } from '../../../../src-shared/materials/templates'
import type { ProductRow as ProductTableRow } from '../../db/tables/products'

/** What a day's packs were asked for (the contract's PackGenerateInput, defaults applied). */
export interface PackRequest {
  date: string
  members?: string[]
  groups?: string[]
  templates?: string[]
  products?: string[]
  out?: string
  zip: boolean
  video: boolean
  /** Replace an earlier run's packs in the same folder (otherwise such a run is refused). */
  replace?: boolean
}

/** The columns of a product the packs read. */
export type ProductRow = Pick<
  ProductTableRow,
  'id' | 'sku' | 'name' | 'brand' | 'category' | 'images' | 'list_price_fen' | 'sale_price_fen' | 'price_floor_fen' | 'stock' | 'facts'
>

/** Whose pack it is: a member's, or a group's (posted by its owner, carrying the owner's invite QR). */
export interface PackOwnerSpec {
  kind: 'member' | 'group'
  id: string
  name: string
  /** The pack's folder, named for people: 王芳-9UBKDQ, 群-宝妈好物分享_1_群. */
  folder: string
  /** The member whose invite QR and code go on the posters. */
  poster: { id: string; name: string; inviteCode: string }
}

/** Everything a day's packs are made from, looked up once: who, which products, which templates, where. */
export interface PackPlan {
  request: PackRequest & { out: string }
  owners: PackOwnerSpec[]
  products: ProductRow[]
  templates: PosterTemplate[]
  /** Groups with a live code, and its address (/g/<code>), looked up with the plan. */
  liveCodes: Record<string, string>
}

export type PackItemKind = 'video' | 'poster' | 'comparison' | 'collage' | 'groupQr' | 'copy' | 'checklist' | 'calendar' | 'manifest' | 'zip'

export interface PackItemSpec {
  owner?: 'member' | 'group'
  id?: string
  product?: string
  template?: string
}

