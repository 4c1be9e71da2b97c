import { once } from 'node:events'
import { createWriteStream, existsSync } from 'node:fs'
import { ZipArchive } from 'archiver'
import { produceOutput, type Output } from './outputs'

/** What goes into a zip: a folder's files (at its root or under a prefix), one file from disk, or bytes. */
export type ZipEntry = { folder: string; prefix?: string } | { file: string; name: string } | { data: Buffer; name: string }

/**
 * Writes a zip through a temporary name, renamed into place when complete. Posters and
 * videos are compressed already: the fastest deflate level costs little and saves nothing
 * worth waiting for on them, while text still shrinks.
 */
export async function writeZip(target: string, entries: ZipEntry[], options: { date?: Date } = {}): Promise<Output> {
  return produceOutput(target, async (temp) => {
    const output = createWriteStream(temp)
    const zip = new ZipArchive({ zlib: { level: 1 } })
    const failed = new Promise<never>((_, reject) => {
      output.once('error', reject)
      zip.once('error', reject)
    })
    failed.catch(() => undefined)
    zip.pipe(output)
    for (const e of entries) {
      if ('folder' in e) zip.directory(e.folder, e.prefix ?? false)
      else if ('file' in e) {
        if (existsSync(e.file)) zip.file(e.file, { name: e.name, ...(options.date ? { date: options.date } : {}) })
      } else zip.append(e.data, { name: e.name, ...(options.date ? { date: options.date } : {}) })
    }
    await Promise.race([zip.finalize(), failed])
    await Promise.race([once(output, 'close'), failed])
  })
}
