import { createHash } from 'node:crypto'
import { OrchardError } from '../../../src-shared/errors'
import type { SourceFormat } from '../../../src-shared/schemas'
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
export type { SourceFormat }

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
    f('groups', '所属群', 'Group', false, ['所属社群', '社群', '群', '群名', '群名称', '社群名称', '加入的群', 'group', 'groups'], '社群名称或 ID，多个用逗号或“、”分隔 / group name or id; several separated by , or 、'),
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
    f('buyerPhone', '手机', 'Buyer phone', false, ['手机号', '收货人手机', '联系电话', '电话', 'billingphone', 'phone', 'buyerphone'], '号码有误时照原样保存并给出警告 / a number that looks wrong is kept as given, with a warning'),
    f('buyerEmail', '邮箱', 'Buyer e-mail', false, ['电子邮箱', '买家邮箱', 'email', 'buyeremail']),
    f('buyerAddress', '收货地址', 'Address', false, ['详细地址', '地址', '详细收货地址', 'shippingaddress1', 'shippingstreet', 'address', 'buyeraddress']),
    f('sku', '商品编码', 'SKU', false, ['sku', '货号', '商家编码', 'lineitemsku'], '有编码时关联到商品 / links the line to the product'),
    f('productName', '商品名称', 'Product', true, ['商品', '品名', '商品标题', 'lineitemname', 'product']),
    f('quantity', '数量', 'Quantity', true, ['件数', '购买数量', '商品数量', 'lineitemquantity', 'qty']),
    f('unitPrice', '单价', 'Unit price', false, ['价格', '商品单价', '成交单价', 'lineitemprice', 'price', 'unitprice'], '单价或金额至少填一项 / unit price or amount'),
    f('amount', '金额', 'Amount', false, ['小计', '商品金额', '商品金额小计', '行金额', 'amount'], '单价 × 数量，优惠之前 / price × quantity, before discounts'),
    f('paidAmount', '商品实付金额', 'Line paid', false, ['实付金额', '商品实际成交金额', '商品实付', '成交金额', 'linepaid', 'paidamount'], '买家为这一行实际支付的（已减去所有优惠）/ what the buyer paid for the line, all discounts taken off'),
    f('lineDiscount', '商品优惠', 'Line discount', false, ['商品优惠金额', '单品优惠', '行优惠', 'lineitemdiscount', 'linediscount'], '这一行自己的优惠（元）/ the line’s own discount'),
    f('orderDiscount', '订单优惠', 'Order discount', false, ['订单优惠金额', '店铺优惠', '优惠金额', '整单优惠', 'discountamount', 'orderdiscount'], '整笔订单的优惠，按各行金额分摊 / shared over the lines by their amounts'),
    f('shipping', '运费', 'Shipping', false, ['邮费', '快递费', '配送费', 'shipping', 'shippingfee'], '不计佣金 / never commissionable'),
    f('taxes', '税费', 'Taxes', false, ['税额', '税金', 'taxes', 'tax'], '不计佣金 / never commissionable'),
    f('currency', '币种', 'Currency', false, ['货币', '币别', 'currency'], '不是工作室币种的订单须给出汇率 / orders in another currency need a rate'),
    f('outstanding', '待付金额', 'Outstanding balance', false, ['未付金额', '尚欠金额', 'outstandingbalance', 'outstanding'], '大于 0 时订单仍为待付款 / above 0 the order is still pending'),
    f('shopOrderId', '平台订单ID', 'Shop order id', false, ['平台订单号', '外部订单号', 'shoporderid']),
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

/**
 * The order exports of the shops studios sell on, as those shops write them: for each
 * field, the columns that carry it (the first the file has is taken; exports differ a
 * little by version and by the view they were exported from). `signature` recognises
 * the layout; a preset can also be picked by hand in the mapping step.
 */
export interface OrderPreset {
  format: Exclude<SourceFormat, 'orchard'>
  label: string
  labelEn: string
  signature: string[][]
  columns: Partial<Record<string, string[]>>
  /** The order's discount column already counts the lines' own discounts (Shopify's Discount Amount is the order's total). */
  orderDiscountIncludesLines?: boolean
}

