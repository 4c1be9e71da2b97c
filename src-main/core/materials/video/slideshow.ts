/**
 * A product's short vertical video (720×1280, 15–30 s): each photo as a slide
 * drifting slowly under its caption, crossfading into the next, and a closing
 * price card; background music from resources/ or a silent track. H.264 main
 * profile, level 4.0, yuv420p, AAC, moov before mdat: what WeChat plays inline.
 *
 * All text is drawn beforehand with the shipped font (slides.ts), so ffmpeg only
 * moves pictures: one ffmpeg run, no system fonts.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OrchardError } from '../../../../src-shared/errors'
import { produceOutput } from '../../jobs/outputs'
import { readablePhoto } from '../render/photos'
import type { PosterProduct } from '../render/poster'
import { findFfmpeg, type FfmpegInfo } from './ffmpeg'
import { readMp4Layout } from './mp4'
import {
  CAPTION_HEIGHT,
  captionOverlay,
  DRIFT_X,
  DRIFT_Y,
  photoSlide,
  PRICE_CARD_WIDTH,
  priceCardOverlay,
  type RawPicture,
  VIDEO_HEIGHT,
  VIDEO_WIDTH,
} from './slides'

export interface ProductVideoInput {
  product: PosterProduct
  photos: string[]
  /** One caption per photo; missing or empty = no caption on that slide. */
  captions: string[]
  priceCard: { salePriceFen: number; listPriceFen: number | null; note?: string }
  musicPath?: string | null
  /** 15–30, default 15. */
  durationSec?: number
  outPath: string
  signal?: AbortSignal
  onProgress?: (fraction: number) => void
}

export interface ProductVideo {
  path: string
  durationSec: number
  bytes: number
  /** How the crossfades were made: ffmpeg's xfade, or fade + overlay (older ffmpeg, or xfade failed). */
  crossfade: 'xfade' | 'overlay'
  ffmpeg: { path: string; version: string; source: 'path' | 'bundled' }
}

export const FPS = 30
const FADE_FRAMES = 18
/** The price card stays up longer than a photo: it is what people read. */
const PRICE_WEIGHT = 1.5
const MIN_SEGMENT_FRAMES = 45

export interface VideoPlan {
  totalFrames: number
  /** Frames of each segment (photos, then the price card), overlaps included. */
  segments: number[]
  /** First frame of each segment in the final clip. */
  starts: number[]
}

/** Splits the clip into segments that overlap by one crossfade each. */
export function planVideo(photoCount: number, durationSec: number): VideoPlan {
  const totalFrames = Math.round(durationSec * FPS)
  const weights = [...Array.from({ length: photoCount }, () => 1), PRICE_WEIGHT]
  const sum = weights.reduce((a, b) => a + b, 0)
  const slideFrames = totalFrames + (weights.length - 1) * FADE_FRAMES
  const segments = weights.map((w) => Math.round((slideFrames * w) / sum))
  segments[segments.length - 1] += slideFrames - segments.reduce((a, b) => a + b, 0)
  const starts: number[] = []
  let at = 0
  for (const s of segments) {
    starts.push(at)
    at += s - FADE_FRAMES
  }
  return { totalFrames, segments, starts }
}

function invalid(path: string, value: unknown, zh: string, en: string): never {
  throw new OrchardError('video_invalid', `无法生成视频：${zh} / cannot make the video: ${en}`, { path, value, why: en })
}

const sec = (frames: number) => (frames / FPS).toFixed(4)

interface Inputs {
  args: string[]
  count: number
}

function addInput(inputs: Inputs, ...args: string[]): number {
  inputs.args.push(...args)
  return inputs.count++
}

