import { statSync } from 'node:fs'
import sharp from 'sharp'
import { OrchardError } from '../../../../src-shared/errors'

/**
 * Opens a photo the studio gave us and checks that it decodes, so a missing or
 * broken file is reported by name and reason instead of surfacing as a vague
 * libvips failure halfway through a batch.
 */
export async function readablePhoto(path: string, code = 'photo_unreadable'): Promise<{ width: number; height: number }> {
  const fail = (zh: string, en: string, why: string): never => {
    throw new OrchardError(code, `无法读取图片 ${path}：${zh} / cannot read the photo ${path}: ${en}`, { file: path, why })
  }
  if (!path) fail('没有给出文件', 'no file given', 'empty path')
  let size = 0
  try {
    const st = statSync(path)
    if (!st.isFile()) fail('不是文件', 'not a file', 'not a file')
    size = st.size
  } catch (err) {
    if (err instanceof OrchardError) throw err
    fail('文件不存在', 'the file does not exist', err instanceof Error ? err.message : String(err))
  }
  if (size === 0) fail('文件是空的', 'the file is empty', 'empty file')
  try {
    const meta = await sharp(path, { failOn: 'error' }).metadata()
    if (!meta.width || !meta.height) fail('不是图片', 'not an image', 'no dimensions')
    // A truncated JPEG still has a header; decoding a thumbnail proves the pixels are there.
    await sharp(path, { failOn: 'error' }).resize(32, 32, { fit: 'inside' }).raw().toBuffer()
    const rotated = (meta.orientation ?? 1) >= 5
    return { width: rotated ? meta.height! : meta.width!, height: rotated ? meta.width! : meta.height! }
  } catch (err) {
    if (err instanceof OrchardError) throw err
    return fail('图片已损坏或格式不支持', 'the image is damaged or in an unsupported format', err instanceof Error ? err.message : String(err))
  }
}

/**
 * The last few fitted photos: the template editor re-renders its preview on every
 * change, usually with the same photo in the same box.
 */
const recent = new Map<string, Promise<{ data: Buffer; width: number; height: number }>>()
const RECENT_PHOTOS = 4

/** A photo cropped or fitted into a box, with rounded corners, as raw RGBA pixels ready to composite. */
export function fittedPhoto(
  path: string,
  box: { width: number; height: number },
  opts: { fit: 'cover' | 'contain'; radius: number; background?: string; opacity?: number },
): Promise<{ data: Buffer; width: number; height: number }> {
  let stamp = ''
  try {
    const st = statSync(path)
    stamp = `${st.size}:${st.mtimeMs}`
  } catch {}
  const key = JSON.stringify([path, stamp, Math.round(box.width), Math.round(box.height), opts])
  const hit = recent.get(key)
  if (hit) {
    recent.delete(key)
    recent.set(key, hit)
    return hit
  }
  const made = fitPhoto(path, box, opts)
  recent.set(key, made)
  made.catch(() => recent.delete(key))
  while (recent.size > RECENT_PHOTOS) recent.delete(recent.keys().next().value!)
  return made
}

async function fitPhoto(
  path: string,
  box: { width: number; height: number },
  opts: { fit: 'cover' | 'contain'; radius: number; background?: string; opacity?: number },
): Promise<{ data: Buffer; width: number; height: number }> {
  const width = Math.max(1, Math.round(box.width))
  const height = Math.max(1, Math.round(box.height))
  let img = sharp(path, { failOn: 'error' })
    .rotate()
    .resize(width, height, {
      fit: opts.fit,
      position: 'centre',
      background: opts.background ?? { r: 0, g: 0, b: 0, alpha: 0 },
      kernel: 'lanczos3',
    })
    .ensureAlpha()
  const radius = Math.min(opts.radius, width / 2, height / 2)
  const opacity = opts.opacity ?? 1
  if (radius > 0 || opacity < 1) {
    // Flatten the resize first: composite runs on the resized image, not the source.
    const resized = await img.raw().toBuffer({ resolveWithObject: true })
    const mask = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="${width}" height="${height}" rx="${radius}" fill="#fff" fill-opacity="${opacity}"/></svg>`,
    )
    img = sharp(resized.data, { raw: { width, height, channels: 4 } }).composite([{ input: mask, blend: 'dest-in' }])
  }
  const out = await img.raw().toBuffer({ resolveWithObject: true })
  return { data: out.data, width: out.info.width, height: out.info.height }
}
