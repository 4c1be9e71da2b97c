/**
 * Buyer-show collages (买家秀) from photos customers actually sent the studio.
 * Nothing is invented: without real photos that exist and decode there is no
 * collage, and an unreadable photo is reported by file and reason.
 */
import { OrchardError } from '../../../../src-shared/errors'
import { SHAPE_SIZES } from '../../../../src-shared/materials/templates'
import { compose, type Layer } from './compose'
import { SvgCanvas, type Box } from './paint'
import { fittedPhoto, readablePhoto } from './photos'
import type { PosterOutput, PosterProduct } from './poster'
import { paintPrice } from './price'
import { layoutText, lineLayout } from './text'

export interface CollageInput {
  product: PosterProduct
  /** Customers' photos, 1 to 9. */
  photos: string[]
  caption: string
  shape?: '1:1' | '3:4'
  output?: PosterOutput
}

export const MAX_COLLAGE_PHOTOS = 9

/** How many photos go on each row, for 1 to 9 photos. */
const ROWS: Record<number, number[]> = {
  1: [1],
  2: [2],
  3: [1, 2],
  4: [2, 2],
  5: [2, 3],
  6: [3, 3],
  7: [2, 2, 3],
  8: [3, 2, 3],
  9: [3, 3, 3],
}

/** Splits the grid area into one cell per photo; rows share the height, a row's photos share its width. */
export function collageCells(count: number, area: Box, gap: number): Box[] {
  if (count === 3) {
    // Portrait phone photos: a tall lead photo on the left, two stacked on the right.
    const lead = (area.width - gap) * 0.58
    const side = area.width - gap - lead
    const half = (area.height - gap) / 2
    return [
      { x: area.x, y: area.y, width: lead, height: area.height },
      { x: area.x + lead + gap, y: area.y, width: side, height: half },
      { x: area.x + lead + gap, y: area.y + half + gap, width: side, height: half },
    ]
  }
  const rows = ROWS[count]
  const cells: Box[] = []
  // A single photo on the top row of three gets more height: it is the lead picture.
  const weights = rows.map((n) => (rows.length > 1 && n === 1 ? 1.6 : 1))
  const total = weights.reduce((a, b) => a + b, 0)
  let y = area.y
  rows.forEach((n, r) => {
    const h = ((area.height - gap * (rows.length - 1)) * weights[r]) / total
    const w = (area.width - gap * (n - 1)) / n
    for (let i = 0; i < n; i++) cells.push({ x: area.x + i * (w + gap), y, width: w, height: h })
    y += h + gap
  })
  return cells
}

export async function renderCollage(input: CollageInput): Promise<Buffer> {
  const photos = Array.isArray(input.photos) ? input.photos.filter((p) => typeof p === 'string' && p.trim()) : []
  if (photos.length === 0) {
    throw new OrchardError('collage_needs_photos', '买家秀需要顾客的真实照片，至少一张 / a buyer-show collage needs at least one real customer photo', {
      path: 'photos',
      value: input.photos,
      why: 'no photos',
    })
  }
  if (photos.length > MAX_COLLAGE_PHOTOS) {
    throw new OrchardError('collage_invalid', `买家秀最多 ${MAX_COLLAGE_PHOTOS} 张照片 / at most ${MAX_COLLAGE_PHOTOS} photos fit in a collage`, {
      path: 'photos',
      value: photos.length,
      why: `more than ${MAX_COLLAGE_PHOTOS} photos`,
    })
  }
  for (const photo of photos) await readablePhoto(photo, 'collage_photo_unreadable')
  await readablePhoto(input.product.photoPath)

  const { width: W, height: H } = SHAPE_SIZES[input.shape ?? '1:1']
  const pad = 48
  const c = new SvgCanvas(W, H)
  c.shape({ x: 0, y: 0, width: W, height: H }, { fill: '#FBF6EF' })
  const head = lineLayout('买家秀', 'black', 60, 0.06)
  c.text(head, pad, 34, '#2B2118')
  c.shape({ x: pad + head.widths[0] + 20, y: 52, width: 210, height: 50 }, { fill: '#FF7A45', radius: 25 })
  const tag = layoutText(`${photos.length} 张顾客实拍`, { width: 190, height: 46 }, { font: 'bold', maxSize: 26, minSize: 18, lineHeight: 1.2, maxLines: 1, align: 'center', valign: 'middle' })
  c.text(tag, pad + head.widths[0] + 30, 54, '#FFFFFF')

  const footerH = 150
  const captionText = input.caption.trim()
  const captionH = captionText ? (H > W ? 150 : 118) : 0
  const grid: Box = { x: pad, y: 124, width: W - pad * 2, height: H - 124 - footerH - captionH - 24 }
  const cells = collageCells(photos.length, grid, 12)
  for (const cell of cells) c.shape(cell, { fill: '#EDE6DC', radius: 18 })

  if (captionText) {
    const y = grid.y + grid.height + 22
    c.shape({ x: pad, y, width: 8, height: captionH - 16 }, { fill: '#FF7A45', radius: 4 })
    const caption = layoutText(captionText, { width: W - pad * 2 - 36, height: captionH - 16 }, { font: 'bold', maxSize: 40, minSize: 26, lineHeight: 1.3, maxLines: 2, valign: 'middle' })
    c.text(caption, pad + 30, y, '#3A2E24')
  }

  // The product strip at the bottom: thumbnail, name, price.
  const stripY = H - footerH
  c.shape({ x: 0, y: stripY, width: W, height: footerH }, { fill: '#FFFFFF' })
  c.shape({ x: 0, y: stripY, width: W, height: 2 }, { fill: '#EFE6DA' })
  const thumb = { x: pad, y: stripY + 20, width: footerH - 40, height: footerH - 40 }
  c.shape(thumb, { fill: '#F3EEE7', radius: 14 })
  const textX = thumb.x + thumb.width + 24
  const priceW = 330
  const name = layoutText(input.product.title, { width: W - textX - pad - priceW, height: footerH - 40 }, { font: 'bold', maxSize: 32, minSize: 22, lineHeight: 1.3, maxLines: 2, valign: 'middle' })
  c.text(name, textX, stripY + 20, '#2B2118')
  paintPrice(c, input.product.salePriceFen, { x: W - pad - priceW, y: stripY + 28, width: priceW, height: footerH - 56 }, {
    font: 'black',
    colour: '#E8341C',
    maxSize: 76,
    minSize: 40,
    align: 'right',
    valign: 'middle',
    letterSpacing: 0,
  }, { label: '到手价' })

  const layers: Layer[] = [{ svg: c }]
  const fitted = await Promise.all(
    photos.map((p, i) => fittedPhoto(p, cells[i], { fit: 'cover', radius: 18 }).then((photo) => ({ photo, left: Math.round(cells[i].x), top: Math.round(cells[i].y) }))),
  )
  layers.push(...fitted)
  const product = await fittedPhoto(input.product.photoPath, thumb, { fit: 'cover', radius: 14 })
  layers.push({ photo: product, left: Math.round(thumb.x), top: Math.round(thumb.y) })
  const image = await compose(layers)
  if (input.output?.format === 'png') return image.png().toBuffer()
  return image.jpeg({ quality: input.output?.quality ?? 85, chromaSubsampling: '4:2:0' }).toBuffer()
}
