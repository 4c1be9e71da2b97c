/**
 * A poster template is data: a canvas in one of the feed's shapes, a background,
 * and an ordered list of slots (later slots paint over earlier ones). The core
 * renders it; the console's template editor edits it and checks it with the same
 * schema, so a template the editor accepts is one the renderer can draw.
 *
 * The three member slots (qr, inviteCode, memberName) are drawn last, on top of
 * everything, because they are the only part that changes between members: the
 * rest of a poster is rendered once per product and reused for every member.
 */
import { z } from 'zod'

export const POSTER_SHAPES = ['1:1', '3:4', '9:16'] as const
export type PosterShape = (typeof POSTER_SHAPES)[number]
/** Pixel sizes of the feed's shapes: 1:1 for the moments 9-grid, 3:4 for single posts, 9:16 for stories. */
export const SHAPE_SIZES: Record<PosterShape, { width: number; height: number }> = {
  '1:1': { width: 1080, height: 1080 },
  '3:4': { width: 1080, height: 1440 },
  '9:16': { width: 1080, height: 1920 },
}

/** The shipped font's weights (Noto Sans SC). */
export const FONT_WEIGHTS = ['regular', 'medium', 'bold', 'black'] as const
export type FontWeight = (typeof FONT_WEIGHTS)[number]

export const SLOT_KINDS = [
  'shape',
  'productPhoto',
  'title',
  'subtitle',
  'brand',
  'price',
  'listPrice',
  'badge',
  'footer',
  'text',
  'qr',
  'inviteCode',
  'memberName',
] as const
export type SlotKind = (typeof SLOT_KINDS)[number]

/** What the editor and error messages call each kind of slot. */
export const SLOT_LABELS: Record<SlotKind, { zh: string; en: string }> = {
  shape: { zh: '装饰', en: 'decoration' },
  productPhoto: { zh: '商品图', en: 'product photo' },
  title: { zh: '标题', en: 'title' },
  subtitle: { zh: '副标题', en: 'subtitle' },
  brand: { zh: '品牌', en: 'brand' },
  price: { zh: '价格', en: 'price' },
  listPrice: { zh: '原价', en: 'list price' },
  badge: { zh: '角标', en: 'badge' },
  footer: { zh: '页脚', en: 'footer' },
  text: { zh: '文字', en: 'text' },
  qr: { zh: '邀请二维码', en: 'invite QR' },
  inviteCode: { zh: '邀请码', en: 'invite code' },
  memberName: { zh: '会员名', en: 'member name' },
}

/** Slots that differ per member; everything else is shared by all members' posters of a product. */
export const MEMBER_SLOT_KINDS = ['qr', 'inviteCode', 'memberName'] as const satisfies readonly SlotKind[]

/**
 * Placeholders a text slot may use. Shared slots see the product and studio; the
 * member slots also see the member's name and invite code.
 */
export const SHARED_PLACEHOLDERS = ['title', 'name', 'brand', 'studio', 'footer', 'badge'] as const
export const MEMBER_PLACEHOLDERS = ['member', 'code'] as const

/** Text each kind of text slot shows when the template gives none. */
export const DEFAULT_SLOT_TEXT = {
  title: '{title}',
  subtitle: '{name}',
  brand: '{brand}',
  footer: '{footer}',
  badge: '{badge}',
  inviteCode: '邀请码 {code}',
  memberName: '{member} 为你推荐',
  text: '',
} as const

/**
 * Line metrics shared by the editor and the renderer: a line of text needs
 * LINE_INK_EM × size of height (ascender 0.92 + descender 0.24 of the em),
 * so that Latin descenders never poke out of the slot.
 */
export const LINE_INK_EM = 1.16
export const LINE_ASCENT_EM = 0.92

