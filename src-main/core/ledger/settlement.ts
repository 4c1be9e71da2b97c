import type { Balance, PayoutBatch, PayoutBatchDetail, SettlementSettings, Withdrawal } from '../../../src-shared/contracts/ledger'
import { OrchardError } from '../../../src-shared/errors'
import type { LedgerEntryWire } from '../../../src-shared/ledgerWire'
import { formatFen } from '../../../src-shared/vocabulary'
import { dayIn } from '../clock'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { PAYOUT_BATCHES, toPayoutBatch, toWithdrawal, WITHDRAWAL_COLUMNS, WITHDRAWAL_FROM, WITHDRAWALS } from '../db/tables/ledger'
import type { LedgerEntryRow, PayoutBatchRow, WithdrawalRow, WithdrawalTableRow } from '../db/tables/ledger'
import { insertRow, insertRowIfNew } from '../db/tables/table'
import type { MemberTableRow } from '../db/tables/members'
import { newId } from '../ids'
import { actorOf, appendAudit } from '../audit/audit'
import { readInternal, writeInternal } from '../settings/settings'
import { deviceId, entryWriter, periodOf } from './entries'

/**
 * Settlement (结算): how commission becomes money in a member's hand.
 *
 *  - Commission is frozen (冻结) for the after-sales window — by default 7 days after the
 *    order was completed or delivered (the source's completion date; the time it was
 *    placed when the source gives none). A refund inside the window reverses frozen
 *    commission before it is ever withdrawable. Bonuses and penalties count at once.
 *  - Then it is withdrawable (可提现): released commission, less what was withdrawn.
 *    Entries the team's server rejected count nowhere; entries it marked paid (the
 *    month-end payouts of before) are paid already and never withdrawable again.
 *  - A member asks to withdraw (an operator enters it, or it arrives from another
 *    workstation through the team's server): at least the minimum, at most what is
 *    withdrawable. The money leaves the balance at once as a withdrawal entry, so it
 *    cannot be asked for twice. A manager approves or turns it down (the money comes
 *    back); approved requests are paid in a payout batch, exported in the layout of the
 *    bank or Alipay/WeChat batch payout; the batch is marked paid, or partly failed — a
 *    failed line's money comes back to withdrawable.
 * Money moves only through ledger entries (append-only, synced); the requests and
 * batches carry the workflow, which only moves forward, and every step is audited.
 */
export const DEFAULT_SETTLEMENT: SettlementSettings = { windowDays: 7, minWithdrawalFen: 1000 }
const SETTINGS_KEY = 'ledger.settlement'

export function readSettlementSettings(db: Db): SettlementSettings {
  return { ...DEFAULT_SETTLEMENT, ...(readInternal<Partial<SettlementSettings>>(db, SETTINGS_KEY) ?? {}) }
}

export function saveSettlementSettings(ctx: CoreContext, settings: SettlementSettings): SettlementSettings {
  const before = readSettlementSettings(ctx.db)
  ctx.db.transaction(() => {
    writeInternal(ctx.db, SETTINGS_KEY, settings)
    appendAudit(
      ctx.db,
      actorOf(ctx),
      {
        kind: 'settlement.settings',
        entity: 'settlement',
        entityId: null,
        summary: `售后冻结 ${settings.windowDays} 天，最低提现 ¥${formatFen(settings.minWithdrawalFen)} / after-sales window ${settings.windowDays} days, minimum withdrawal ¥${formatFen(settings.minWithdrawalFen)}`,
        before,
        after: settings,
      },
      ctx.clock.now(),
    )
  })()
  return readSettlementSettings(ctx.db)
}

/** A member's money as one pass over their entries sums it (fen), with the member when the code is one's. */
interface BalanceRow {
  code: LedgerEntryRow['member_code']
  memberId: MemberTableRow['id'] | null
  memberName: MemberTableRow['name'] | null
  level: MemberTableRow['level'] | null
  paidDirect: number
  frozen: number
  released: number
  withdrawn: number
  /** The earliest base (an order's completion or placing, else the entry's time) of what is still frozen. */
  nextBase: LedgerEntryRow['occurred_at'] | null
}

