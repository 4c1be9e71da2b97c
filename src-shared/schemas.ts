import { z } from 'zod'
import { ReadPath, WritePath } from './filePaths'
import { RowError } from './located'
import {
  EXPORT_COLUMNS,
  EXPORT_ENTITIES,
  IMPORT_ENTITIES,
  MEMBER_LEVELS,
  MEMBER_STATUSES,
  ORDER_SOURCES,
  ORDER_STATUSES,
  REL_CLASSES,
  RFM_SEGMENTS,
  SEGMENTS,
} from './vocabulary'

// ---------------------------------------------------------------- text
/**
 * Characters no text the studio keeps may hold: control characters (C0, DEL, C1) but
 * tab and line breaks, and half a surrogate pair. They are never typed; they come from
 * broken files and hostile requests, and one NUL in a product name once stopped the
 * team's sync for good (PostgreSQL refuses it in text). One-line text (names, codes)
 * takes no tab or line break either.
 */
const LINE_CONTROL = /[\p{Cc}\p{Cs}]/u
const CONTROL = /(?![\t\n\r])[\p{Cc}\p{Cs}]/u

/** The first character text may not hold, as U+XXXX with its position (1-based), or null when there is none. */
export function controlCharacter(text: string, multiline = true): { code: string; position: number } | null {
  if (!LINE_CONTROL.test(text)) return null
  const m = (multiline ? CONTROL : LINE_CONTROL).exec(text)
  return m ? { code: `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, position: m.index + 1 } : null
}

/** Text with its control characters written out (\u0000), for reporting a value that holds some. */
export const visibleControls = (text: string) =>
  text.replace(/[\p{Cc}\p{Cs}]/gu, (c) => (c === '\n' || c === '\t' || c === '\r' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))

export const controlMessage = (found: { code: string; position: number }) =>
  `含有控制字符 ${found.code}（第 ${found.position} 个字符）/ contains the control character ${found.code} at position ${found.position}`

/** A name or a code: one line of text, checked after trimming (every input is also checked for control characters as a whole). */
export const oneLine = <T extends z.ZodString>(schema: T): T =>
  schema.check((ctx) => {
    const found = controlCharacter(ctx.value, false)
    if (found) ctx.issues.push({ code: 'custom', message: controlMessage(found), input: ctx.value })
  }) as T

/**
 * Where a value (a method's whole input) holds text with control characters, at any
 * depth, keys included: every string a host hands the core is checked once here.
 */
export function findControlCharacter(value: unknown, path: (string | number)[] = []): { path: string; found: { code: string; position: number } } | null {
  if (typeof value === 'string') {
    const found = controlCharacter(value)
    return found ? { path: path.join('.'), found } : null
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findControlCharacter(value[i], [...path, i])
      if (hit) return hit
    }
    return null
  }
  if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const inKey = controlCharacter(key)
      if (inKey) return { path: [...path, key].join('.'), found: inKey }
      const hit = findControlCharacter(v, [...path, key])
      if (hit) return hit
    }
  }
  return null
}

/** Ids are UUIDv7 generated where the record is born, so offline records never collide. */
export const Id = z.string().min(1).max(64)
export const IsoTime = z.string()
/** A calendar day in the studio's time zone, YYYY-MM-DD. */
export const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
export const Fen = z.number().int()
export const Empty = z.object({}).strict().optional().default({})
/** A long command's only input: the id its job.progress events carry, when the caller follows them. */
export const JobOnly = z.object({ jobId: z.string().optional() }).strict().optional().default({})
export const Ok = z.object({ ok: z.literal(true) })

export const RelClass = z.enum(REL_CLASSES)
export const Segment = z.enum(SEGMENTS)
export const RfmSegment = z.enum(RFM_SEGMENTS)
export const MemberLevel = z.union(MEMBER_LEVELS.map((l) => z.literal(l)) as [z.ZodLiteral<1>, z.ZodLiteral<2>, z.ZodLiteral<3>])
export const MemberStatus = z.enum(MEMBER_STATUSES)
export const OrderStatus = z.enum(ORDER_STATUSES)
export const OrderSource = z.enum(ORDER_SOURCES)
export const ImportEntity = z.enum(IMPORT_ENTITIES)
export const SortDir = z.enum(['asc', 'desc'])

/**
 * A patch of an input schema: every field optional and without its default, so a
 * partial update never resets the fields it does not mention.
 */
type Unwrapped<T> = T extends z.ZodDefault<infer U> ? U : T
export function patchOf<T extends z.ZodRawShape>(schema: z.ZodObject<T>) {
  const shape: Record<string, z.ZodType> = {}
  for (const [key, value] of Object.entries(schema.shape)) {
    const inner = value instanceof z.ZodDefault ? (value.unwrap() as z.ZodType) : (value as z.ZodType)
    shape[key] = inner.optional()
  }
  return z.object(shape) as unknown as z.ZodObject<{ [K in keyof T]: z.ZodOptional<Unwrapped<T[K]>> }>
}

export const Page = <T extends z.ZodType>(row: T) => z.object({ rows: z.array(row), total: z.number().int() })
export const Paging = {
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(500).default(50),
}

// ---------------------------------------------------------------- customers
export const Customer = z.object({
  id: Id,
  name: z.string(),
  wechatId: z.string().nullable(),
  /** E.164, +86 when no country code was given. */
  phones: z.array(z.string()),
  addresses: z.array(z.string()),
  tags: z.array(z.string()),
  relClass: RelClass,
  segment: Segment.nullable(),
  ownerMemberId: Id.nullable(),
  ownerName: z.string().nullable(),
  notes: z.string(),
  orderCount: z.number().int(),
  totalSpentFen: Fen,
  lastPurchaseAt: IsoTime.nullable(),
  rfmSegment: RfmSegment.nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})
export type Customer = z.infer<typeof Customer>

export const CustomerSortField = z.enum(['name', 'createdAt', 'updatedAt', 'lastPurchaseAt', 'totalSpentFen', 'orderCount'])
export type CustomerSortField = z.infer<typeof CustomerSortField>
export const CustomerListQuery = z.object({
  search: z.string().max(100).optional(),
  relClass: z.array(RelClass).optional(),
  tags: z.array(z.string()).optional(),
  segment: z.array(Segment).optional(),
  rfm: z.array(RfmSegment).optional(),
  /** A member id, or 'none' for customers no member owns yet. */
  owner: z.string().optional(),
  /** Last purchase window; `never` lists customers who have not bought yet. */
  lastPurchase: z
    .object({ from: Day.optional(), to: Day.optional(), never: z.boolean().optional() })
    .optional(),
  sort: z.object({ field: CustomerSortField, dir: SortDir }).default({ field: 'createdAt', dir: 'desc' }),
  ...Paging,
})
export type CustomerListQuery = z.input<typeof CustomerListQuery>
/** The list's filters without its sort and page: which customers an export of the list writes. */
export const CustomerFilter = CustomerListQuery.omit({ sort: true, offset: true, limit: true })
export type CustomerFilter = z.input<typeof CustomerFilter>

export const CustomerInput = z.object({
  name: oneLine(z.string().trim().min(1, '姓名不能为空 / name is required').max(60)),
  wechatId: oneLine(z.string().trim().max(64)).nullable().optional(),
  /** Raw phone numbers; the core normalises to E.164 (+86 default) or reports which one is bad. */
  phones: z.array(z.string().trim().min(1)).max(5).default([]),
  addresses: z.array(z.string().trim().min(1).max(200)).max(10).default([]),
  tags: z.array(z.string().trim().min(1).max(20)).max(30).default([]),
  relClass: RelClass.default('C'),
  segment: Segment.nullable().optional(),
  ownerMemberId: Id.nullable().optional(),
  notes: z.string().max(2000).default(''),
})
export type CustomerInput = z.input<typeof CustomerInput>
export const CustomerPatch = patchOf(CustomerInput)

/**
 * One change made to many customers at once: the ticked rows (`ids`) or every customer the
 * list's filter shows (`filter`), exactly one of them.
 */
export const CustomerBulkInput = z
  .object({
    ids: z.array(Id).min(1).max(10_000).optional(),
    filter: CustomerFilter.optional(),
    action: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('addTags'), tags: z.array(z.string().trim().min(1).max(20)).min(1).max(30) }),
      z.object({ kind: z.literal('removeTags'), tags: z.array(z.string().trim().min(1).max(20)).min(1).max(30) }),
      z.object({ kind: z.literal('setOwner'), memberId: Id.nullable() }),
      z.object({ kind: z.literal('setClass'), relClass: RelClass }),
    ]),
  })
  .refine((v) => (v.ids === undefined) !== (v.filter === undefined), {
    message: '请勾选客户或使用筛选条件（二选一）/ give either the ticked customers or the filter, not both',
    path: ['ids'],
  })
export type CustomerBulkInput = z.input<typeof CustomerBulkInput>
export const CustomerBulkResult = z.object({ matched: z.number().int(), changed: z.number().int() })
export type CustomerBulkResult = z.infer<typeof CustomerBulkResult>

/** How a customer was followed up (跟进方式): the channels studios keep customers on. */
export const FOLLOW_UP_CHANNELS = ['wechat', 'call', 'in_person', 'group', 'other'] as const
export type FollowUpChannel = (typeof FOLLOW_UP_CHANNELS)[number]
export const FOLLOW_UP_CHANNEL_LABELS: Record<FollowUpChannel, { zh: string; en: string }> = {
  wechat: { zh: '微信', en: 'WeChat' },
  call: { zh: '电话', en: 'Phone call' },
  in_person: { zh: '当面', en: 'In person' },
  group: { zh: '社群', en: 'Group' },
  other: { zh: '其他', en: 'Other' },
}

/**
 * One follow-up record (跟进记录) on a customer: who followed up, when, by what channel,
 * what was said, and when to follow up next. The next day becomes a care task of the
 * member who owns the customer; left open past that day it escalates to the member's
 * mentor (师父) and the manager.
 */
export const FollowUp = z.object({
  id: Id,
  customerId: Id,
  channel: z.enum(FOLLOW_UP_CHANNELS),
  summary: z.string(),
  followedAt: IsoTime,
  /** The studio day of the next follow-up, or null when none is planned. */
  nextDay: Day.nullable(),
  /** The member who owned the customer when it was recorded (whose task the next follow-up is). */
  ownerMemberId: Id.nullable(),
  ownerName: z.string().nullable(),
  byName: z.string(),
  createdAt: IsoTime,
  /** The next follow-up's state: open, done (a later record followed it up), overdue (its day has passed), or none planned. */
  nextState: z.enum(['none', 'open', 'overdue', 'done']),
})
export type FollowUp = z.infer<typeof FollowUp>
export const FollowUpInput = z.object({
  customerId: Id,
  channel: z.enum(FOLLOW_UP_CHANNELS),
  summary: z.string().trim().min(1, '请写下跟进内容 / write what was said').max(1000),
  /** When the contact took place; now when omitted. Never in the future. */
  followedAt: IsoTime.optional(),
  nextDay: Day.nullable().default(null),
})
export type FollowUpInput = z.input<typeof FollowUpInput>

/** What a member's hand-over moves: counted before, listed after. */
export const HandoverInput = z.object({
  fromMemberId: Id,
  toMemberId: Id,
  /** Also mark the leaving member as left (默认是). */
  markLeft: z.boolean().default(true),
})
export type HandoverInput = z.input<typeof HandoverInput>
export const HandoverPreview = z.object({
  from: z.object({ id: Id, name: z.string() }),
  to: z.object({ id: Id, name: z.string() }),
  customers: z.number().int(),
  groups: z.number().int(),
  /** Open care tasks the leaving member owns (their own, as mentor, and open follow-ups). */
  tasks: z.number().int(),
  followUps: z.number().int(),
})
export type HandoverPreview = z.infer<typeof HandoverPreview>
export const HandoverResult = HandoverPreview.extend({
  moved: z.object({
    customers: z.array(z.object({ id: Id, name: z.string() })),
    groups: z.array(z.object({ id: Id, name: z.string() })),
    tasks: z.array(z.object({ id: Id, title: z.string(), dueDay: Day })),
  }),
  markedLeft: z.boolean(),
})
export type HandoverResult = z.infer<typeof HandoverResult>

export const OrderLine = z.object({
  id: Id,
  lineNo: z.number().int(),
  productId: Id.nullable(),
  sku: z.string(),
  name: z.string(),
  category: z.string().nullable(),
  quantity: z.number().int(),
  unitPriceFen: Fen,
  /** What the buyer paid for the line — price × quantity less its discounts: the amount commission is computed on. */
  amountFen: Fen,
  /** What came off the line: its own discount and its share of the order's discounts. */
  discountFen: Fen.optional(),
  /** What the source says was refunded on this line; null (or absent) when it gave the order's refund only. */
  refundedFen: Fen.nullable().optional(),
})

export const Order = z.object({
  id: Id,
  orderNo: z.string(),
  source: OrderSource,
  status: OrderStatus,
  placedAt: IsoTime,
  customerId: Id.nullable(),
  customerName: z.string().nullable(),
  memberId: Id.nullable(),
  memberName: z.string().nullable(),
  /** The invite code the order carried, even when no member matched it. */
  attributionCode: z.string().nullable(),
  totalFen: Fen,
  refundedFen: Fen,
  lineCount: z.number().int(),
  createdAt: IsoTime,
})
export type Order = z.infer<typeof Order>
export const OrderDetail = Order.extend({
  lines: z.array(OrderLine),
  buyerName: z.string().nullable(),
  /** As the file gave it: a number no phone plan knows is kept (the import warned about it). */
  buyerPhone: z.string().nullable(),
  buyerEmail: z.string().nullable().optional(),
  buyerAddress: z.string().nullable().optional(),
  /** The currency the shop wrote the order in when it was not the studio's, and the rate the import was given. */
  currency: z.string().nullable().optional(),
  fxRate: z.string().nullable().optional(),
  /** Order-level discounts, shared over the lines; shipping and taxes are kept apart from the goods and never earn commission. */
  discountFen: Fen.optional(),
  shippingFen: Fen.optional(),
  taxFen: Fen.optional(),
  /** The shop's own id of the order (Shopify's Id), when the export gives it. */
  shopOrderId: z.string().nullable().optional(),
})
export type OrderDetail = z.infer<typeof OrderDetail>

export const CustomerDetail = z.object({
  customer: Customer,
  orders: z.array(OrderDetail),
  /** Categories this customer buys, most spent first. */
  categories: z.array(z.object({ category: z.string(), amountFen: Fen, quantity: z.number().int() })),
  groups: z.array(z.object({ id: Id, name: z.string() })),
})

export const CustomerFacets = z.object({
  tags: z.array(z.object({ tag: z.string(), count: z.number().int() })),
  owners: z.array(z.object({ id: Id, name: z.string(), count: z.number().int() })),
})

// ---------------------------------------------------------------- groups
export const Group = z.object({
  id: Id,
  name: z.string(),
  ownerMemberId: Id.nullable(),
  ownerName: z.string().nullable(),
  theme: z.string(),
  memberCount: z.number().int(),
  customerCount: z.number().int(),
  notes: z.string(),
  /** Mass sends (群发) the group may receive in a month; packs say when a day's plan would exceed it. */
  massSendAllowance: z.number().int(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})
export type Group = z.infer<typeof Group>
export const GroupInput = z.object({
  name: oneLine(z.string().trim().min(1).max(60)),
  ownerMemberId: Id.nullable().optional(),
  theme: z.string().trim().max(60).default(''),
  notes: z.string().max(2000).default(''),
  massSendAllowance: z.number().int().min(0).max(1000).default(30),
})
export const GroupPatch = patchOf(GroupInput)
export const GroupDetail = z.object({
  group: Group,
  members: z.array(z.object({ id: Id, name: z.string(), level: MemberLevel, joinedAt: IsoTime })),
  customers: z.array(z.object({ id: Id, name: z.string(), relClass: RelClass })),
})

// ---------------------------------------------------------------- products
export const Product = z.object({
  id: Id,
  sku: z.string(),
  name: z.string(),
  brand: z.string(),
  category: z.string(),
  images: z.array(z.string()),
  listPriceFen: Fen,
  salePriceFen: Fen,
  /** 控价: the lowest price members may sell at. */
  priceFloorFen: Fen,
  stock: z.number().int(),
  /**
   * The product's own commission rates in basis points (1% = 100): the seller's and their
   * mentor's. 0 means none of its own: the commission scheme's rates apply.
   */
  commissionBp: z.number().int(),
  mentorCommissionBp: z.number().int(),
  facts: z.string(),
  active: z.boolean(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
})
export type Product = z.infer<typeof Product>
const ProductFields = z.object({
    sku: oneLine(z.string().trim().min(1).max(64)),
    name: oneLine(z.string().trim().min(1).max(120)),
    brand: oneLine(z.string().trim().max(60)).default(''),
    category: oneLine(z.string().trim().max(60)).default(''),
    images: z.array(z.string()).max(20).default([]),
    listPriceFen: Fen.min(0),
    salePriceFen: Fen.min(0),
    priceFloorFen: Fen.min(0),
    stock: z.number().int().min(0).default(0),
    commissionBp: z.number().int().min(0).max(5000).default(0),
    mentorCommissionBp: z.number().int().min(0).max(5000).default(0),
    facts: z.string().max(4000).default(''),
    active: z.boolean().default(true),
})
export const ProductPatch = patchOf(ProductFields)
export const ProductInput = ProductFields.refine((p) => p.salePriceFen >= p.priceFloorFen, {
    message: '售价低于控价 / sale price is below the price floor',
    path: ['salePriceFen'],
  })
export const ProductSortField = z.enum(['name', 'sku', 'salePriceFen', 'stock', 'updatedAt'])
export type ProductSortField = z.infer<typeof ProductSortField>
export const ProductListQuery = z.object({
  search: z.string().max(100).optional(),
  category: z.string().optional(),
  brand: z.string().optional(),
  active: z.boolean().optional(),
  sort: z
    .object({ field: ProductSortField, dir: SortDir })
    .default({ field: 'updatedAt', dir: 'desc' }),
  ...Paging,
})

// ---------------------------------------------------------------- members
export const Member = z.object({
  id: Id,
  name: z.string(),
  inviteCode: z.string(),
  wechatId: z.string().nullable(),
  phone: z.string().nullable(),
  mentorId: Id.nullable(),
  mentorName: z.string().nullable(),
  level: MemberLevel,
  joinDate: Day,
  status: MemberStatus,
  feePaidFen: Fen,
  apprenticeCount: z.number().int(),
  customerCount: z.number().int(),
  /** Paid sales attributed to the member over the last 30 days. */
  sales30dFen: Fen,
  orders30d: z.number().int(),
})
export type Member = z.infer<typeof Member>
export const MemberInput = z.object({
  name: oneLine(z.string().trim().min(1).max(60)),
  inviteCode: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{4,16}$/, '邀请码为 4–16 位字母或数字 / invite code: 4–16 letters or digits')
    .optional(),
  wechatId: z.string().trim().max(64).nullable().optional(),
  phone: z.string().trim().nullable().optional(),
  mentorId: Id.nullable().optional(),
  level: MemberLevel.default(1),
  joinDate: Day.optional(),
  status: MemberStatus.default('active'),
  feePaidFen: Fen.min(0).default(0),
})

export const MemberPatch = patchOf(MemberInput)

// ---------------------------------------------------------------- orders
export const OrderSortField = z.enum(['placedAt', 'totalFen', 'orderNo'])
export type OrderSortField = z.infer<typeof OrderSortField>
export const OrderListQuery = z.object({
  search: z.string().max(100).optional(),
  status: z.array(OrderStatus).optional(),
  memberId: Id.optional(),
  customerId: Id.optional(),
  unattributed: z.boolean().optional(),
  from: Day.optional(),
  to: Day.optional(),
  sort: z
    .object({ field: OrderSortField, dir: SortDir })
    .default({ field: 'placedAt', dir: 'desc' }),
  ...Paging,
})

// ---------------------------------------------------------------- dashboard
export const DashboardSummary = z.object({
  counts: z.object({
    customers: z.number().int(),
    groups: z.number().int(),
    products: z.number().int(),
    members: z.number().int(),
    orders: z.number().int(),
    unattributedOrders: z.number().int(),
  }),
  sales30d: z.array(z.object({ day: Day, amountFen: Fen, orders: z.number().int() })),
  salesTotal30dFen: Fen,
  newestCustomers: z.array(Customer),
  topGroups: z.array(Group),
})

// ---------------------------------------------------------------- imports / exports
/** The layouts the import reads: Orchard's own, Shopify's orders export, and the order exports of 有赞, 微店 and 快团团. */
export const SOURCE_FORMATS = ['orchard', 'shopify', 'youzan', 'weidian', 'ktt'] as const
export const SourceFormat = z.enum(SOURCE_FORMATS)
export type SourceFormat = z.infer<typeof SourceFormat>
export const ImportFormat = z.enum(['auto', ...SOURCE_FORMATS])
export type ImportFormat = z.infer<typeof ImportFormat>
/** An ISO 4217 currency code, as shop exports write it (USD, CNY, HKD). */
export const CurrencyCode = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase())
  .pipe(z.string().regex(/^[A-Z]{3}$/, '币种须为三个字母的代码，如 CNY、USD / a currency is a three-letter code such as CNY or USD'))
/** How many units of the studio's currency one unit of another is worth, as written: "7.10". */
export const ExchangeRate = z
  .string()
  .trim()
  .regex(/^(?=.*[1-9])\d{1,6}(\.\d{1,8})?$/, '汇率须为正数，如 7.10 / a rate is a positive number such as 7.10')
export const ImportMode = z.enum(['all-or-nothing', 'valid-rows'])
export type ImportMode = z.infer<typeof ImportMode>
/** field -> source column header (null = not imported) */
export const ColumnMapping = z.record(z.string(), z.string().nullable())

export const ImportField = z.object({
  field: z.string(),
  label: z.string(),
  labelEn: z.string(),
  required: z.boolean(),
  hint: z.string().optional(),
})

export const ImportPreviewInput = z.object({
  entity: ImportEntity,
  /** A file on this machine (Electron dialog / CLI) or a staged upload (browser mode). */
  path: ReadPath,
  format: ImportFormat.default('auto'),
  /** Sheet name for XLSX; first sheet when omitted. */
  sheet: z.string().optional(),
  /**
   * The name the person knows the file by — an upload's own name, where the staged copy
   * carries a unique prefix. History, reports and located errors use it; the path's name otherwise.
   */
  fileName: oneLine(z.string().trim().min(1).max(255)).optional(),
})
export const ImportPreview = z.object({
  fileName: z.string(),
  encoding: z.string(),
  detectedFormat: SourceFormat,
  sheets: z.array(z.string()),
  headers: z.array(z.string()),
  sampleRows: z.array(z.array(z.string())),
  /** Data rows: counted for a small file, estimated from the rows read for a large one (the preview reads only what it shows). */
  totalRows: z.number().int(),
  totalRowsEstimated: z.boolean(),
  fields: z.array(ImportField),
  mapping: ColumnMapping,
  /** The key mappings are saved under: entity + format + the file's header set. */
  sourceKey: z.string(),
  mappingSaved: z.boolean(),
})
export type ImportPreview = z.infer<typeof ImportPreview>

/** An import's refused row: the one located-error shape (located.ts), its row, column and value always known. */
export { RowError }

/**
 * Orders: what to do with an order the file shows in an older state than the studio
 * holds (a lower refund, paid after refunded, pending after a failed group buy).
 * `keep` (the default) keeps the newer state and reports the order; `apply` takes the
 * file's state for every such order. `applyOlderFor` takes it for the orders named.
 */
export const OlderOrders = z.enum(['keep', 'apply'])
export const ImportRunInput = ImportPreviewInput.extend({
  mode: ImportMode.default('all-or-nothing'),
  /** When omitted, the saved (or suggested) mapping for this source is used. */
  mapping: ColumnMapping.optional(),
  saveMapping: z.boolean().default(true),
  olderOrders: OlderOrders.default('keep'),
  applyOlderFor: z.array(z.string().min(1).max(64)).max(10_000).default([]),
  /**
   * Orders: the rate for each currency other than the studio's the file may hold, for
   * this import only (1 USD = 7.10 CNY: { USD: '7.10' }). An order in a currency with no
   * rate here is refused.
   */
  rates: z.record(CurrencyCode, ExchangeRate).default({}),
  /** Lets the console follow progress events of this run. */
  jobId: z.string().optional(),
})
/** An order the file shows in an older state than the studio holds: both states, and which one the import kept. */
export const OlderOrder = z.object({
  orderNo: z.string(),
  /** The order's first row in the file. */
  row: z.number().int(),
  held: z.object({ status: OrderStatus, refundedFen: Fen }),
  file: z.object({ status: OrderStatus, refundedFen: Fen }),
  /** Why the file's state is the older one, in plain words (bilingual). */
  reason: z.string(),
  /** true: the file's state was taken (asked for); false: the newer state was kept. */
  applied: z.boolean(),
})
export type OlderOrder = z.infer<typeof OlderOrder>
export const ImportResult = z.object({
  importId: Id,
  entity: ImportEntity,
  fileName: z.string(),
  mode: ImportMode,
  /** false when all-or-nothing refused the file because of rejected rows. */
  committed: z.boolean(),
  totalRows: z.number().int(),
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejectedRows: z.number().int(),
  /** At most the first 500 errors; the full list is in the CSV report. */
  errors: z.array(RowError),
  errorCount: z.number().int(),
  /**
   * What was kept as given but looks wrong (a buyer's phone, e-mail or address): never a
   * reason to refuse a row. At most the first 500; the full list is in the warnings report.
   */
  warnings: z.array(RowError).default([]),
  warningCount: z.number().int().default(0),
  /** The rates this import was given, recorded with the run. */
  rates: z.record(z.string(), z.string()).default({}),
  unattributedOrders: z.number().int(),
  /** Orders: those the file shows older than the studio holds (at most the first 500). */
  olderOrders: z.array(OlderOrder).default([]),
  durationMs: z.number(),
})
export type ImportResult = z.infer<typeof ImportResult>
export const ImportRun = ImportResult.omit({ errors: true, olderOrders: true, warnings: true }).extend({ createdAt: IsoTime })
/**
 * An import that did not finish: a crash (kill -9, a power cut) left it running, or it was
 * cancelled. Its write is one transaction, so it wrote nothing; resumed by its job id, it
 * runs again with the file and options kept with the job.
 */
export const ImportJobSummary = z.object({
  jobId: z.string(),
  entity: ImportEntity,
  fileName: z.string(),
  mode: ImportMode,
  status: z.enum(['interrupted', 'cancelled']),
  /** Why it stopped, for a cancelled one. */
  error: z.string().nullable(),
  createdAt: IsoTime,
})
export type ImportJobSummary = z.infer<typeof ImportJobSummary>

export const ExportInput = z
  .object({
    entity: z.enum(EXPORT_ENTITIES),
    format: z.enum(['csv', 'xlsx']),
    /** Where to write; when omitted the file goes to the data folder's exports/ (browser mode downloads it). */
    path: WritePath.optional(),
    /** Customers only: export the customers the list shows with these filters instead of all of them. */
    filter: CustomerFilter.optional(),
    /** The columns to write, in this order (keys of EXPORT_COLUMNS[entity]); all of them when omitted. */
    columns: z.array(z.string().min(1).max(40)).min(1).max(40).optional(),
    /** Report the export's progress as job.progress events (kind 'export', rows written of all of them). */
    jobId: z.string().optional(),
  })
  .refine((e) => !e.filter || e.entity === 'customers', {
    path: ['filter'],
    message: '只有客户导出可以按筛选条件导出 / only a customer export takes list filters',
  })
  .superRefine((e, ctx) => {
    if (!e.columns) return
    const known: readonly { key: string }[] = EXPORT_COLUMNS[e.entity]
    e.columns.forEach((key, i) => {
      if (!known.some((c) => c.key === key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', i],
          message: `没有这一列：${key}（可选 ${known.map((c) => c.key).join(', ')}）/ no such column: ${key}`,
        })
      } else if (e.columns!.indexOf(key) !== i) {
        ctx.addIssue({ code: 'custom', path: ['columns', i], message: `这一列选了两次：${key} / column chosen twice: ${key}` })
      }
    })
  })
/** `sha256`: the file's hash as it was written (also in the audit log), to tell a copy found later for this export. */
export const ExportResult = z.object({ path: z.string(), fileName: z.string(), rows: z.number().int(), sha256: z.string() })

// ---------------------------------------------------------------- backups, settings, system
export const Backup = z.object({
  fileName: z.string(),
  path: z.string(),
  kind: z.enum(['auto', 'manual', 'pre-restore']),
  createdAt: IsoTime,
  sizeBytes: z.number().int(),
  /** The file's hash, for a backup just taken (a listed one is not read to hash it). */
  sha256: z.string().optional(),
})
export type Backup = z.infer<typeof Backup>

export function isHttpsUrl(value: string): boolean {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  return url.protocol === 'https:' && url.hostname !== '' && !url.username && !url.password
}

/** Whether the runtime knows `zone` as a time zone (an IANA name: Asia/Shanghai, Europe/Berlin, UTC). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}
export const TimeZone = z
  .string()
  .trim()
  .refine(isTimeZone, { error: (issue) => `不是有效的时区（例如 Asia/Shanghai）：${String(issue.input)} / not a time zone (e.g. Asia/Shanghai): ${String(issue.input)}` })

export const Settings = z.object({
  language: z.enum(['zh-CN', 'en-US']),
  theme: z.enum(['light', 'dark', 'system']),
  autoBackup: z.boolean(),
  backupKeepDays: z.number().int().min(1).max(365),
  timezone: TimeZone,
  studioName: z.string(),
  /** The studio's one currency: every amount is kept in its hundredths (fen for CNY). */
  currency: z.string().regex(/^[A-Z]{3}$/, '币种须为三个字母的代码，如 CNY / a three-letter currency code such as CNY'),
  /** Where the desktop app looks for updates: empty (none configured), or an https:// address — never plain http, which anyone on the way could answer. */
  updateFeedUrl: z
    .string()
    .trim()
    .refine((url) => url === '' || isHttpsUrl(url), {
      error: (issue) => `更新地址须以 https:// 开头：${String(issue.input)} / the update feed must be an https:// address: ${String(issue.input)}`,
    }),
  /**
   * The studio's shop link that invite QR codes open, before the member's code:
   * https://shop.example.cn/i/ → https://shop.example.cn/i/CODE?ref=CODE.
   */
  inviteBaseUrl: z.string().regex(/^https:\/\/[^\s/]+\.[^\s]+$/, '请填写以 https:// 开头的完整地址 / a full https:// address'),
})
export type Settings = z.infer<typeof Settings>

