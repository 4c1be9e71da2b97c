import sharp, { type Sharp } from 'sharp'
import type { SvgCanvas } from './paint'

/** A stack of layers, bottom first: vector layers drawn as SVG and photos as raw RGBA pixels. */
export type Layer = { svg: SvgCanvas } | { photo: { data: Buffer; width: number; height: number }; left: number; top: number }

/** Flattens layers into one opaque image pipeline (the first layer must be a full-canvas SVG with a background). */
export async function compose(layers: Layer[]): Promise<Sharp> {
  const [first, ...rest] = layers
  if (!first || !('svg' in first)) throw new Error('the first layer must be the background SVG')
  const svgs = await Promise.all(layers.map((layer) => ('svg' in layer ? layer.svg.render() : null)))
  return sharp(svgs[0]!)
    .composite(
      rest.map((layer, i) =>
        'svg' in layer
          ? { input: svgs[i + 1]!, left: 0, top: 0 }
          : { input: layer.photo.data, raw: { width: layer.photo.width, height: layer.photo.height, channels: 4 as const }, left: layer.left, top: layer.top },
      ),
    )
    .removeAlpha()
}