/**
 * Every member's money as of now: frozen, withdrawable, requested (asked for, not paid
 * yet) and paid. One pass over the member's entries; an order-linked entry is frozen
 * until the order's completion (or placing) plus the window, whatever its kind —
 * so a refund's reversal nets against the frozen commission it reverses.
 */
export function balances(ctx: CoreContext, memberCode?: string): Balance[] {
  const db = ctx.db
  const settings = readSettlementSettings(db)
  const now = ctx.clock.now()
  const cutoff = new Date(now.getTime() - settings.windowDays * 86_400_000).toISOString()
  const rows = db
    .prepare(
      `WITH e AS (
         SELECT e.member_code AS code, e.amount_fen AS amount, e.status, e.kind,
                COALESCE((SELECT COALESCE(o.completed_at, o.placed_at) FROM orders o WHERE o.id = e.order_id), e.occurred_at) AS base
           FROM ledger_entries e
          WHERE e.kind <> 'membership_fee' AND e.status <> 'rejected' ${memberCode ? 'AND e.member_code = @code' : ''}
       )
       SELECT t.*, m.id AS memberId, m.name AS memberName, m.level FROM (
         SELECT code,
                COALESCE(SUM(CASE WHEN kind <> 'withdrawal' AND status = 'paid' THEN amount END), 0) AS paidDirect,
                COALESCE(SUM(CASE WHEN kind <> 'withdrawal' AND status <> 'paid' AND julianday(base) > julianday(@cutoff) THEN amount END), 0) AS frozen,
                COALESCE(SUM(CASE WHEN kind <> 'withdrawal' AND status <> 'paid' AND julianday(base) <= julianday(@cutoff) THEN amount END), 0) AS released,
                COALESCE(SUM(CASE WHEN kind = 'withdrawal' THEN amount END), 0) AS withdrawn,
                MIN(CASE WHEN kind <> 'withdrawal' AND status <> 'paid' AND julianday(base) > julianday(@cutoff) THEN base END) AS nextBase
           FROM e GROUP BY code COLLATE NOCASE
       ) t LEFT JOIN members m ON m.invite_code = t.code
       ORDER BY m.name, t.code`,
    )
    .all({ cutoff, ...(memberCode ? { code: memberCode } : {}) }) as BalanceRow[]
  const requests = new Map<string, { requested: number; paid: number }>()
  for (const r of db
    .prepare(
      `SELECT member_code AS code,
              COALESCE(SUM(CASE WHEN status IN ('requested', 'approved', 'batched') THEN amount_fen END), 0) AS requested,
              COALESCE(SUM(CASE WHEN status = 'paid' THEN amount_fen END), 0) AS paid
         FROM withdrawals ${memberCode ? 'WHERE member_code = ?' : ''} GROUP BY member_code COLLATE NOCASE`,
    )
    .all(...(memberCode ? [memberCode] : [])) as { code: string; requested: number; paid: number }[]) {
    requests.set(r.code.toUpperCase(), r)
  }
  return rows.map((r) => {
    const w = requests.get(r.code.toUpperCase()) ?? { requested: 0, paid: 0 }
    return {
      memberId: r.memberId,
      memberCode: r.code,
      memberName: r.memberName,
      level: r.level,
      frozenFen: r.frozen,
      withdrawableFen: r.released + r.withdrawn,
      requestedFen: w.requested,
      paidFen: r.paidDirect + w.paid,
      nextReleaseAt: r.nextBase ? new Date(Date.parse(r.nextBase) + settings.windowDays * 86_400_000).toISOString() : null,
    }
  })
}

function memberOf(db: Db, idOrCode: string): { id: string; code: string; name: string } {
  const m = db.prepare('SELECT id, invite_code AS code, name FROM members WHERE id = ? OR invite_code = ?').get(idOrCode, idOrCode) as
    | { id: string; code: string; name: string }
    | undefined
  if (!m) throw new OrchardError('not_found', `没有这位会员 / no such member: ${idOrCode}`, { field: 'memberId', value: idOrCode })
  return m
}

export function memberBalance(ctx: CoreContext, idOrCode: string): Balance {
  const m = memberOf(ctx.db, idOrCode)
  return (
    balances(ctx, m.code)[0] ?? { memberId: m.id, memberCode: m.code, memberName: m.name, level: null, frozenFen: 0, withdrawableFen: 0, requestedFen: 0, paidFen: 0, nextReleaseAt: null }
  )
}

