import { existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { PackJob } from '../../../../src-shared/contracts/materials'
import { OrchardError } from '../../../../src-shared/errors'
import type { CoreContext } from '../../context'
import type { Db } from '../../db/connection'
import type { JobRow } from '../../db/tables/jobs'
import { toPackPublication, type PackPublicationRow } from '../../db/tables/memberPages'
import {
  createJob,
  isActive,
  jobRow,
  jobsInFolder,
  jobSummary,
  launchJob,
  listJobRows,
  reopenJob,
  resumableJob,
  retireJob,
  stopJobs,
  type JobItem,
  type JobWorker,
} from '../../jobs/durable'
import { produceOutput } from '../../jobs/outputs'
import { writeZip } from '../../jobs/zip'
import QRCode from 'qrcode'
import { inviteUrl } from '../../members/invite'
import { readSettings, studioTimeZone } from '../../settings/settings'
import { productPhotos } from '../photos'
import { checkComparison, renderCollage, renderComparison } from '../render'
import { calendar, planDay } from '../schedule'
import { buyerPhotoFiles, comparisonEntries, latestGroupQr } from '../sources'
import { musicTracks, renderProductVideo } from '../video'
import { PosterPool } from '../workers/posterPool'
import { checkPacks } from './check'
import { posterProduct, sellingPoint } from './content'
import { checklistFile, copyFile, manifestFile, recordMassSends } from './files'
import { liveCodeFor, packKey, planPackItems, planPacks, SHARED_FOLDER, type LiveCodeLookup } from './plan'
import type { PackItemKind, PackItemSpec, PackOwnerSpec, PackPlan, PackRequest } from './types'

/**
 * What the video's end card asks of the viewer. One video serves every member's pack, so it
 * cannot carry any one member's QR code: it asks for a message instead of promising a scan.
 */
export const VIDEO_END_NOTE = '私信我下单 · 认准邀请码'

/** Packs run as durable jobs of this kind (core/jobs). */
const KIND = 'packs'

/**
 * What a poster's QR code opens: a group's live code (with the owner as the one who brought
 * the scan) when the group has one — it never lapses — else the poster member's invite link.
 */
/** The core's live codes, when it has members' pages. */
export const liveCodesOf =
  (ctx: CoreContext): LiveCodeLookup =>
  (groupId) =>
    ctx.liveCodeUrl?.(groupId) ?? null

function posterUrl(db: Db, plan: PackPlan, owner: PackOwnerSpec, date: string): string {
  return (owner.kind === 'group' ? liveCodeFor(plan, owner.id, owner.poster.inviteCode) : null) ?? inviteUrl(db, owner.poster.inviteCode, date)
}

function toPackJob(db: Db, row: JobRow): PackJob {
  const s = jobSummary(db, row)
  return {
    id: s.id,
    date: s.label,
    status: s.status,
    out: s.out,
    done: s.done,
    total: s.total,
    members: s.owners,
    files: s.done,
    bytes: s.bytes,
    warnings: s.warnings as PackJob['warnings'],
    resumed: s.resumed,
    durationMs: s.durationMs,
    error: s.error,
    createdAt: s.createdAt,
    replacedBy: row.replaced_by,
    published: publicationOf(db, row.id),
  }
}

/** When the run's packs went to members' pages (the server this workstation syncs with now). */
function publicationOf(db: Db, jobId: string): PackJob['published'] {
  const p = db.prepare('SELECT * FROM pack_publications WHERE job_id = ?').get(jobId) as PackPublicationRow | undefined
  return p ? toPackPublication(p) : null
}

export function packJob(db: Db, jobId: string): PackJob {
  return toPackJob(db, jobRow(db, jobId, KIND))
}

export function listPackJobs(db: Db): PackJob[] {
  return listJobRows(db, KIND).map((r) => toPackJob(db, r))
}

/** What a stored job was asked to make, resolved again (owners and products as they are now). */
export function storedPlan(db: Db, dataDir: string, row: JobRow, liveCodeOf?: LiveCodeLookup): PackPlan {
  return planPacks(db, dataDir, JSON.parse(row.params) as PackRequest, liveCodeOf)
}

/** Makes each planned file of a job. Posters render on worker threads; videos and zips are written by their own writers. */
function packWorker(ctx: CoreContext, jobId: string, plan: PackPlan): JobWorker {
  const db = ctx.db
  const { request, owners, products, templates } = plan
  const out = request.out
  const studio = { name: readSettings(db).studioName }
  const ownerById = new Map(owners.map((o) => [o.id, o]))
  const productById = new Map(products.map((p) => [p.id, p]))
  const templateById = new Map(templates.map((t) => [t.id, t]))
  // A product's comparison and collage are the same image in every pack: made once per run.
  const shared = new Map<string, Promise<Buffer>>()
  const once = (key: string, make: () => Promise<Buffer>) => {
    if (!shared.has(key)) shared.set(key, make())
    return shared.get(key)!
  }
  const pool = new PosterPool()

  return {
    parallel: (item: JobItem) => item.kind === 'poster' || item.kind === 'comparison' || item.kind === 'collage',
    close: () => pool.close(),
    async produce(item: JobItem, signal: AbortSignal) {
      const spec = JSON.parse(item.spec) as PackItemSpec
      const owner = spec.id ? ownerById.get(spec.id) : undefined
      const p = spec.product ? productById.get(spec.product) : undefined
      if ((spec.id && !owner) || (spec.product && !p)) {
        throw new OrchardError('job_stale', `生成任务里的会员、社群或商品已被删除 / a member, group or product of this job no longer exists: ${item.file}`, { file: item.file })
      }
      const target = join(out, item.file)
      switch (item.kind as PackItemKind) {
        case 'video': {
          const photos = productPhotos(p!, db).slice(0, 4)
          return produceOutput(target, (temp) =>
            renderProductVideo({
              product: posterProduct(p!, photos[0]),
              photos,
              captions: [p!.name, sellingPoint(p!.facts), p!.brand, p!.category].slice(0, photos.length),
              priceCard: { salePriceFen: p!.sale_price_fen, listPriceFen: p!.list_price_fen > p!.sale_price_fen ? p!.list_price_fen : null, note: VIDEO_END_NOTE },
              musicPath: musicTracks()[0]?.path ?? null,
              durationSec: 15,
              outPath: temp,
              signal,
            }),
          )
        }
        case 'poster': {
          const jpeg = await pool.render(
            templateById.get(spec.template!)!,
            posterProduct(p!, productPhotos(p!, db)[0]),
            studio,
            { id: owner!.poster.id, name: owner!.poster.name, inviteCode: owner!.poster.inviteCode, inviteUrl: posterUrl(db, plan, owner!, request.date) },
          )
          if (jpeg.length < 1000 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg[jpeg.length - 2] !== 0xff || jpeg[jpeg.length - 1] !== 0xd9) {
            throw new OrchardError('render_failed', `海报不完整 / the poster came out incomplete: ${item.file}`, { file: item.file })
          }
          return jpeg
        }
        case 'comparison':
          return once(`comparison|${p!.id}`, () => {
            const entries = comparisonEntries(db, p!.id, request.date)
            checkComparison({ ourPriceFen: p!.sale_price_fen, entries })
            return renderComparison({ product: posterProduct(p!, productPhotos(p!, db)[0]), ourPriceFen: p!.sale_price_fen, entries })
          })
        case 'collage':
          return once(`collage|${p!.id}`, () => renderCollage({ product: posterProduct(p!, productPhotos(p!, db)[0]), photos: buyerPhotoFiles(db, p!.id), caption: `${p!.name} · 买家真实反馈` }))
        case 'groupQr': {
          const live = liveCodeFor(plan, owner!.id, owner!.poster.inviteCode)
          if (live) return QRCode.toBuffer(live, { errorCorrectionLevel: 'M', margin: 4, width: 600 })
          const qr = latestGroupQr(db, owner!.id)
          if (!qr || !existsSync(qr.file)) throw new OrchardError('file_not_found', `群二维码图片不见了，请重新上传 / the group's QR picture is gone: upload it again`, { file: qr?.file })
          return readFileSync(qr.file)
        }
        case 'copy':
          return Buffer.from(copyFile(db, plan, owner!), 'utf8')
        case 'checklist':
          recordMassSends(db, plan, owner!, jobId)
          return Buffer.from(checklistFile(db, plan, owner!), 'utf8')
        case 'calendar':
          return Buffer.from(calendar(owner!.folder, planDay(request.date, products), studioTimeZone(db)), 'utf8')
        case 'manifest':
          return Buffer.from(manifestFile(db, plan, owner!, jobId), 'utf8')
        case 'zip': {
          const videos = request.video ? products.map((pr) => join(out, SHARED_FOLDER, `${pr.sku}.mp4`)) : []
          return writeZip(target, [{ folder: join(out, owner!.folder) }, ...videos.map((f) => ({ file: f, name: `${SHARED_FOLDER}/${basename(f)}` }))])
        }
      }
    },
  }
}

/**
 * Plans the day's packs as a durable job — or finds the unfinished one that asked for the
 * same packs, which then resumes. A new run into a folder that already holds another run's
 * packs would leave posters of the old run beside a manifest of the new one: it is refused
 * unless `replace` is asked for, and then the old run's files go before the new one starts.
 */
function prepare(ctx: CoreContext, request: PackRequest): { jobId: string; plan: PackPlan } {
  const db = ctx.db
  const plan = planPacks(db, ctx.paths.dataDir, request, liveCodesOf(ctx))
  if (!plan.owners.length) throw new OrchardError('nothing_to_do', '没有要生成素材包的会员或社群 / no members or groups to make packs for', { field: 'members' })
  if (!plan.products.length) throw new OrchardError('nothing_to_do', `${request.date} 前 30 天没有可推的在售商品，请指定商品 / no products to feature: name them`, { field: 'products' })
  const findings = checkPacks(db, plan)
  const errors = findings.filter((f) => f.severity === 'error')
  if (errors.length) {
    throw new OrchardError('pack_blocked', `检查未通过，未生成素材包：${errors.length} 处问题 / the checker blocked the packs: ${errors.length} findings`, { findings: errors })
  }
  const key = packKey(plan)
  const unfinished = resumableJob(db, KIND, key)
  if (unfinished) {
    reopenJob(ctx, unfinished)
    return { jobId: unfinished, plan }
  }
  const earlier = jobsInFolder(db, KIND, plan.request.out)
  if (earlier.length && !request.replace) {
    const last = earlier[earlier.length - 1]
    throw new OrchardError(
      'packs_exist',
      `文件夹里已有 ${last.label} 的素材包（${earlier.length} 次生成）；新的一次会整体替换它们 —— 请确认替换（命令行加 --replace）/ the folder already holds packs of ${last.label}: a new run replaces them whole — confirm (--replace on the command line)`,
      { field: 'out', value: plan.request.out, jobs: earlier.map((j) => ({ id: j.id, date: j.label, status: j.status, createdAt: j.created_at })) },
    )
  }
  for (const j of earlier) {
    if (isActive(j.id)) throw new OrchardError('job_running', '这个文件夹的素材包正在生成中，先取消它 / packs are being made into this folder right now: cancel that run first', { jobId: j.id })
  }
  const jobId = createJob(ctx, { kind: KIND, key, params: plan.request, label: request.date, outDir: plan.request.out, items: planPackItems(db, plan), warnings: findings })
  for (const j of earlier) retireJob(ctx, j, jobId)
  // The replaced runs' packs leave members' pages whole at once, before the new run is done.
  if (earlier.length) void ctx.pagesExchange?.()
  return { jobId, plan }
}

/** Runs the job; a finished run goes to members' pages when the team's server can be reached (now, or at a later sync). */
async function launch(ctx: CoreContext, jobId: string, plan: PackPlan): Promise<PackJob> {
  await launchJob(ctx, jobId, packWorker(ctx, jobId, plan))
  const job = packJob(ctx.db, jobId)
  if (job.status === 'done') await ctx.pagesExchange?.()
  return packJob(ctx.db, jobId)
}

/** Generates the day's packs and answers when they are all made (the CLI's way). */
export async function generatePacks(ctx: CoreContext, request: PackRequest): Promise<PackJob> {
  const { jobId, plan } = prepare(ctx, request)
  return launch(ctx, jobId, plan)
}

/** Starts (or resumes) the day's packs and answers at once (the console's way); progress comes as events. */
export function startPacks(ctx: CoreContext, request: PackRequest): PackJob {
  const { jobId, plan } = prepare(ctx, request)
  // The outcome is in the job's row (done, cancelled, or failed with its error); nobody awaits it here.
  launch(ctx, jobId, plan).catch(() => undefined)
  return packJob(ctx.db, jobId)
}

/** Resumes a stopped job by its id: what it was asked for is stored with it, nothing needs to be asked again. */
export function resumePacks(ctx: CoreContext, jobId: string): PackJob {
  const row = jobRow(ctx.db, jobId, KIND)
  const plan = storedPlan(ctx.db, ctx.paths.dataDir, row, liveCodesOf(ctx))
  reopenJob(ctx, jobId)
  launch(ctx, jobId, plan).catch(() => undefined)
  return packJob(ctx.db, jobId)
}

/** Stops this core's running jobs (closing the app): they stay resumable. */
export async function stopAllPacks(ctx: CoreContext): Promise<void> {
  await stopJobs(ctx)
}