/** The filter graph: one chain per segment, then crossfades (xfade, or fade + overlay on older ffmpeg). */
export function filterGraph(
  plan: VideoPlan,
  slides: number[],
  captions: (number | null)[],
  priceCard: number,
  audio: { input: number; music: boolean },
  xfade: boolean,
): string {
  const chains: string[] = []
  const n = plan.segments.length
  plan.segments.forEach((frames, i) => {
    // Alternate the drift so consecutive slides do not slide the same way.
    const x = i % 2 === 0 ? `${DRIFT_X}*n/${frames}` : `${DRIFT_X}-${DRIFT_X}*n/${frames}`
    const y = i % 3 === 1 ? `${DRIFT_Y}-${DRIFT_Y}*n/${frames}` : `${DRIFT_Y}*n/${frames}`
    // Convert once, before the still is repeated: a per-frame RGB→YUV conversion would cost more than the encode.
    chains.push(`[${slides[i]}:v]format=yuv420p,loop=loop=${frames - 1}:size=1:start=0,setpts=N/${FPS}/TB,crop=${VIDEO_WIDTH}:${VIDEO_HEIGHT}:'${x}':'${y}'[bg${i}]`)
    const overlay = i < n - 1 ? captions[i] : priceCard
    if (overlay === null) {
      chains.push(`[bg${i}]null[seg${i}]`)
      return
    }
    // The overlay fades in and rises a little, shortly after its slide appears.
    const appear = (FADE_FRAMES * 0.6) / FPS
    const rise = i < n - 1 ? 40 : 60
    const x0 = i < n - 1 ? 0 : (VIDEO_WIDTH - PRICE_CARD_WIDTH) / 2
    const y0 = i < n - 1 ? VIDEO_HEIGHT - CAPTION_HEIGHT - 70 : 600
    chains.push(
      `[${overlay}:v]format=yuva420p,loop=loop=${frames - 1}:size=1:start=0,setpts=N/${FPS}/TB,fade=t=in:st=${appear.toFixed(3)}:d=0.5:alpha=1[ov${i}]`,
      `[bg${i}][ov${i}]overlay=x=${x0}:y='${y0}+${rise}*min(1,max(0,1-(t-${appear.toFixed(3)})/0.5))':format=yuv420:shortest=1[seg${i}]`,
    )
  })
  if (xfade) {
    let last = 'seg0'
    for (let i = 1; i < n; i++) {
      chains.push(`[${last}][seg${i}]xfade=transition=fade:duration=${sec(FADE_FRAMES)}:offset=${sec(plan.starts[i])}[x${i}]`)
      last = `x${i}`
    }
    chains.push(`[${last}]format=yuv420p[v]`)
  } else {
    chains.push(`color=c=black:s=${VIDEO_WIDTH}x${VIDEO_HEIGHT}:r=${FPS}:d=${sec(plan.totalFrames)},format=yuv420p[base]`)
    let last = 'base'
    for (let i = 0; i < n; i++) {
      const fade = i === 0 ? '' : `format=yuva420p,fade=t=in:st=0:d=${sec(FADE_FRAMES)}:alpha=1,`
      chains.push(`[seg${i}]${fade}setpts=PTS-STARTPTS+${plan.starts[i]}/(${FPS}*TB)[f${i}]`)
      chains.push(`[${last}][f${i}]overlay=eof_action=pass:format=yuv420[o${i}]`)
      last = `o${i}`
    }
    chains.push(`[${last}]format=yuv420p[v]`)
  }
  const total = sec(plan.totalFrames)
  if (audio.music) {
    const fadeOut = Math.max(0, plan.totalFrames / FPS - 1.5).toFixed(3)
    chains.push(`[${audio.input}:a]atrim=0:${total},asetpts=PTS-STARTPTS,afade=t=in:d=0.8,afade=t=out:st=${fadeOut}:d=1.5,volume=0.8,aformat=sample_rates=44100:channel_layouts=stereo[a]`)
  } else {
    chains.push(`[${audio.input}:a]atrim=0:${total},aformat=sample_rates=44100:channel_layouts=stereo[a]`)
  }
  return chains.join(';')
}

