/**
 * The still pictures a product video is cut from, drawn with sharp and the
 * shipped font (ffmpeg's drawtext would need a system CJK font): one slide per
 * photo (a blurred, dimmed copy of the photo fills the frame; the photo itself
 * sits on top as a rounded card), a caption overlay per slide, and the closing
 * price card overlay.
 */
import sharp, { type Sharp } from 'sharp'
import { SvgCanvas } from '../render/paint'
import { fittedPhoto } from '../render/photos'
import { paintListPrice, paintPrice } from '../render/price'
import { layoutText } from '../render/text'

export const VIDEO_WIDTH = 720
export const VIDEO_HEIGHT = 1280
/** Slides are drawn this much larger than the frame so the camera can drift across them. */
export const DRIFT_X = 40
export const DRIFT_Y = 72
export const SLIDE_WIDTH = VIDEO_WIDTH + DRIFT_X
export const SLIDE_HEIGHT = VIDEO_HEIGHT + DRIFT_Y

const CARD = 600

/** Pixels handed to ffmpeg as rawvideo: no PNG to encode here and decode there. */
export interface RawPicture {
  data: Buffer
  width: number
  height: number
  channels: 3 | 4
}

async function raw(image: Sharp, channels: 3 | 4): Promise<RawPicture> {
  const { data, info } = await (channels === 3 ? image.removeAlpha() : image.ensureAlpha()).raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height, channels }
}

/** A photo slide, SLIDE_WIDTH × SLIDE_HEIGHT RGB. */
export async function photoSlide(photoPath: string, opts: { brand: string; dim?: number; card?: number; cardY?: number }): Promise<RawPicture> {
  const W = SLIDE_WIDTH
  const H = SLIDE_HEIGHT
  // sharp runs one resize per pipeline, so the backdrop is blurred small and scaled up in a second one.
  const small = await sharp(photoPath, { failOn: 'error' })
    .rotate()
    .resize(Math.round(W / 4), Math.round(H / 4), { fit: 'cover' })
    .blur(3)
    .modulate({ brightness: opts.dim ?? 0.82, saturation: 1.35 })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const background = await sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: 3 } })
    .resize(W, H, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer()
  const side = opts.card ?? CARD
  const card = await fittedPhoto(photoPath, { width: side, height: side }, { fit: 'cover', radius: 36 })
  const cardX = Math.round((W - side) / 2)
  const cardY = Math.round(opts.cardY ?? H * 0.2)
  const frame = new SvgCanvas(W, H)
  // A darker band at the bottom keeps white captions legible on light photos.
  frame.shape({ x: 0, y: H * 0.55, width: W, height: H * 0.45 }, { fill: { type: 'linear', angle: 90, stops: [{ offset: 0, colour: '#00000000' }, { offset: 1, colour: '#0000008C' }] } })
  frame.shape({ x: cardX, y: cardY, width: side, height: side }, { fill: '#FFFFFF', radius: 36, shadow: { colour: '#00000066', blur: 40, offsetX: 0, offsetY: 18 } })
  if (opts.brand) {
    const brand = layoutText(opts.brand, { width: 420, height: 44 }, { font: 'bold', maxSize: 30, minSize: 20, lineHeight: 1.2, maxLines: 1, align: 'center', valign: 'middle' })
    const w = brand.widths[0] + 56
    frame.shape({ x: (W - w) / 2, y: cardY - 92, width: w, height: 54 }, { fill: '#FFFFFF26', radius: 27, stroke: { colour: '#FFFFFF66', width: 2 } })
    frame.text(brand, (W - 420) / 2, cardY - 87, '#FFFFFF')
  }
  return raw(
    sharp(background, { raw: { width: W, height: H, channels: 3 } }).composite([
      { input: await frame.render(), left: 0, top: 0 },
      { input: card.data, raw: { width: card.width, height: card.height, channels: 4 }, left: cardX, top: cardY },
    ]),
    3,
  )
}

