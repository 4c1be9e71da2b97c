import { readFileSync } from 'node:fs'
import type { PagesPublishResult, PagesRound } from '../../../src-shared/contracts/memberPages'
import { OrchardError } from '../../../src-shared/errors'
import { MAX_TICKS_PAGE, MAX_WITHDRAWALS_PAGE, type WithdrawalAnswersRequest } from '../../../src-shared/pagesProtocol'
import { addDays, dayIn } from '../../../src-shared/time'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { MEMBER_EVENTS } from '../db/tables/lifecycle'
import { PACK_PUBLICATIONS, type GroupLiveCodeRow } from '../db/tables/memberPages'
import { insertRowIfNew, upsertRow } from '../db/tables/table'
import { requestWithdrawal } from '../ledger/settlement'
import { readSettings } from '../settings/settings'
import { isEnrolled, readSyncState } from '../sync/state'
import { memberEarnings } from './earnings'
import { PagesHttp } from './http'
import { markLinksPushed, pendingLinks } from './links'
import { fingerprint, liveGroupWire, saveScans } from './liveCodes'
import { buildRun, customerMarks, unpublishedRuns, type BlobFile } from './publish'
import { adoptPagesServer, readPagesState, recordExchange, savePublicUrl, saveTicksCursor, saveWithdrawalsCursor } from './state'

/**
 * One exchange with the team's server for members' pages, run after each sync round and
 * when asked: links, live-code groups, packs not published yet, earnings, then what came
 * back (ticks as the members' share events, live-code scans). Every step is safe to repeat:
 * the server answers a repeat the same way and the cursors only move after a commit.
 */

import type { PagesExchangeOptions as ExchangeOptions } from '../context'

export type { ExchangeOptions }

const MISSING_BATCH = 5000
const EARNINGS_BATCH = 1000

export function pagesHttp(db: Db, options: ExchangeOptions = {}): PagesHttp {
  const s = readSyncState(db)
  if (!isEnrolled(s)) throw new OrchardError('sync_not_enrolled', '此工作站尚未连接团队服务器 / this workstation is not enrolled with a team server')
  return new PagesHttp({ baseUrl: s.serverUrl!, token: s.token!, fetch: options.fetch, signal: options.signal, timeoutMs: options.timeoutMs })
}

/** Sends the files the server lacks, each once. */
async function uploadFiles(http: PagesHttp, files: Map<string, BlobFile>): Promise<{ uploaded: number; bytes: number }> {
  const all = [...files.keys()]
  let uploaded = 0
  let bytes = 0
  for (let i = 0; i < all.length; i += MISSING_BATCH) {
    const { missing } = await http.missing(all.slice(i, i + MISSING_BATCH))
    for (const sha of missing) {
      const f = files.get(sha)
      if (!f) continue
      const data = f.data ?? readFileSync(f.path!)
      await http.putBlob(sha, f.type, data)
      uploaded++
      bytes += data.length
    }
  }
  return { uploaded, bytes }
}

/** Publishes runs not on this server yet (or the ones asked for): files first, then the packs naming them. */
export async function publishRuns(ctx: CoreContext, http: PagesHttp, serverId: string, filter: ExchangeOptions['publish'] = {}): Promise<PagesPublishResult & { uploaded: number }> {
  const db = ctx.db
  const now = ctx.clock.now()
  const result: PagesPublishResult & { uploaded: number } = { runs: [], superseded: 0, refused: [], uploaded: 0 }
  const jobs = unpublishedRuns(db, ctx.timezone(), now, serverId, filter)
  if (filter.jobId && !jobs.length) {
    const row = db.prepare(`SELECT status FROM jobs WHERE id = ? AND kind = 'packs'`).pluck().get(filter.jobId) as string | undefined
    if (!row) throw new OrchardError('not_found', `没有这次生成 / no such pack run: ${filter.jobId}`, { field: 'jobId', value: filter.jobId })
    if (row !== 'done') throw new OrchardError('job_unfinished', `这次生成还没有完成（${row}），完成后才能发布 / the run is not finished (${row}): publish it once it is`, { field: 'jobId', value: filter.jobId })
  }
  if (!jobs.length) return result
  const marks = customerMarks(db)
  for (const job of jobs) {
    let run: Awaited<ReturnType<typeof buildRun>>
    try {
      run = await buildRun(db, job, marks)
    } catch (err) {
      // A run that cannot go (a customer named in its text, a file changed since) waits for a
      // person; the others are published all the same. Asked for by name, it is the answer.
      if (filter.jobId || !(err instanceof OrchardError)) throw err
      result.refused.push({ jobId: job.id, date: job.label, code: err.code, message: err.message })
      continue
    }
    const sent = await uploadFiles(http, run.files)
    const answer = await http.packs({ runs: [run.request] })
    upsertRow(db, PACK_PUBLICATIONS, ['job_id'], {
      job_id: job.id,
      server_id: serverId,
      published_at: ctx.clock.now().toISOString(),
      packs: run.request.packs.length,
      files: run.files.size,
      uploaded: sent.uploaded,
    })
    result.runs.push({ jobId: job.id, date: job.label, packs: answer.stored, files: run.files.size, uploaded: sent.uploaded, uploadedBytes: sent.bytes })
    result.superseded += answer.superseded
    result.uploaded += sent.uploaded
  }
  return result
}