// ---------------------------------------------------------------- withdrawal requests
export function listWithdrawals(db: Db, q: { memberId?: string; status?: Withdrawal['status'][] }): Withdrawal[] {
  const where: string[] = []
  const args: unknown[] = []
  if (q.memberId) {
    where.push('w.member_code = ?')
    args.push(memberOf(db, q.memberId).code)
  }
  if (q.status?.length) {
    where.push(`w.status IN (${q.status.map(() => '?').join(', ')})`)
    args.push(...q.status)
  }
  return (
    db.prepare(`SELECT ${WITHDRAWAL_COLUMNS} FROM ${WITHDRAWAL_FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY w.requested_at DESC, w.rowid DESC LIMIT 2000`).all(...args) as WithdrawalRow[]
  ).map(toWithdrawal)
}

function withdrawal(db: Db, id: string): Withdrawal {
  const row = db.prepare(`SELECT ${WITHDRAWAL_COLUMNS} FROM ${WITHDRAWAL_FROM} WHERE w.id = ?`).get(id) as WithdrawalRow | undefined
  if (!row) throw new OrchardError('not_found', `没有这笔提现申请 / no such withdrawal request: ${id}`, { field: 'id', value: id })
  return toWithdrawal(row)
}

/** A payout account of the member's: the one named, or their only one. */
function accountFor(db: Db, memberId: string, accountId: string | undefined): string {
  const accounts = db.prepare('SELECT id FROM payout_accounts WHERE member_id = ? ORDER BY created_at').pluck().all(memberId) as string[]
  if (accountId) {
    if (!accounts.includes(accountId)) {
      throw new OrchardError('not_found', `这个收款账户不属于该会员 / the payout account is not this member’s`, { field: 'accountId', value: accountId })
    }
    return accountId
  }
  if (accounts.length === 1) return accounts[0]
  if (!accounts.length) {
    throw new OrchardError('no_payout_account', '该会员还没有收款账户，请先在对账单页添加 / the member has no payout account yet: add one on the statement', { field: 'accountId' })
  }
  throw new OrchardError('choose_payout_account', `该会员有 ${accounts.length} 个收款账户，请选择一个 / the member has ${accounts.length} payout accounts: choose one`, { field: 'accountId' })
}

const yuan = (fen: number) => `¥${formatFen(fen)}`

function settlementEntry(ctx: CoreContext, e: { code: string; amountFen: number; key: string; memo: string }): void {
  const now = ctx.clock.now().toISOString()
  const write = entryWriter(ctx.db, deviceId(ctx.db), now)
  write({
    memberCode: e.code,
    kind: 'withdrawal',
    amountFen: e.amountFen,
    sourceType: 'withdrawal',
    sourceKey: e.key,
    reversesId: null,
    schemeId: null,
    schemeVersion: null,
    baseFen: null,
    rateBp: null,
    period: periodOf(ctx.timezone())(now),
    occurredAt: now,
    memo: e.memo,
    orderId: null,
  })
}

/** A request as it is first kept, from here or from another workstation: waiting, nothing decided, batched or settled yet. */
const requested = (r: Pick<WithdrawalTableRow, 'id' | 'member_code' | 'amount_fen' | 'account_id' | 'origin' | 'requested_at' | 'requested_by' | 'note'>): WithdrawalTableRow => ({
  ...r,
  status: 'requested',
  decided_at: null,
  decided_by: null,
  reason: null,
  batch_id: null,
  line_no: null,
  settled_at: null,
})

/**
 * A member's withdrawal request: at least the studio's minimum, at most what is
 * withdrawable now, to one of the member's payout accounts. The amount leaves the
 * balance at once (a withdrawal entry), so the same money cannot be asked for twice.
 */
