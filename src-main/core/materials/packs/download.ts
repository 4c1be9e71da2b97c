import { copyFileSync, mkdirSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { OrchardError } from '../../../../src-shared/errors'
import type { CoreContext } from '../../context'
import { jobRow } from '../../jobs/durable'
import { safeFileName } from '../../jobs/names'
import { produceOutput } from '../../jobs/outputs'
import { writeZip, type ZipEntry } from '../../jobs/zip'
import { SHARED_FOLDER } from './plan'

/**
 * One pack (its folder) or a whole run as a zip, for browser mode to download (into the
 * data folder's exports/, where the download route hands it to the profile that asked) or
 * written where the desktop's save dialog says. The run's own zip is copied when it made one.
 */
export async function downloadPacks(ctx: CoreContext, input: { jobId: string; folder?: string; path?: string }): Promise<{ path: string; fileName: string; bytes: number }> {
  const job = jobRow(ctx.db, input.jobId, 'packs')
  if (job.status !== 'done') {
    throw new OrchardError('job_unfinished', '这次生成还没有完成，完成后才能下载 / the run is not finished: download it once it is', { field: 'jobId', value: input.jobId, status: job.status })
  }
  const out = resolve(job.out_dir)
  const folders = (ctx.db.prepare(`SELECT file FROM job_items WHERE job_id = ? AND kind = 'manifest' ORDER BY seq`).pluck().all(job.id) as string[]).map((f) => f.slice(0, f.lastIndexOf('/')))
  // Only a folder the run made: a name from the request never becomes a path of its own.
  if (input.folder !== undefined && !folders.includes(input.folder)) {
    throw new OrchardError('not_found', `这次生成里没有这个素材包 / no such pack in this run: ${input.folder}`, { field: 'folder', value: input.folder })
  }
  const fileName = `${safeFileName(input.folder ?? `素材包-${job.label}`, { spaces: 'underscore' })}.zip`
  const target = input.path ? resolve(input.path) : join(ctx.paths.exports, `${job.label}-${job.id.slice(-6)}-${fileName}`)
  mkdirSync(dirname(target), { recursive: true })
  const ownZip = input.folder !== undefined ? join(out, `${input.folder}.zip`) : null
  const made = ownZip && (ctx.db.prepare(`SELECT 1 FROM job_items WHERE job_id = ? AND kind = 'zip' AND file = ? AND done_at IS NOT NULL`).get(job.id, `${input.folder}.zip`) as unknown)
  if (ownZip && made) {
    await produceOutput(target, async (temp) => {
      try {
        copyFileSync(ownZip, temp)
      } catch {
        throw new OrchardError('file_not_found', '素材包的压缩包不见了，请重新生成 / the pack’s zip is gone: make the packs again', { file: ownZip })
      }
    })
  } else {
    const videos = (ctx.db.prepare(`SELECT file FROM job_items WHERE job_id = ? AND kind = 'video' AND done_at IS NOT NULL ORDER BY seq`).pluck().all(job.id) as string[]).map((f) => ({
      file: join(out, f),
      name: `${SHARED_FOLDER}/${basename(f)}`,
    }))
    const packs: ZipEntry[] = input.folder !== undefined ? [{ folder: join(out, input.folder) }] : folders.map((f) => ({ folder: join(out, f), prefix: f }))
    await writeZip(target, [...packs, ...videos])
  }
  return { path: target, fileName, bytes: statSync(target).size }
}