/**
 * Runs replaced since they were published leave the pages whole at once, even before the
 * run replacing them finishes: members never see a pack the studio threw away.
 */
async function withdrawReplaced(db: Db, http: PagesHttp, serverId: string): Promise<number> {
  const rows = db
    .prepare(
      `SELECT p.job_id, j.replaced_by, n.created_at FROM pack_publications p JOIN jobs j ON j.id = p.job_id JOIN jobs n ON n.id = j.replaced_by
        WHERE j.status = 'replaced' AND p.server_id = ?`,
    )
    .all(serverId) as { job_id: string; replaced_by: string; created_at: string }[]
  if (!rows.length) return 0
  const byRun = new Map<string, { createdAt: string; replaces: string[] }>()
  for (const r of rows) {
    const run = byRun.get(r.replaced_by) ?? { createdAt: r.created_at, replaces: [] }
    run.replaces.push(r.job_id)
    byRun.set(r.replaced_by, run)
  }
  const runs = [...byRun].map(([runId, r]) => ({ runId, runCreatedAt: r.createdAt, replaces: r.replaces.slice(0, 50), packs: [] }))
  let withdrawn = 0
  for (let i = 0; i < runs.length; i += 20) {
    const answer = await http.packs({ runs: runs.slice(i, i + 20) })
    withdrawn += answer.withdrawn
  }
  db.prepare(`DELETE FROM pack_publications WHERE job_id IN (${rows.map(() => '?').join(',')})`).run(...rows.map((r) => r.job_id))
  return withdrawn
}

async function pushLinks(db: Db, http: PagesHttp): Promise<number> {
  const pending = pendingLinks(db)
  for (let i = 0; i < pending.length; i += 1000) {
    const batch = pending.slice(i, i + 1000)
    await http.links(batch.map((l) => ({ memberCode: l.memberCode, memberName: l.memberName.slice(0, 80), tokenHash: l.tokenHash })))
    markLinksPushed(db, batch)
  }
  return pending.length
}

async function pushGroups(db: Db, http: PagesHttp, now: Date): Promise<number> {
  const ids = db.prepare('SELECT group_id, pushed_hash FROM group_live_codes').all() as Pick<GroupLiveCodeRow, 'group_id' | 'pushed_hash'>[]
  let n = 0
  for (const { group_id, pushed_hash } of ids) {
    const made = liveGroupWire(db, group_id, now)
    if (!made) continue
    const hash = fingerprint(made.wire)
    if (hash === pushed_hash) continue
    await uploadFiles(http, new Map(made.files.map((f) => [f.sha256, { sha256: f.sha256, type: 'image/png' as const, path: f.path }])))
    await http.groups([made.wire])
    db.prepare('UPDATE group_live_codes SET pushed_hash = ? WHERE group_id = ?').run(hash, group_id)
    n++
  }
  return n
}

async function pushEarnings(ctx: CoreContext, http: PagesHttp): Promise<number> {
  const members = memberEarnings(ctx)
  for (let i = 0; i < members.length; i += EARNINGS_BATCH) await http.earnings(members.slice(i, i + EARNINGS_BATCH))
  return members.length
}

/** Ticks become the member's share events, once each (the tick's id is the event's), in the order members made them. */
async function pullTicks(db: Db, http: PagesHttp, now: Date): Promise<number> {
  let taken = 0
  for (;;) {
    const cursor = readPagesState(db).ticksCursor
    const page = await http.ticks(cursor, MAX_TICKS_PAGE)
    if (!page.ticks.length) break
    const byCode = db.prepare('SELECT id FROM members WHERE invite_code = ?').pluck()
    db.transaction(() => {
      for (const t of page.ticks) {
        const memberId = byCode.get(t.memberCode) as string | undefined
        if (!memberId) continue
        taken += insertRowIfNew(db, MEMBER_EVENTS, {
          id: t.id,
          member_id: memberId,
          type: 'share',
          occurred_at: new Date(t.tickedAt).toISOString(),
          note: `会员小站打卡：${t.label}`.slice(0, 500),
          source: 'member_page',
          recorded_by: null,
          created_at: now.toISOString(),
        })
      }
      saveTicksCursor(db, page.ticks[page.ticks.length - 1].seq)
    })()
    if (!page.more) break
  }
  return taken
}