export function requestWithdrawal(
  ctx: CoreContext,
  input: { memberId: string; amountFen: number; accountId?: string; note: string },
  /** A request made elsewhere (the member's own page): its id, and who asked, kept as they were. */
  from?: { id: string; requestedBy: string },
): Withdrawal {
  const db = ctx.db
  const m = memberOf(db, input.memberId)
  const settings = readSettlementSettings(db)
  if (input.amountFen < settings.minWithdrawalFen) {
    throw new OrchardError('below_minimum', `提现金额低于最低提现额 ${yuan(settings.minWithdrawalFen)} / below the minimum withdrawal of ${yuan(settings.minWithdrawalFen)}`, {
      field: 'amountFen',
      value: input.amountFen,
      minimum: settings.minWithdrawalFen,
    })
  }
  const accountId = accountFor(db, m.id, input.accountId)
  const id = from?.id ?? newId()
  const now = ctx.clock.now()
  db.transaction(() => {
    const balance = memberBalance(ctx, m.code)
    if (input.amountFen > balance.withdrawableFen) {
      throw new OrchardError(
        'over_withdrawable',
        `可提现余额只有 ${yuan(balance.withdrawableFen)}（另有 ${yuan(balance.frozenFen)} 在售后冻结期）/ only ${yuan(balance.withdrawableFen)} is withdrawable (${yuan(balance.frozenFen)} is frozen in the after-sales window)`,
        { field: 'amountFen', value: input.amountFen, withdrawable: balance.withdrawableFen, frozen: balance.frozenFen },
      )
    }
    const by = from?.requestedBy ?? actorOf(ctx).name
    insertRow(db, WITHDRAWALS, requested({ id, member_code: m.code, amount_fen: input.amountFen, account_id: accountId, origin: 'local', requested_at: now.toISOString(), requested_by: by, note: input.note }))
    settlementEntry(ctx, { code: m.code, amountFen: -input.amountFen, key: id, memo: `提现申请 ${yuan(input.amountFen)}${input.note ? ` · ${input.note}` : ''}` })
    appendAudit(
      db,
      actorOf(ctx),
      { kind: 'withdrawal.requested', entity: 'withdrawal', entityId: id, summary: `${m.name}（${m.code}）申请提现 ${yuan(input.amountFen)} / ${m.code} asks to withdraw ${yuan(input.amountFen)}`, after: { amountFen: input.amountFen, memberCode: m.code } },
      now,
    )
  })()
  return withdrawal(db, id)
}

/**
 * A manager approves a request (it waits for a payout batch) or turns it down with a
 * reason (its money comes back to withdrawable). A request that came from another
 * workstation is given one of the member's payout accounts here when it is approved.
 */
export function decideWithdrawal(ctx: CoreContext, input: { id: string; approve: boolean; reason: string; accountId?: string }): Withdrawal {
  const db = ctx.db
  const now = ctx.clock.now()
  const actor = actorOf(ctx)
  db.transaction(() => {
    const w = withdrawal(db, input.id)
    if (w.status !== 'requested') {
      throw new OrchardError('withdrawal_decided', `这笔提现已处理（${w.status}）/ this request was already decided (${w.status})`, { field: 'id', value: w.status })
    }
    if (input.approve) {
      if (!w.account || input.accountId) {
        const m = memberOf(db, w.memberCode)
        db.prepare('UPDATE withdrawals SET account_id = ? WHERE id = ?').run(accountFor(db, m.id, input.accountId), w.id)
      }
      db.prepare(`UPDATE withdrawals SET status = 'approved', decided_at = ?, decided_by = ?, reason = ? WHERE id = ?`).run(now.toISOString(), actor.name, input.reason || null, w.id)
    } else {
      if (!input.reason.trim()) throw new OrchardError('reason_required', '驳回需要写明原因 / a rejection needs a reason', { field: 'reason' })
      db.prepare(`UPDATE withdrawals SET status = 'rejected', decided_at = ?, decided_by = ?, reason = ? WHERE id = ?`).run(now.toISOString(), actor.name, input.reason, w.id)
      settlementEntry(ctx, { code: w.memberCode, amountFen: w.amountFen, key: `${w.id}~returned`, memo: `提现申请被驳回，${yuan(w.amountFen)} 退回可提现 · ${input.reason}` })
    }
    appendAudit(
      db,
      actor,
      {
        kind: input.approve ? 'withdrawal.approved' : 'withdrawal.rejected',
        entity: 'withdrawal',
        entityId: w.id,
        summary: `${input.approve ? '批准' : '驳回'} ${w.memberName ?? w.memberCode} 的提现 ${yuan(w.amountFen)}${input.reason ? `：${input.reason}` : ''} / ${input.approve ? 'approved' : 'rejected'} ${w.memberCode}’s withdrawal of ${yuan(w.amountFen)}`,
        before: { status: w.status },
        after: { status: input.approve ? 'approved' : 'rejected', reason: input.reason || null },
      },
      now,
    )
  })()
  return withdrawal(db, input.id)
}

