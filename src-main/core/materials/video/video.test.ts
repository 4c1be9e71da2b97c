import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PosterProduct } from '../render/poster'
import { resourcesDir } from '../render/resources'
import { findFfmpeg } from './ffmpeg'
import { musicTracks } from './music'
import { filterGraph, FPS, planVideo, renderProductVideo } from './slideshow'

const photos = join(resourcesDir(), 'demo', 'photos')
const product: PosterProduct = {
  id: 'p2',
  name: '铂金装纸尿裤 M 号 92 片',
  title: '好奇铂金装纸尿裤 M 号 92 片 超薄透气',
  brand: '好奇',
  salePriceFen: 16_990,
  listPriceFen: 20_900,
  badge: null,
  photoPath: join(photos, 'products', 'MY-1.jpg'),
  footer: null,
}
const base = {
  product,
  photos: [join(photos, 'products', 'MY-1.jpg'), join(photos, 'products', 'MY-3.jpg')],
  captions: ['超薄透气，夏天也不闷', '3D 立体剪裁'],
  priceCard: { salePriceFen: 16_990, listPriceFen: 20_900, note: '今日到手价' },
}

/** What `ffmpeg -i` says about a file: its streams and duration. */
function inspect(path: string): { info: string; duration: number } {
  const run = spawnSync(findFfmpeg().path, ['-hide_banner', '-i', path], { encoding: 'utf8' })
  const m = /Duration: (\d+):(\d+):([\d.]+)/.exec(run.stderr)!
  return { info: run.stderr, duration: Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) }
}

/** Byte offsets of the top-level moov and mdat boxes, read independently of the code under test. */
function boxOrder(path: string): string[] {
  const bytes = readFileSync(path)
  const order: string[] = []
  for (let at = 0; at + 8 <= bytes.length; ) {
    const size = bytes.readUInt32BE(at)
    order.push(bytes.toString('latin1', at + 4, at + 8))
    if (size < 8) break
    at += size
  }
  return order
}

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-video-test-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('product video', () => {
  it('makes a 15 s 720×1280 H.264/AAC clip with music that starts playing before it has downloaded', async () => {
    const outPath = join(dir, 'with-music.mp4')
    const progress: number[] = []
    const video = await renderProductVideo({ ...base, musicPath: musicTracks()[0].path, outPath, onProgress: (f) => progress.push(f) })
    expect(video.path).toBe(outPath)
    const { info, duration } = inspect(outPath)
    expect(info).toMatch(/Video: h264 \((Main|Constrained Baseline|Baseline)\)/)
    expect(info).toMatch(/yuv420p/)
    expect(info).toMatch(/720x1280/)
    expect(info).toMatch(/Audio: aac/)
    expect(Math.abs(duration - 15)).toBeLessThanOrEqual(0.5)
    expect(Math.abs(video.durationSec - 15)).toBeLessThanOrEqual(0.5)
    const order = boxOrder(outPath)
    expect(order.indexOf('moov')).toBeGreaterThanOrEqual(0)
    expect(order.indexOf('moov')).toBeLessThan(order.indexOf('mdat'))
    expect(progress[0]).toBe(0)
    expect(progress.at(-1)).toBe(1)
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1])).toBe(true)
    // Only the finished file is left behind: no temporary parts.
    expect(readdirSync(dir)).toEqual(['with-music.mp4'])
  })

  it('has a silent audio track when there is no music, so players that expect sound still play it', async () => {
    const outPath = join(dir, 'silent.mp4')
    await renderProductVideo({ ...base, photos: base.photos.slice(0, 1), musicPath: null, outPath })
    const { info, duration } = inspect(outPath)
    expect(info).toMatch(/Audio: aac/)
    expect(Math.abs(duration - 15)).toBeLessThanOrEqual(0.5)
    const volume = spawnSync(findFfmpeg().path, ['-hide_banner', '-i', outPath, '-af', 'volumedetect', '-vn', '-f', 'null', '-'], { encoding: 'utf8' }).stderr
    expect(volume).toMatch(/max_volume: -(9[0-9]|inf)/)
  })

  it('stops when cancelled and leaves no file behind', async () => {
    const controller = new AbortController()
    const outPath = join(dir, 'cancelled.mp4')
    const run = renderProductVideo({ ...base, outPath, signal: controller.signal, onProgress: (f) => f > 0.15 && controller.abort() })
    await expect(run).rejects.toMatchObject({ code: 'cancelled' })
    expect(readdirSync(dir).filter((f) => f.includes('cancelled'))).toEqual([])
  })

  it('refuses what it cannot make', async () => {
    const outPath = join(dir, 'refused.mp4')
    await expect(renderProductVideo({ ...base, photos: [], outPath })).rejects.toMatchObject({ code: 'video_needs_photos' })
    await expect(renderProductVideo({ ...base, durationSec: 10, outPath })).rejects.toMatchObject({ code: 'video_invalid', details: { path: 'durationSec', value: 10 } })
    await expect(renderProductVideo({ ...base, photos: Array(20).fill(base.photos[0]), outPath })).rejects.toMatchObject({ code: 'video_invalid', details: { path: 'photos' } })
    await expect(renderProductVideo({ ...base, photos: [join(dir, 'gone.jpg')], outPath })).rejects.toMatchObject({ code: 'photo_unreadable', details: { file: join(dir, 'gone.jpg') } })
    await expect(renderProductVideo({ ...base, musicPath: join(dir, 'gone.m4a'), outPath })).rejects.toMatchObject({ code: 'music_unreadable' })
  })
})

