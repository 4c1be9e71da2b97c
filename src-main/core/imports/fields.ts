import { createHash } from 'node:crypto'
import { OrchardError } from '../../../src-shared/errors'
import type { ImportEntity } from '../../../src-shared/vocabulary'

export interface FieldSpec {
  field: string
  label: string
  labelEn: string
  required: boolean
  hint?: string
  /** Header names this field is recognised by (compared without case, spaces or punctuation). */
  synonyms: string[]
}

export type Mapping = Record<string, string | null>
export type SourceFormat = 'orchard' | 'shopify'

const f = (field: string, label: string, labelEn: string, required: boolean, synonyms: string[], hint?: string): FieldSpec => ({
  field,
  label,
  labelEn,
  required,
  synonyms: [label, labelEn, field, ...synonyms],
  ...(hint ? { hint } : {}),
})

/**
 * Orchard's own columns (the headers its exports write, so an export imports back
 * unchanged) and the names Chinese shop tools and spreadsheets use for them.
 */
export const FIELDS: Record<ImportEntity, FieldSpec[]> = {
  customers: [
    f('name', '姓名', 'Name', true, ['客户名称', '客户姓名', '客户', '名字', '昵称', '联系人', 'customer', 'customername', 'fullname']),
    f('wechatId', '微信号', 'WeChat id', false, ['微信', '微信id', 'wechat', 'wechatid', 'wx', 'weixin']),
    f('phones', '手机', 'Phone', false, ['手机号', '手机号码', '电话', '联系电话', '电话号码', 'mobile', 'phone', 'phones', 'tel'], '多个号码用逗号、分号或“、”分隔 / several separated by , ; or 、'),
    f('addresses', '地址', 'Address', false, ['收货地址', '详细地址', '联系地址', 'address', 'addresses'], '多个地址用“|”分隔 / several separated by |'),
    f('tags', '标签', 'Tags', false, ['客户标签', 'tag', 'tags'], '用逗号、顿号或空格分隔 / separated by commas, 、 or spaces'),
    f('relClass', '客户分类', 'Class', false, ['关系等级', '关系', '客户等级', '分类', 'class', 'relclass'], 'A 亲友同学 / B 普通朋友 / C 陌生人'),
    f('segment', '消费群体', 'Segment', false, ['人群', '群体', '客群', '消费人群', 'segment']),
    f('owner', '归属会员邀请码', 'Owner invite code', false, ['归属会员', '邀请码', '推荐码', '归属', '所属会员', 'owner', 'invitecode', 'ownerinvitecode'], '会员的邀请码 / the member’s invite code'),
    f('notes', '备注', 'Notes', false, ['说明', '客户备注', 'note', 'notes', 'remark', 'remarks']),
  ],
  products: [
    f('sku', '商品编码', 'SKU', true, ['sku', '货号', '编码', '商品货号', '商家编码', '商品编号', 'skucode']),
    f('name', '商品名称', 'Name', true, ['名称', '商品', '品名', '商品标题', 'title', 'product', 'productname']),
    f('brand', '品牌', 'Brand', false, ['品牌名称', 'brand', 'vendor']),
    f('category', '类目', 'Category', false, ['分类', '品类', '商品分类', '类别', 'category', 'type']),
    f('images', '图片', 'Images', false, ['图片地址', '主图', '图片链接', 'image', 'images', 'imagesrc'], '多张用逗号分隔 / several separated by commas'),
    f('listPrice', '原价', 'List price', true, ['划线价', '市场价', '吊牌价', '零售价', 'listprice', 'compareatprice'], '元，最多两位小数 / yuan, up to 2 decimals'),
    f('salePrice', '售价', 'Sale price', true, ['销售价', '价格', '团购价', '活动价', 'price', 'saleprice'], '元 / yuan'),
    f('priceFloor', '控价', 'Price floor', true, ['最低价', '控价价格', '最低售价', '控价价', 'pricefloor'], '会员不得低于此价 / members must not sell below it'),
    f('stock', '库存', 'Stock', false, ['库存数量', '可售库存', 'stock', 'inventory', 'inventoryqty']),
    f('commission', '佣金比例', 'Commission %', false, ['佣金', '返佣比例', '佣金率', 'commission'], '如 12 或 12% / e.g. 12 or 12%'),
    f('mentorCommission', '上级佣金比例', 'Mentor commission %', false, ['师父佣金', '上级佣金', '二级佣金比例', 'mentorcommission']),
    f('facts', '卖点', 'Selling points', false, ['商品卖点', '描述', '商品描述', 'facts', 'description']),
  ],
  members: [
    f('inviteCode', '邀请码', 'Invite code', true, ['会员邀请码', '推荐码', '会员编号', '编号', 'code', 'invitecode'], '4–16 位字母或数字，按它匹配已有会员 / 4–16 letters or digits; matches existing members'),
    f('name', '姓名', 'Name', true, ['会员姓名', '会员', '名字', '昵称', 'member', 'membername']),
    f('mentor', '师父邀请码', 'Mentor invite code', false, ['师父', '上级', '上级邀请码', '推荐人', '推荐人邀请码', 'mentor', 'mentorcode', 'upline'], '工作室或本文件中会员的邀请码 / a member’s code, in the studio or this file'),
    f('level', '等级', 'Level', false, ['会员等级', '级别', 'level'], '1、2 或 3 / 1, 2 or 3'),
    f('joinDate', '加入日期', 'Join date', false, ['入会日期', '加入时间', '注册日期', 'joined', 'joindate']),
    f('status', '状态', 'Status', false, ['会员状态', 'status'], '活跃 / 暂停 / 已离开'),
    f('phone', '手机', 'Phone', false, ['手机号', '电话', '联系电话', 'mobile', 'phone']),
    f('wechatId', '微信号', 'WeChat id', false, ['微信', 'wechat', 'wechatid', 'wx']),
  ],
  orders: [
    f('orderNo', '订单号', 'Order number', true, ['订单编号', '订单id', 'order', 'orderno', 'ordernumber', 'orderid']),
    f('placedAt', '下单时间', 'Placed at', true, ['创建时间', '下单日期', '订单时间', '付款时间', 'createdat', 'date', 'placedat']),
    f('status', '状态', 'Status', false, ['订单状态', '交易状态', 'financialstatus', 'status'], '已付款 / 待付款 / 部分退款 / 已退款 / 已取消'),
    f('buyerName', '客户', 'Buyer', false, ['客户姓名', '收货人', '买家', '收件人', 'billingname', 'buyer', 'buyername']),
    f('buyerPhone', '手机', 'Buyer phone', false, ['手机号', '收货人手机', '联系电话', '电话', 'billingphone', 'phone', 'buyerphone']),
    f('sku', '商品编码', 'SKU', false, ['sku', '货号', '商家编码', 'lineitemsku'], '有编码时关联到商品 / links the line to the product'),
    f('productName', '商品名称', 'Product', true, ['商品', '品名', '商品标题', 'lineitemname', 'product']),
    f('quantity', '数量', 'Quantity', true, ['件数', '购买数量', '商品数量', 'lineitemquantity', 'qty']),
    f('unitPrice', '单价', 'Unit price', false, ['价格', '商品单价', '成交单价', 'lineitemprice', 'price', 'unitprice'], '单价或金额至少填一项 / unit price or amount'),
    f('amount', '金额', 'Amount', false, ['小计', '商品金额', '实付金额', '行金额', 'amount', 'subtotal']),
    f('refunded', '退款金额', 'Refunded', false, ['已退款', '退款', 'refundedamount', 'refunded'], '整笔订单的退款；按商品退款请用“商品退款金额” / the order’s refund'),
    f('lineRefunded', '商品退款金额', 'Line refunded', false, ['行退款金额', '本行退款', '商品退款', 'lineitemrefundedamount', 'lineitemrefunded', 'linerefunded'], '这一行商品退了多少（元）/ what was refunded on this line'),
    f('refundedAt', '退款时间', 'Refunded at', false, ['退款日期', '退款完成时间', '退款成功时间', 'refundedat', 'refunddate']),
    f('completedAt', '完成时间', 'Completed at', false, ['确认收货时间', '收货时间', '签收时间', '交易完成时间', '成交时间', 'completedat', 'deliveredat', 'fulfilledat'], '售后期从这里算起 / the after-sales window starts here'),
    f('inviteCode', '邀请码', 'Invite code', false, ['推荐码', '推广码', 'ref', 'invitecode', 'referral'], '买家使用的会员邀请码 / the code the buyer used'),
    f('memberCode', '归属会员邀请码', 'Attributed member', false, ['归属会员', '业绩归属', 'membercode'], '订单已归属的会员（优先于邀请码）/ the member the order belongs to'),
  ],
}