export const ORDER_PRESETS: OrderPreset[] = [
  {
    // Shopify's orders export, one row per line item with the order's columns on its first
    // row only. The columns are those of the current 79-column export (help.shopify.com
    // "Exporting orders", the "Order export CSV structure" table); older exports lack some.
    format: 'shopify',
    label: 'Shopify 订单导出',
    labelEn: 'Shopify orders export',
    signature: [['Name', 'Financial Status', 'Lineitem quantity', 'Lineitem name']],
    orderDiscountIncludesLines: true,
    columns: {
      orderNo: ['Name'],
      placedAt: ['Created at', 'Paid at'],
      status: ['Financial Status'],
      buyerName: ['Billing Name', 'Shipping Name'],
      buyerPhone: ['Billing Phone'],
      buyerEmail: ['Email'],
      buyerAddress: ['Shipping Street', 'Billing Street'],
      sku: ['Lineitem sku'],
      productName: ['Lineitem name'],
      quantity: ['Lineitem quantity'],
      unitPrice: ['Lineitem price'],
      lineDiscount: ['Lineitem discount'],
      orderDiscount: ['Discount Amount'],
      shipping: ['Shipping'],
      taxes: ['Taxes'],
      currency: ['Currency'],
      outstanding: ['Outstanding Balance'],
      shopOrderId: ['Id'],
      refunded: ['Refunded Amount'],
      // Shopify's own export has none of these but Fulfilled at; exports that add them are read.
      lineRefunded: ['Lineitem refunded amount'],
      refundedAt: ['Refunded at'],
      completedAt: ['Fulfilled at'],
    },
  },
  {
    // 有赞 (Youzan) 订单 → 导出 → "商品维度" (one row per item). Column names as the
    // export writes them, seen in studios' own scripts that read it (e.g. the header
    // lists in public repositories reading 商品实际成交金额 / 商品已退款金额 / 分销员).
    format: 'youzan',
    label: '有赞 订单导出（商品维度）',
    labelEn: 'Youzan orders export (per item)',
    signature: [['订单号', '商品实际成交金额'], ['订单号', '收货人手机号/提货人手机号']],
    columns: {
      orderNo: ['订单号'],
      placedAt: ['订单创建时间', '下单时间', '买家付款时间'],
      status: ['订单状态', '订单商品状态'],
      buyerName: ['收货人/提货人', '收货人'],
      buyerPhone: ['收货人手机号/提货人手机号', '买家手机号', '收货人手机号'],
      buyerAddress: ['详细收货地址/提货地址', '详细收货地址'],
      sku: ['商品编码', '规格编码'],
      productName: ['商品名称'],
      quantity: ['商品数量'],
      unitPrice: ['商品单价'],
      amount: ['商品金额小计'],
      // What the buyer paid for the item: the shop's discount already shared onto it (店铺优惠（分摊）).
      paidAmount: ['商品实际成交金额'],
      shipping: ['运费'],
      lineRefunded: ['商品已退款金额'],
      refundedAt: ['退款时间'],
      completedAt: ['交易成功时间'],
      memberCode: ['分销员', '分销员昵称', '分销员手机号'],
      shopOrderId: ['外部订单号'],
    },
  },
  {
    // 微店 (Weidian) 订单管理 → 导出订单. No published sample was found to check against:
    // these are the names its seller back-end shows on the order list and detail, with the
    // variants older exports use; anything else is matched by the usual Chinese names.
    format: 'weidian',
    label: '微店 订单导出',
    labelEn: 'Weidian orders export',
    signature: [['订单编号', '推广员'], ['订单编号', '商品实付金额', '收货人手机']],
    columns: {
      orderNo: ['订单编号', '订单号'],
      placedAt: ['下单时间', '创建时间'],
      status: ['订单状态'],
      buyerName: ['收货人', '收货人姓名'],
      buyerPhone: ['收货人手机', '收货人电话', '买家手机号'],
      buyerAddress: ['收货地址', '详细地址'],
      sku: ['商品编码', '商家编码'],
      productName: ['商品名称'],
      quantity: ['购买数量', '商品数量', '数量'],
      unitPrice: ['商品单价', '单价'],
      paidAmount: ['商品实付金额', '实付金额'],
      shipping: ['运费'],
      lineRefunded: ['商品退款金额', '退款金额'],
      refundedAt: ['退款时间'],
      completedAt: ['成交时间', '完成时间'],
      memberCode: ['推广员', '分销商'],
    },
  },
  {
    // 快团团 (KTT) 团购订单导出: 跟团号 numbers an order within one group buy, 订单编号 (where
    // the export has it) across them. Column names as in studios' scripts that read the
    // export (跟团号, 下单人, 团员备注, 支付时间, 团长备注, 商品, 订单金额, 退款金额, 订单状态, 自提点,
    // 收货人, 联系电话, 详细地址); 帮卖团长 is the helper leader who sold it.
    format: 'ktt',
    label: '快团团 订单导出',
    labelEn: 'KTT (快团团) orders export',
    signature: [['跟团号', '下单人'], ['跟团号', '团长备注']],
    columns: {
      orderNo: ['订单编号', '订单号', '跟团号'],
      placedAt: ['支付时间', '下单时间'],
      status: ['订单状态'],
      buyerName: ['收货人', '下单人'],
      buyerPhone: ['联系电话', '收货人电话'],
      buyerAddress: ['详细地址'],
      sku: ['商品编码', '规格编码'],
      productName: ['商品', '商品名称'],
      quantity: ['数量', '商品数量'],
      unitPrice: ['商品单价', '单价'],
      amount: ['商品金额', '订单金额'],
      refunded: ['退款金额', '订单退款'],
      memberCode: ['帮卖团长', '团长'],
    },
  },
]