describe('planVideo', () => {
  it('overlaps segments by one crossfade and adds up to the requested length', () => {
    for (const [n, sec] of [[1, 15], [4, 15], [6, 30]] as const) {
      const plan = planVideo(n, sec)
      expect(plan.totalFrames).toBe(sec * FPS)
      expect(plan.segments).toHaveLength(n + 1)
      const last = plan.segments.length - 1
      expect(plan.starts[last] + plan.segments[last]).toBe(plan.totalFrames)
      // the price card stays up longer than a photo
      expect(plan.segments[last]).toBeGreaterThan(plan.segments[0])
    }
  })
})

describe('filterGraph', () => {
  it('crossfades at the planned cut points with xfade, or with fade + overlay without it', () => {
    const plan = planVideo(3, 20)
    const args: [typeof plan, number[], (number | null)[], number, { input: number; music: boolean }] = [plan, [0, 1, 2, 3], [4, null, 5], 6, { input: 7, music: true }]
    const xfade = filterGraph(...args, true)
    const offsets = [...xfade.matchAll(/xfade=transition=fade:duration=([\d.]+):offset=([\d.]+)/g)].map((m) => Number(m[2]))
    expect(offsets).toEqual(plan.starts.slice(1).map((s) => Number((s / FPS).toFixed(4))))
    expect(xfade).not.toContain('eof_action')
    const overlay = filterGraph(...args, false)
    expect(overlay).not.toContain('xfade')
    expect(overlay.match(/overlay=eof_action=pass/g)).toHaveLength(plan.segments.length)
    // the second slide has no caption: its chain passes the picture through
    expect(overlay).toContain('[bg1]null[seg1]')
    expect(overlay).toContain(`atrim=0:${(plan.totalFrames / FPS).toFixed(4)}`)
  })
})

describe('findFfmpeg', () => {
  it('uses the bundled ffmpeg when the PATH has none, and says whether it has xfade', () => {
    const found = findFfmpeg({ PATH: '/nonexistent' })
    expect(found.source).toBe('bundled')
    expect(found.hasXfade).toBe(/\bxfade\b/.test(execFileSync(found.path, ['-hide_banner', '-filters'], { encoding: 'utf8' })))
    expect(found.version).not.toBe('')
  })

  it('takes ORCHARD_FFMPEG when set', () => {
    const bundled = findFfmpeg({ PATH: '' }).path
    expect(findFfmpeg({ PATH: '', ORCHARD_FFMPEG: bundled })).toMatchObject({ path: bundled, source: 'path' })
    expect(() => findFfmpeg({ PATH: '', ORCHARD_FFMPEG: join(dir, 'no-ffmpeg') })).toThrow(/ORCHARD_FFMPEG/)
  })
})