/**
 * A withdrawal request entered on another workstation arrives as its ledger entry:
 * it becomes a request here (without a payout account, which never travels), and a
 * request that was turned down or whose payout failed there comes back here too.
 */
export function recordRemoteWithdrawal(db: Db, e: LedgerEntryWire): void {
  const returned = e.sourceKey.endsWith('~returned')
  if (returned || e.amountFen >= 0) return
  insertRowIfNew(
    db,
    WITHDRAWALS,
    requested({ id: e.sourceKey, member_code: e.memberCode, amount_fen: -e.amountFen, account_id: null, origin: 'remote', requested_at: e.occurredAt, requested_by: `设备 / device ${e.deviceId}`, note: e.memo }),
  )
}

// ---------------------------------------------------------------- payout batches
export function listBatches(db: Db): PayoutBatch[] {
  return (db.prepare('SELECT * FROM payout_batches ORDER BY created_at DESC, rowid DESC LIMIT 500').all() as PayoutBatchRow[]).map(toPayoutBatch)
}

export function batchDetail(db: Db, id: string): PayoutBatchDetail {
  const row = db.prepare('SELECT * FROM payout_batches WHERE id = ? OR batch_no = ?').get(id, id) as PayoutBatchRow | undefined
  if (!row) throw new OrchardError('not_found', `没有这个打款批次 / no such payout batch: ${id}`, { field: 'id', value: id })
  const lines = (db.prepare(`SELECT ${WITHDRAWAL_COLUMNS} FROM ${WITHDRAWAL_FROM} WHERE w.batch_id = ? ORDER BY w.line_no`).all(row.id) as WithdrawalRow[]).map(toWithdrawal)
  return { ...toPayoutBatch(row), lines: lines.map((l) => ({ ...l })) }
}

/**
 * Puts approved requests into a batch for one channel (a bank transfer file, an Alipay
 * or a WeChat batch payout): all approved requests to accounts of that kind, or the
 * ones named. Batch numbers read as the day and its sequence (PB2026120101), letters
 * and digits only, as WeChat's batch numbers must be.
 */
export function createBatch(ctx: CoreContext, input: { channel: PayoutBatch['channel']; withdrawalIds?: string[] }): PayoutBatchDetail {
  const db = ctx.db
  const now = ctx.clock.now()
  const actor = actorOf(ctx)
  const id = newId()
  db.transaction(() => {
    const approved = listWithdrawals(db, { status: ['approved'] })
    let lines: Withdrawal[]
    if (input.withdrawalIds?.length) {
      lines = input.withdrawalIds.map((wid, i) => {
        const w = approved.find((x) => x.id === wid)
        if (!w) throw new OrchardError('not_approved', `第 ${i + 1} 笔不是待打款的已批准提现 / request ${i + 1} is not an approved withdrawal waiting for payment`, { field: `withdrawalIds.${i}`, value: wid })
        if (w.account?.kind !== input.channel) {
          throw new OrchardError('wrong_channel', `第 ${i + 1} 笔的收款账户不是这个渠道 / request ${i + 1} is paid to another kind of account`, { field: `withdrawalIds.${i}`, value: w.account?.kind ?? null })
        }
        return w
      })
    } else lines = approved.filter((w) => w.account?.kind === input.channel).reverse()
    if (!lines.length) throw new OrchardError('nothing_to_pay', '没有待打款的已批准提现 / no approved withdrawals to pay through this channel', { field: 'channel', value: input.channel })
    const day = dayIn(ctx.timezone(), now).replace(/-/g, '')
    const seq = (db.prepare('SELECT COUNT(*) FROM payout_batches WHERE batch_no LIKE ?').pluck().get(`PB${day}%`) as number) + 1
    const batchNo = `PB${day}${String(seq).padStart(2, '0')}`
    const total = lines.reduce((n, w) => n + w.amountFen, 0)
    insertRow(db, PAYOUT_BATCHES, {
      id,
      batch_no: batchNo,
      channel: input.channel,
      status: 'open',
      total_fen: total,
      lines: lines.length,
      created_at: now.toISOString(),
      created_by: actor.name,
      exported_at: null,
      marked_at: null,
      marked_by: null,
    })
    const put = db.prepare(`UPDATE withdrawals SET status = 'batched', batch_id = ?, line_no = ? WHERE id = ?`)
    lines.forEach((w, i) => put.run(id, i + 1, w.id))
    appendAudit(
      db,
      actor,
      {
        kind: 'payout.batch_created',
        entity: 'payout_batch',
        entityId: id,
        summary: `打款批次 ${batchNo}：${lines.length} 笔，共 ${yuan(total)} / payout batch ${batchNo}: ${lines.length} lines, ${yuan(total)}`,
        after: { batchNo, channel: input.channel, lines: lines.length, totalFen: total, withdrawals: lines.map((w) => w.id) },
      },
      now,
    )
  })()
  return batchDetail(db, id)
}

