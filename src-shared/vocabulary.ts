/**
 * The studio's words (see DOMAIN.md): codes stored in the database and their
 * zh-CN / English labels, shared by the core (exports, CLI) and the console.
 */
export const REL_CLASSES = ['A', 'B', 'C'] as const
export type RelClass = (typeof REL_CLASSES)[number]
export const REL_CLASS_LABELS: Record<RelClass, { zh: string; en: string }> = {
  A: { zh: 'A 类·亲友同学', en: 'A · family & close friends' },
  B: { zh: 'B 类·普通朋友', en: 'B · ordinary friends' },
  C: { zh: 'C 类·陌生人', en: 'C · strangers' },
}

/** Consumer segments seen in industry research, each with its own tone and channel. */
export const SEGMENTS = ['trend', 'bargain', 'family', 'casual', 'digital', 'county', 'fan'] as const
export type Segment = (typeof SEGMENTS)[number]
export const SEGMENT_LABELS: Record<Segment, { zh: string; en: string }> = {
  trend: { zh: '都市追潮族', en: 'Urban trend-chasers' },
  bargain: { zh: '务实羊毛党', en: 'Bargain hunters' },
  family: { zh: '顾家品质控', en: 'Family quality seekers' },
  casual: { zh: '随心海草团', en: 'Easy-going browsers' },
  digital: { zh: '数字发烧友', en: 'Digital enthusiasts' },
  county: { zh: '县城国货派', en: 'County-town domestic-brand fans' },
  fan: { zh: '追星少年队', en: 'Young idol fans' },
}

/**
 * RFM segments, the eight-cell model Chinese CRM tools use: recency, frequency and
 * monetary value each high or low against the studio's own averages.
 */
export const RFM_SEGMENTS = [
  'important_value',
  'important_develop',
  'important_keep',
  'important_retain',
  'general_value',
  'general_develop',
  'general_keep',
  'general_retain',
] as const
export type RfmSegment = (typeof RFM_SEGMENTS)[number]
export const RFM_LABELS: Record<RfmSegment, { zh: string; en: string }> = {
  important_value: { zh: '重要价值客户', en: 'Champions' },
  important_develop: { zh: '重要发展客户', en: 'Promising big spenders' },
  important_keep: { zh: '重要保持客户', en: 'Loyal, slipping away' },
  important_retain: { zh: '重要挽留客户', en: 'Big spenders at risk' },
  general_value: { zh: '一般价值客户', en: 'Regulars' },
  general_develop: { zh: '一般发展客户', en: 'New or occasional' },
  general_keep: { zh: '一般保持客户', en: 'Frequent, low spend, fading' },
  general_retain: { zh: '一般挽留客户', en: 'Dormant' },
}

export const MEMBER_LEVELS = [1, 2, 3] as const
export type MemberLevel = (typeof MEMBER_LEVELS)[number]
export const MEMBER_LEVEL_LABELS: Record<MemberLevel, { zh: string; en: string }> = {
  1: { zh: '会员', en: 'Member' },
  2: { zh: '店主', en: 'Shopkeeper' },
  3: { zh: '金牌店主', en: 'Gold shopkeeper' },
}

export const MEMBER_STATUSES = ['active', 'paused', 'left'] as const
export type MemberStatus = (typeof MEMBER_STATUSES)[number]
export const MEMBER_STATUS_LABELS: Record<MemberStatus, { zh: string; en: string }> = {
  active: { zh: '活跃', en: 'Active' },
  paused: { zh: '暂停', en: 'Paused' },
  left: { zh: '已离开', en: 'Left' },
}

export const ORDER_STATUSES = ['pending', 'paid', 'partially_refunded', 'refunded', 'cancelled'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]
export const ORDER_STATUS_LABELS: Record<OrderStatus, { zh: string; en: string }> = {
  pending: { zh: '待付款', en: 'Pending' },
  paid: { zh: '已付款', en: 'Paid' },
  partially_refunded: { zh: '部分退款', en: 'Partially refunded' },
  refunded: { zh: '已退款', en: 'Refunded' },
  cancelled: { zh: '已取消', en: 'Cancelled' },
}

export const ORDER_SOURCES = ['manual', 'orchard', 'shopify', 'youzan', 'weidian', 'ktt', 'demo'] as const
export type OrderSource = (typeof ORDER_SOURCES)[number]

export const IMPORT_ENTITIES = ['customers', 'products', 'orders', 'members'] as const
export type ImportEntity = (typeof IMPORT_ENTITIES)[number]
/** What can be exported as a file (members' data leaves only through the team's own server). */
export const EXPORT_ENTITIES = ['customers', 'products', 'orders'] as const
export type ExportEntity = (typeof EXPORT_ENTITIES)[number]

