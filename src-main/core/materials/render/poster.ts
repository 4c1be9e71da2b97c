/**
 * Posters from templates. A batch makes the same poster for every member with only
 * the QR code, invite code and name changing, so the work is split in two:
 * preparePoster renders everything shared (background, photo, texts, prices,
 * badge, the plates the member details sit on) once per template and product into
 * raw pixels; renderMemberPoster copies those pixels, paints the member's layer
 * straight into them and encodes. Per member that is a memcpy, a few thousand
 * pixel writes and one JPEG encode.
 */
import { join } from 'node:path'
import QRCode from 'qrcode'
import sharp from 'sharp'
import { OrchardError } from '../../../../src-shared/errors'
import {
  DEFAULT_SLOT_TEXT,
  fillPlaceholders,
  SLOT_LABELS,
  type PosterTemplate,
  type Slot,
} from '../../../../src-shared/materials/templates'
import { compose, type Layer } from './compose'
import { SvgCanvas, type Box } from './paint'
import { fittedPhoto, readablePhoto } from './photos'
import { paintListPrice, paintPrice } from './price'
import { drawText, fillRect, type Pixels } from './raster'
import { resourcesDir } from './resources'
import { validateTemplate } from './templates'
import { layoutText, type TextLayout } from './text'

export interface PosterProduct {
  id: string
  name: string
  /** The selling title, often long: 珀莱雅双抗精华液 抗氧化提亮 … */
  title: string
  brand: string
  salePriceFen: number
  listPriceFen: number | null
  /** 爆款, 新品, 限时特惠 … or none. */
  badge: string | null
  photoPath: string
  footer: string | null
}

export interface PosterMember {
  id: string
  name: string
  inviteCode: string
  /** The member's invite link with its tracking code; the QR encodes exactly this. */
  inviteUrl: string
}

export interface PosterStudio {
  name: string
}

/** Something the checker should tell the operator before a pack goes out. */
export interface PosterWarning {
  /** Where in the template, e.g. 'slots[2]'. */
  path: string
  kind: Slot['kind']
  code: 'text_ellipsised' | 'text_below_min_size'
  message: string
}

type MemberSlot = Extract<Slot, { kind: 'qr' | 'inviteCode' | 'memberName' }>

/** Everything shared by one template and product: raw RGB pixels plus what the member layer needs. Plain data, so it can cross worker threads. */
export interface PreparedPoster {
  templateId: string
  width: number
  height: number
  /** Row-major RGB, width × height × 3 bytes. */
  pixels: Uint8Array
  memberSlots: { path: string; slot: MemberSlot }[]
  values: Record<string, string>
  warnings: PosterWarning[]
}

export interface PosterOutput {
  format?: 'jpeg' | 'png'
  quality?: number
}

function sharedValues(product: PosterProduct, studio: PosterStudio): Record<string, string> {
  return {
    title: product.title,
    name: product.name,
    brand: product.brand,
    studio: studio.name,
    footer: product.footer ?? '',
    badge: product.badge ?? '',
  }
}

/**
 * A slot's text with the product's values. Shops often write the brand into the name
 * (珀莱雅 双抗精华液): a slot that says both ("{brand} · {name}") names the brand once, not
 * "珀莱雅 · 珀莱雅 双抗精华液"; a slot of the brand alone still shows it.
 */
function fillSlotText(text: string, values: Record<string, string>): string {
  const brandInName = values.brand && text.includes('{brand}') && text.includes('{name}') && values.name.includes(values.brand)
  return fillPlaceholders(text, brandInName ? { ...values, brand: '' } : values).trim()
}

const inset = (box: Box, by: number): Box => ({ x: box.x + by, y: box.y + by, width: box.width - 2 * by, height: box.height - 2 * by })

function warn(path: string, slot: Slot, code: PosterWarning['code']): PosterWarning {
  const label = SLOT_LABELS[slot.kind]
  const message =
    code === 'text_ellipsised'
      ? `${path}（${label.zh}）文字太长，已用省略号截断 / ${path} (${label.en}): the text is too long and was cut with an ellipsis`
      : `${path}（${label.zh}）已缩小到最小字号以下才放得下 / ${path} (${label.en}): shrunk below its minimum size to fit`
  return { path, kind: slot.kind, code, message }
}

