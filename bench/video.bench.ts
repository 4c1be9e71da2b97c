import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fontPath } from '../src-main/core/materials/render/fonts'
import { formatFen, resourcesDir, type PosterProduct } from '../src-main/core/materials/render/index'
import { FPS, planVideo } from '../src-main/core/materials/video/slideshow'
import { findFfmpeg, musicTracks, readMp4Layout, renderProductVideo } from '../src-main/core/materials/video/index'

/**
 * A 15 s product slideshow (4 photos with captions, a closing price card, music),
 * made by Orchard and by one hand-written ffmpeg command that produces the same
 * clip from the same inputs: the same photos, captions drawn with drawtext from
 * the same TTF, the same blurred backdrop, drift, crossfades (fade + overlay, as
 * the bundled ffmpeg has no xfade), music and encoder settings. Orchard's time
 * includes drawing its slides with sharp.
 *
 *   node --import tsx bench/video.bench.ts
 */
const RUNS = 5
const DURATION = 15
const work = join(import.meta.dirname, '.work', 'video')
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })

const dir = join(resourcesDir(), 'demo', 'photos')
const photos = [join(dir, 'products', 'MY-1.jpg'), join(dir, 'products', 'MY-2.jpg'), join(dir, 'products', 'MY-3.jpg'), join(dir, 'buyers', 'MY-1.jpg')]
const captions = ['超薄透气，夏天也不闷', '3D 立体剪裁，活动不侧漏', '奶粉奶瓶，一站购齐', '宝妈实拍：一夜干爽']
const product: PosterProduct = {
  id: 'p2',
  name: '铂金装纸尿裤 M 号 92 片',
  title: '好奇铂金装纸尿裤 M 号 92 片 超薄透气',
  brand: '好奇',
  salePriceFen: 16_990,
  listPriceFen: 20_900,
  badge: null,
  photoPath: photos[0],
  footer: null,
}
const priceCard = { salePriceFen: 16_990, listPriceFen: 20_900, note: '今日到手价' }
const music = musicTracks()[0].path
const ffmpeg = findFfmpeg()
console.log(`ffmpeg: ${ffmpeg.path} (${ffmpeg.version}, ${ffmpeg.source}, xfade ${ffmpeg.hasXfade ? 'yes' : 'no'})`)

// ------------------------------------------------------------------ the hand-written command
const plan = planVideo(photos.length, DURATION)
const sec = (frames: number) => (frames / FPS).toFixed(4)
const fonts = { bold: fontPath('bold'), black: fontPath('black'), regular: fontPath('regular') }
const textFile = (name: string, text: string) => {
  const file = join(work, `${name}.txt`)
  writeFileSync(file, text)
  return file
}

function peerGraph(): string {
  const n = plan.segments.length
  const chains: string[] = []
  const fade = (FADE: number) => `min(1,max(0,(t-${((18 * 0.6) / FPS).toFixed(3)})/${FADE}))`
  for (let i = 0; i < n; i++) {
    const frames = plan.segments[i]
    const closing = i === n - 1
    const card = closing ? 360 : 600
    const cardY = closing ? 200 : 270
    const x = i % 2 === 0 ? `40*n/${frames}` : `40-40*n/${frames}`
    const y = i % 3 === 1 ? `72-72*n/${frames}` : `72*n/${frames}`
    chains.push(
      `[${i}:v]split=2[pa${i}][pb${i}]`,
      `[pa${i}]scale=190:338:force_original_aspect_ratio=increase,crop=190:338,boxblur=12:2,eq=brightness=${closing ? -0.25 : -0.1}:saturation=1.35,scale=760:1352[bg${i}]`,
      `[pb${i}]scale=${card}:${card}:force_original_aspect_ratio=increase,crop=${card}:${card}[card${i}]`,
      `[bg${i}][card${i}]overlay=${(760 - card) / 2}:${cardY},` +
        `drawtext=fontfile=${fonts.bold}:textfile=${textFile('brand', product.brand)}:fontsize=30:fontcolor=white:x=(w-text_w)/2:y=${cardY - 80}:box=1:boxcolor=white@0.15:boxborderw=14,` +
        `loop=loop=${frames - 1}:size=1:start=0,setpts=N/${FPS}/TB,crop=720:1280:'${x}':'${y}',format=yuv420p` +
        (closing
          ? `,drawbox=x=80:y=620:w=560:h=520:color=white@1:t=fill:enable='gte(t,0.36)',` +
            `drawtext=fontfile=${fonts.black}:textfile=${textFile('note', priceCard.note)}:fontsize=42:fontcolor=0xE8341C:x=(w-text_w)/2:y=650:alpha='${fade(0.5)}',` +
            `drawtext=fontfile=${fonts.bold}:textfile=${textFile('title', product.title)}:fontsize=34:fontcolor=0x1F2329:x=(w-text_w)/2:y=760:alpha='${fade(0.5)}',` +
            `drawtext=fontfile=${fonts.black}:textfile=${textFile('price', formatFen(priceCard.salePriceFen))}:fontsize=140:fontcolor=0xE8341C:x=(w-text_w)/2:y=860:alpha='${fade(0.5)}',` +
            `drawtext=fontfile=${fonts.regular}:textfile=${textFile('list', `原价 ${formatFen(priceCard.listPriceFen)}`)}:fontsize=32:fontcolor=0x9AA0A8:x=(w-text_w)/2:y=1050:alpha='${fade(0.5)}'`
          : `,drawtext=fontfile=${fonts.black}:textfile=${textFile(`caption-${i}`, captions[i])}:fontsize=54:fontcolor=white:box=1:boxcolor=black@0.35:boxborderw=28:` +
            `x=(w-text_w)/2:y=h-280:alpha='${fade(0.5)}'`) +
        `[seg${i}]`,
    )
  }
  chains.push(`color=c=black:s=720x1280:r=${FPS}:d=${sec(plan.totalFrames)},format=yuv420p[base]`)
  let last = 'base'
  for (let i = 0; i < n; i++) {
    const fadeIn = i === 0 ? '' : `format=yuva420p,fade=t=in:st=0:d=${sec(18)}:alpha=1,`
    chains.push(`[seg${i}]${fadeIn}setpts=PTS-STARTPTS+${plan.starts[i]}/(${FPS}*TB)[f${i}]`, `[${last}][f${i}]overlay=eof_action=pass:format=yuv420[o${i}]`)
    last = `o${i}`
  }
  chains.push(`[${last}]format=yuv420p[v]`)
  chains.push(`[${n}:a]atrim=0:${sec(plan.totalFrames)},asetpts=PTS-STARTPTS,afade=t=in:d=0.8,afade=t=out:st=${(DURATION - 1.5).toFixed(3)}:d=1.5,volume=0.8,aformat=sample_rates=44100:channel_layouts=stereo[a]`)
  return chains.join(';')
}

