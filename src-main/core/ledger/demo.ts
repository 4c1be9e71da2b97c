import { addMonths, dayIn, monthIn } from '../../../src-shared/time'
import type { Withdrawal } from '../../../src-shared/contracts/ledger'
import type { AreaSeedOptions } from '../coreArea'
import type { CoreContext } from '../context'
import { MEMBERSHIP_FEES } from '../db/tables/ledger'
import { insertRow } from '../db/tables/table'
import { demoId, Random } from '../random/seeded'
import { recomputeRfm, refreshCustomerStats } from '../customers/derived'
import { savePayout } from './accounts'
import { closePeriod } from './closes'
import { nextPeriod, periodOf } from './entries'
import { postLedger } from './posting'
import { DEFAULT_SCHEME_RULES, managerWriter, saveScheme } from './schemes'
import { createBatch, decideWithdrawal, markBatch, memberBalance, requestWithdrawal } from './settlement'

const DAY_MS = 86_400_000

/**
 * The demo studio's books: the honest default scheme (with one earlier version so
 * the history has something to show), voluntary membership fees, every demo order
 * posted, older months settled by the team's server (paid), last month approved,
 * payout accounts for the most active sellers, the months before last closed (with a
 * few refunds that came in afterwards, booked as adjustments), and withdrawals at every
 * step: asked for, approved, paid in a bank batch, and a WeChat batch with a failed line.
 */
