/**
 * A job's packs as their members will see them: the images in the order they post
 * them (the moments 9-grid), the copy for each channel ready to copy, the day's
 * schedule, and for a group its QR code's expiry and its mass-send allowance.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { PackOwner, PackPreview } from '../../../src-shared/contracts/materials'
import { OrchardError } from '../../../src-shared/errors'
import type { Db } from '../db/connection'
import type { JobItemRow } from '../db/tables/jobs'
import { jobRow } from '../jobs/durable'
import { allowanceOf, groupQrState, packCopy, packSchedule, storedPlan } from './packs'
import { thumbnail } from './sources'

export function packOwners(db: Db, dataDir: string, jobId: string): PackOwner[] {
  const job = jobRow(db, jobId, 'packs')
  const { owners } = storedPlan(db, dataDir, job)
  const counts = new Map(
    (db.prepare('SELECT owner_id, COUNT(*) AS total, COUNT(done_at) AS done FROM job_items WHERE job_id = ? AND owner_id IS NOT NULL GROUP BY owner_id').all(jobId) as {
      owner_id: string
      total: number
      done: number
    }[]).map((r) => [r.owner_id, r]),
  )
  return owners.map((o) => ({
    kind: o.kind,
    id: o.id,
    name: o.name,
    folder: o.folder,
    inviteCode: o.poster.inviteCode,
    done: counts.get(o.id)?.done ?? 0,
    total: counts.get(o.id)?.total ?? 0,
  }))
}

const IMAGE_KINDS = ['poster', 'comparison', 'collage', 'groupQr'] as const
type ImageKind = (typeof IMAGE_KINDS)[number]

export async function packPreview(db: Db, dataDir: string, jobId: string, folder: string, now: Date): Promise<PackPreview> {
  const job = jobRow(db, jobId, 'packs')
  const { request, owners, products } = storedPlan(db, dataDir, job)
  const owner = owners.find((o) => o.folder === folder)
  if (!owner) throw new OrchardError('not_found', `这个任务里没有这份素材包 / this job has no pack named ${folder}`, { field: 'folder', value: folder })
  const bySku = new Map(products.map((p) => [p.id, p]))
  const items = db
    .prepare(`SELECT * FROM job_items WHERE job_id = ? AND (owner_id = ? OR kind = 'video') ORDER BY seq`)
    .all(jobId, owner.id) as JobItemRow[]
  const done = items.filter((i) => i.done_at && existsSync(join(job.out_dir, i.file)))
  const images = await Promise.all(
    done
      .filter((i): i is JobItemRow & { kind: ImageKind } => (IMAGE_KINDS as readonly string[]).includes(i.kind))
      .map(async (i) => {
        const product = bySku.get((JSON.parse(i.spec) as { product?: string }).product ?? '')
        return {
          file: i.file,
          kind: i.kind,
          productSku: product?.sku ?? null,
          productName: product?.name ?? null,
          thumb: await thumbnail(join(job.out_dir, i.file), 360),
        }
      }),
  )
  const videos = done
    .filter((i) => i.kind === 'video')
    .map((i) => ({ file: i.file, productSku: bySku.get((JSON.parse(i.spec) as { product: string }).product)?.sku ?? '', bytes: i.bytes ?? 0 }))
  const schedule = packSchedule(owner, request.date, products)
  const qr = groupQrState(db, owner, request.date)
  const counts = items.filter((i) => i.owner_id === owner.id)
  return {
    jobId,
    date: request.date,
    owner: {
      kind: owner.kind,
      id: owner.id,
      name: owner.name,
      folder: owner.folder,
      inviteCode: owner.poster.inviteCode,
      done: counts.filter((i) => i.done_at).length,
      total: counts.length,
    },
    images,
    videos,
    copy: packCopy(db, owner, products, request.date),
    schedule,
    groupQr: qr && qr.state !== 'lapsed' ? { expiresAt: qr.expiresAt, lapsed: qr.expiresAt <= now.toISOString() } : null,
    allowance: allowanceOf(db, owner, request.date, schedule),
  }
}
