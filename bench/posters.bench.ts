import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import jsQR from 'jsqr'
import QRCode from 'qrcode'
import sharp from 'sharp'
import type { Slot } from '../src-shared/materials/templates'
import { fontPath } from '../src-main/core/materials/render/fonts'
import { defaultTemplates, formatFen, preparePoster, renderMemberPoster, resourcesDir, type PosterMember, type PosterProduct } from '../src-main/core/materials/render/index'
import { layoutText, lineLayout } from '../src-main/core/materials/render/text'

/**
 * Personalised posters: 10 products × 100 members = 1,000 posters, 1080×1080 JPEG
 * q85 (photo, price, badge, Chinese title, the member's QR, code and name), made
 * by Orchard and by ImageMagick `convert`, one command per poster, two processes
 * in parallel, from the same inputs: the same photos, a QR PNG per member, the
 * same TTFs and the same line breaks. Also the physical floor: sharp encoding
 * 1,000 ready-made 1080×1080 JPEGs.
 *
 *   node --import tsx bench/posters.bench.ts
 */
const PRODUCTS = 10
const MEMBERS = 100
const IN_FLIGHT = 4
const PEER_PROCESSES = 2

if (spawnSync('convert', ['-version']).error) {
  console.error('ImageMagick 的 convert 不可用：请先安装 / ImageMagick `convert` is missing: apt-get install imagemagick')
  process.exit(1)
}

const work = join(import.meta.dirname, '.work', 'posters')
for (const sub of ['orchard', 'peer', 'floor', 'qr']) {
  rmSync(join(work, sub), { recursive: true, force: true })
  mkdirSync(join(work, sub), { recursive: true })
}

// ------------------------------------------------------------------ the same inputs for both
const photoDir = join(resourcesDir(), 'demo', 'photos', 'products')
const catalogue: [string, string, string, number, number, string | null, string][] = [
  ['珀莱雅', '双抗精华液 30ml', '珀莱雅双抗精华液 烟酰胺抗氧化提亮肤色，熬夜急救精华', 25_900, 29_900, '爆款', 'MZ-1.jpg'],
  ['好奇', '铂金装纸尿裤 M 号 92 片', '好奇铂金装纸尿裤 M 号 92 片 超薄透气不闷', 16_990, 20_900, '新品', 'MY-1.jpg'],
  ['三只松鼠', '每日坚果 750g/30 袋', '三只松鼠每日坚果 30 袋独立装 早餐坚果混合装', 12_900, 16_900, '爆款', 'SP-1.jpg'],
  ['全棉时代', '纯棉洗脸巾 100 抽×6 包', '全棉时代纯棉洗脸巾 干湿两用 一次性洁面巾', 7_990, 9_900, null, 'JJ-1.jpg'],
  ['稻草人', '头层牛皮女士单肩包', '稻草人头层牛皮女士单肩包 通勤百搭大容量', 29_900, 39_900, '限时特惠', 'FS-1.jpg'],
  ['滋源', '无硅油洗发水 400ml', '滋源无硅油洗发水 茶籽控油蓬松 400ml', 6_990, 8_900, null, 'GH-1.jpg'],
  ['汤臣倍健', '多种维生素矿物质片 60 片', '汤臣倍健多种维生素矿物质片 60 片 全家可用', 12_800, 16_800, '新品', 'YY-1.jpg'],
  ['珀莱雅', '红宝石面霜 50g', '珀莱雅红宝石面霜 六胜肽抗皱紧致 50g', 29_900, 36_900, '爆款', 'MZ-2.jpg'],
  ['飞鹤', '星飞帆 3 段幼儿奶粉 700g', '飞鹤星飞帆 3 段幼儿配方奶粉 700g 罐装', 29_800, 35_800, null, 'MY-2.jpg'],
  ['良品铺子', '零食大礼包 1.5kg', '良品铺子零食大礼包 28 种零食 送礼自吃都合适', 9_900, 12_900, '限时特惠', 'SP-2.jpg'],
]
const products: PosterProduct[] = catalogue.slice(0, PRODUCTS).map(([brand, name, title, sale, list, badge, photo], i) => ({
  id: `p${i}`,
  name,
  title,
  brand,
  salePriceFen: sale,
  listPriceFen: list,
  badge,
  photoPath: join(photoDir, photo),
  footer: null,
}))
const surnames = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗']
const given = [...'芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚']
const members: PosterMember[] = Array.from({ length: MEMBERS }, (_, i) => {
  const code = (0x5f5e100 + i * 7_919_113).toString(36).toUpperCase().slice(-6)
  return {
    id: `m${i}`,
    name: `${surnames[i % surnames.length]}${given[(i * 7) % given.length]}${i % 3 === 0 ? given[(i * 3) % given.length] : ''}`,
    inviteCode: code,
    inviteUrl: `https://m.orchard.example/i/${code}?s=poster&d=20261124`,
  }
})
const template = defaultTemplates().find((t) => t.id === 'clean-white')!
const slot = (id: string) => template.slots.find((s) => s.id === id)! as Slot & { style?: { font: 'regular' | 'medium' | 'bold' | 'black'; colour: string } }

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}