/** Runs ffmpeg, reporting progress from its -progress output; kills it when the signal aborts. */
function runFfmpeg(ffmpeg: FfmpegInfo, args: string[], totalSec: number, signal: AbortSignal | undefined, onProgress: (f: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg.path, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    let buffered = ''
    const abort = () => child.kill('SIGKILL')
    signal?.addEventListener('abort', abort, { once: true })
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const m = /^out_time_(?:ms|us)=(\d+)/.exec(line)
        if (m) onProgress(Math.min(1, Number(m[1]) / 1e6 / totalSec))
      }
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000)
    })
    child.on('error', (err) => {
      signal?.removeEventListener('abort', abort)
      reject(new OrchardError('video_failed', `无法启动 ffmpeg / cannot start ffmpeg: ${err.message}`, { file: ffmpeg.path, why: err.message }))
    })
    child.on('close', (code) => {
      signal?.removeEventListener('abort', abort)
      if (signal?.aborted) return reject(new OrchardError('cancelled', '已取消 / cancelled', { why: 'aborted' }))
      if (code === 0) return resolve()
      const tail = stderr.trim().split('\n').slice(-6).join('\n')
      reject(new OrchardError('video_failed', `ffmpeg 生成视频失败 / ffmpeg failed to make the video (exit ${code})`, { file: ffmpeg.path, why: tail, exitCode: code }))
    })
  })
}

/**
 * Makes the product video at outPath. The file appears only when it is complete
 * and checked (non-empty, moov before mdat, the right duration): ffmpeg writes to
 * a temporary name beside it, which is renamed into place.
 */