const norm = (s: string) => s.toLowerCase().replace(/[\s_\-()（）:：*＊#.。/]|必填|选填/g, '')

/** Suggests a source column for each field by its header name; each column serves one field. */
export function suggestMapping(entity: ImportEntity, headers: string[]): Mapping {
  const mapping: Mapping = {}
  const normalized = headers.map(norm)
  const taken = new Set<number>()
  for (const spec of FIELDS[entity]) {
    const names = spec.synonyms.map(norm)
    let hit = -1
    // Earlier synonyms are the more specific names: 姓名 beats 客户.
    for (const name of names) {
      hit = normalized.findIndex((h, i) => !taken.has(i) && h === name)
      if (hit >= 0) break
    }
    mapping[spec.field] = hit >= 0 ? headers[hit] : null
    if (hit >= 0) taken.add(hit)
  }
  return mapping
}

/** Shopify's orders export: one row per line item, order columns on an order's first row only. */
const SHOPIFY_SIGNATURE = ['Name', 'Financial Status', 'Lineitem quantity', 'Lineitem name']
export const isShopify = (headers: string[]) => SHOPIFY_SIGNATURE.every((h) => headers.includes(h))

const SHOPIFY_MAPPING: Mapping = {
  orderNo: 'Name',
  placedAt: 'Created at',
  status: 'Financial Status',
  buyerName: 'Billing Name',
  buyerPhone: 'Billing Phone',
  sku: 'Lineitem sku',
  productName: 'Lineitem name',
  quantity: 'Lineitem quantity',
  unitPrice: 'Lineitem price',
  amount: null,
  refunded: 'Refunded Amount',
  // Shopify's own export has none of these but Fulfilled at; exports that add them are read.
  lineRefunded: 'Lineitem refunded amount',
  refundedAt: 'Refunded at',
  completedAt: 'Fulfilled at',
  inviteCode: null,
  memberCode: null,
}

export function detectFormat(entity: ImportEntity, headers: string[], requested: 'auto' | SourceFormat, fileName: string): SourceFormat {
  if (requested === 'shopify' && entity !== 'orders') {
    throw new OrchardError('import_format', 'Shopify 格式只用于订单 / the Shopify layout is for orders only', { file: fileName, entity })
  }
  if (requested !== 'auto') return requested
  return entity === 'orders' && isShopify(headers) ? 'shopify' : 'orchard'
}

export function suggestedMapping(entity: ImportEntity, format: SourceFormat, headers: string[]): Mapping {
  if (format === 'shopify') {
    const mapping: Mapping = {}
    for (const [field, header] of Object.entries(SHOPIFY_MAPPING)) mapping[field] = header && headers.includes(header) ? header : null
    // Older exports and checkouts without a billing address carry the phone in Phone or Shipping Phone.
    if (!mapping.buyerPhone) mapping.buyerPhone = ['Phone', 'Shipping Phone'].find((h) => headers.includes(h)) ?? null
    if (!mapping.placedAt && headers.includes('Paid at')) mapping.placedAt = 'Paid at'
    return mapping
  }
  return suggestMapping(entity, headers)
}

/** Mappings are saved per source: the entity, the layout and the set of headers (in any order). */
export function sourceKeyOf(entity: ImportEntity, format: SourceFormat, headers: string[]): string {
  const hash = createHash('sha256').update([...headers].sort().join('\u0000')).digest('hex').slice(0, 20)
  return `${entity}:${format}:${hash}`
}

/** A mapping may only name columns the file has, one field per column, and must cover the required fields. */
export function checkMapping(entity: ImportEntity, mapping: Mapping, headers: string[], fileName: string): Mapping {
  const known = new Set(FIELDS[entity].map((s) => s.field))
  const clean: Mapping = {}
  const used = new Map<string, string>()
  for (const [field, header] of Object.entries(mapping)) {
    if (!known.has(field)) continue
    if (header && !headers.includes(header)) {
      throw new OrchardError('import_mapping', `映射的列「${header}」不在文件中 / mapped column is not in the file`, { file: fileName, field, column: header, headers })
    }
    if (header && used.has(header)) {
      throw new OrchardError('import_mapping', `列「${header}」被映射到了两个字段 / one column mapped to two fields`, { file: fileName, column: header, fields: [used.get(header), field] })
    }
    if (header) used.set(header, field)
    clean[field] = header || null
  }
  const missing = FIELDS[entity].filter((s) => s.required && !clean[s.field])
  if (entity === 'orders' && !clean.unitPrice && !clean.amount) missing.push(FIELDS.orders.find((s) => s.field === 'unitPrice')!)
  if (missing.length) {
    throw new OrchardError(
      'import_mapping',
      `缺少必填列：${missing.map((s) => s.label).join('、')}。请检查第 1 行是否为表头，或在映射中指定 / required columns are not mapped: ${missing.map((s) => s.labelEn).join(', ')}`,
      { file: fileName, row: 1, missing: missing.map((s) => s.field), headers },
    )
  }
  return clean
}