export const presetOf = (format: SourceFormat) => ORDER_PRESETS.find((p) => p.format === format)
export const isShopify = (headers: string[]) => ORDER_PRESETS[0].signature.some((sig) => sig.every((h) => headers.includes(h)))

export function detectFormat(entity: ImportEntity, headers: string[], requested: 'auto' | SourceFormat, fileName: string): SourceFormat {
  if (requested !== 'auto' && requested !== 'orchard' && entity !== 'orders') {
    throw new OrchardError('import_format', `${presetOf(requested)?.label ?? requested} 格式只用于订单 / the ${presetOf(requested)?.labelEn ?? requested} layout is for orders only`, {
      file: fileName,
      entity,
    })
  }
  if (requested !== 'auto') return requested
  if (entity !== 'orders') return 'orchard'
  return ORDER_PRESETS.find((p) => p.signature.some((sig) => sig.every((h) => headers.includes(h))))?.format ?? 'orchard'
}

export function suggestedMapping(entity: ImportEntity, format: SourceFormat, headers: string[]): Mapping {
  const preset = presetOf(format)
  if (!preset) return suggestMapping(entity, headers)
  const mapping: Mapping = {}
  const taken = new Set<string>()
  for (const spec of FIELDS.orders) {
    const header = preset.columns[spec.field]?.find((h) => headers.includes(h) && !taken.has(h)) ?? null
    mapping[spec.field] = header
    if (header) taken.add(header)
  }
  if (format === 'shopify') {
    // Older exports and checkouts without a billing address carry the phone in Phone or Shipping Phone.
    if (!mapping.buyerPhone) mapping.buyerPhone = ['Phone', 'Shipping Phone'].find((h) => headers.includes(h)) ?? null
    return mapping
  }
  // A Chinese shop's export may carry more than the preset names (运费, 备注 columns a
  // studio added): the rest are matched by their usual names.
  const rest = suggestMapping(
    entity,
    headers.map((h) => (taken.has(h) ? '\u0000' : h)),
  )
  for (const [field, header] of Object.entries(rest)) if (!mapping[field] && header && header !== '\u0000') mapping[field] = header
  return mapping
}

/** The columns a run's error file adds after the source's own (see errorFile.ts): the reason, and the row's number in the source. */
export const ERROR_FILE_HEADERS: readonly string[] = ['错误原因 Reason', '原行号 Source row']

/**
 * Mappings are saved per source: the entity, the layout and the set of headers (in any
 * order). The columns an error file adds are left out, so a corrected error file is
 * imported with the mapping its source was.
 */
export function sourceKeyOf(entity: ImportEntity, format: SourceFormat, headers: string[]): string {
  const own = headers.filter((h) => !ERROR_FILE_HEADERS.includes(h))
  const hash = createHash('sha256').update(own.sort().join('\u0000')).digest('hex').slice(0, 20)
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
  if (entity === 'orders' && !clean.unitPrice && !clean.amount && !clean.paidAmount) missing.push(FIELDS.orders.find((s) => s.field === 'unitPrice')!)
  if (missing.length) {
    throw new OrchardError(
      'import_mapping',
      `缺少必填列：${missing.map((s) => s.label).join('、')}。请检查第 1 行是否为表头，或在映射中指定 / required columns are not mapped: ${missing.map((s) => s.labelEn).join(', ')}`,
      { file: fileName, row: 1, missing: missing.map((s) => s.field), headers },
    )
  }
  return clean
}