const Colour = z
  .string({ error: '颜色须为文字，例如 #E60012 / a colour is a string such as #E60012' })
  .regex(/^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/, {
    error: (issue) => `颜色「${String(issue.input)}」无效，应为 #RRGGBB 或 #RRGGBBAA / invalid colour "${String(issue.input)}": use #RRGGBB or #RRGGBBAA`,
  })
export type Colour = z.infer<typeof Colour>

const Stop = z.strictObject({ offset: z.number().min(0).max(1), colour: Colour })
const LinearFill = z.strictObject({
  type: z.literal('linear'),
  /** Degrees clockwise from "left to right": 90 paints top to bottom. */
  angle: z.number().min(-360).max(360),
  stops: z.array(Stop).min(2, { error: '渐变至少需要两个色标 / a gradient needs at least two stops' }).max(8),
})
const RadialFill = z.strictObject({
  type: z.literal('radial'),
  /** Centre and radius as fractions of the painted box. */
  cx: z.number().min(0).max(1).default(0.5),
  cy: z.number().min(0).max(1).default(0.5),
  r: z.number().min(0.05).max(2).default(0.5),
  stops: z.array(Stop).min(2, { error: '渐变至少需要两个色标 / a gradient needs at least two stops' }).max(8),
})
export const Fill = z.union([Colour, LinearFill, RadialFill], {
  error: '填充须为颜色（#RRGGBB）或渐变 / a fill is a colour (#RRGGBB) or a gradient',
})
export type Fill = z.infer<typeof Fill>

const Font = z.enum(FONT_WEIGHTS, {
  error: (issue) =>
    `未知字体「${String(issue.input)}」，可用：regular、medium、bold、black / unknown font "${String(issue.input)}": use regular, medium, bold or black`,
})

export const TextStyle = z.strictObject({
  font: Font,
  colour: Colour,
  /** Pixel sizes; text shrinks from maxSize towards minSize until it fits. */
  maxSize: z.number().min(8).max(480),
  minSize: z.number().min(8).max(480),
  /** Line pitch as a multiple of the size. */
  lineHeight: z.number().min(1).max(2.5).default(1.3),
  maxLines: z.number().int().min(1).max(12).optional(),
  align: z.enum(['left', 'center', 'right']).default('left'),
  valign: z.enum(['top', 'middle', 'bottom']).default('top'),
  /** Extra space between characters, as a fraction of the size. */
  letterSpacing: z.number().min(-0.1).max(0.6).default(0),
})
export type TextStyle = z.infer<typeof TextStyle>

const Shadow = z.strictObject({
  colour: Colour,
  blur: z.number().min(0).max(200),
  offsetX: z.number().min(-200).max(200).default(0),
  offsetY: z.number().min(-200).max(200).default(0),
})
const Stroke = z.strictObject({ colour: Colour, width: z.number().min(0.5).max(60) })
/** A panel painted behind a text slot (its whole box), e.g. a pill behind the invite code. */
const Plate = z.strictObject({
  fill: Fill,
  radius: z.number().min(0).default(0),
  stroke: Stroke.optional(),
  shadow: Shadow.optional(),
})

const position = {
  /** Optional name the editor shows; unique names make error messages easier to follow. */
  id: z.string().trim().min(1).max(40).optional(),
  x: z.number().finite(),
  y: z.number().finite(),
  width: z.number().finite().positive({ error: '宽度须大于 0 / width must be greater than 0' }),
  height: z.number().finite().positive({ error: '高度须大于 0 / height must be greater than 0' }),
  opacity: z.number().min(0).max(1).default(1),
}

const textSlot = <K extends 'title' | 'subtitle' | 'brand' | 'footer' | 'text' | 'inviteCode' | 'memberName'>(kind: K) =>
  z.strictObject({
    kind: z.literal(kind),
    ...position,
    style: TextStyle,
    /** What to print; may use placeholders such as {title}. Empty after substitution = the slot is left out. */
    text: z.string().max(200).optional(),
    plate: Plate.optional(),
    /** Inner padding between the plate's edge and the text. */
    padding: z.number().min(0).max(200).default(0),
  })

