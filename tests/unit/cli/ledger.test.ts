import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dayIn } from '../../../src-shared/time'
import { runOrchard } from './run'

let dir: string
/** The studio's clock: its today and time zone (not the machine's). */
let studio: { today: string; timezone: string }
const orchard = (...args: string[]) => runOrchard(args, join(dir, 'data'))

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-ledger-'))
  expect(orchard('demo', 'seed', '--json').code).toBe(0)
  studio = JSON.parse(orchard('info', '--json').out)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('orchard ledger', () => {
  it('posts nothing new when the ledger is up to date, and says so', () => {
    const r = orchard('ledger', 'post', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ entries: 0 })
    expect(orchard('ledger', 'post').out).toContain('新记账 0 条')
  })

  it('prints the team’s totals in fen; approved and paid are parts of what was earned', () => {
    const s = JSON.parse(orchard('ledger', 'summary', '--json').out)
    expect(s.entries).toBeGreaterThan(1000)
    expect(s.earned).toBe(s.owed + s.paid)
    expect(s.owed).toBe(s.pending + s.approved)
    expect(s.members.reduce((n: number, m: { earnedFen: number }) => n + m.earnedFen, 0)).toBe(s.earned)
  })

  it('prints a member’s statement that closes at opening plus the month’s entries', () => {
    const s = JSON.parse(orchard('ledger', 'summary', '--json').out)
    const code = s.members[0].memberCode as string
    // Last month is whole whatever day it is; the studio's month, not UTC's.
    const [y, m] = studio.today.split('-').map(Number)
    const month = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
    const st = JSON.parse(orchard('ledger', 'statement', '--member', code, '--period', month, '--json').out)
    expect(st.entries.length).toBeGreaterThan(0)
    const sum = st.entries.filter((e: { status: string }) => e.status !== 'rejected').reduce((n: number, e: { amountFen: number }) => n + e.amountFen, 0)
    expect(st.closingFen).toBe(st.openingFen + sum)
    const text = orchard('ledger', 'statement', '--member', code, '--period', month).out
    expect(text).toContain('期末 closing')
    // Every entry is dated by the studio's day, as the console shows it, whatever the machine's zone.
    for (const e of st.entries as { occurredAt: string }[]) {
      const day = dayIn(studio.timezone, new Date(e.occurredAt))
      expect(day.slice(0, 7)).toBe(month)
      expect(text).toContain(day)
    }
  })

  it('refuses a malformed period or an unknown member with the value it got', () => {
    const bad = orchard('ledger', 'summary', '--period', '2026-13', '--json')
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.out).error).toMatchObject({ code: 'usage', details: { field: '--period', value: '2026-13' } })
    const nobody = orchard('ledger', 'statement', '--member', 'NOSUCH', '--period', '2026-11')
    expect(nobody.code).toBe(2)
    expect(nobody.err).toContain('NOSUCH')
  })
})

/** The month before this one in the studio's time zone (the demo studio's Asia/Shanghai). */
function lastMonth(): string {
  const [y, m] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date()).split('-').map(Number)
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}
const MANAGER_PIN = { ORCHARD_PIN: '8888' }
const OPERATOR_PIN = { ORCHARD_PIN: '1111' }

describe('orchard ledger close and payouts', () => {
  const as = (env: NodeJS.ProcessEnv, ...args: string[]) => runOrchard(args, join(dir, 'data'), env)

  it('shows what a close locks, refuses it without a manager, and closes as one', () => {
    const month = lastMonth()
    const preview = JSON.parse(orchard('ledger', 'close', '--period', month, '--dry-run', '--json').out)
    expect(preview).toMatchObject({ period: month, canClose: true })
    expect(preview.months.at(-1)).toMatchObject({ period: month })
    expect(preview.months.at(-1).entries).toBeGreaterThan(0)

    const refused = orchard('ledger', 'close', '--period', month)
    expect(refused.code).toBe(2)
    expect(refused.err).toContain('--as')
    const wrongPin = as({ ORCHARD_PIN: '0000' }, 'ledger', 'close', '--period', month, '--as', '陈姐', '--json')
    expect(JSON.parse(wrongPin.out).error).toMatchObject({ code: 'pin_wrong' })
    const operator = as(OPERATOR_PIN, 'ledger', 'close', '--period', month, '--as', '小周', '--json')
    expect(JSON.parse(operator.out).error).toMatchObject({ code: 'forbidden' })

    const closed = as(MANAGER_PIN, 'ledger', 'close', '--period', month, '--as', '陈姐', '--json')
    expect(closed.code).toBe(0)
    expect(JSON.parse(closed.out).closed.map((c: { period: string }) => c.period)).toContain(month)
    const again = as(MANAGER_PIN, 'ledger', 'close', '--period', month, '--as', '陈姐')
    expect(again.code).toBe(2)
    expect(again.err).toContain('period_not_closable')
  }, 300_000)

  it('takes a withdrawal from request to a payout file a bank takes, and records a failed line', () => {
    // The demo gives its busiest sellers payout accounts: one with a bank card and money to withdraw.
    const db = new Database(join(dir, 'data', 'orchard.db'), { readonly: true })
    const sellers = db
      .prepare(`SELECT m.invite_code FROM payout_accounts a JOIN members m ON m.id = a.member_id WHERE a.kind = 'bank' ORDER BY a.created_at`)
      .pluck()
      .all() as string[]
    db.close()
    let request: { id: string; status: string } | null = null
    for (const code of sellers) {
      const st = as(OPERATOR_PIN, 'ledger', 'withdrawals', 'request', '--member', code, '--amount', '20.50', '--as', '小周', '--json')
      if (st.code === 0) {
        request = JSON.parse(st.out)
        break
      }
      expect(JSON.parse(st.out).error.code).toBe('over_withdrawable')
    }
    expect(request).toMatchObject({ status: 'requested' })
    const approved = JSON.parse(as(MANAGER_PIN, 'ledger', 'withdrawals', 'approve', request!.id, '--as', '陈姐', '--json').out)
    expect(approved).toEqual([expect.objectContaining({ id: request!.id, status: 'approved', decidedBy: '陈姐' })])

    const batch = JSON.parse(as(MANAGER_PIN, 'ledger', 'payouts', 'create', '--channel', 'bank', '--withdrawals', request!.id, '--as', '陈姐', '--json').out)
    expect(batch).toMatchObject({ channel: 'bank', status: 'open' })
    const file = join(dir, 'payout.csv')
    expect(as(MANAGER_PIN, 'ledger', 'payouts', 'export', batch.batchNo, file, '--as', '陈姐').code).toBe(0)
    const lines = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n')
    expect(lines[0]).toBe('序号,收款账号,收款户名,收款银行,金额（元）,用途')
    expect(lines[1]).toMatch(/^1,6222\d{12},[^,]+,[^,]+,20\.50,/)

    const marked = JSON.parse(as(MANAGER_PIN, 'ledger', 'payouts', 'mark', batch.batchNo, '--failed', '1:户名不符', '--as', '陈姐', '--json').out)
    expect(marked.status).toBe('partly_failed')
    expect(marked.lines[0]).toMatchObject({ status: 'failed', reason: '户名不符' })
    expect(orchard('ledger', 'payouts', 'list').out).toContain(batch.batchNo)
  }, 300_000)
})