export const SystemInfo = z.object({
  version: z.string(),
  schemaVersion: z.number().int(),
  dataDir: z.string(),
  databasePath: z.string(),
  databaseSizeBytes: z.number().int(),
  host: z.enum(['electron', 'browser', 'cli', 'test']),
  /** true while the database holds the generated demo studio. */
  demo: z.boolean(),
})

/**
 * The core's "now" and the studio's calendar: the console takes today from here, not from
 * the browser's clock and zone (a browser-mode studio may run on another day, ORCHARD_NOW).
 */
export const StudioClock = z.object({
  now: z.string(),
  timezone: z.string(),
  /** Today in the studio's zone, YYYY-MM-DD. */
  today: z.string(),
})

export const JobProgress = z.object({
  jobId: z.string(),
  kind: z.string(),
  phase: z.string(),
  done: z.number(),
  total: z.number(),
  message: z.string().optional(),
  /** Items per second so far, and the time left at that rate (long batches). */
  rate: z.number().optional(),
  etaSeconds: z.number().optional(),
})
export type JobProgress = z.infer<typeof JobProgress>

/**
 * What a cancel found: `stopping` — under way, it stops at its next item; `waiting` — no job
 * of this id runs now, and one that begins with it stops before it writes anything; otherwise
 * the job's recorded state (`cancelled` — it had stopped already, or was left running by a
 * process that stopped; `done`, `failed`, `replaced` — it had ended, nothing changed).
 */
export const JobCancelResult = z.object({
  jobId: z.string(),
  state: z.enum(['stopping', 'waiting', 'cancelled', 'done', 'failed', 'replaced']),
})
export type JobCancelResult = z.infer<typeof JobCancelResult>