const ShapeSlot = z.strictObject({
  kind: z.literal('shape'),
  ...position,
  shape: z.enum(['rect', 'ellipse']).default('rect'),
  fill: Fill,
  radius: z.number().min(0).default(0),
  stroke: Stroke.optional(),
  shadow: Shadow.optional(),
})
const ProductPhotoSlot = z.strictObject({
  kind: z.literal('productPhoto'),
  ...position,
  /** cover fills the box and crops; contain shows the whole photo on `background`. */
  fit: z.enum(['cover', 'contain']).default('cover'),
  radius: z.number().min(0).default(0),
  background: Colour.optional(),
  shadow: Shadow.optional(),
  stroke: Stroke.optional(),
})
const PriceSlot = z.strictObject({
  kind: z.literal('price'),
  ...position,
  style: TextStyle,
  /** A small word before the price, such as 到手价 or 券后. */
  label: z.string().max(8).optional(),
  labelColour: Colour.optional(),
  plate: Plate.optional(),
  padding: z.number().min(0).max(200).default(0),
})
const ListPriceSlot = z.strictObject({
  kind: z.literal('listPrice'),
  ...position,
  style: TextStyle,
  label: z.string().max(8).default('原价'),
  plate: Plate.optional(),
  padding: z.number().min(0).max(200).default(0),
})
const BadgeSlot = z.strictObject({
  kind: z.literal('badge'),
  ...position,
  style: TextStyle,
  /** The badge's own text; by default the product's badge (爆款, 新品 …). No text = no badge. */
  text: z.string().max(40).optional(),
  fill: Fill,
  form: z.enum(['pill', 'rect', 'circle', 'burst']).default('pill'),
  radius: z.number().min(0).default(12),
  stroke: Stroke.optional(),
  shadow: Shadow.optional(),
  /** Degrees; a slightly turned stamp reads as a sticker. */
  rotate: z.number().min(-45).max(45).default(0),
  padding: z.number().min(0).max(200).default(0),
})
const QrSlot = z.strictObject({
  kind: z.literal('qr'),
  ...position,
  dark: Colour.default('#000000'),
  light: Colour.default('#FFFFFF'),
  /** Corner radius of the light plate the code sits on. */
  radius: z.number().min(0).default(16),
  errorCorrection: z.enum(['M', 'Q']).default('M'),
  /** Light margin around the code, in modules (scanners need at least 2). */
  quietZone: z.number().int().min(2).max(6).default(2),
  stroke: Stroke.optional(),
  shadow: Shadow.optional(),
})

export const Slot = z.discriminatedUnion(
  'kind',
  [
    ShapeSlot,
    ProductPhotoSlot,
    textSlot('title'),
    textSlot('subtitle'),
    textSlot('brand'),
    PriceSlot,
    ListPriceSlot,
    BadgeSlot,
    textSlot('footer'),
    textSlot('text'),
    QrSlot,
    textSlot('inviteCode'),
    textSlot('memberName'),
  ],
  {
    error: (issue) => {
      const kind = issue.input && typeof issue.input === 'object' ? (issue.input as Record<string, unknown>).kind : undefined
      return `未知的槽位类型「${String(kind)}」，可用：${SLOT_KINDS.join('、')} / unknown slot kind "${String(kind)}": use ${SLOT_KINDS.join(', ')}`
    },
  },
)
export type Slot = z.infer<typeof Slot>
export type SlotInput = z.input<typeof Slot>
export type TextSlotKind = 'title' | 'subtitle' | 'brand' | 'footer' | 'text' | 'inviteCode' | 'memberName'
export type TextSlot = Extract<Slot, { kind: TextSlotKind }>

const PLACEHOLDER = /\{([a-zA-Z]+)\}/g

