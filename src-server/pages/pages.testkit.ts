import { createHash, randomBytes } from 'node:crypto'
import sharp from 'sharp'
import type { PackContent, PublishedPack } from '../../src-shared/pagesProtocol'

/**
 * What the pages' tests publish: real JPEG and PNG files (the server checks the bytes),
 * and packs shaped as a workstation makes them.
 */

export const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
export const newToken = () => randomBytes(32).toString('base64url')
export const newCode = () => randomBytes(16).toString('base64url')

/** A small picture of one colour: a different colour is a different file. */
export async function jpeg(seed: number, size = 64): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: (seed * 53) % 256, g: (seed * 101) % 256, b: (seed * 197) % 256 } } })
    .jpeg({ quality: 80 })
    .toBuffer()
}

export async function png(seed: number): Promise<Buffer> {
  return sharp({ create: { width: 48, height: 48, channels: 3, background: { r: (seed * 31) % 256, g: (seed * 7) % 256, b: (seed * 13) % 256 } } })
    .png()
    .toBuffer()
}

/** The smallest file that is an MP4 by its bytes (an ftyp box). */
export function mp4(seed: number): Buffer {
  const box = Buffer.alloc(24)
  box.writeUInt32BE(24, 0)
  box.write('ftypisom', 4, 'latin1')
  box.writeUInt32BE(seed, 12)
  box.write('isommp41', 16, 'latin1')
  return box
}

export interface PackFiles {
  posters: { full: Buffer; phone: Buffer }[]
  video?: Buffer
}

/** A member's (or group's) pack for `day`: posters, a video, copy per channel and the day's plan. */
export function pack(options: { memberCode: string; day: string; files: PackFiles; kind?: 'member' | 'group'; ownerKey?: string; title?: string; previousDay: string }): PublishedPack {
  const content: PackContent = {
    images: options.files.posters.map((p, i) => ({ kind: 'poster', product: `商品${i + 1}`, full: sha(p.full), phone: sha(p.phone) })),
    videos: options.files.video ? [{ product: '商品1', sha256: sha(options.files.video), bytes: options.files.video.length }] : [],
    copy: [
      { channel: 'moments', product: '商品1', tone: null, text: `今天推荐商品1，团购价 ¥39.9 <b>限时</b> & 包邮` },
      { channel: 'group', product: '商品1', tone: null, text: '群里的朋友：商品1 团购开始啦' },
      { channel: 'private', product: '商品1', tone: '务实羊毛党', text: '亲，商品1 今天团购价最划算' },
    ],
    schedule: [
      { key: 'preview', day: options.previousDay, from: '21:00', to: '21:30', title: '产品预告（前一晚）', what: '发朋友圈预告明天的好物' },
      { key: 'peak-1', day: options.day, from: '07:00', to: '09:00', title: '早高峰', what: '发九宫格海报和文案：商品1' },
      { key: 'peak-2', day: options.day, from: '12:00', to: '13:00', title: '午间', what: '群里互动、回复咨询、晒单' },
      { key: 'peak-3', day: options.day, from: '19:00', to: '21:00', title: '晚高峰', what: '发九宫格海报和文案：商品2' },
    ],
  }
  return {
    ownerKey: options.ownerKey ?? `member:${options.memberCode}`,
    kind: options.kind ?? 'member',
    memberCode: options.memberCode,
    title: options.title ?? `会员${options.memberCode}`,
    day: options.day,
    content,
  }
}