export const CAPTION_HEIGHT = 300

/** A caption as a transparent overlay, VIDEO_WIDTH × CAPTION_HEIGHT RGBA, or null for no caption. */
export async function captionOverlay(text: string): Promise<RawPicture | null> {
  const trimmed = text.trim()
  if (!trimmed) return null
  const W = VIDEO_WIDTH
  const c = new SvgCanvas(W, CAPTION_HEIGHT)
  const layout = layoutText(trimmed, { width: W - 140, height: CAPTION_HEIGHT - 80 }, { font: 'black', maxSize: 54, minSize: 34, lineHeight: 1.3, maxLines: 3, align: 'center', valign: 'middle' })
  const inkW = Math.max(...layout.widths)
  const blockH = (layout.lines.length - 1) * layout.size * 1.3 + layout.size * 1.16
  const plate = { x: (W - inkW) / 2 - 36, y: (CAPTION_HEIGHT - blockH) / 2 - 24, width: inkW + 72, height: blockH + 48 }
  c.shape(plate, { fill: '#00000059', radius: 28 })
  c.shape({ x: plate.x + 28, y: plate.y - 3, width: 64, height: 6 }, { fill: '#FFB020', radius: 3 })
  c.text(layout, 70, 40, '#FFFFFF')
  return raw(sharp(await c.render()), 4)
}

export const PRICE_CARD_WIDTH = 600
export const PRICE_CARD_HEIGHT = 560

/** The closing price card as a transparent overlay, RGBA. */
export async function priceCardOverlay(input: { title: string; salePriceFen: number; listPriceFen: number | null; note?: string }): Promise<RawPicture> {
  const W = PRICE_CARD_WIDTH
  const H = PRICE_CARD_HEIGHT
  const c = new SvgCanvas(W, H)
  const card = { x: 20, y: 20, width: W - 40, height: H - 40 }
  c.shape(card, { fill: '#FFFFFF', radius: 40, shadow: { colour: '#00000066', blur: 30, offsetX: 0, offsetY: 12 } })
  c.shape({ x: card.x, y: card.y, width: card.width, height: 96 }, { fill: { type: 'linear', angle: 0, stops: [{ offset: 0, colour: '#FF6A3D' }, { offset: 1, colour: '#E8341C' }] }, radius: 40 })
  c.shape({ x: card.x, y: card.y + 56, width: card.width, height: 40 }, { fill: '#F0502B' })
  const head = layoutText(input.note?.trim() || '到手价', { width: card.width - 60, height: 70 }, { font: 'black', maxSize: 42, minSize: 26, lineHeight: 1.2, maxLines: 1, align: 'center', valign: 'middle' })
  c.text(head, card.x + 30, card.y + 13, '#FFFFFF')
  const title = layoutText(input.title, { width: card.width - 80, height: 110 }, { font: 'bold', maxSize: 38, minSize: 26, lineHeight: 1.3, maxLines: 2, align: 'center', valign: 'middle' })
  c.text(title, card.x + 40, card.y + 120, '#1F2329')
  paintPrice(c, input.salePriceFen, { x: card.x + 30, y: card.y + 250, width: card.width - 60, height: 140 }, {
    font: 'black',
    colour: '#E8341C',
    maxSize: 150,
    minSize: 60,
    align: 'center',
    valign: 'middle',
    letterSpacing: 0,
  })
  if (input.listPriceFen !== null && input.listPriceFen > input.salePriceFen) {
    paintListPrice(c, input.listPriceFen, { x: card.x + 30, y: card.y + 404, width: card.width - 60, height: 50 }, {
      font: 'regular',
      colour: '#9AA0A8',
      maxSize: 32,
      minSize: 22,
      align: 'center',
      valign: 'middle',
      letterSpacing: 0,
    }, { label: '原价' })
  }
  return raw(sharp(await c.render()), 4)
}
