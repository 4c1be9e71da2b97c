import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

export interface Mp4Layout {
  /** Top-level boxes in file order. */
  boxes: string[]
  /** True when the index (moov) precedes the media (mdat): the file starts playing before it has fully downloaded. */
  faststart: boolean
  /** From the movie header; null when there is none. */
  durationSec: number | null
}

/**
 * Reads an MP4's top-level box layout and its duration without ffprobe: enough
 * to refuse a truncated or non-faststart file before it is published.
 */
export function readMp4Layout(path: string): Mp4Layout {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const boxes: string[] = []
    let moov: { offset: number; size: number } | null = null
    let offset = 0
    const head = Buffer.alloc(16)
    while (offset + 8 <= size) {
      readSync(fd, head, 0, 16, offset)
      let boxSize = head.readUInt32BE(0)
      const type = head.toString('latin1', 4, 8)
      if (boxSize === 1) boxSize = Number(head.readBigUInt64BE(8))
      else if (boxSize === 0) boxSize = size - offset
      if (boxSize < 8 || offset + boxSize > size) {
        boxes.push(`${type}!truncated`)
        break
      }
      boxes.push(type)
      if (type === 'moov') moov = { offset, size: boxSize }
      offset += boxSize
    }
    let durationSec: number | null = null
    if (moov && moov.size < 64 * 1024 * 1024) {
      const body = Buffer.alloc(moov.size)
      readSync(fd, body, 0, moov.size, moov.offset)
      const at = body.indexOf('mvhd', 8, 'latin1')
      if (at > 0) {
        const version = body[at + 4]
        const timescale = version === 1 ? body.readUInt32BE(at + 4 + 4 + 16) : body.readUInt32BE(at + 4 + 4 + 8)
        const duration = version === 1 ? Number(body.readBigUInt64BE(at + 4 + 4 + 20)) : body.readUInt32BE(at + 4 + 4 + 12)
        if (timescale > 0) durationSec = duration / timescale
      }
    }
    const moovAt = boxes.indexOf('moov')
    const mdatAt = boxes.indexOf('mdat')
    return { boxes, faststart: moovAt >= 0 && mdatAt >= 0 && moovAt < mdatAt, durationSec }
  } finally {
    closeSync(fd)
  }
}