async function decode(path: string): Promise<string | null> {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), info.width, info.height)?.data ?? null
}

// ------------------------------------------------------------------ Orchard
const jobs = products.flatMap((p) => members.map((m) => ({ p, m })))
const orchardStart = performance.now()
// The next product's shared render overlaps the current product's member posters, as a batch would run it.
let upcoming = preparePoster(template, products[0], { name: '果园优选' })
for (const [i, p] of products.entries()) {
  const prepared = await upcoming
  if (i + 1 < products.length) upcoming = preparePoster(template, products[i + 1], { name: '果园优选' })
  await pool(members, IN_FLIGHT, async (m) => {
    await writeFile(join(work, 'orchard', `${p.id}-${m.id}.jpg`), await renderMemberPoster(prepared, m))
  })
}
const orchardSec = (performance.now() - orchardStart) / 1000
const orchard = jobs.length / orchardSec
console.log(`orchard: ${jobs.length} posters in ${orchardSec.toFixed(2)} s = ${orchard.toFixed(1)} posters/s (including font loading and one shared render per product; peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB)`)

// ------------------------------------------------------------------ the floor: encoding ready-made pixels
const ready = await Promise.all(products.map(async (p) => Buffer.from((await preparePoster(template, p, { name: '果园优选' })).pixels)))
const floorStart = performance.now()
await pool(jobs.map((j, i) => ({ ...j, i })), IN_FLIGHT, async ({ i }) => {
  const jpeg = await sharp(ready[i % ready.length], { raw: { width: 1080, height: 1080, channels: 3 } }).jpeg({ quality: 85, chromaSubsampling: '4:2:0' }).toBuffer()
  await writeFile(join(work, 'floor', `${i}.jpg`), jpeg)
})
const floorSec = (performance.now() - floorStart) / 1000
const floor = jobs.length / floorSec
console.log(`floor: sharp encoding ${jobs.length} ready-made 1080×1080 JPEGs (and writing them) in ${floorSec.toFixed(2)} s = ${floor.toFixed(1)} posters/s`)

// ------------------------------------------------------------------ ImageMagick, one convert per poster
// Untimed preparation: a QR PNG per member, and the line breaks Orchard chose, so both draw the same poster.
const qrSlot = slot('qr')
for (const m of members) {
  await QRCode.toFile(join(work, 'qr', `${m.id}.png`), m.inviteUrl, { width: qrSlot.width, margin: 2, errorCorrectionLevel: 'M', color: { dark: '#1D2129', light: '#FFFFFF' } })
}
const font = (weight: 'regular' | 'medium' | 'bold' | 'black') => fontPath(weight)

/** `-annotate` calls that draw laid-out text at its box, baseline by baseline. */
function annotate(text: string, id: string): string[] {
  const s = slot(id)
  const style = s.style!
  const layout = layoutText(text, s, style as never)
  const args: string[] = ['-font', font(style.font), '-pointsize', layout.size.toFixed(1), '-fill', style.colour]
  let lineStart = 0
  for (const line of layout.lines) {
    const first = layout.glyphs[lineStart]
    lineStart += [...line].length
    if (first) args.push('-annotate', `+${Math.round(s.x + first.x)}+${Math.round(s.y + first.baseline)}`, line)
  }
  return args
}