/**
 * The columns an export writes, in the file's order. The first ones are the importer's own
 * layout (an export imports back); a person may pick any of them, in any order. `header` is
 * what the file says, `en` what an English console shows beside it.
 */
export const EXPORT_COLUMNS = {
  customers: [
    { key: 'name', header: '姓名', en: 'Name' },
    { key: 'wechatId', header: '微信号', en: 'WeChat ID' },
    { key: 'phones', header: '手机', en: 'Phone' },
    { key: 'addresses', header: '地址', en: 'Address' },
    { key: 'tags', header: '标签', en: 'Tags' },
    { key: 'relClass', header: '客户分类', en: 'Class' },
    { key: 'segment', header: '消费群体', en: 'Segment' },
    { key: 'ownerCode', header: '归属会员邀请码', en: 'Owner invite code' },
    { key: 'notes', header: '备注', en: 'Notes' },
    { key: 'orderCount', header: '订单数', en: 'Orders' },
    { key: 'totalSpent', header: '消费总额', en: 'Total spent' },
    { key: 'lastPurchaseAt', header: '最近购买', en: 'Last purchase' },
    { key: 'createdAt', header: '建档时间', en: 'Added' },
  ],
  products: [
    { key: 'sku', header: '商品编码', en: 'SKU' },
    { key: 'name', header: '商品名称', en: 'Name' },
    { key: 'brand', header: '品牌', en: 'Brand' },
    { key: 'category', header: '类目', en: 'Category' },
    { key: 'images', header: '图片', en: 'Images' },
    { key: 'listPrice', header: '原价', en: 'List price' },
    { key: 'salePrice', header: '售价', en: 'Sale price' },
    { key: 'priceFloor', header: '控价', en: 'Price floor' },
    { key: 'stock', header: '库存', en: 'Stock' },
    { key: 'commission', header: '佣金比例', en: 'Commission %' },
    { key: 'mentorCommission', header: '上级佣金比例', en: 'Mentor commission %' },
    { key: 'facts', header: '卖点', en: 'Selling points' },
  ],
  orders: [
    { key: 'orderNo', header: '订单号', en: 'Order no.' },
    { key: 'placedAt', header: '下单时间', en: 'Placed' },
    { key: 'status', header: '状态', en: 'Status' },
    { key: 'customer', header: '客户', en: 'Customer' },
    { key: 'phone', header: '手机', en: 'Phone' },
    { key: 'sku', header: '商品编码', en: 'SKU' },
    { key: 'productName', header: '商品名称', en: 'Product' },
    { key: 'quantity', header: '数量', en: 'Quantity' },
    { key: 'unitPrice', header: '单价', en: 'Unit price' },
    { key: 'amount', header: '金额', en: 'Amount' },
    { key: 'refunded', header: '退款金额', en: 'Refunded' },
    { key: 'lineRefunded', header: '商品退款金额', en: 'Line refunded' },
    { key: 'refundedAt', header: '退款时间', en: 'Refunded at' },
    { key: 'completedAt', header: '完成时间', en: 'Completed at' },
    { key: 'attributionCode', header: '邀请码', en: 'Invite code' },
    { key: 'memberCode', header: '归属会员邀请码', en: 'Owner invite code' },
  ],
} as const satisfies Record<ExportEntity, readonly { key: string; header: string; en: string }[]>
export type ExportColumnKey<E extends ExportEntity = ExportEntity> = (typeof EXPORT_COLUMNS)[E][number]['key']

/** Money is integer fen. Formatting lives here so exports, CLI and console agree. */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(fen)
  const yuan = Math.floor(abs / 100)
  const rest = String(abs % 100).padStart(2, '0')
  return `${sign}${yuan.toLocaleString('en-US')}.${rest}`
}

/** The ledger's words (kinds and statuses are defined with the wire shape in ledgerWire.ts). */
export const LEDGER_KIND_LABELS = {
  sale_commission: { zh: '销售佣金', en: 'Sale commission' },
  mentor_commission: { zh: '师父佣金', en: 'Mentor commission' },
  membership_fee: { zh: '会员费', en: 'Membership fee' },
  penalty: { zh: '扣罚', en: 'Penalty' },
  bonus: { zh: '奖励', en: 'Bonus' },
  reversal: { zh: '冲回', en: 'Reversal' },
  withdrawal: { zh: '提现', en: 'Withdrawal' },
} as const

export const LEDGER_STATUS_LABELS = {
  pending: { zh: '待审', en: 'Pending' },
  approved: { zh: '已批准', en: 'Approved' },
  paid: { zh: '已支付', en: 'Paid' },
  rejected: { zh: '已驳回', en: 'Rejected' },
} as const
