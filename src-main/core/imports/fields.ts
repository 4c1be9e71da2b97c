import type { ImportEntity } from '../../../src-shared/vocabulary'

export interface FieldSpec {
  field: string
  label: string
  labelEn: string
  required: boolean
  hint?: string
  /** Header names this field is recognised by (lower-cased, spaces removed when compared). */
  synonyms: string[]
}

const f = (field: string, label: string, labelEn: string, required: boolean, synonyms: string[], hint?: string): FieldSpec => ({
  field,
  label,
  labelEn,
  required,
  synonyms: [label, labelEn, field, ...synonyms],
  hint,
})

/** The columns of Orchard's own layout, with the names Chinese shop exports use for them. */
export const FIELDS: Record<ImportEntity, FieldSpec[]> = {
  customers: [
    f('name', '姓名', 'Name', true, ['客户名称', '客户', '名字', '昵称', 'customer', 'customername']),
    f('wechatId', '微信号', 'WeChat id', false, ['微信', 'wechat', 'wx']),
    f('phones', '手机', 'Phone', false, ['手机号', '电话', '手机号码', '联系电话', 'mobile', 'phone', 'tel'], '多个号码用逗号分隔 / several separated by commas'),
    f('addresses', '地址', 'Address', false, ['收货地址', '详细地址', 'address'], '多个地址用“|”分隔 / several separated by |'),
    f('tags', '标签', 'Tags', false, ['客户标签', 'tag', 'tags']),
    f('relClass', '客户分类', 'Class', false, ['分类', '关系等级', '客户等级', 'class'], 'A / B / C'),
    f('segment', '消费群体', 'Segment', false, ['人群', '群体', 'segment']),
    f('owner', '归属会员邀请码', 'Owner invite code', false, ['归属会员', '邀请码', '推荐码', 'owner', 'invitecode']),
    f('notes', '备注', 'Notes', false, ['说明', 'note', 'notes', 'remark']),
  ],
  products: [
    f('sku', '商品编码', 'SKU', true, ['sku', '货号', '编码', '商品货号']),
    f('name', '商品名称', 'Name', true, ['名称', '商品', '品名', 'title', 'product']),
    f('brand', '品牌', 'Brand', false, ['brand']),
    f('category', '类目', 'Category', false, ['分类', '品类', 'category']),
    f('images', '图片', 'Images', false, ['图片地址', '主图', 'image', 'images']),
    f('listPrice', '原价', 'List price', true, ['划线价', '市场价', '吊牌价', 'listprice'], '元 / yuan'),
    f('salePrice', '售价', 'Sale price', true, ['销售价', '价格', '团购价', 'price', 'saleprice'], '元 / yuan'),
    f('priceFloor', '控价', 'Price floor', true, ['最低价', '控价价格', '最低售价', 'pricefloor'], '元 / yuan'),
    f('stock', '库存', 'Stock', false, ['数量', 'stock', 'inventory']),
    f('commission', '佣金比例', 'Commission %', false, ['佣金', '返佣比例', 'commission']),
    f('mentorCommission', '上级佣金比例', 'Mentor commission %', false, ['师父佣金', '上级佣金', 'mentorcommission']),
    f('facts', '卖点', 'Selling points', false, ['商品卖点', '描述', 'facts', 'description']),
  ],
  orders: [
    f('orderNo', '订单号', 'Order number', true, ['订单编号', 'order', 'orderno', 'name']),
    f('placedAt', '下单时间', 'Placed at', true, ['创建时间', '下单日期', '付款时间', 'createdat', 'date']),
    f('status', '状态', 'Status', false, ['订单状态', 'financialstatus', 'status']),
    f('buyerName', '客户', 'Buyer', false, ['收货人', '买家', '客户姓名', 'billingname', 'buyer']),
    f('buyerPhone', '手机', 'Buyer phone', false, ['手机号', '联系电话', '电话', 'billingphone', 'phone']),
    f('sku', '商品编码', 'SKU', true, ['sku', '货号', 'lineitemsku']),
    f('productName', '商品名称', 'Product', true, ['商品', '品名', 'lineitemname']),
    f('quantity', '数量', 'Quantity', true, ['件数', 'lineitemquantity', 'qty']),
    f('unitPrice', '单价', 'Unit price', true, ['价格', 'lineitemprice', 'price'], '元 / yuan'),
    f('refunded', '退款金额', 'Refunded', false, ['已退款', 'refundedamount']),
    f('inviteCode', '邀请码', 'Invite code', false, ['推荐码', '归属会员', 'ref', 'invitecode']),
  ],
}

const norm = (s: string) => s.toLowerCase().replace(/[\s_\-()（）:：]/g, '')

/** Suggests a source column for each field by its header name. */
export function suggestMapping(entity: ImportEntity, headers: string[]): Record<string, string | null> {
  const mapping: Record<string, string | null> = {}
  const taken = new Set<string>()
  for (const spec of FIELDS[entity]) {
    const names = spec.synonyms.map(norm)
    const hit = headers.find((h) => !taken.has(h) && names.includes(norm(h)))
    mapping[spec.field] = hit ?? null
    if (hit) taken.add(hit)
  }
  return mapping
}

/** Shopify's orders export: one row per line item, order columns on an order's first row only. */
export const SHOPIFY_HEADERS = ['Name', 'Financial Status', 'Lineitem quantity', 'Lineitem name', 'Lineitem price']
export const isShopify = (headers: string[]) => SHOPIFY_HEADERS.every((h) => headers.includes(h))

export const SHOPIFY_MAPPING: Record<string, string | null> = {
  orderNo: 'Name',
  placedAt: 'Created at',
  status: 'Financial Status',
  buyerName: 'Billing Name',
  buyerPhone: 'Billing Phone',
  sku: 'Lineitem sku',
  productName: 'Lineitem name',
  quantity: 'Lineitem quantity',
  unitPrice: 'Lineitem price',
  refunded: 'Refunded Amount',
  inviteCode: null,
}
