import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { OrchardError } from '../../../src-shared/errors'

/**
 * How every file Orchard makes reaches its place: written under a temporary name beside
 * its target, checked, then renamed over it in one step. A crash, a full disk or kill -9
 * at any moment leaves either the old file or the new one — never half a file under a
 * name someone might open, send or import. The temporary names have one shape so a
 * resumed job (or the next start) can find and remove what a killed run left behind.
 */
export interface Output {
  path: string
  sha256: string
  bytes: number
}

const TEMP_MARK = '.orchard-tmp-'
const TEMP_PATTERN = /\.orchard-tmp-\d+-[0-9a-f]{8}(\.[a-z0-9]{1,5})?$/

/** A hidden temporary name beside `target`, keeping its extension (ffmpeg and zip writers choose a format by it). */
export function temporaryFor(target: string): string {
  const ext = /\.[a-z0-9]{1,5}$/i.exec(basename(target))?.[0]?.toLowerCase() ?? ''
  return join(dirname(target), `.${basename(target)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}${ext}`)
}

export const isTemporary = (name: string) => TEMP_PATTERN.test(name)

export function sha256Of(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Writes `data` to `target` through a temporary name (with `mode`, 0o600 for what only the studio may read); checks its size before it is renamed into place. */
export function writeOutput(target: string, data: Buffer | string, options: { mode?: number } = {}): Output {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  mkdirSync(dirname(target), { recursive: true })
  const temp = temporaryFor(target)
  try {
    writeFileSync(temp, bytes, options.mode === undefined ? undefined : { mode: options.mode })
    if (statSync(temp).size !== bytes.length) throw new OrchardError('write_failed', `写入不完整 / short write: ${target}`, { file: target })
    renameSync(temp, target)
  } catch (err) {
    rmSync(temp, { force: true })
    throw err instanceof OrchardError ? err : new OrchardError('write_failed', `无法写入文件 / cannot write the file: ${(err as Error).message}`, { file: target, why: (err as Error).message })
  }
  return { path: target, sha256: sha256Of(bytes), bytes: bytes.length }
}

/**
 * Lets a writer that needs a path (ffmpeg, a zip stream, SQLite's backup API, a spreadsheet
 * writer) make `target`: it writes to the temporary path it is given; `check` may refuse
 * the result; only then is it renamed into place and hashed.
 */
export async function produceOutput(target: string, make: (temp: string) => Promise<unknown>, check?: (temp: string) => void | Promise<void>): Promise<Output> {
  mkdirSync(dirname(target), { recursive: true })
  const temp = temporaryFor(target)
  try {
    await make(temp)
    await check?.(temp)
    const bytes = statSync(temp).size
    const sha256 = await sha256File(temp)
    renameSync(temp, target)
    return { path: target, sha256, bytes }
  } catch (err) {
    rmSync(temp, { force: true })
    rmSync(`${temp}-journal`, { force: true })
    throw err
  }
}

/** Removes what killed runs left in `dir` (and below): only files with Orchard's temporary names. */
export function removeTemporaries(dir: string): number {
  let removed = 0
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true })
  } catch {
    return 0
  }
  for (const entry of entries) {
    if (entry.isFile() && isTemporary(entry.name)) {
      rmSync(join(entry.parentPath, entry.name), { force: true })
      removed++
    }
  }
  return removed
}
