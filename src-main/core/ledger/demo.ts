import { addMonths, dayIn, monthIn } from '../../../src-shared/time'
import type { AreaSeedOptions } from '../area'
import type { CoreContext } from '../context'
import { demoId, Random } from '../demo/random'
import { savePayout } from './accounts'
import { postLedger } from './posting'
import { DEFAULT_SCHEME_RULES, saveScheme } from './schemes'

const DAY_MS = 86_400_000

/**
 * The demo studio's books: the honest default scheme (with one earlier version so
 * the history has something to show), voluntary membership fees, every demo order
 * posted, older months settled by the team's server (paid), last month approved,
 * and payout accounts for the most active sellers.
 */
export function seedLedgerDemo(ctx: CoreContext, options: AreaSeedOptions): void {
  const db = ctx.db
  const random = new Random(options.seed).fork('ledger')
  const now = options.now.getTime()
  const iso = (ms: number) => new Date(ms).toISOString()
  const zone = ctx.timezone()

  const first = saveScheme(
    db,
    { name: '标准两级佣金', rules: { ...DEFAULT_SCHEME_RULES, sellerBp: [1000, 1100, 1300], mentorBp: [0, 200, 200] }, note: '开业方案', activate: true },
    '陈姐',
    iso(now - 120 * DAY_MS),
  )
  saveScheme(db, { id: first.id, name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '二、三级会员提成上调', activate: true }, '陈姐', iso(now - 100 * DAY_MS))

  const members = db.prepare(`SELECT id, join_date FROM members WHERE status <> 'left' ORDER BY join_date, id`).all() as { id: string; join_date: string }[]
  const insertFee = db.prepare('INSERT INTO membership_fees (id, member_id, amount_fen, paid_on, note, created_at) VALUES (?, ?, ?, ?, ?, ?)')
  for (const m of members) {
    if (random.next() > 0.3) continue
    const paid = Math.min(now - DAY_MS, Date.parse(`${m.join_date}T04:00:00Z`) + Math.floor(random.next() * 20) * DAY_MS)
    insertFee.run(demoId(random, paid), m.id, 19_900, dayIn(zone, paid), '自愿缴纳年度会员费（含培训资料）', iso(paid))
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
}