/**
 * Withdrawals members asked for on their pages become requests in the ledger — checked here
 * again as any other request (minimum, withdrawable now, a payout account), under the
 * server's id so taking one twice is impossible — and the page is told what became of each.
 */
async function takeWithdrawals(ctx: CoreContext, http: PagesHttp): Promise<number> {
  const db = ctx.db
  let taken = 0
  for (;;) {
    const page = await http.withdrawals(readPagesState(db).withdrawalsCursor, MAX_WITHDRAWALS_PAGE)
    if (!page.withdrawals.length) break
    const answers: WithdrawalAnswersRequest['answers'] = []
    for (const w of page.withdrawals) {
      const m = db.prepare('SELECT id, name FROM members WHERE invite_code = ?').get(w.memberCode) as { id: string; name: string } | undefined
      if (db.prepare('SELECT 1 FROM withdrawals WHERE id = ?').get(w.id)) {
        answers.push({ id: w.id, status: 'taken', message: '' })
        continue
      }
      if (!m) {
        answers.push({ id: w.id, status: 'refused', message: '没有找到这位会员，请联系运营' })
        continue
      }
      const account = db.prepare('SELECT id FROM payout_accounts WHERE member_id = ? ORDER BY created_at LIMIT 1').pluck().get(m.id) as string | undefined
      try {
        requestWithdrawal(ctx, { memberId: m.id, amountFen: w.amountFen, accountId: account, note: '会员小站申请' }, { id: w.id, requestedBy: `${m.name}（会员小站）` })
        answers.push({ id: w.id, status: 'taken', message: '' })
        taken++
      } catch (err) {
        if (!(err instanceof OrchardError)) throw err
        answers.push({ id: w.id, status: 'refused', message: err.message.split(' / ')[0].replace(/\p{Cc}/gu, ' ').slice(0, 300) })
      }
    }
    await http.answerWithdrawals(answers)
    saveWithdrawalsCursor(db, page.withdrawals[page.withdrawals.length - 1].seq)
    if (!page.more) break
  }
  return taken
}

/** One exchange; a failure is recorded (and thrown) without touching the ledger's sync state. */
export async function exchangePages(ctx: CoreContext, options: ExchangeOptions = {}): Promise<PagesRound & { published: PagesPublishResult }> {
  const db = ctx.db
  const http = pagesHttp(db, options)
  const round: PagesRound & { published: PagesPublishResult } = { packs: 0, uploaded: 0, links: 0, groups: 0, earnings: 0, ticks: 0, error: null, published: { runs: [], superseded: 0, refused: [] } }
  try {
    const hello = await http.hello()
    adoptPagesServer(db, hello.serverId)
    const config = await http.config()
    savePublicUrl(db, config.publicUrl)
    const settings = readSettings(db)
    await http.team({ studioName: settings.studioName.replace(/\p{Cc}/gu, ' ').slice(0, 60), timeZone: ctx.timezone() })
    round.links = await pushLinks(db, http)
    const now = ctx.clock.now()
    round.groups = await pushGroups(db, http, now)
    await withdrawReplaced(db, http, hello.serverId)
    const published = await publishRuns(ctx, http, hello.serverId, options.publish)
    round.published = { runs: published.runs, superseded: published.superseded, refused: published.refused }
    round.packs = published.runs.reduce((n, r) => n + r.packs, 0)
    round.uploaded = published.uploaded
    const withdrawals = await takeWithdrawals(ctx, http)
    round.earnings = await pushEarnings(ctx, http)
    round.ticks = await pullTicks(db, http, now)
    const since = addDays(dayIn(ctx.timezone(), now), -30)
    saveScans(db, (await http.scans(since)).scans)
    // A run left home is this exchange's news: the console shows it until a later exchange goes clean.
    const refused = published.refused[0]
    recordExchange(db, ctx.clock.now().toISOString(), refused ? { code: refused.code, message: `${refused.date}：${refused.message}` } : null)
    if (round.ticks) ctx.emit('data.changed', { entities: ['events'] })
    if (withdrawals) ctx.emit('data.changed', { entities: ['ledger'] })
    return round
  } catch (err) {
    const e = err instanceof OrchardError ? err : OrchardError.from(err)
    try {
      recordExchange(db, ctx.clock.now().toISOString(), { code: e.code, message: e.message })
    } catch {
      // The database went away (closing, restore): nothing to record.
    }
    throw e
  }
}