/** Renders everything of a poster that does not depend on the member. */
export async function preparePoster(template: PosterTemplate, product: PosterProduct, studio: PosterStudio): Promise<PreparedPoster> {
  const t = validateTemplate(template)
  const values = sharedValues(product, studio)
  const W = t.width
  const H = t.height
  const layers: Layer[] = []
  let canvas = new SvgCanvas(W, H)
  canvas.shape({ x: 0, y: 0, width: W, height: H }, { fill: t.background })
  const warnings: PosterWarning[] = []
  const memberSlots: PreparedPoster['memberSlots'] = []
  let photoChecked = false

  for (const [i, slot] of t.slots.entries()) {
    const path = `slots[${i}]`
    const box: Box = { x: slot.x, y: slot.y, width: slot.width, height: slot.height }
    switch (slot.kind) {
      case 'shape':
        canvas.shape(box, { fill: slot.fill, radius: slot.radius, ellipse: slot.shape === 'ellipse', stroke: slot.stroke, shadow: slot.shadow, opacity: slot.opacity })
        break
      case 'productPhoto': {
        if (!photoChecked) {
          await readablePhoto(product.photoPath)
          photoChecked = true
        }
        if (slot.shadow) canvas.shadow(box, slot.shadow, { radius: slot.radius })
        const photo = await fittedPhoto(product.photoPath, box, { fit: slot.fit, radius: slot.radius, background: slot.background, opacity: slot.opacity })
        layers.push({ svg: canvas })
        layers.push({ photo, left: Math.round(slot.x), top: Math.round(slot.y) })
        canvas = new SvgCanvas(W, H)
        if (slot.stroke) canvas.shape(box, { fill: '#00000000', radius: slot.radius, stroke: slot.stroke })
        break
      }
      case 'title':
      case 'subtitle':
      case 'brand':
      case 'footer':
      case 'text': {
        const text = fillSlotText(slot.text ?? DEFAULT_SLOT_TEXT[slot.kind], values)
        if (!text) break
        if (slot.plate) canvas.shape(box, { ...slot.plate, opacity: slot.opacity })
        const inner = inset(box, slot.padding)
        const layout = layoutText(text, inner, slot.style)
        canvas.text(layout, inner.x, inner.y, slot.style.colour, { opacity: slot.opacity })
        if (layout.overflow) warnings.push(warn(path, slot, 'text_ellipsised'))
        break
      }
      case 'price': {
        if (slot.plate) canvas.shape(box, { ...slot.plate, opacity: slot.opacity })
        const fitted = paintPrice(canvas, product.salePriceFen, inset(box, slot.padding), slot.style, {
          label: slot.label,
          labelColour: slot.labelColour,
          opacity: slot.opacity,
        })
        if (fitted.belowMinSize) warnings.push(warn(path, slot, 'text_below_min_size'))
        break
      }
      case 'listPrice': {
        // Only a real, higher list price is shown: no invented "original price".
        if (product.listPriceFen === null || product.listPriceFen <= product.salePriceFen) break
        if (slot.plate) canvas.shape(box, { ...slot.plate, opacity: slot.opacity })
        const fitted = paintListPrice(canvas, product.listPriceFen, inset(box, slot.padding), slot.style, { label: slot.label, opacity: slot.opacity })
        if (fitted.belowMinSize) warnings.push(warn(path, slot, 'text_below_min_size'))
        break
      }
      case 'badge': {
        const text = fillPlaceholders(slot.text ?? DEFAULT_SLOT_TEXT.badge, values).trim()
        if (!text) break
        const shape = { fill: slot.fill, stroke: slot.stroke, shadow: slot.shadow, opacity: slot.opacity, rotate: slot.rotate }
        let inner: Box
        if (slot.form === 'burst') {
          canvas.burst(box, shape)
          inner = { x: box.x + box.width * 0.2, y: box.y + box.height * 0.2, width: box.width * 0.6, height: box.height * 0.6 }
        } else if (slot.form === 'circle') {
          canvas.shape(box, { ...shape, ellipse: true })
          inner = { x: box.x + box.width * 0.16, y: box.y + box.height * 0.16, width: box.width * 0.68, height: box.height * 0.68 }
        } else {
          const radius = slot.form === 'pill' ? box.height / 2 : slot.radius
          canvas.shape(box, { ...shape, radius })
          const side = slot.form === 'pill' ? box.height * 0.3 : 0
          inner = { x: box.x + side, y: box.y, width: box.width - 2 * side, height: box.height }
        }
        inner = inset(inner, slot.padding)
        const layout = layoutText(text, inner, slot.style)
        canvas.text(layout, inner.x, inner.y, slot.style.colour, {
          opacity: slot.opacity,
          rotate: slot.rotate ? { angle: slot.rotate, cx: box.x + box.width / 2, cy: box.y + box.height / 2 } : undefined,
        })
        if (layout.overflow) warnings.push(warn(path, slot, 'text_ellipsised'))
        break
      }
      case 'qr':
        // The light plate is shared; the modules are the member's.
        canvas.shape(box, { fill: slot.light, radius: slot.radius, stroke: slot.stroke, shadow: slot.shadow, opacity: slot.opacity })
        memberSlots.push({ path, slot })
        break
      case 'inviteCode':
      case 'memberName':
        if (slot.plate) canvas.shape(box, { ...slot.plate, opacity: slot.opacity })
        memberSlots.push({ path, slot })
        break
    }
  }
  if (!canvas.empty) layers.push({ svg: canvas })

  const { data, info } = await (await compose(layers)).raw().toBuffer({ resolveWithObject: true })
  if (info.width !== W || info.height !== H || info.channels !== 3) {
    throw new OrchardError('render_failed', `海报渲染尺寸异常 / the poster rendered at an unexpected size`, { width: info.width, height: info.height, channels: info.channels })
  }
  return { templateId: t.id, width: W, height: H, pixels: data, memberSlots, values, warnings }
}