const graphFile = join(work, 'peer-graph.txt')
writeFileSync(graphFile, peerGraph())
const peerOut = join(work, 'peer.mp4')
const peerArgs = [
  '-hide_banner', '-nostats', '-loglevel', 'error', '-y',
  ...[...photos, photos[0]].flatMap((p) => ['-i', p]),
  '-stream_loop', '-1', '-i', music,
  '-filter_complex_script', graphFile,
  '-map', '[v]', '-map', '[a]',
  '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-maxrate', '3000k', '-bufsize', '6000k',
  '-profile:v', 'main', '-level', '4.0', '-pix_fmt', 'yuv420p', '-r', String(FPS), '-g', String(FPS * 2),
  '-c:a', 'aac', '-b:a', '128k', '-ar', '44100', '-ac', '2',
  '-t', sec(plan.totalFrames), '-movflags', '+faststart', peerOut,
]

function runPeer(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg.path, peerArgs, { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (c) => (err += c))
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${err.slice(-600)}`))))
  })
}

// ------------------------------------------------------------------ paired runs
// Each run times both back to back; the medians keep a busy machine's swings out of the ratio.
const orchardRuns: number[] = []
const peerRuns: number[] = []
for (let run = 1; run <= RUNS; run++) {
  const first = run % 2 === 1 ? 'orchard' : 'peer'
  const times: Record<string, number> = {}
  let bytes = 0
  for (const side of first === 'orchard' ? ['orchard', 'peer'] : ['peer', 'orchard']) {
    const t = performance.now()
    if (side === 'orchard') {
      bytes = (await renderProductVideo({ product, photos, captions, priceCard, musicPath: music, durationSec: DURATION, outPath: join(work, 'orchard.mp4') })).bytes
    } else {
      await runPeer()
    }
    times[side] = (performance.now() - t) / 1000
  }
  orchardRuns.push(times.orchard)
  peerRuns.push(times.peer)
  console.log(`  run ${run}: orchard ${times.orchard.toFixed(2)} s (${(bytes / 1024).toFixed(0)} KB), hand-written ffmpeg ${times.peer.toFixed(2)} s (${(statSync(peerOut).size / 1024).toFixed(0)} KB)`)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const orchard = median(orchardRuns)
const peer = median(peerRuns)
for (const [name, file] of [['orchard', join(work, 'orchard.mp4')], ['peer', peerOut]]) {
  const layout = readMp4Layout(file)
  if (!layout.faststart || Math.abs((layout.durationSec ?? 0) - DURATION) > 0.5) throw new Error(`${name} video is not a ${DURATION} s faststart MP4: ${JSON.stringify(layout)}`)
}
const ratio = Number((orchard / peer).toFixed(2))
console.log(`orchard ${orchard.toFixed(2)} s vs one hand-written ffmpeg command ${peer.toFixed(2)} s (medians of ${RUNS} paired runs): ratio ${ratio} (goal ≤ 1.2); both clips in ${work}`)
console.log(JSON.stringify({ bench: 'video', unit: 's', orchard: Number(orchard.toFixed(2)), peer: Number(peer.toFixed(2)), ratio, goal: 1.2, met: ratio <= 1.2 }))