/**
 * Records what the bank or platform did with the batch: every line paid, or the lines
 * named failed (a wrong account, a name that does not match). A failed line's money
 * comes back to the member's withdrawable balance; the batch is then partly failed.
 */
export function markBatch(ctx: CoreContext, input: { id: string; failed: { withdrawalId: string; reason: string }[] }): PayoutBatchDetail {
  const db = ctx.db
  const now = ctx.clock.now()
  const actor = actorOf(ctx)
  const batch = batchDetail(db, input.id)
  db.transaction(() => {
    if (batch.status !== 'open') throw new OrchardError('batch_marked', `批次 ${batch.batchNo} 已登记结果 / batch ${batch.batchNo} was marked already`, { field: 'id', value: batch.status })
    const failed = new Map<string, string>()
    input.failed.forEach((f, i) => {
      const line = batch.lines.find((l) => l.id === f.withdrawalId || String(l.lineNo) === f.withdrawalId)
      if (!line) throw new OrchardError('not_in_batch', `第 ${i + 1} 项不在批次 ${batch.batchNo} 中 / item ${i + 1} is not a line of batch ${batch.batchNo}`, { field: `failed.${i}`, value: f.withdrawalId })
      failed.set(line.id, f.reason)
    })
    const settle = db.prepare('UPDATE withdrawals SET status = ?, settled_at = ?, reason = COALESCE(?, reason) WHERE id = ?')
    for (const line of batch.lines) {
      const reason = failed.get(line.id)
      if (reason === undefined) {
        settle.run('paid', now.toISOString(), null, line.id)
        continue
      }
      settle.run('failed', now.toISOString(), reason || '打款失败 / payout failed', line.id)
      settlementEntry(ctx, {
        code: line.memberCode,
        amountFen: line.amountFen,
        key: `${line.id}~returned`,
        memo: `批次 ${batch.batchNo} 第 ${line.lineNo} 笔打款失败，${yuan(line.amountFen)} 退回可提现${reason ? ` · ${reason}` : ''}`,
      })
    }
    db.prepare('UPDATE payout_batches SET status = ?, marked_at = ?, marked_by = ? WHERE id = ?').run(failed.size ? 'partly_failed' : 'paid', now.toISOString(), actor.name, batch.id)
    const paidFen = batch.lines.filter((l) => !failed.has(l.id)).reduce((n, l) => n + l.amountFen, 0)
    appendAudit(
      db,
      actor,
      {
        kind: 'payout.batch_marked',
        entity: 'payout_batch',
        entityId: batch.id,
        summary: `批次 ${batch.batchNo}：已付 ${batch.lines.length - failed.size} 笔 ${yuan(paidFen)}${failed.size ? `，失败 ${failed.size} 笔退回可提现` : ''} / batch ${batch.batchNo}: ${batch.lines.length - failed.size} paid${failed.size ? `, ${failed.size} failed` : ''}`,
        before: { status: batch.status },
        after: { status: failed.size ? 'partly_failed' : 'paid', failed: [...failed.keys()] },
      },
      now,
    )
  })()
  return batchDetail(db, batch.id)
}
