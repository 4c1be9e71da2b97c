import type { CopyChannel, Finding } from '../../../src-shared/contracts/materials'
import type { Segment } from '../../../src-shared/vocabulary'
import type { Db } from '../db/connection'

/**
 * Copy (文案) per channel, several variants each, with {variables}. Variants rotate
 * by day and member, so a group does not see the same words two days running and
 * two members posting the same product do not post identical text.
 */
export const DEFAULT_COPY: Record<CopyChannel, string[]> = {
  moments: [
    '今日好物｜{title}\n到手价 {price}{listNote}，{facts}\n想要的朋友私信我，或扫图中二维码下单～',
    '这阵子自己在用的 {name}，{facts}\n这次团购价 {price}{listNote}，需要的姐妹找我 🌷',
    '{brand}{name} 回来啦\n团购价 {price}{listNote}\n{stockNote}扫码或私信 {member} 都可以',
  ],
  group: [
    '【今日团购】{title}\n💰 团购价：{price}{listNote}\n✅ {facts}\n{stockNote}下单扫群里海报二维码，有问题随时@我',
    '各位家人早上好☀️ 今天给大家带来 {name}\n团购价 {price}{listNote}\n{facts}\n需要的接龙，我统一安排发货～',
    '📢 {name} 开团啦\n价格：{price}{listNote}\n{endNote}{stockNote}有任何问题在群里问我就好',
  ],
  private: [
    '{customer}您好，之前您问过的 {name} 今天有团购价 {price}{listNote}，需要的话我帮您留一份？',
    '{customer}，给您推荐一下 {name}：{facts}。这次价格 {price}，想了解可以随时问我～',
  ],
}

/**
 * Private-chat copy in the tone each consumer segment answers to: a member writes
 * to a bargain hunter about the saving, to a family about quality and safety, to a
 * young fan about the brand. Segments without their own variants use DEFAULT_COPY.
 */
export const TONE_COPY: Partial<Record<Segment, string[]>> = {
  bargain: [
    '{customer}，{name} 今天团购价 {price}{listNote}，算下来很划算，要不要我帮您锁一份？',
    '{customer}～{name} 这次是 {price}{listNote}，{stockNote}需要的话回我一句就行',
  ],
  family: [
    '{customer}您好，{name}：{facts}，家里人用着放心。这次团购价 {price}，需要我帮您留一份吗？',
    '{customer}，给家里备 {name} 的话可以看看这次：{facts}，团购价 {price}{listNote}',
  ],
  trend: ['{customer}，这几天好多人在问的 {name} 到了：{facts}，团购价 {price}，想试试的话跟我说～'],
  digital: ['{customer}，{name} 的参数给您：{facts}。这次团购价 {price}{listNote}，有问题随时问我'],
  county: ['{customer}，国货 {name} 到了，{facts}，团购价 {price}，实在的价格，需要就说一声'],
  fan: ['{customer}～{brand}{name} 团购价 {price}{listNote}，{stockNote}想要的话我帮你留！'],
}

/** Absolute claims China's Advertising Law (广告法 art. 9) forbids; editable in the studio's settings. */
export const DEFAULT_FORBIDDEN_WORDS = ['最', '第一', '国家级', '顶级', '极品', '首选', '万能', '100%', '百分百', '全网最低', '独一无二', '根治', '永久']

/** Everyday words that merely contain a forbidden character (最近 is "recently", not "the most"). */
const BENIGN = ['最近', '最初', '最终', '最后']
/**
 * A stated composition is a fact, not a claim: 面料：100% 棉, 100% 原生木浆, 100%桑蚕丝.
 * (A bare 100% 有效 / 百分百满意 is still flagged.)
 */
const COMPOSITION = /(?:(?:面料|原料|成分|材质|含量|填充物)[:：]\s*100\s*%)|100\s*%\s*[\u4e00-\u9fa5]{0,4}?(?:棉|丝|毛|麻|木浆|纤维|涤纶|锦纶|羊绒|真皮|乳胶|果汁|生牛乳)/g

/** Urgency words that may only appear when the condition is true (a real end time, real low stock). */
const URGENCY = /仅剩|只剩|限时|最后\s*\d*\s*(件|份|小时|天)|马上截止|即将售罄|手慢无/

/** The studio's one forbidden-claims record (a shared record: the same id on every workstation of a team). */
export const FORBIDDEN_CLAIMS_ID = 'studio'

