import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { resourcesDir } from '../render/resources'

export interface MusicTrack {
  file: string
  path: string
  title: string
  seconds: number | null
}

/** The background music shipped in resources/music (titles from its index.json when present). */
export function musicTracks(): MusicTrack[] {
  const dir = join(resourcesDir(), 'music')
  let titles: Record<string, { title: string; seconds: number }> = {}
  try {
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { tracks?: { file: string; title: string; seconds: number }[] }
    titles = Object.fromEntries((index.tracks ?? []).map((t) => [t.file, t]))
  } catch {}
  let files: string[] = []
  try {
    files = readdirSync(dir).filter((f) => /\.(m4a|aac|mp3)$/i.test(f)).sort()
  } catch {}
  return files.map((file) => ({ file, path: join(dir, file), title: titles[file]?.title ?? file, seconds: titles[file]?.seconds ?? null }))
}
