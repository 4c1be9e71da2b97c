import type { CopyChannel } from '../../../../src-shared/contracts/materials'
import { COPY_CHANNELS } from '../../../../src-shared/contracts/materials'
import { instantOf } from '../../../../src-shared/time'
import type { Segment } from '../../../../src-shared/vocabulary'
import type { Db } from '../../db/connection'
import { studioTimeZone } from '../../settings/settings'
import { renderCopy, variantFor } from '../copy'
import { copyVariants, tonesWithCopy } from '../copyStore'
import type { PosterProduct } from '../render'
import { DEFAULT_PEAKS, planDay, type ScheduleItem } from '../schedule'
import { latestGroupQr, massSendsUsed } from '../sources'
import type { PackOwnerSpec, ProductRow } from './types'

/** What a pack says about a product and its owner: poster fields, copy, schedule, the group's allowance and QR code. */

export function posterProduct(p: ProductRow, photo: string): PosterProduct {
  return {
    id: p.id,
    name: p.name,
    title: p.facts ? `${p.name} ${sellingPoint(p.facts)}` : p.name,
    brand: p.brand,
    salePriceFen: p.sale_price_fen,
    listPriceFen: p.list_price_fen > p.sale_price_fen ? p.list_price_fen : null,
    badge: p.stock > 0 && p.stock <= 30 ? `仅剩${p.stock}件` : '团购价',
    photoPath: photo,
    footer: '长按识别二维码 · 下单认准邀请码',
  }
}

/**
 * The first selling point of a product's facts (内含：腰果、巴旦木｜产地：… → 内含 腰果、巴旦木). Its
 * label keeps a space instead of its colon: copy often writes "{name}：{facts}", and
 * "每日坚果：内含：腰果" reads as a stutter.
 */
export const sellingPoint = (facts: string) => (facts.split(/[。\n｜|]/)[0]?.trim() ?? '').replace(/^([\u4e00-\u9fa5]{1,4})\s*[:：]\s*/, '$1 ')

export const copyProduct = (p: ProductRow) => ({ sku: p.sku, priceFloorFen: p.price_floor_fen, stock: p.stock, endsAt: null })

export const copyValues = (p: ProductRow, member: string) => ({
  name: p.name,
  title: p.name,
  brand: p.name.includes(p.brand) ? '' : p.brand,
  priceFen: p.sale_price_fen,
  listPriceFen: p.list_price_fen,
  facts: sellingPoint(p.facts),
  member,
  customer: '亲',
  stock: p.stock,
  endsAt: null,
})

/** The channels a pack carries copy for: a member posts everywhere, a group's pack is for its chat. */
const channelsOf = (owner: Pick<PackOwnerSpec, 'kind'>): readonly CopyChannel[] => (owner.kind === 'group' ? ['group'] : COPY_CHANNELS)

export interface PackCopy {
  productSku: string
  productName: string
  channel: CopyChannel
  /** The consumer segment whose tone a private-chat text is in; null: for everyone. */
  tone: Segment | null
  text: string
}

/** The segments of a member's own customers, most common first (at most three): whom their private chats are for. */
function customerTones(db: Db, memberId: string): Segment[] {
  return db
    .prepare(`SELECT segment FROM customers WHERE owner_member_id = ? AND segment IS NOT NULL GROUP BY segment ORDER BY COUNT(*) DESC, segment LIMIT 3`)
    .pluck()
    .all(memberId) as Segment[]
}

export function packCopy(db: Db, owner: PackOwnerSpec, products: ProductRow[], date: string): PackCopy[] {
  const out: PackCopy[] = []
  const toned = new Set(tonesWithCopy(db, 'private'))
  const tones = owner.kind === 'member' ? customerTones(db, owner.id).filter((s) => toned.has(s)) : []
  const variants = { moments: copyVariants(db, 'moments'), group: copyVariants(db, 'group'), private: copyVariants(db, 'private') }
  const rotationKey = owner.kind === 'member' ? owner.poster.inviteCode : owner.folder
  for (const p of products) {
    const values = copyValues(p, owner.poster.name)
    for (const channel of channelsOf(owner)) {
      // Rotated by the pack's day and whose pack it is, so a group does not read the same text twice running.
      const pick = (list: string[]) => renderCopy(list[variantFor(list.length, date, rotationKey + p.sku)], values)
      if (channel === 'private' && tones.length) {
        for (const tone of tones) out.push({ productSku: p.sku, productName: p.name, channel, tone, text: pick(copyVariants(db, 'private', tone)) })
      } else {
        out.push({ productSku: p.sku, productName: p.name, channel, tone: null, text: pick(variants[channel]) })
      }
    }
  }
  return out
}

export interface PackSchedule extends ScheduleItem {
  massSend: boolean
}

/** The day's plan; in a group every slot that posts something is a mass send (群发). */
export function packSchedule(owner: PackOwnerSpec, date: string, products: ProductRow[]): PackSchedule[] {
  return planDay(date, products).map((it) => ({ ...it, massSend: owner.kind === 'group' && (it.key === 'preview' || !it.what.startsWith('群里互动')) }))
}

export interface Allowance {
  monthly: number
  used: number
  planned: number
  exceeds: boolean
}

export function allowanceOf(db: Db, owner: PackOwnerSpec, date: string, schedule: PackSchedule[]): Allowance | null {
  if (owner.kind !== 'group') return null
  const monthly = db.prepare('SELECT mass_send_allowance FROM groups WHERE id = ?').pluck().get(owner.id) as number
  const used = massSendsUsed(db, owner.id, date)
  const planned = schedule.filter((s) => s.massSend).length
  return { monthly, used, planned, exceeds: used + planned > monthly }
}

export const allowanceNote = (a: Allowance) =>
  `本月群发额度 ${a.monthly} 次，已安排 ${a.used} 次，今天计划 ${a.planned} 次` +
  (a.exceeds ? `，超出 ${a.used + a.planned - a.monthly} 次：请合并或减少今天的群发` : `，剩余 ${a.monthly - a.used - a.planned} 次`)

/**
 * Whether a group's code still works when the pack's day is posted: lapsed when it stops working
 * before the day's first post (the morning peak, in the studio's time zone), lapsing when it stops
 * before the end of the day after, ok otherwise. `firstPost` is that first post's wall-clock time.
 */
export function groupQrState(
  db: Db,
  owner: PackOwnerSpec,
  date: string,
): { file: string; expiresAt: string; firstPost: string; state: 'ok' | 'lapsing' | 'lapsed' } | null {
  if (owner.kind !== 'group') return null
  const qr = latestGroupQr(db, owner.id)
  if (!qr) return null
  const zone = studioTimeZone(db)
  const firstPost = DEFAULT_PEAKS[0].from
  const postsBegin = instantOf(zone, date, firstPost)
  const dayAfterEnds = instantOf(zone, date) + 2 * 86_400_000
  const expires = Date.parse(qr.expires_at)
  return { file: qr.file, expiresAt: qr.expires_at, firstPost: `${date} ${firstPost}`, state: expires <= postsBegin ? 'lapsed' : expires <= dayAfterEnds ? 'lapsing' : 'ok' }
}