/**
 * A batch draws each member once per product, so the same QR codes and member
 * lines come back product after product: keep the recent ones.
 */
class Recent<V> {
  private map = new Map<string, V>()
  constructor(private readonly limit: number) {}
  get(key: string, make: () => V): V {
    let value = this.map.get(key)
    if (value === undefined) {
      value = make()
      if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value!)
      this.map.set(key, value)
    }
    return value
  }
}
const recentQr = new Recent<{ size: number; data: Uint8Array }>(4096)
const recentLines = new Recent<TextLayout>(4096)

/** QR modules for a link. */
function qrModules(text: string, level: 'M' | 'Q'): { size: number; data: Uint8Array } {
  try {
    return recentQr.get(`${level}|${text}`, () => {
      const qr = QRCode.create(text, { errorCorrectionLevel: level })
      return { size: qr.modules.size, data: qr.modules.data }
    })
  } catch (err) {
    throw new OrchardError('qr_failed', `无法为邀请链接生成二维码 / cannot make a QR code for the invite link`, {
      value: text,
      why: err instanceof Error ? err.message : String(err),
    })
  }
}

async function paintMemberLayer(px: Pixels, prepared: PreparedPoster, member: PosterMember): Promise<void> {
  const values = { ...prepared.values, member: member.name, code: member.inviteCode }
  for (const { path, slot } of prepared.memberSlots) {
    if (slot.kind === 'qr') {
      if (!member.inviteUrl) {
        throw new OrchardError('qr_failed', `会员 ${member.name} 没有邀请链接 / member ${member.name} has no invite link`, { field: 'inviteUrl', value: member.inviteUrl })
      }
      const qr = qrModules(member.inviteUrl, slot.errorCorrection)
      const side = Math.floor(Math.min(slot.width, slot.height))
      const module = Math.floor(side / (qr.size + 2 * slot.quietZone))
      if (module < 2) {
        throw new OrchardError('qr_too_small', `${path} 二维码槽位太小，邀请链接过长 / ${path}: the QR slot is too small for this invite link`, {
          path,
          value: member.inviteUrl,
          why: `${qr.size} modules + quiet zone do not fit in ${side} px at 2 px per module`,
        })
      }
      const offset = Math.floor((side - qr.size * module) / 2)
      const x0 = Math.round(slot.x) + offset
      const y0 = Math.round(slot.y) + offset
      for (let r = 0; r < qr.size; r++) {
        let run = -1
        for (let c = 0; c <= qr.size; c++) {
          const dark = c < qr.size && qr.data[r * qr.size + c] === 1
          // Dark runs along a row are one rectangle: fewer, longer writes.
          if (dark && run < 0) run = c
          if (!dark && run >= 0) {
            fillRect(px, x0 + run * module, y0 + r * module, (c - run) * module, module, slot.dark)
            run = -1
          }
        }
      }
      continue
    }
    const text = fillSlotText(slot.text ?? DEFAULT_SLOT_TEXT[slot.kind], values)
    if (!text) continue
    const box = { x: slot.x, y: slot.y, width: slot.width, height: slot.height }
    const inner = inset(box, slot.padding)
    const layout = recentLines.get(JSON.stringify([text, inner, slot.style]), () => layoutText(text, inner, slot.style))
    await drawText(px, layout, inner.x, inner.y, slot.style.colour, box)
  }
}

