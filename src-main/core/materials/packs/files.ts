import type { CopyChannel } from '../../../../src-shared/contracts/materials'
import { timeIn } from '../../../../src-shared/time'
import { SEGMENT_LABELS } from '../../../../src-shared/vocabulary'
import type { Db } from '../../db/connection'
import { GROUP_MASS_SENDS } from '../../db/tables/materials'
import { insertRowIfNew } from '../../db/tables/table'
import { inviteUrl } from '../../members/invite'
import { studioTimeZone } from '../../settings/settings'
import { checklist } from '../schedule'
import { allowanceNote, allowanceOf, groupQrState, packCopy, packSchedule, type PackCopy } from './content'
import type { PackItemKind, PackItemSpec, PackOwnerSpec, PackPlan } from './types'

/** The text files of a pack: its copy, its checklist and its manifest. */

const CHANNEL_HEADINGS: Record<CopyChannel, string> = { moments: '▍朋友圈', group: '▍群聊', private: '▍私聊' }

/** 文案.txt: every product's copy per channel (and per customer tone for private chats), ready to copy. */
export function copyFile(db: Db, plan: PackPlan, owner: PackOwnerSpec): string {
  const { request, products } = plan
  const copy = packCopy(db, owner, products, request.date)
  const label = (c: PackCopy) => (c.tone ? `${CHANNEL_HEADINGS[c.channel]}（${SEGMENT_LABELS[c.tone].zh}）` : CHANNEL_HEADINGS[c.channel])
  const parts = products.map((pr) => [`【${pr.name}】`, '', ...copy.filter((c) => c.productSku === pr.sku).flatMap((c) => [label(c), c.text, '']), ''].join('\n'))
  const head =
    owner.kind === 'group'
      ? `${owner.name} · ${request.date} 群文案\n群主 ${owner.poster.name} · 邀请码 ${owner.poster.inviteCode}`
      : `${owner.name} · ${request.date} 文案\n邀请码 ${owner.poster.inviteCode}`
  return `${head}\n\n${parts.join('\n')}`
}

/** 发布清单.md: the day's posts to tick off by hand, with a group's allowance and QR code expiry. */
export function checklistFile(db: Db, plan: PackPlan, owner: PackOwnerSpec): string {
  const { request, products } = plan
  const schedule = packSchedule(owner, request.date, products)
  const allowance = allowanceOf(db, owner, request.date, schedule)
  const qr = groupQrState(db, owner, request.date)
  let text = checklist(owner.name, request.date, schedule)
  if (allowance) text += `\n群发额度：${allowanceNote(allowance)}\n`
  if (qr && qr.state !== 'lapsed') text += `群二维码有效期至 ${timeIn(studioTimeZone(db), new Date(qr.expiresAt))}，过期前请重新生成。\n`
  return text
}

/** A group's planned mass sends for the day, recorded once (making the day again changes nothing). */
export function recordMassSends(db: Db, plan: PackPlan, owner: PackOwnerSpec, jobId: string): void {
  if (owner.kind !== 'group') return
  const schedule = packSchedule(owner, plan.request.date, plan.products)
  db.transaction(() =>
    schedule.filter((s) => s.massSend).forEach((s) => insertRowIfNew(db, GROUP_MASS_SENDS, { group_id: owner.id, day: plan.request.date, slot: s.key, job_id: jobId })),
  )()
}

/**
 * manifest.json: who the pack is for, every file it holds with its SHA-256 (shared videos
 * as ../共享视频/…), the copy, the schedule, the group's QR code and allowance. Written
 * after the pack's files, over what is done: the folder holds exactly what it lists.
 */
export function manifestFile(db: Db, plan: PackPlan, owner: PackOwnerSpec, jobId: string): string {
  const { request, products } = plan
  const files = db
    .prepare(
      `SELECT file, kind, spec, sha256, bytes FROM job_items WHERE job_id = ? AND (owner_id = ? OR kind = 'video') AND kind NOT IN ('manifest', 'zip') AND done_at IS NOT NULL ORDER BY seq`,
    )
    .all(jobId, owner.id) as { file: string; kind: PackItemKind; spec: string; sha256: string; bytes: number }[]
  const productById = new Map(products.map((p) => [p.id, p]))
  const schedule = packSchedule(owner, request.date, products)
  const qr = groupQrState(db, owner, request.date)
  const manifest = {
    kind: owner.kind,
    [owner.kind === 'group' ? 'group' : 'member']: { id: owner.id, name: owner.name },
    poster: { name: owner.poster.name, inviteCode: owner.poster.inviteCode, inviteUrl: inviteUrl(db, owner.poster.inviteCode, request.date) },
    date: request.date,
    files: files.map((f) => {
      const s = JSON.parse(f.spec) as PackItemSpec
      const pr = s.product ? productById.get(s.product) : undefined
      return { file: f.kind === 'video' ? `../${f.file}` : f.file.slice(f.file.indexOf('/') + 1), kind: f.kind, product: pr?.sku ?? null, sha256: f.sha256, bytes: f.bytes }
    }),
    copy: packCopy(db, owner, products, request.date),
    schedule,
    groupQr: qr && qr.state !== 'lapsed' ? { file: '群二维码.png', expiresAt: qr.expiresAt } : null,
    allowance: allowanceOf(db, owner, request.date, schedule),
  }
  return JSON.stringify(manifest, null, 2) + '\n'
}