function peerArgs(p: PosterProduct, m: PosterMember, out: string): string[] {
  const photo = slot('photo')
  const badge = slot('badge')
  const price = slot('price')
  const list = slot('listPrice')
  const divider = slot('divider')
  const card = slot('card')
  const priceSize = 96
  const yen = formatFen(p.salePriceFen).slice(1)
  const [whole, cents] = yen.split('.')
  const label = lineLayout('到手价', 'bold', priceSize * 0.34).widths[0]
  const yenW = lineLayout('¥', 'black', priceSize * 0.5).widths[0]
  const wholeW = lineLayout(whole, 'black', priceSize).widths[0]
  const baseline = price.y + price.height - 8
  const listText = `原价 ${formatFen(p.listPriceFen ?? 0)}`
  const listW = lineLayout(listText, 'regular', 28).widths[0]
  const labelW = lineLayout('原价 ', 'regular', 28).widths[0]
  return [
    '-size', `${template.width}x${template.height}`, 'xc:#F4F5F7',
    '-fill', '#FFFFFF', '-draw', `roundrectangle ${card.x},${card.y} ${card.x + card.width - 1},${card.y + card.height - 1} 36,36`,
    '(', '-size', `${photo.width}x${photo.height}`, 'xc:none', '-fill', 'white', '-draw', `roundrectangle 0,0 ${photo.width - 1},${photo.height - 1} 26,26`,
    '(', p.photoPath, '-resize', `${photo.width}x${photo.height}^`, '-gravity', 'center', '-extent', `${photo.width}x${photo.height}`, '+gravity', ')',
    '-compose', 'SrcIn', '-composite', '-compose', 'Over', ')',
    '-geometry', `+${photo.x}+${photo.y}`, '-composite',
    ...(p.badge
      ? ['-fill', '#FF3B30', '-draw', `roundrectangle ${badge.x},${badge.y} ${badge.x + badge.width - 1},${badge.y + badge.height - 1} 30,30`, ...annotate(p.badge, 'badge')]
      : []),
    ...annotate(`${p.brand} · ${p.name}`, 'brand'),
    ...annotate(p.title, 'title'),
    '-font', font('bold'), '-pointsize', (priceSize * 0.34).toFixed(1), '-fill', '#FF3B30', '-annotate', `+${price.x}+${baseline}`, '到手价',
    '-font', font('black'), '-pointsize', (priceSize * 0.5).toFixed(1), '-annotate', `+${Math.round(price.x + label + 14)}+${baseline}`, '¥',
    '-pointsize', String(priceSize), '-annotate', `+${Math.round(price.x + label + 14 + yenW)}+${baseline}`, whole,
    ...(cents ? ['-pointsize', (priceSize * 0.5).toFixed(1), '-annotate', `+${Math.round(price.x + label + 14 + yenW + wholeW)}+${baseline}`, `.${cents}`] : []),
    '-font', font('regular'), '-pointsize', '28', '-fill', '#A0A5AE', '-annotate', `+${list.x}+${list.y + 30}`, listText,
    '-stroke', '#A0A5AE', '-strokewidth', '2', '-draw', `line ${Math.round(list.x + labelW)},${list.y + 21} ${Math.round(list.x + listW)},${list.y + 21}`, '-stroke', 'none',
    '-fill', '#EDEEF1', '-draw', `rectangle ${divider.x},${divider.y} ${divider.x + divider.width - 1},${divider.y + divider.height - 1}`,
    join(work, 'qr', `${m.id}.png`), '-geometry', `+${qrSlot.x}+${qrSlot.y}`, '-composite',
    ...annotate(`邀请码 ${m.inviteCode}`, 'code'),
    ...annotate(`${m.name} 为你推荐 · 长按识别`, 'member'),
    '-quality', '85', '-sampling-factor', '4:2:0', out,
  ]
}

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('convert', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (c) => (err += c))
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`convert exited ${code}: ${err.slice(0, 400)}`))))
  })
}

const peerJobs = jobs.map(({ p, m }) => peerArgs(p, m, join(work, 'peer', `${p.id}-${m.id}.jpg`)))
const peerStart = performance.now()
await pool(peerJobs, PEER_PROCESSES, run)
const peerSec = (performance.now() - peerStart) / 1000
const peer = jobs.length / peerSec
console.log(`imagemagick: ${jobs.length} posters in ${peerSec.toFixed(2)} s = ${peer.toFixed(1)} posters/s (${PEER_PROCESSES} convert processes in parallel)`)

// ------------------------------------------------------------------ both made real, scannable posters
for (const side of ['orchard', 'peer'] as const) {
  const files = readdirSync(join(work, side))
  if (files.length !== jobs.length) throw new Error(`${side} made ${files.length} posters, expected ${jobs.length}`)
  for (const k of [0, 137, 555, 999]) {
    const { p, m } = jobs[k]
    const file = join(work, side, `${p.id}-${m.id}.jpg`)
    if (!existsSync(file) || (await decode(file)) !== m.inviteUrl) throw new Error(`${side} poster ${file} does not scan to ${m.inviteUrl}`)
  }
}
console.log(`checked: both sides wrote ${jobs.length} posters; sampled QR codes scan to the members’ invite links (${work})`)

const ratio = Number((orchard / peer).toFixed(2))
console.log(`orchard ${orchard.toFixed(1)} posters/s vs imagemagick ${peer.toFixed(1)} posters/s: ${ratio}× (goal ≥ 10×)`)
console.log(`orchard reaches ${((orchard / floor) * 100).toFixed(0)}% of the floor (sharp encoding alone: ${floor.toFixed(1)} posters/s; ratio to floor ${(orchard / floor).toFixed(2)})`)
console.log(JSON.stringify({ bench: 'posters', unit: 'posters/s', orchard: Number(orchard.toFixed(1)), peer: Number(peer.toFixed(1)), ratio, goal: 10, met: ratio >= 10 }))