export function forbiddenWords(db: Db): string[] {
  const held = db.prepare('SELECT words FROM forbidden_claims WHERE id = ?').pluck().get(FORBIDDEN_CLAIMS_ID) as string | undefined
  const words = held === undefined ? [] : (JSON.parse(held) as unknown[]).filter((w): w is string => typeof w === 'string')
  // A list the team emptied (words removed one by one on two workstations) checks as a new studio's does.
  return words.length ? words : DEFAULT_FORBIDDEN_WORDS
}

export interface CopyValues {
  name: string
  title: string
  brand: string
  priceFen: number
  listPriceFen: number | null
  facts: string
  member: string
  customer: string
  /** Real stock; the stock line appears only when it is low and true. */
  stock: number
  /** A real end time of the offer, or none. */
  endsAt: string | null
}

const money = (fen: number) => `¥${fen % 100 === 0 ? fen / 100 : (fen / 100).toFixed(2)}`
/** Stock at or below this may be said out loud ("仅剩 N 件"). */
export const LOW_STOCK = 30

export function renderCopy(template: string, v: CopyValues): string {
  const values: Record<string, string> = {
    name: v.name,
    title: v.title,
    brand: v.brand ? `${v.brand} ` : '',
    price: money(v.priceFen),
    listNote: v.listPriceFen && v.listPriceFen > v.priceFen ? `（日常价 ${money(v.listPriceFen)}）` : '',
    facts: v.facts || v.title,
    member: v.member,
    customer: v.customer,
    stockNote: v.stock > 0 && v.stock <= LOW_STOCK ? `仅剩 ${v.stock} 件，` : '',
    endNote: v.endsAt ? `截止 ${v.endsAt}，` : '',
  }
  return template.replace(/\{(\w+)\}/g, (all, key: string) => values[key] ?? all).trim()
}

/** Which variant a member posts on a day: rotates daily, offset per member. */
export function variantFor(count: number, date: string, memberKey: string): number {
  const day = Math.floor(Date.parse(`${date}T00:00:00Z`) / 86_400_000)
  let h = 0
  for (const ch of memberKey) h = (h * 31 + ch.charCodeAt(0)) >>> 0
  return (day + h) % count
}

/**
 * The checker: forbidden absolute claims, any price below the product's floor (控价),
 * and urgency that is not true. Each finding names where it is and why.
 */
export function checkText(
  text: string,
  where: string,
  product: { sku: string; priceFloorFen: number; stock: number; endsAt: string | null },
  words: string[],
): Finding[] {
  const out: Finding[] = []
  // Everyday words that contain a forbidden character without claiming anything.
  const plain = BENIGN.reduce((t, b) => t.split(b).join('　'.repeat(b.length)), text).replace(COMPOSITION, (m) => '　'.repeat(m.length))
  for (const w of words) {
    if (w && plain.includes(w)) {
      out.push({ severity: 'error', code: 'forbidden_claim', where, text: w, why: `广告法禁止使用绝对化用语「${w}」 / absolute claims such as “${w}” are forbidden by the Advertising Law`, productSku: product.sku })
    }
  }
  for (const m of text.matchAll(/[¥￥]\s*(\d+(?:\.\d{1,2})?)/g)) {
    const fen = Math.round(Number(m[1]) * 100)
    if (fen < product.priceFloorFen && !text.slice(Math.max(0, (m.index ?? 0) - 4), m.index).includes('日常价')) {
      out.push({
        severity: 'error',
        code: 'below_price_floor',
        where,
        text: m[0],
        why: `低于控价 ${money(product.priceFloorFen)} / below the price floor of ${money(product.priceFloorFen)}`,
        productSku: product.sku,
      })
    }
  }
  const urgent = URGENCY.exec(text)
  if (urgent) {
    const stockTrue = /仅剩|只剩|即将售罄|手慢无|最后\s*\d*\s*(件|份)/.test(urgent[0]) && product.stock > 0 && product.stock <= LOW_STOCK
    const timeTrue = /限时|马上截止|最后\s*\d*\s*(小时|天)/.test(urgent[0]) && product.endsAt !== null
    if (!stockTrue && !timeTrue) {
      out.push({
        severity: 'error',
        code: 'false_urgency',
        where,
        text: urgent[0],
        why: '没有真实的截止时间或真实的低库存，不能写紧迫用语 / urgency needs a real end time or real low stock',
        productSku: product.sku,
      })
    }
  }
  return out
}
