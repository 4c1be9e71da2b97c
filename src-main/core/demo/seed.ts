import type { Segment } from '../../../src-shared/vocabulary'
import { dayIn, zoneOffset } from '../clock'
import { demoProductPhotos } from '../materials/demoPhotos'
import { refreshCustomerStats, recomputeRfm } from '../customers/derived'
import type { Db } from '../db/connection'
import { CUSTOMER_PHONES, CUSTOMER_TAGS, CUSTOMERS } from '../db/tables/customers'
import { GROUP_CUSTOMERS, GROUP_MEMBERS, GROUPS } from '../db/tables/groups'
import { MEMBERS } from '../db/tables/members'
import { ORDER_LINES, ORDERS } from '../db/tables/orders'
import { PRODUCTS } from '../db/tables/products'
import { insertRow, rowWriter } from '../db/tables/table'
import { CATALOG } from './catalog'
import { address, mobile, notesFor, personName, SEGMENT_SHARES, tagsFor, wechatId } from './people'
import { demoId, Random, WeightedPicker, weighted } from '../random/seeded'

export interface SeedOptions {
  /** Same seed and same `now` give the same studio, ids included. */
  seed?: number
  /** The moment the studio's history ends: the last orders were placed just before it. */
  now: Date
  timezone: string
  /** Multiplies the number of customers (benchmarks build a million customers with 500) and of orders. */
  scale?: number
  /**
   * Multiplies the number of orders; by default `scale`, up to MAX_DEFAULT_ORDER_SCALE. A book of a
   * million customers is mostly dormant: its last 90 days hold a few hundred thousand
   * orders, not five million, and building it stays a matter of a minute.
   */
  orderScale?: number
}

export const DEFAULT_DEMO_SEED = 20_240_618
const BASE_CUSTOMERS = 2000
const BASE_ORDERS = 10_000
const TEAM_SIZE = 200
export const MAX_DEFAULT_ORDER_SCALE = 25
const FOUNDERS = 4
const MAX_TREE_DEPTH = 5
const ORDER_DAYS = 90
const DAY_MS = 86_400_000
const INVITE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'

/** Empties every record of the studio (settings and saved import mappings stay). */
export function clearStudio(db: Db): void {
  db.transaction(() => {
    // With the watermark at zero the delete trigger skips the search index row by
    // row; the index is emptied in one step instead.
    db.prepare('UPDATE search_index_state SET watermark = 0').run()
    db.prepare("INSERT INTO customer_search_tri(customer_search_tri) VALUES ('delete-all')").run()
    db.prepare("INSERT INTO customer_search_uni(customer_search_uni) VALUES ('delete-all')").run()
    // A new studio starts its own history of changes too.
    for (const table of ['order_lines', 'orders', 'group_customers', 'group_members', 'groups', 'customer_tags', 'customer_phones', 'customers', 'products', 'import_runs', 'record_changes', 'customer_merges']) {
      db.prepare(`DELETE FROM ${table}`).run()
    }
    // Apprentices before mentors, so no ON DELETE SET NULL cascade has work to do.
    db.prepare('UPDATE members SET mentor_id = NULL WHERE mentor_id IS NOT NULL').run()
    db.prepare('DELETE FROM members').run()
  })()
}

interface SeedMember {
  id: string
  name: string
  inviteCode: string
  joinMs: number
  mentor: number
  depth: number
  apprentices: number
  level: 1 | 2 | 3
  status: 'active' | 'paused' | 'left'
}

interface SeedProduct {
  id: string
  sku: string
  name: string
  category: string
  salePriceFen: number
  groupPriceFen: number
}

/** Local wall-clock day boundaries of the studio's time zone, as UTC milliseconds. */
function localMidnight(day: string, timezone: string): number {
  const [y, m, d] = day.split('-').map(Number)
  const guess = Date.UTC(y, m - 1, d)
  const offset = zoneOffset(timezone, new Date(guess + 12 * 3_600_000))
  const sign = offset[0] === '-' ? -1 : 1
  const minutes = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)))
  return guess - minutes * 60_000
}