export async function renderProductVideo(input: ProductVideoInput): Promise<ProductVideo> {
  const durationSec = input.durationSec ?? 15
  if (!Number.isFinite(durationSec) || durationSec < 15 || durationSec > 30) {
    invalid('durationSec', durationSec, '时长须在 15 到 30 秒之间', 'the duration must be between 15 and 30 seconds')
  }
  const photos = Array.isArray(input.photos) ? input.photos.filter((p) => typeof p === 'string' && p.trim()) : []
  if (photos.length === 0) {
    throw new OrchardError('video_needs_photos', '商品视频至少需要一张商品图 / a product video needs at least one product photo', { path: 'photos', value: input.photos, why: 'no photos' })
  }
  const plan = planVideo(photos.length, durationSec)
  if (Math.min(...plan.segments) < MIN_SEGMENT_FRAMES) {
    invalid('photos', photos.length, `${durationSec} 秒放不下 ${photos.length} 张图，请减少图片或加长时长`, `${photos.length} photos do not fit in ${durationSec} s; use fewer photos or a longer video`)
  }
  if (!input.outPath) invalid('outPath', input.outPath, '没有给出输出文件', 'no output file given')
  for (const photo of photos) await readablePhoto(photo)
  if (input.musicPath) {
    try {
      if (!statSync(input.musicPath).isFile()) throw new Error('not a file')
    } catch (err) {
      throw new OrchardError('music_unreadable', `找不到背景音乐 ${input.musicPath} / cannot read the background music ${input.musicPath}`, {
        file: input.musicPath,
        why: err instanceof Error ? err.message : String(err),
      })
    }
  }
  const signal = input.signal
  // ffmpeg's out_time can step back a little between reports; a progress bar must not.
  let reported = 0
  const report = (f: number) => {
    reported = Math.max(reported, Math.min(1, f))
    input.onProgress?.(reported)
  }
  const checkAbort = () => {
    if (signal?.aborted) throw new OrchardError('cancelled', '已取消 / cancelled', { why: 'aborted' })
  }
  checkAbort()
  report(0)

  const ffmpeg = findFfmpeg()
  // Scratch space for the raw pictures and the filter graph; the video itself is an output.
  const work = mkdtempSync(join(tmpdir(), 'orchard-video-'))
  try {
    // All pictures at once: sharp spreads them over the cores.
    let drawn = 0
    const total = photos.length * 2 + 2
    const tick = <T>(p: Promise<T>) =>
      p.then((value) => {
        checkAbort()
        report((0.1 * ++drawn) / total)
        return value
      })
    const [slidePictures, captionPictures, closingPicture, cardPicture] = await Promise.all([
      Promise.all(photos.map((photo) => tick(photoSlide(photo, { brand: input.product.brand })))),
      Promise.all(photos.map((_, i) => tick(captionOverlay(input.captions[i] ?? '')))),
      // The closing slide: the lead photo small at the top, room below for the price card.
      tick(photoSlide(photos[0], { brand: input.product.brand, dim: 0.6, card: 360, cardY: 200 })),
      tick(priceCardOverlay({ title: input.product.title, ...input.priceCard })),
    ])
    const inputs: Inputs = { args: [], count: 0 }
    const picture = (name: string, p: RawPicture) => {
      const file = join(work, `${name}.${p.channels === 3 ? 'rgb' : 'rgba'}`)
      writeFileSync(file, p.data)
      return addInput(inputs, '-f', 'rawvideo', '-pix_fmt', p.channels === 3 ? 'rgb24' : 'rgba', '-video_size', `${p.width}x${p.height}`, '-i', file)
    }
    const slides = slidePictures.map((p, i) => picture(`slide-${i}`, p))
    const captions = captionPictures.map((p, i) => (p ? picture(`caption-${i}`, p) : null))
    slides.push(picture('closing', closingPicture))
    const priceCard = picture('price-card', cardPicture)
    const audioInput = input.musicPath
      ? addInput(inputs, '-stream_loop', '-1', '-i', input.musicPath)
      : addInput(inputs, '-f', 'lavfi', '-i', `anullsrc=r=44100:cl=stereo`)
    checkAbort()
    report(0.1)

    const encode = (partial: string, xfade: boolean) => {
      const graph = filterGraph(plan, slides, captions, priceCard, { input: audioInput, music: Boolean(input.musicPath) }, xfade)
      const graphFile = join(work, 'graph.txt')
      writeFileSync(graphFile, graph)
      const args = [
        '-hide_banner', '-nostats', '-loglevel', 'error', '-y',
        ...inputs.args,
        '-filter_complex_script', graphFile,
        '-map', '[v]', '-map', '[a]',
        '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-maxrate', '3000k', '-bufsize', '6000k',
        '-profile:v', 'main', '-level', '4.0', '-pix_fmt', 'yuv420p', '-r', String(FPS), '-g', String(FPS * 2),
        '-c:a', 'aac', '-b:a', '128k', '-ar', '44100', '-ac', '2',
        '-t', sec(plan.totalFrames),
        '-movflags', '+faststart',
        '-progress', 'pipe:1',
        '-f', 'mp4', partial,
      ]
      return runFfmpeg(ffmpeg, args, plan.totalFrames / FPS, signal, (f) => report(0.1 + 0.88 * f))
    }
    let crossfade: ProductVideo['crossfade'] = ffmpeg.hasXfade ? 'xfade' : 'overlay'
    let madeSec = 0
    const video = await produceOutput(
      input.outPath,
      async (partial) => {
        try {
          await encode(partial, ffmpeg.hasXfade)
        } catch (err) {
          // A newer ffmpeg whose xfade misbehaves still has fade and overlay.
          if (!ffmpeg.hasXfade || (err instanceof OrchardError && err.code === 'cancelled')) throw err
          crossfade = 'overlay'
          await encode(partial, false)
        }
        checkAbort()
      },
      (partial) => {
        const bytes = statSync(partial).size
        const layout = readMp4Layout(partial)
        const expected = plan.totalFrames / FPS
        if (bytes === 0 || !layout.faststart || layout.durationSec === null || Math.abs(layout.durationSec - expected) > 0.5) {
          throw new OrchardError('video_failed', '生成的视频文件不完整 / the video file came out incomplete', {
            file: input.outPath,
            why: `bytes ${bytes}, boxes ${layout.boxes.join(' ')}, duration ${layout.durationSec ?? 'none'} (expected ${expected})`,
          })
        }
        madeSec = layout.durationSec
      },
    )
    report(1)
    return {
      path: video.path,
      durationSec: Number(madeSec.toFixed(3)),
      bytes: video.bytes,
      crossfade,
      ffmpeg: { path: ffmpeg.path, version: ffmpeg.version, source: ffmpeg.source },
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