/**
 * Canvases already holding a prepared poster's pixels, reused across members: a
 * fresh 3.5 MB buffer per poster costs more in page faults and copying than the
 * member layer itself. A canvas comes back dirty with the last member's layer,
 * so only the member slots' boxes are restored before the next member is painted.
 */
const canvases = new WeakMap<PreparedPoster, Buffer[]>()
const MAX_IDLE_CANVASES = 8

function takeCanvas(prepared: PreparedPoster): Buffer {
  const idle = canvases.get(prepared)?.pop()
  if (!idle) {
    const fresh = Buffer.allocUnsafe(prepared.pixels.byteLength)
    fresh.set(prepared.pixels)
    return fresh
  }
  const rowBytes = prepared.width * 3
  for (const { slot } of prepared.memberSlots) {
    const x0 = Math.max(0, Math.floor(slot.x) - 2)
    const x1 = Math.min(prepared.width, Math.ceil(slot.x + slot.width) + 2)
    const y0 = Math.max(0, Math.floor(slot.y) - 2)
    const y1 = Math.min(prepared.height, Math.ceil(slot.y + slot.height) + 2)
    for (let y = y0; y < y1; y++) {
      const start = y * rowBytes + x0 * 3
      idle.set(prepared.pixels.subarray(start, y * rowBytes + x1 * 3), start)
    }
  }
  return idle
}

function returnCanvas(prepared: PreparedPoster, canvas: Buffer): void {
  let idle = canvases.get(prepared)
  if (!idle) canvases.set(prepared, (idle = []))
  if (idle.length < MAX_IDLE_CANVASES) idle.push(canvas)
}

/** One member's poster: the shared pixels plus their QR, invite code and name. JPEG q85 unless asked otherwise. */
export async function renderMemberPoster(prepared: PreparedPoster, member: PosterMember, output: PosterOutput = {}): Promise<Buffer> {
  const data = takeCanvas(prepared)
  try {
    const px: Pixels = { data, width: prepared.width, height: prepared.height, channels: 3 }
    await paintMemberLayer(px, prepared, member)
    const image = sharp(data, { raw: { width: px.width, height: px.height, channels: 3 } })
    if (output.format === 'png') return await image.png({ compressionLevel: 6 }).toBuffer()
    return await image.jpeg({ quality: output.quality ?? 85, chromaSubsampling: '4:2:0' }).toBuffer()
  } finally {
    // sharp reads the canvas until the encode finishes; only then may another member use it.
    returnCanvas(prepared, data)
  }
}

/** Sample data the template editor previews with when it has none of its own. */
export function sampleProduct(): PosterProduct {
  return {
    id: 'sample',
    name: '双抗精华液 30ml',
    title: '珀莱雅双抗精华液 烟酰胺抗氧化提亮肤色 熬夜急救，敏感肌也能用',
    brand: '珀莱雅',
    salePriceFen: 25_900,
    listPriceFen: 29_900,
    badge: '爆款',
    photoPath: join(resourcesDir(), 'demo', 'photos', 'products', 'MZ-1.jpg'),
    footer: '正品保障 · 48 小时发货 · 7 天无理由',
  }
}

export function sampleMember(): PosterMember {
  return { id: 'sample', name: '王芳', inviteCode: 'WF8K2Q', inviteUrl: 'https://m.orchard.example/i/WF8K2Q?s=poster' }
}

export interface PreviewSample {
  product?: Partial<PosterProduct>
  member?: Partial<PosterMember>
  studio?: PosterStudio
  /** Output scale, e.g. 0.5 for a half-size preview (smaller PNG, faster); 1 by default. */
  scale?: number
}

/** A PNG of a template with sample (or given) data, for the editor's live preview. */
export async function renderTemplatePreview(template: PosterTemplate, sample: PreviewSample = {}): Promise<Buffer> {
  const product = { ...sampleProduct(), ...sample.product }
  const member = { ...sampleMember(), ...sample.member }
  const prepared = await preparePoster(template, product, sample.studio ?? { name: '果园优选' })
  const data = Buffer.from(prepared.pixels.buffer, prepared.pixels.byteOffset, prepared.pixels.byteLength)
  await paintMemberLayer({ data, width: prepared.width, height: prepared.height, channels: 3 }, prepared, member)
  // Speed over size: the preview is shown once and thrown away.
  let image = sharp(data, { raw: { width: prepared.width, height: prepared.height, channels: 3 } })
  const scale = sample.scale ?? 1
  if (scale > 0 && scale < 1) image = image.resize(Math.round(prepared.width * scale), Math.round(prepared.height * scale))
  return image.png({ compressionLevel: 1, adaptiveFiltering: false }).toBuffer()
}