function shiftDay(day: string, delta: number): string {
  const [y, m, d] = day.split('-').map(Number)
  return new Date(Date.UTC(y, m - 1, d) + delta * DAY_MS).toISOString().slice(0, 10)
}

/** Yuan to fen at a price a shop would show: …9 yuan, or …9.9 yuan for small items. */
function shopPrice(yuan: number): number {
  if (yuan < 30) return Math.max(990, Math.round(yuan) * 100 - 10)
  return (Math.round(yuan / 10) * 10 - 1) * 100
}

// Local hour of day → share of orders: the three reading peaks (07–09, 12–13, 19–21).
const HOUR_WEIGHTS = [1.0, 0.5, 0.3, 0.2, 0.2, 0.4, 1.2, 3.5, 4.0, 2.5, 2.2, 2.6, 4.5, 3.8, 2.0, 1.9, 2.0, 2.2, 3.0, 5.0, 6.5, 6.0, 3.8, 2.0]

// Which categories each consumer segment leans to (relative to the catalogue's popularity).
const SEGMENT_TASTE: Record<Segment | 'none', Partial<Record<string, number>>> = {
  trend: { 美妆护肤: 2.0, 服饰鞋包: 1.8, 食品生鲜: 0.8 },
  bargain: { 食品生鲜: 1.8, 个护清洁: 1.8, 家居日用: 1.5, 美妆护肤: 0.7 },
  family: { 母婴用品: 2.5, 营养保健: 1.8, 食品生鲜: 1.2 },
  casual: { 食品生鲜: 1.5, 家居日用: 1.2 },
  digital: { 家居日用: 1.3, 服饰鞋包: 1.2 },
  county: { 个护清洁: 1.5, 食品生鲜: 1.5, 美妆护肤: 1.2 },
  fan: { 美妆护肤: 2.0, 服饰鞋包: 1.5, 食品生鲜: 1.2, 母婴用品: 0.2 },
  none: {},
}
const SEGMENT_KEYS = ['trend', 'bargain', 'family', 'casual', 'digital', 'county', 'fan', 'none'] as const

const GROUP_THEMES: readonly { theme: string; name: string; count: number; forCustomers: boolean; notes: string; segments: readonly (Segment | null)[] }[] = [
  { theme: '母婴', name: '宝妈好物分享', count: 4, forCustomers: true, segments: ['family', 'bargain'], notes: '每天 07:30 早安问候、21:00 晚安分享；周三晚 8 点育儿好物讲解；成交发红包，鼓励晒单' },
  { theme: '美妆', name: '美妆护肤交流', count: 3, forCustomers: true, segments: ['trend', 'fan'], notes: '每周二、周五晚 8 点护肤答疑；新品试用报名；晒单送小样' },
  { theme: '团购', name: '母婴团购', count: 3, forCustomers: true, segments: ['family'], notes: '每周一开团，周四截单；团长统一售后；群规：不发广告不拉人' },
  { theme: '生鲜', name: '生鲜水果拼团', count: 3, forCustomers: true, segments: ['bargain', 'casual', 'county'], notes: '每天中午 12 点发当日拼团；产地直发，坏果包赔；自提点周六开放' },
  { theme: '家居', name: '家居好物', count: 2, forCustomers: true, segments: ['casual', 'digital'], notes: '每周四家居专场；收纳经验分享；成交红包' },
  { theme: '国货', name: '国货好物', count: 2, forCustomers: true, segments: ['county', 'trend'], notes: '国货品牌故事分享；每月一次品牌日；晒单抽奖' },
  { theme: '养生', name: '健康养生', count: 2, forCustomers: true, segments: ['family', 'casual'], notes: '每天 07:00 养生小贴士；周末食疗分享；不做疗效承诺' },
  { theme: '秒杀', name: '福利秒杀', count: 3, forCustomers: true, segments: ['bargain', 'fan'], notes: '每天 20:00 限量秒杀（库存以实际为准）；预告提前一晚发' },
  { theme: '晒单', name: '晒单有礼', count: 2, forCustomers: true, segments: ['trend', 'fan'], notes: '每周评选晒单之星；晒单返小礼品；群内日均回复 80+' },
  { theme: '新人培训', name: '新人成长营', count: 3, forCustomers: false, segments: [], notes: '新人入群当天完成自我介绍；7 天打卡：选品、发圈、私聊话术；每晚 21:00 复盘' },
  { theme: '店主学习', name: '店主学习', count: 2, forCustomers: false, segments: [], notes: '每周一目标设定，周日复盘；线下培训报名；分享成交经验有奖励' },
  { theme: '同城', name: '杭州同城自提', count: 1, forCustomers: true, segments: ['casual', 'bargain'], notes: '自提点：西湖区文三路；每周六 10:00–18:00 开放' },
]

