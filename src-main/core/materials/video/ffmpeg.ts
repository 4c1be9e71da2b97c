import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { delimiter, join } from 'node:path'
import { OrchardError } from '../../../../src-shared/errors'

export interface FfmpegInfo {
  path: string
  version: string
  /** The xfade filter (ffmpeg ≥ 4.3) makes crossfades one filter per cut. */
  hasXfade: boolean
  source: 'path' | 'bundled'
}

function probe(path: string): { version: string; hasXfade: boolean } | null {
  try {
    const version = execFileSync(path, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'ignore'] })
    const filters = execFileSync(path, ['-hide_banner', '-filters'], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'ignore'] })
    const m = /ffmpeg version (\S+)/.exec(version)
    return { version: m ? m[1] : 'unknown', hasXfade: /^\s*\S+\s+xfade\s/m.test(filters) }
  } catch {
    return null
  }
}

function onPath(env: NodeJS.ProcessEnv): string | null {
  const name = process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg'
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, name)
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {}
  }
  return null
}

/** The ffmpeg the app ships (@ffmpeg-installer), unpacked from app.asar when packaged. */
function bundled(): string {
  try {
    const require = createRequire(import.meta.url)
    const path = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path
    const unpacked = path.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1')
    return unpacked !== path && existsSync(unpacked) ? unpacked : path
  } catch (err) {
    throw new OrchardError('ffmpeg_missing', '找不到随应用附带的 ffmpeg / the bundled ffmpeg is missing', { why: String(err) })
  }
}

let cached: { key: string; info: FfmpegInfo } | null = null

/**
 * Which ffmpeg makes the videos: ORCHARD_FFMPEG when set; else an ffmpeg on the
 * PATH if it is new enough to have xfade; else the one the app ships (a 2018
 * build: no xfade, so crossfades are done with fade + overlay).
 */
export function findFfmpeg(env: NodeJS.ProcessEnv = process.env): FfmpegInfo {
  const key = `${env.ORCHARD_FFMPEG ?? ''}|${env.PATH ?? ''}`
  if (cached?.key === key) return cached.info
  let info: FfmpegInfo | null = null
  if (env.ORCHARD_FFMPEG) {
    const p = probe(env.ORCHARD_FFMPEG)
    if (!p) throw new OrchardError('ffmpeg_missing', `ORCHARD_FFMPEG 指向的 ffmpeg 无法运行 / the ffmpeg ORCHARD_FFMPEG points at does not run`, { file: env.ORCHARD_FFMPEG })
    info = { path: env.ORCHARD_FFMPEG, ...p, source: 'path' }
  }
  if (!info) {
    const system = onPath(env)
    const p = system ? probe(system) : null
    if (system && p?.hasXfade) info = { path: system, ...p, source: 'path' }
  }
  if (!info) {
    const path = bundled()
    const p = probe(path)
    if (!p) throw new OrchardError('ffmpeg_missing', `随应用附带的 ffmpeg 无法运行 / the bundled ffmpeg does not run`, { file: path })
    info = { path, ...p, source: 'bundled' }
  }
  cached = { key, info }
  return info
}