function slotName(slot: { kind: SlotKind; id?: string }, index: number): { zh: string; en: string } {
  const label = SLOT_LABELS[slot.kind]
  const id = slot.id ? ` "${slot.id}"` : ''
  return { zh: `第 ${index + 1} 个槽位（${label.zh}${slot.id ? `「${slot.id}」` : ''}）`, en: `slot ${index + 1} (${label.en}${id})` }
}

const EDGES = {
  left: { zh: '左', en: 'left' },
  top: { zh: '上', en: 'top' },
  right: { zh: '右', en: 'right' },
  bottom: { zh: '下', en: 'bottom' },
}

export const PosterTemplate = z
  .strictObject({
    schemaVersion: z.literal(1).default(1),
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { error: '模板编号只能用小写字母、数字和连字符 / a template id uses lower-case letters, digits and hyphens' }),
    name: z.string().trim().min(1).max(40),
    nameEn: z.string().trim().max(60).optional(),
    description: z.string().max(200).optional(),
    shape: z.enum(POSTER_SHAPES, {
      error: (issue) => `未知的画幅「${String(issue.input)}」，可用：1:1、3:4、9:16 / unknown shape "${String(issue.input)}": use 1:1, 3:4 or 9:16`,
    }),
    width: z.number().int(),
    height: z.number().int(),
    background: Fill,
    slots: z.array(Slot).min(1).max(80),
  })
  .superRefine((t, ctx) => {
    const size = SHAPE_SIZES[t.shape]
    if (t.width !== size.width || t.height !== size.height) {
      ctx.addIssue({
        code: 'custom',
        path: [t.width !== size.width ? 'width' : 'height'],
        input: t.width !== size.width ? t.width : t.height,
        message: `画幅 ${t.shape} 的尺寸应为 ${size.width}×${size.height}，而不是 ${t.width}×${t.height} / shape ${t.shape} is ${size.width}×${size.height}, not ${t.width}×${t.height}`,
      })
    }
    const qrs = t.slots.filter((s) => s.kind === 'qr').length
    if (qrs !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['slots'],
        input: qrs,
        message: `海报须恰好有一个邀请二维码槽位（现有 ${qrs} 个）/ a poster needs exactly one invite QR slot (found ${qrs})`,
      })
    }
    if (!t.slots.some((s) => s.kind === 'productPhoto')) {
      ctx.addIssue({ code: 'custom', path: ['slots'], input: 0, message: '海报须有商品图槽位 / a poster needs a product photo slot' })
    }
    t.slots.forEach((slot, i) => {
      const name = slotName(slot, i)
      const off = (edge: keyof typeof EDGES, field: 'x' | 'y' | 'width' | 'height', value: number, detail: string) =>
        ctx.addIssue({
          code: 'custom',
          path: ['slots', i, field],
          input: value,
          params: { edge },
          message: `${name.zh}超出画布${EDGES[edge].zh}边缘（${detail}）/ ${name.en} is off the ${EDGES[edge].en} edge of the canvas (${detail})`,
        })
      if (slot.x < 0) off('left', 'x', slot.x, `x = ${slot.x} < 0`)
      if (slot.y < 0) off('top', 'y', slot.y, `y = ${slot.y} < 0`)
      if (slot.x + slot.width > t.width + 0.001) {
        off('right', slot.width > t.width ? 'width' : 'x', slot.x, `x ${slot.x} + width ${slot.width} = ${slot.x + slot.width} > ${t.width}`)
      }
      if (slot.y + slot.height > t.height + 0.001) {
        off('bottom', slot.height > t.height ? 'height' : 'y', slot.y, `y ${slot.y} + height ${slot.height} = ${slot.y + slot.height} > ${t.height}`)
      }
      if ('style' in slot) {
        const style = slot.style
        if (style.minSize > style.maxSize) {
          ctx.addIssue({
            code: 'custom',
            path: ['slots', i, 'style', 'minSize'],
            input: style.minSize,
            message: `${name.zh}的最小字号 ${style.minSize} 大于最大字号 ${style.maxSize} / ${name.en}: minSize ${style.minSize} is larger than maxSize ${style.maxSize}`,
          })
        }
        const padding = 'padding' in slot ? slot.padding : 0
        const need = style.minSize * LINE_INK_EM + 2 * padding
        if (need > slot.height + 0.001) {
          ctx.addIssue({
            code: 'custom',
            path: ['slots', i, 'height'],
            input: slot.height,
            message: `${name.zh}高度 ${slot.height} 放不下一行最小字号 ${style.minSize} 的文字（需要 ${Math.ceil(need)}）/ ${name.en}: height ${slot.height} cannot hold one line at minSize ${style.minSize} (needs ${Math.ceil(need)})`,
          })
        }
        if (2 * padding >= slot.width) {
          ctx.addIssue({
            code: 'custom',
            path: ['slots', i, 'padding'],
            input: padding,
            message: `${name.zh}的内边距 ${padding} 占满了宽度 ${slot.width} / ${name.en}: padding ${padding} leaves no room in width ${slot.width}`,
          })
        }
      }
      if (slot.kind === 'qr') {
        if (Math.abs(slot.width - slot.height) > 0.5) {
          ctx.addIssue({
            code: 'custom',
            path: ['slots', i, 'height'],
            input: slot.height,
            message: `${name.zh}须为正方形（现为 ${slot.width}×${slot.height}）/ ${name.en} must be square (is ${slot.width}×${slot.height})`,
          })
        }
        if (Math.min(slot.width, slot.height) < 160) {
          ctx.addIssue({
            code: 'custom',
            path: ['slots', i, 'width'],
            input: slot.width,
            message: `${name.zh}边长至少 160 像素，否则朋友圈截图后难以识别（现为 ${slot.width}）/ ${name.en} must be at least 160 px so it scans from a phone screenshot (is ${slot.width})`,
          })
        }
      }
      if ('text' in slot && typeof slot.text === 'string') {
        const allowed: readonly string[] =
          slot.kind === 'inviteCode' || slot.kind === 'memberName' ? [...SHARED_PLACEHOLDERS, ...MEMBER_PLACEHOLDERS] : SHARED_PLACEHOLDERS
        for (const match of slot.text.matchAll(PLACEHOLDER)) {
          if (!allowed.includes(match[1])) {
            const memberOnly = (MEMBER_PLACEHOLDERS as readonly string[]).includes(match[1])
            ctx.addIssue({
              code: 'custom',
              path: ['slots', i, 'text'],
              input: slot.text,
              message: memberOnly
                ? `${name.zh}不能使用 {${match[1]}}：会员信息只能放在邀请码或会员名槽位 / ${name.en} cannot use {${match[1]}}: member details belong in the invite-code or member-name slots`
                : `${name.zh}的占位符 {${match[1]}} 不存在，可用：${allowed.map((p) => `{${p}}`).join(' ')} / ${name.en}: unknown placeholder {${match[1]}}; use ${allowed.map((p) => `{${p}}`).join(' ')}`,
            })
          }
        }
      }
    })
  })
export type PosterTemplate = z.infer<typeof PosterTemplate>
export type PosterTemplateInput = z.input<typeof PosterTemplate>

/** Fills `{placeholder}`s; unknown ones are left as they are (the schema already refused them). */
export function fillPlaceholders(text: string, values: Partial<Record<string, string | null | undefined>>): string {
  const filled = text.replace(PLACEHOLDER, (whole, key: string) => (key in values ? (values[key] ?? '') : whole))
  // A value left empty ("{brand} · {name}" for a product whose name already carries its brand)
  // must not leave its separator dangling at either end.
  return filled === text ? filled : filled.replace(/^[\s·•|｜/、，,-]+/, '').replace(/[\s·•|｜/、，,-]+$/, '')
}