const UNKNOWN_CODES = ['VIP888', 'XS2024', 'SHARE01', 'HY6688', 'TUAN99']

/**
 * Builds the demo studio: 200 members in a mentor tree, 120 products, about 2,000
 * customers, 30 groups and 10,000 orders over the last 90 days ending at `now`
 * (customers and orders times `scale`), then the customers' derived figures and RFM.
 * Existing records are replaced. Deterministic: ids and all values come from the seed.
 */
export function seedDemoStudio(db: Db, options: SeedOptions): { customers: number; orders: number } {
  const scale = options.scale ?? 1
  const nowMs = options.now.getTime()
  const tz = options.timezone
  const root = new Random(options.seed ?? DEFAULT_DEMO_SEED)
  const customerCount = Math.max(1, Math.round(BASE_CUSTOMERS * scale))
  const orderCount = Math.max(1, Math.round(BASE_ORDERS * (options.orderScale ?? Math.min(scale, MAX_DEFAULT_ORDER_SCALE))))
  const iso = (ms: number) => new Date(ms).toISOString()

  clearStudio(db)

  // ------------------------------------------------------------------ members
  const rm = root.fork('members')
  const members: SeedMember[] = []
  const codes = new Set<string>()
  const inviteCode = () => {
    for (;;) {
      let code = ''
      for (let i = 0; i < 6; i++) code += INVITE_ALPHABET[rm.int(0, INVITE_ALPHABET.length - 1)]
      if (!codes.has(code)) {
        codes.add(code)
        return code
      }
    }
  }
  const memberWechat = new Set<string>()
  const memberPhones = new Set<string>()
  const insertMember = rowWriter(db, MEMBERS)
  const memberRows: unknown[][] = []
  for (let i = 0; i < TEAM_SIZE; i++) {
    let joinMs: number
    if (i < FOUNDERS) joinMs = nowMs - (730 - i * 6 - rm.int(0, 4)) * DAY_MS
    else {
      // Joins accelerate as the team grows: more members in recent months.
      const u = (i - FOUNDERS + rm.next()) / (TEAM_SIZE - FOUNDERS)
      joinMs = nowMs - (2 + 690 * Math.pow(1 - u, 1.5)) * DAY_MS
    }
    joinMs = Math.floor(joinMs / 1000) * 1000 - rm.int(0, 36_000) * 1000
    let mentor = -1
    let depth = 1
    if (i >= FOUNDERS && !rm.chance(0.02)) {
      // Recruiting is lopsided: members who already recruited recruit again.
      const candidates: number[] = []
      const weights: number[] = []
      for (let j = 0; j < members.length; j++) {
        const m = members[j]
        if (m.depth >= MAX_TREE_DEPTH || m.joinMs >= joinMs) continue
        candidates.push(j)
        weights.push((1 + m.apprentices * 1.6) * (j < FOUNDERS ? 2 : 1) * (m.status === 'left' ? 0.1 : 1))
      }
      if (candidates.length) {
        mentor = new WeightedPicker(candidates, weights).pick(rm)
        depth = members[mentor].depth + 1
        members[mentor].apprentices++
      }
    }
    const status = i < FOUNDERS ? 'active' : weighted(rm, [['active', 84], ['paused', 10], ['left', 6]] as const)
    const person = personName(rm, 0.86)
    members.push({ id: demoId(rm, joinMs), name: person.name, inviteCode: inviteCode(), joinMs, mentor, depth, apprentices: 0, level: 1, status })
    memberRows.push([
      person.name,
      rm.chance(0.92) ? wechatId(rm, person, memberWechat) : null,
      rm.chance(0.95) ? mobile(rm, memberPhones) : null,
    ])
  }
  for (let i = 0; i < TEAM_SIZE; i++) {
    const m = members[i]
    const ageDays = (nowMs - m.joinMs) / DAY_MS
    if (i < FOUNDERS || m.apprentices >= 8) m.level = 3
    else if (m.apprentices >= 2 || (ageDays > 180 && rm.chance(0.3))) m.level = 2
  }
  db.transaction(() => {
    members.forEach((m, i) => {
      const [name, wx, phone] = memberRows[i] as [string, string | null, string | null]
      const fee = m.level >= 2 ? (rm.chance(0.6) ? rm.pick([9900, 19900, 39900]) : 0) : rm.chance(0.25) ? 9900 : 0
      const updatedMs = Math.min(nowMs, m.joinMs + rm.int(0, 60) * DAY_MS)
      insertMember({
        id: m.id,
        name,
        invite_code: m.inviteCode,
        wechat_id: wx,
        phone,
        mentor_id: m.mentor >= 0 ? members[m.mentor].id : null,
        level: m.level,
        join_date: dayIn(tz, new Date(m.joinMs)),
        status: m.status,
        fee_paid_fen: fee,
        created_at: iso(m.joinMs),
        updated_at: iso(updatedMs),
        left_at: null,
      })
    })
  })()
  const memberJoin = members.map((m) => m.joinMs)
  /** How many members had joined by `ms` (members are in join order). */
  const joinedBy = (ms: number) => {
    let lo = 0
    let hi = members.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (memberJoin[mid] <= ms) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  /** A member who had joined by `ms`, preferring those still selling. */
  const memberAt = (r: Random, ms: number): number => {
    const k = joinedBy(ms)
    if (k === 0) return -1
    for (let attempt = 0; attempt < 4; attempt++) {
      const pick = r.int(0, k - 1)
      if (members[pick].status === 'active' || attempt === 3) return pick
    }
    return -1
  }

  // ------------------------------------------------------------------ products
  const rp = root.fork('products')
  const products: SeedProduct[] = []
  const productPopularity: number[] = []
  const insertProduct = rowWriter(db, PRODUCTS)
  db.transaction(() => {
    for (const category of CATALOG) {
      category.items.forEach((it, index) => {
        const listFen = it.listYuan * 100
        const saleFen = Math.min(listFen, shopPrice(it.listYuan * rp.around(0.78, 0.06, 0.6, 0.95)))
        const costFen = Math.round(saleFen * rp.around(0.52, 0.05, 0.4, 0.65))
        // 控价: members may discount down to here, never to cost.
        const floorFen = Math.min(saleFen, Math.floor((costFen + (saleFen - costFen) * rp.around(0.75, 0.08, 0.55, 0.92)) / 100) * 100)
        const createdMs = nowMs - rp.int(100, 600) * DAY_MS - rp.int(0, 86_399) * 1000
        const updatedMs = Math.min(nowMs - rp.int(0, 3_600) * 1000, createdMs + rp.int(0, 90) * DAY_MS)
        const stock = rp.chance(0.05) ? 0 : Math.round(rp.around(it.listYuan > 500 ? 60 : 600, it.listYuan > 500 ? 40 : 400, 3, 3000))
        const product: SeedProduct = {
          id: demoId(rp, createdMs),
          sku: `${category.code}-${String(1001 + index)}`,
          name: `${it.brand} ${it.name}`,
          category: category.category,
          salePriceFen: saleFen,
          groupPriceFen: Math.max(floorFen, Math.round((saleFen * 0.9) / 100) * 100),
        }
        products.push(product)
        // A few best sellers per category carry most baskets.
        productPopularity.push(category.popularity / Math.pow(index + 1, 0.6))
        // The rates and the active flag draw from the products' stream in this order.
        insertProduct({
          id: product.id,
          sku: product.sku,
          name: product.name,
          brand: it.brand,
          category: category.category,
          images: JSON.stringify(demoProductPhotos(product.name)),
          list_price_fen: listFen,
          sale_price_fen: saleFen,
          price_floor_fen: floorFen,
          stock,
          commission_bp: rp.int(8, 20) * 100,
          mentor_commission_bp: rp.int(2, 5) * 100,
          facts: it.facts,
          active: rp.chance(0.95) ? 1 : 0,
          created_at: iso(createdMs),
          updated_at: iso(updatedMs),
        })
      })
    }
  })()
  const productPickers = new Map<string, WeightedPicker<number>>()
  for (const key of SEGMENT_KEYS) {
    const taste = SEGMENT_TASTE[key]
    productPickers.set(key, new WeightedPicker(products.map((_, i) => i), products.map((p, i) => productPopularity[i] * (taste[p.category] ?? 1))))
  }

  // ------------------------------------------------------------------ customers
  const rc = root.fork('customers')
  const spanStart = nowMs - 730 * DAY_MS
  const spanEnd = nowMs - 3_600_000
  const customerIds: string[] = new Array(customerCount)
  const customerNames: string[] = new Array(customerCount)
  const customerPhone: (string | null)[] = new Array(customerCount)
  const customerCreated = new Float64Array(customerCount)
  const customerOwner = new Int32Array(customerCount)
  const customerSegment = new Uint8Array(customerCount)
  const customerIsFamily = new Uint8Array(customerCount)
  const cumulativeWeight = new Float64Array(customerCount)
  const takenWechat = new Set<string>()
  const takenPhones = new Set<string>()
  // The figures and the RFM cell are worked out from the orders once they are written.
  const insertCustomer = rowWriter(db, CUSTOMERS, ['id', 'name', 'wechat_id', 'phones', 'addresses', 'tags', 'rel_class', 'segment', 'owner_member_id', 'notes', 'created_at', 'updated_at'])
  const CHUNK = 50_000
  let weightSum = 0
  for (let start = 0; start < customerCount; start += CHUNK) {
    db.transaction(() => {
      for (let i = start; i < Math.min(customerCount, start + CHUNK); i++) {
        // The book grows faster lately (more customers per month as the team grows).
        const createdMs = Math.floor(spanStart + (spanEnd - spanStart) * Math.sqrt((i + rc.next()) / customerCount))
        const relClass = weighted(rc, [['A', 15], ['B', 45], ['C', 40]] as const)
        const segment = weighted(rc, SEGMENT_SHARES)
        const person = personName(rc, 0.82)
        const id = demoId(rc, createdMs)
        const phones: string[] = []
        if (rc.chance(0.93)) phones.push(mobile(rc, takenPhones))
        if (rc.chance(0.05)) phones.push(mobile(rc, takenPhones))
        const wx = rc.chance(0.75) ? wechatId(rc, person, takenWechat) : null
        const addresses: string[] = []
        if (rc.chance(0.85)) addresses.push(address(rc).address)
        if (rc.chance(0.08)) addresses.push(address(rc).address)
        let owner = rc.chance(0.05) ? -1 : memberAt(rc, createdMs)
        if (owner >= 0 && members[owner].status === 'left' && rc.chance(0.5)) owner = -1
        // Purchase propensity: close relations buy more; a third of the book never bought.
        const buys = rc.chance(relClass === 'A' ? 0.85 : relClass === 'B' ? 0.66 : 0.5)
        const propensity = buys ? Math.exp(rc.around(0, 0.5, -1.5, 1.5) * 1.6) * (relClass === 'A' ? 2 : relClass === 'B' ? 1 : 0.6) : 0
        weightSum += propensity
        cumulativeWeight[i] = weightSum
        const tags = tagsFor(rc, segment, relClass, propensity > 1.5 ? 3 : propensity > 0 ? 1 : 0)
        const notes = rc.chance(relClass === 'A' ? 0.5 : 0.22) ? notesFor(rc) : ''
        const updatedMs = rc.chance(0.3) ? Math.min(nowMs - 60_000, createdMs + rc.int(1, 200) * DAY_MS) : createdMs
        customerIds[i] = id
        customerNames[i] = person.name
        customerPhone[i] = phones[0] ?? null
        customerCreated[i] = createdMs
        customerOwner[i] = owner
        customerSegment[i] = SEGMENT_KEYS.indexOf(segment ?? 'none')
        customerIsFamily[i] = tags.includes('宝妈') || tags.includes('母婴') ? 1 : 0
        insertCustomer({
          id,
          name: person.name,
          wechat_id: wx,
          phones: JSON.stringify(phones),
          addresses: JSON.stringify(addresses),
          tags: JSON.stringify(tags),
          rel_class: relClass,
          segment,
          owner_member_id: owner >= 0 ? members[owner].id : null,
          notes,
          created_at: iso(createdMs),
          updated_at: iso(updatedMs),
        })
        for (const phone of phones) insertRow(db, CUSTOMER_PHONES, { phone, customer_id: id })
        for (const tag of tags) insertRow(db, CUSTOMER_TAGS, { tag, customer_id: id })
      }
    })()
  }

  // ------------------------------------------------------------------ groups
  const rg = root.fork('groups')
  // Each group keeps the table's default mass-send allowance.
  const insertGroup = rowWriter(db, GROUPS, ['id', 'name', 'owner_member_id', 'theme', 'notes', 'created_at', 'updated_at'])
  const customerGroups: { id: string; createdMs: number; segments: readonly (Segment | null)[] }[] = []
  const seniors = members.map((m, i) => i).filter((i) => members[i].level >= 2 && members[i].status === 'active')
  db.transaction(() => {
    for (const spec of GROUP_THEMES) {
      for (let n = 1; n <= spec.count; n++) {
        const createdMs = nowMs - rg.int(20, 650) * DAY_MS - rg.int(0, 86_399) * 1000
        const eligibleOwners = seniors.filter((i) => members[i].joinMs < createdMs)
        const owner = eligibleOwners.length ? rg.pick(eligibleOwners) : rg.int(0, FOUNDERS - 1)
        const id = demoId(rg, createdMs)
        const name = spec.count > 1 ? `${spec.name} ${n} 群` : `${spec.name}群`
        insertGroup({
          id,
          name,
          owner_member_id: members[owner].id,
          theme: spec.theme,
          notes: spec.notes,
          created_at: iso(createdMs),
          updated_at: iso(Math.min(nowMs, createdMs + rg.int(0, 200) * DAY_MS)),
        })
        const joined = new Set<number>([owner])
        insertRow(db, GROUP_MEMBERS, { group_id: id, member_id: members[owner].id, joined_at: iso(Math.max(createdMs, members[owner].joinMs)) })
        // Training groups take the newest members; the others a mix of the team.
        const pool = spec.theme === '新人培训' ? members.map((_, i) => i).filter((i) => nowMs - members[i].joinMs < 120 * DAY_MS) : members.map((_, i) => i)
        const size = Math.min(pool.length, rg.int(8, 40))
        for (const i of rg.sample(pool, size)) {
          if (joined.has(i) || members[i].status === 'left') continue
          joined.add(i)
          const from = Math.max(createdMs, members[i].joinMs)
          insertRow(db, GROUP_MEMBERS, { group_id: id, member_id: members[i].id, joined_at: iso(Math.min(nowMs - 60_000, from + rg.int(0, 72) * 3_600_000)) })
        }
        if (spec.forCustomers) customerGroups.push({ id, createdMs, segments: spec.segments })
      }
    }
  })()
  const groupPickers = SEGMENT_KEYS.map(
    (key) => new WeightedPicker(customerGroups, customerGroups.map((g) => (g.segments.includes(key === 'none' ? null : key) ? 3 : 1))),
  )
  for (let start = 0; start < customerCount; start += CHUNK) {
    db.transaction(() => {
      for (let i = start; i < Math.min(customerCount, start + CHUNK); i++) {
        const count = weighted(rg, [[0, 40], [1, 45], [2, 15]] as const)
        let first: string | null = null
        for (let k = 0; k < count; k++) {
          const group = groupPickers[customerSegment[i]].pick(rg)
          if (group.id === first) continue
          first = group.id
          const from = Math.max(group.createdMs, customerCreated[i])
          insertRow(db, GROUP_CUSTOMERS, { group_id: group.id, customer_id: customerIds[i], joined_at: iso(Math.min(nowMs - 60_000, from + rg.int(0, 30 * 24) * 3_600_000)) })
        }
      }
    })()
  }

  // ------------------------------------------------------------------ orders
  const ro = root.fork('orders')
  const today = dayIn(tz, options.now)
  const days: { day: string; startMs: number; weight: number; compact: string }[] = []
  for (let d = ORDER_DAYS - 1; d >= 0; d--) {
    const day = shiftDay(today, -d)
    const startMs = localMidnight(day, tz)
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay()
    const weekend = weekday === 0 || weekday === 6 ? 1.35 : weekday === 5 ? 1.12 : 1
    const trend = 1 + 0.35 * ((ORDER_DAYS - d) / ORDER_DAYS)
    let weight = weekend * trend * ro.around(1, 0.08, 0.8, 1.2)
    if (d === 0) {
      // Today only up to now.
      const elapsedHours = (nowMs - startMs) / 3_600_000
      let part = 0
      HOUR_WEIGHTS.forEach((w, h) => (part += w * Math.max(0, Math.min(1, elapsedHours - h))))
      weight *= part / HOUR_WEIGHTS.reduce((a, b) => a + b, 0)
    }
    days.push({ day, startMs, weight, compact: day.replaceAll('-', '') })
  }
  const totalWeight = days.reduce((a, d) => a + d.weight, 0)
  const perDay = days.map((d) => Math.floor((orderCount * d.weight) / totalWeight))
  // Rounding leftovers go to the most recent full days.
  const missing = orderCount - perDay.reduce((a, b) => a + b, 0)
  for (let k = 0; k < missing; k++) perDay[Math.max(0, days.length - 2 - (k % Math.max(1, days.length - 1)))]++
  const hourPicker = new WeightedPicker(HOUR_WEIGHTS.map((_, h) => h), HOUR_WEIGHTS)

  // Demo orders are in the studio's currency, with no discounts, fees or refund times: the table's defaults.
  const insertOrder = rowWriter(db, ORDERS, [
    'id',
    'order_no',
    'source',
    'status',
    'placed_at',
    'customer_id',
    'member_id',
    'attribution_code',
    'buyer_name',
    'buyer_phone',
    'total_fen',
    'refunded_fen',
    'import_id',
    'created_at',
    'updated_at',
  ])
  const insertLine = rowWriter(db, ORDER_LINES, ['id', 'order_id', 'line_no', 'product_id', 'sku', 'name', 'quantity', 'unit_price_fen', 'amount_fen'])
  let sequence = 0
  let written = 0
  const lineIdx: number[] = []
  const lineQty: number[] = []
  const linePrice: number[] = []
  for (let di = 0; di < days.length; di++) {
    const { startMs, compact } = days[di]
    const times: number[] = []
    for (let k = 0; k < perDay[di]; k++) {
      let t = startMs + hourPicker.pick(ro) * 3_600_000 + ro.int(0, 3_599_999)
      if (t > nowMs) t = nowMs - ro.int(1, Math.max(1, Math.min(3_600_000, nowMs - startMs)))
      times.push(t)
    }
    times.sort((a, b) => a - b)
    db.transaction(() => {
      for (const placedMs of times) {
        sequence++
        // Eligible buyers: customers already in the book at the time (they are in creation order).
        let lo = 0
        let hi = customerCount
        while (lo < hi) {
          const mid = (lo + hi) >>> 1
          if (customerCreated[mid] <= placedMs) lo = mid + 1
          else hi = mid
        }
        const eligible = lo
        let buyer = -1
        if (eligible > 0 && cumulativeWeight[eligible - 1] > 0) {
          const target = ro.next() * cumulativeWeight[eligible - 1]
          let a = 0
          let b = eligible - 1
          while (a < b) {
            const mid = (a + b) >>> 1
            if (cumulativeWeight[mid] > target) b = mid
            else a = mid + 1
          }
          buyer = a
        }
        if (buyer < 0) buyer = ro.int(0, Math.max(0, eligible - 1))

        const segmentKey = SEGMENT_KEYS[customerSegment[buyer]]
        const picker = customerIsFamily[buyer] && ro.chance(0.5) ? productPickers.get('family')! : productPickers.get(segmentKey)!
        const lineCount = weighted(ro, [[1, 55], [2, 28], [3, 12], [4, 5]] as const)
        lineIdx.length = 0
        lineQty.length = 0
        linePrice.length = 0
        let total = 0
        for (let l = 0; l < lineCount; l++) {
          const p = picker.pick(ro)
          if (lineIdx.includes(p)) continue
          const product = products[p]
          const bulky = segmentKey === 'bargain' || product.category === '食品生鲜' || product.category === '个护清洁'
          const qty = weighted(ro, bulky ? ([[1, 62], [2, 26], [3, 9], [5, 3]] as const) : ([[1, 82], [2, 14], [3, 4]] as const))
          const price = ro.chance(0.12) ? product.groupPriceFen : product.salePriceFen
          lineIdx.push(p)
          lineQty.push(qty)
          linePrice.push(price)
          total += qty * price
        }

        const r = ro.next()
        let status: 'paid' | 'refunded' | 'partially_refunded' | 'cancelled' | 'pending' = 'paid'
        if (r < 0.02) status = 'cancelled'
        else if (r < 0.05) status = 'refunded'
        else if (r < 0.07) status = 'partially_refunded'
        else if (nowMs - placedMs < 6 * 3_600_000 && ro.chance(0.25)) status = 'pending'
        let refunded = 0
        if (status === 'refunded') refunded = total
        else if (status === 'partially_refunded') {
          refunded = lineIdx.length > 1 ? lineQty[lineIdx.length - 1] * linePrice[lineIdx.length - 1] : Math.round((total * ro.int(20, 60)) / 100)
          if (refunded >= total) refunded = Math.round(total / 2)
        }

        let member = -1
        let code: string | null = null
        const a = ro.next()
        if (a < 0.04) {
          // No code, or one nobody in the team has (an old campaign, a typo): left for manual assignment.
          code = ro.chance(0.5) ? null : ro.chance(0.5) ? ro.pick(UNKNOWN_CODES) : `${ro.pick(members).inviteCode.slice(0, 5)}${ro.pick(['0', '1', 'O', 'I'])}`
        } else {
          const owner = customerOwner[buyer]
          member = owner >= 0 && members[owner].joinMs <= placedMs && a < 0.86 ? owner : memberAt(ro, placedMs)
          if (member >= 0) code = members[member].inviteCode
        }

        const orderId = demoId(ro, placedMs)
        const placed = iso(placedMs)
        const updated = status === 'refunded' || status === 'partially_refunded' ? iso(Math.min(nowMs, placedMs + ro.int(1, 96) * 3_600_000)) : placed
        const orderNo = `E${compact}${String((sequence * 7919 + 1_234_567) % 100_000_000).padStart(8, '0')}`
        insertOrder({
          id: orderId,
          order_no: orderNo,
          source: 'demo',
          status,
          placed_at: placed,
          customer_id: customerIds[buyer],
          member_id: member >= 0 ? members[member].id : null,
          attribution_code: code,
          buyer_name: customerNames[buyer],
          buyer_phone: customerPhone[buyer],
          total_fen: total,
          refunded_fen: refunded,
          import_id: null,
          created_at: placed,
          updated_at: updated,
        })
        for (let l = 0; l < lineIdx.length; l++) {
          const product = products[lineIdx[l]]
          insertLine({
            id: demoId(ro, placedMs),
            order_id: orderId,
            line_no: l + 1,
            product_id: product.id,
            sku: product.sku,
            name: product.name,
            quantity: lineQty[l],
            unit_price_fen: linePrice[l],
            amount_fen: lineQty[l] * linePrice[l],
          })
        }
        written++
      }
    })()
  }

  db.transaction(() => {
    refreshCustomerStats(db, 'all')
    recomputeRfm(db, options.now)
  })()
  return { customers: customerCount, orders: written }
}