export function seedLedgerDemo(ctx: CoreContext, options: AreaSeedOptions): void {
  const db = ctx.db
  const random = new Random(options.seed).fork('ledger')
  const now = options.now.getTime()
  const iso = (ms: number) => new Date(ms).toISOString()
  const zone = ctx.timezone()

  // Saved as the studio's manager (a scheme is a manager's to write), through the one write path.
  const first = saveScheme(managerWriter(db, new Date(now - 120 * DAY_MS), 'demo', '陈姐'), {
    name: '标准两级佣金',
    rules: { ...DEFAULT_SCHEME_RULES, sellerBp: [1000, 1100, 1300], mentorBp: [0, 200, 200] },
    note: '开业方案',
    activate: true,
  })
  saveScheme(managerWriter(db, new Date(now - 100 * DAY_MS), 'demo', '陈姐'), { id: first.id, name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '二、三级会员提成上调', activate: true })

  const members = db.prepare(`SELECT id, join_date FROM members WHERE status <> 'left' ORDER BY join_date, id`).all() as { id: string; join_date: string }[]
  for (const m of members) {
    if (random.next() > 0.3) continue
    const paid = Math.min(now - DAY_MS, Date.parse(`${m.join_date}T04:00:00Z`) + Math.floor(random.next() * 20) * DAY_MS)
    insertRow(db, MEMBERSHIP_FEES, { id: demoId(random, paid), member_id: m.id, amount_fen: 19_900, paid_on: dayIn(zone, paid), note: '自愿缴纳年度会员费（含培训资料）', created_at: iso(paid) })
  }

  postLedger(ctx)

  // What the team's server would have decided: months before last are paid, last month approved.
  // Months as the studio counts them: on the 1st before 08:00 in Beijing it is already the new month.
  const thisMonth = monthIn(zone, now)
  const lastMonth = addMonths(thisMonth, -1)
  db.prepare(`UPDATE ledger_entries SET status = 'paid', status_note = '月结已打款' WHERE period < ? AND kind <> 'membership_fee'`).run(lastMonth)
  db.prepare(`UPDATE ledger_entries SET status = 'approved', status_note = '店长已核对' WHERE period = ? AND kind <> 'membership_fee'`).run(lastMonth)
  db.prepare(`UPDATE ledger_entries SET status = 'paid' WHERE kind = 'membership_fee' AND period < ?`).run(thisMonth)

  const top = db
    .prepare(
      `SELECT m.id, m.name FROM ledger_entries e JOIN members m ON m.invite_code = e.member_code
        WHERE e.kind = 'sale_commission' GROUP BY m.id ORDER BY SUM(e.amount_fen) DESC, m.id LIMIT 12`,
    )
    .all() as { id: string; name: string }[]
  const banks = ['招商银行', '工商银行', '建设银行', '农业银行', '中国银行']
  top.forEach((m, i) => {
    const digits = Array.from({ length: 16 }, () => Math.floor(random.next() * 10)).join('')
    if (i % 3 === 2) savePayout(ctx, { memberId: m.id, kind: 'wechat', holder: m.name, account: `wxid_${digits.slice(0, 10)}`, bank: null })
    else savePayout(ctx, { memberId: m.id, kind: 'bank', holder: m.name, account: `6222${digits.slice(0, 12)}`, bank: banks[i % banks.length] })
  })

  // The manager's side of the books, attributed to the demo's manager when there is one.
  const session = ctx.session
  const manager = db.prepare(`SELECT id, name FROM profiles WHERE role = 'manager' ORDER BY created_at LIMIT 1`).get() as { id: string; name: string } | undefined
  ctx.session = manager ? { profileId: manager.id, role: 'manager', name: manager.name } : { profileId: null, role: 'system', name: '系统 / system' }
  try {
    const period = periodOf(options.timezone)
    const current = period(new Date(now).toISOString())
    const months = db.prepare('SELECT DISTINCT period FROM ledger_entries ORDER BY period').pluck().all() as string[]
    // Every month before last is closed; last month waits for the manager.
    const closeThrough = months.filter((m) => nextPeriod(nextPeriod(m)) <= current).at(-1)
    if (closeThrough) {
      closePeriod(ctx, closeThrough)
      // Refunds that reached the studio after the close, for orders of a closed month: adjustments.
      const late = db
        .prepare(
          `SELECT id, total_fen, placed_at FROM orders WHERE status = 'paid' AND member_id IS NOT NULL AND placed_at < ? ORDER BY placed_at DESC, id LIMIT 40`,
        )
        .all(new Date(Date.parse(`${nextPeriod(closeThrough)}-01T00:00:00Z`) - 3 * DAY_MS).toISOString()) as { id: string; total_fen: number; placed_at: string }[]
      const refund = db.prepare(`UPDATE orders SET status = 'partially_refunded', refunded_fen = ?, refunded_at = ?, updated_at = ? WHERE id = ?`)
      const refunded = late.filter((_, i) => i % 8 === 0)
      for (const o of refunded) {
        refund.run(Math.floor(o.total_fen * 0.3), iso(Date.parse(o.placed_at) + 2 * DAY_MS), iso(now - 2 * DAY_MS), o.id)
      }
      // Their buyers' figures (spent, segment) count the refunds, as any refund's do.
      const buyers = db.prepare('SELECT DISTINCT customer_id FROM orders WHERE id IN (SELECT value FROM json_each(?)) AND customer_id IS NOT NULL').pluck().all(JSON.stringify(refunded.map((o) => o.id))) as string[]
      refreshCustomerStats(db, buyers)
      recomputeRfm(db, new Date(now))
      postLedger(ctx)
    }

    // Operators enter members' requests; the manager decides them.
    const operator = db.prepare(`SELECT id, name FROM profiles WHERE role = 'operator' ORDER BY is_default DESC, created_at LIMIT 1`).get() as { id: string; name: string } | undefined
    const asManager = ctx.session
    if (operator) ctx.session = { profileId: operator.id, role: 'operator', name: operator.name }
    const withAccounts = top.filter((m) => db.prepare('SELECT 1 FROM payout_accounts WHERE member_id = ?').get(m.id))
    const requests: { w: Withdrawal; kind: string }[] = []
    for (const m of withAccounts) {
      const balance = memberBalance(ctx, m.id)
      if (balance.withdrawableFen < 5000) continue
      const amount = Math.floor((balance.withdrawableFen * (0.4 + random.next() * 0.5)) / 100) * 100
      requests.push({ w: requestWithdrawal(ctx, { memberId: m.id, amountFen: amount, note: random.next() < 0.5 ? '会员微信申请' : '' }), kind: (db.prepare('SELECT kind FROM payout_accounts WHERE member_id = ?').pluck().get(m.id) as string) })
    }
    ctx.session = asManager
    const bank = requests.filter((r) => r.kind === 'bank')
    const wechat = requests.filter((r) => r.kind === 'wechat')
    const approve = (list: typeof requests) => list.forEach((r) => decideWithdrawal(ctx, { id: r.w.id, approve: true, reason: '' }))
    // A bank batch paid in full, a WeChat batch with one line the platform refused, two approved waiting, the rest asked for.
    approve(bank.slice(0, 3))
    if (bank.length) markBatch(ctx, { id: createBatch(ctx, { channel: 'bank' }).id, failed: [] })
    approve(wechat.slice(0, 2))
    if (wechat.length) {
      const batch = createBatch(ctx, { channel: 'wechat' })
      markBatch(ctx, { id: batch.id, failed: [{ withdrawalId: batch.lines[0].id, reason: '微信实名与收款人姓名不符' }] })
    }
    approve(bank.slice(3, 5))
    if (bank[5]) decideWithdrawal(ctx, { id: bank[5].w.id, approve: false, reason: '本月已提现一次，请下月再申请' })
  } finally {
    ctx.session = session
  }
}
