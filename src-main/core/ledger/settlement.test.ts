import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../api'
import type { Clock } from '../clock'
import { actAs } from '../lifecycle/lifecycle.testkit'
import { DEFAULT_SCHEME_RULES } from './schemes'
import { applyRemoteEntries, applyStatusChanges, outboxBatch } from './syncPort'

let dir: string
const cores: OrchardCore[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-settlement-'))
})
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close()
  rmSync(dir, { recursive: true, force: true })
})

function movingClock(start: string): Clock & { set(iso: string): void } {
  let now = new Date(start)
  return { now: () => now, set: (iso: string) => (now = new Date(iso)) }
}

/** A studio with 小王 (level 1) under 李师父 (level 2), a 10 % / 2 % scheme, and orders inserted as the import leaves them. */
async function studio(name = 'a', clock = movingClock('2026-11-10T04:00:00Z')) {
  const core = createCore({ dataDir: join(dir, name), host: 'test', firstStart: 'empty', clock })
  actAs(core, 'manager', '陈姐')
  cores.push(core)
  const mentor = await core.invoke('members', 'create', { name: '李师父', inviteCode: 'LEE01', level: 2 })
  const seller = await core.invoke('members', 'create', { name: '小王', inviteCode: 'WANG01', level: 1, mentorId: mentor.id })
  await core.invoke('schemes', 'save', { name: '标准两级', rules: { ...DEFAULT_SCHEME_RULES, sellerBp: [1000, 1200, 1500], mentorBp: [0, 200, 300] } })
  return { core, clock, mentor, seller }
}

let seq = 0
function order(core: OrchardCore, memberId: string, amountFen: number, at: { placed: string; completed?: string }) {
  const id = `o-${++seq}`
  core.context.db
    .prepare(
      `INSERT INTO orders (id, order_no, source, status, placed_at, completed_at, member_id, total_fen, refunded_fen, created_at, updated_at) VALUES (?, ?, 'manual', 'paid', ?, ?, ?, ?, 0, ?, ?)`,
    )
    .run(id, `SO-${seq}`, at.placed, at.completed ?? null, memberId, amountFen, at.placed, at.placed)
  core.context.db
    .prepare(`INSERT INTO order_lines (id, order_id, line_no, sku, name, quantity, unit_price_fen, amount_fen) VALUES (?, ?, 1, 'X-1', '洗衣液', 1, ?, ?)`)
    .run(`${id}-1`, id, amountFen, amountFen)
  return id
}
const balanceOf = async (core: OrchardCore, memberId: string) => (await core.invoke('settlement', 'balances', { memberId }))[0]
const rows = (core: OrchardCore, sql: string) => core.context.db.prepare(sql).all()

describe('frozen, then withdrawable', () => {
  it('holds commission for the after-sales window after completion; a refund inside it reverses frozen money only', async () => {
    const { core, clock, seller } = await studio()
    const first = order(core, seller.id, 50_000, { placed: '2026-11-01T02:00:00Z', completed: '2026-11-04T02:00:00Z' })
    order(core, seller.id, 30_000, { placed: '2026-11-06T02:00:00Z', completed: '2026-11-09T02:00:00Z' })
    await core.invoke('ledger', 'post', {})
    // 11-10: the first order's window (to 11-11) and the second's (to 11-16) are both open.
    expect(await balanceOf(core, seller.id)).toMatchObject({ frozenFen: 8000, withdrawableFen: 0, requestedFen: 0, paidFen: 0, nextReleaseAt: '2026-11-11T02:00:00.000Z' })
    clock.set('2026-11-12T04:00:00Z')
    expect(await balanceOf(core, seller.id)).toMatchObject({ frozenFen: 3000, withdrawableFen: 5000 })
    // The second order is refunded in part inside its window: it never becomes withdrawable.
    core.context.db.prepare(`UPDATE orders SET status = 'partially_refunded', refunded_fen = 10000, updated_at = ? WHERE order_no = 'SO-${seq}'`).run('2026-11-12T04:00:00Z')
    await core.invoke('ledger', 'post', {})
    expect(await balanceOf(core, seller.id)).toMatchObject({ frozenFen: 2000, withdrawableFen: 5000 })
    clock.set('2026-11-17T04:00:00Z')
    expect(await balanceOf(core, seller.id)).toMatchObject({ frozenFen: 0, withdrawableFen: 7000 })
    // An order without a completion date counts its window from when it was placed.
    order(core, seller.id, 10_000, { placed: '2026-11-15T02:00:00Z' })
    await core.invoke('ledger', 'post', {})
    expect(await balanceOf(core, seller.id)).toMatchObject({ frozenFen: 1000, withdrawableFen: 7000 })
    expect(first).toBeTruthy()
  })

  it('the window is the studio’s setting; entries the team’s server rejected or paid are never withdrawable', async () => {
    const { core, clock, seller } = await studio()
    order(core, seller.id, 50_000, { placed: '2026-11-01T02:00:00Z' })
    order(core, seller.id, 20_000, { placed: '2026-11-02T02:00:00Z' })
    await core.invoke('ledger', 'post', {})
    await core.invoke('settlement', 'saveSettings', { windowDays: 15, minWithdrawalFen: 500 })
    expect(await balanceOf(core, seller.id)).toMatchObject({ frozenFen: 7000, withdrawableFen: 0 })
    clock.set('2026-11-20T04:00:00Z')
    const [a, b] = rows(core, `SELECT id FROM ledger_entries WHERE member_code = 'WANG01' ORDER BY rowid`) as { id: string }[]
    applyStatusChanges(core.context.db, [
      { entryId: a.id, status: 'paid', seq: 1, changedAt: '2026-11-20T00:00:00Z', note: '月结已打款' },
      { entryId: b.id, status: 'rejected', seq: 2, changedAt: '2026-11-20T00:00:00Z', note: '刷单' },
    ])
    expect(await balanceOf(core, seller.id)).toMatchObject({ frozenFen: 0, withdrawableFen: 0, paidFen: 5000 })
    expect(rows(core, `SELECT kind FROM audit_log WHERE kind = 'settlement.settings'`)).toHaveLength(1)
  })
})

describe('withdrawal requests', () => {
  async function withdrawable() {
    const s = await studio('a', movingClock('2026-11-20T04:00:00Z'))
    order(s.core, s.seller.id, 100_000, { placed: '2026-11-01T02:00:00Z' })
    await s.core.invoke('ledger', 'post', {})
    const account = await s.core.invoke('payouts', 'save', { memberId: s.seller.id, kind: 'bank', holder: '王小', account: '6222 0212 3456 7890', bank: '工商银行' })
    return { ...s, account }
  }
  const snapshot = (core: OrchardCore) => ({
    entries: rows(core, 'SELECT id, amount_fen FROM ledger_entries ORDER BY rowid'),
    withdrawals: rows(core, 'SELECT * FROM withdrawals'),
  })

  it('refuses less than the minimum and more than is withdrawable, and changes nothing', async () => {
    const { core, seller } = await withdrawable()
    const before = snapshot(core)
    await expect(core.invoke('withdrawals', 'request', { memberId: seller.id, amountFen: 999 })).rejects.toMatchObject({ code: 'below_minimum', details: { field: 'amountFen', minimum: 1000 } })
    await expect(core.invoke('withdrawals', 'request', { memberId: seller.id, amountFen: 10_001 })).rejects.toMatchObject({ code: 'over_withdrawable', details: { withdrawable: 10_000 } })
    expect(snapshot(core)).toEqual(before)
  })

  it('moves the money out of withdrawable at once, so it cannot be asked for twice; a rejection gives it back', async () => {
    const { core, seller, account } = await withdrawable()
    actAs(core, 'operator', '小周')
    const w = await core.invoke('withdrawals', 'request', { memberId: seller.id, amountFen: 6000, note: '微信联系' })
    expect(w).toMatchObject({ status: 'requested', amountFen: 6000, account: { id: account.id, masked: '**** 7890' }, requestedBy: '小周' })
    expect(await balanceOf(core, seller.id)).toMatchObject({ withdrawableFen: 4000, requestedFen: 6000 })
    await expect(core.invoke('withdrawals', 'request', { memberId: seller.id, amountFen: 6000 })).rejects.toMatchObject({ code: 'over_withdrawable' })
    // Operators enter requests; only a manager decides them.
    await expect(core.invoke('withdrawals', 'decide', { id: w.id, approve: true })).rejects.toMatchObject({ code: 'forbidden' })
    actAs(core, 'manager', '陈姐')
    await expect(core.invoke('withdrawals', 'decide', { id: w.id, approve: false })).rejects.toMatchObject({ code: 'reason_required' })
    const rejected = await core.invoke('withdrawals', 'decide', { id: w.id, approve: false, reason: '账户名与会员不符' })
    expect(rejected).toMatchObject({ status: 'rejected', decidedBy: '陈姐', reason: '账户名与会员不符' })
    expect(await balanceOf(core, seller.id)).toMatchObject({ withdrawableFen: 10_000, requestedFen: 0 })
    expect(rows(core, `SELECT kind, amount_fen, source_key FROM ledger_entries WHERE kind = 'withdrawal' ORDER BY rowid`)).toEqual([
      { kind: 'withdrawal', amount_fen: -6000, source_key: w.id },
      { kind: 'withdrawal', amount_fen: 6000, source_key: `${w.id}~returned` },
    ])
    expect(rows(core, `SELECT kind, actor_name FROM audit_log WHERE entity = 'withdrawal' ORDER BY seq`)).toEqual([
      { kind: 'withdrawal.requested', actor_name: '小周' },
      { kind: 'withdrawal.rejected', actor_name: '陈姐' },
    ])
    await expect(core.invoke('withdrawals', 'decide', { id: w.id, approve: true })).rejects.toMatchObject({ code: 'withdrawal_decided' })
  })

  it('trainers see no payables', async () => {
    const { core, seller } = await withdrawable()
    actAs(core, 'trainer', '林老师')
    await expect(core.invoke('settlement', 'balances', { memberId: seller.id })).rejects.toMatchObject({ code: 'forbidden' })
    await expect(core.invoke('ledger', 'summary', {})).rejects.toMatchObject({ code: 'forbidden' })
    await expect(core.invoke('withdrawals', 'list', {})).rejects.toMatchObject({ code: 'forbidden' })
    await expect(core.invoke('payoutBatches', 'list', {})).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('a request entered on another workstation arrives through the team’s server as a request here', async () => {
    const { core: a, seller } = await withdrawable()
    const w = await a.invoke('withdrawals', 'request', { memberId: seller.id, amountFen: 2500 })
    const { core: b } = await studio('b', movingClock('2026-11-20T04:00:00Z'))
    expect(applyRemoteEntries(b.context.db, outboxBatch(a.context.db, 100)).inserted).toBeGreaterThan(0)
    expect(await b.invoke('withdrawals', 'list', {})).toEqual([expect.objectContaining({ id: w.id, origin: 'remote', status: 'requested', amountFen: 2500, account: null })])
  })
})

describe('payout batches', () => {
  async function approvedRequests() {
    const s = await studio('a', movingClock('2026-11-20T04:00:00Z'))
    const zhao = await s.core.invoke('members', 'create', { name: '赵敏', inviteCode: 'ZHAO01', level: 1 })
    for (const m of [s.seller, zhao]) order(s.core, m.id, 100_000, { placed: '2026-11-01T02:00:00Z' })
    await s.core.invoke('ledger', 'post', {})
    await s.core.invoke('payouts', 'save', { memberId: s.seller.id, kind: 'bank', holder: '王小', account: '6222 0212 3456 7890', bank: '工商银行' })
    await s.core.invoke('payouts', 'save', { memberId: zhao.id, kind: 'bank', holder: '赵敏', account: '6214830012345678', bank: '招商银行' })
    const w1 = await s.core.invoke('withdrawals', 'request', { memberId: s.seller.id, amountFen: 8800 })
    const w2 = await s.core.invoke('withdrawals', 'request', { memberId: zhao.id, amountFen: 5050 })
    for (const w of [w1, w2]) await s.core.invoke('withdrawals', 'decide', { id: w.id, approve: true })
    return { ...s, zhao, w1, w2 }
  }

  it('exports the bank layout with full account numbers in the file only, as CSV and XLSX', async () => {
    const { core } = await approvedRequests()
    const batch = await core.invoke('payoutBatches', 'create', { channel: 'bank' })
    expect(batch).toMatchObject({ batchNo: 'PB2026112001', channel: 'bank', status: 'open', totalFen: 13_850 })
    expect(batch.lines.map((l) => [l.lineNo, l.memberCode, l.account?.masked, l.status])).toEqual([
      [1, 'WANG01', '**** 7890', 'batched'],
      [2, 'ZHAO01', '**** 5678', 'batched'],
    ])
    expect(JSON.stringify(await core.invoke('payoutBatches', 'get', { id: batch.id }))).not.toContain('6222021234567890')
    const csv = await core.invoke('payoutBatches', 'export', { id: batch.id, format: 'csv', path: join(dir, 'bank.csv') })
    expect(readFileSync(csv.path, 'utf8')).toBe(
      '\uFEFF序号,收款账号,收款户名,收款银行,金额（元）,用途\r\n' +
        '1,6222021234567890,王小,工商银行,88.00,果园工作室佣金提现 PB2026112001\r\n' +
        '2,6214830012345678,赵敏,招商银行,50.50,果园工作室佣金提现 PB2026112001\r\n',
    )
    const xlsx = await core.invoke('payoutBatches', 'export', { id: batch.id, format: 'xlsx', path: join(dir, 'bank.xlsx') })
    const book = new ExcelJS.Workbook()
    await book.xlsx.readFile(xlsx.path)
    const sheet = book.worksheets[0]
    expect(sheet.getRow(2).values).toEqual([undefined, 1, '6222021234567890', '王小', '工商银行', 88, '果园工作室佣金提现 PB2026112001'])
    expect(sheet.getRow(3).getCell(5).numFmt).toBe('0.00')
    // Full account numbers: readable by the studio's own user only, in either format.
    if (process.platform !== 'win32') for (const file of [csv.path, xlsx.path]) expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(rows(core, `SELECT kind FROM audit_log WHERE entity = 'payout_batch' ORDER BY seq`)).toEqual([
      { kind: 'payout.batch_created' },
      { kind: 'payout.batch_exported' },
      { kind: 'payout.batch_exported' },
    ])
    expect(JSON.stringify(rows(core, 'SELECT summary, after_json FROM audit_log'))).not.toContain('6222021234567890')
  })

  it('exports Alipay and WeChat batch layouts with the batch described above the payments', async () => {
    const { core, seller, zhao, w1, w2 } = await approvedRequests()
    expect(w1 && w2).toBeTruthy()
    const ali = await core.invoke('payouts', 'save', { memberId: seller.id, kind: 'alipay', holder: '王小', account: '13812348000', bank: null })
    const wx = await core.invoke('payouts', 'save', { memberId: zhao.id, kind: 'wechat', holder: '赵敏', account: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', bank: null })
    const a = await core.invoke('withdrawals', 'request', { memberId: seller.id, amountFen: 1000, accountId: ali.id })
    const w = await core.invoke('withdrawals', 'request', { memberId: zhao.id, amountFen: 1234, accountId: wx.id })
    for (const x of [a, w]) await core.invoke('withdrawals', 'decide', { id: x.id, approve: true })
    const alipay = await core.invoke('payoutBatches', 'create', { channel: 'alipay' })
    const wechat = await core.invoke('payoutBatches', 'create', { channel: 'wechat' })
    const read = async (id: string, name: string) => readFileSync((await core.invoke('payoutBatches', 'export', { id, format: 'csv', path: join(dir, name) })).path, 'utf8')
    expect(await read(alipay.id, 'alipay.csv')).toBe(
      '\uFEFF批次号,PB2026112001\r\n总笔数,1\r\n总金额（元）,10.00\r\n\r\n序号,收款方支付宝账号,收款方姓名,金额（元）,备注\r\n1,13812348000,王小,10.00,果园工作室佣金提现 PB2026112001\r\n',
    )
    expect(await read(wechat.id, 'wechat.csv')).toBe(
      '\uFEFF商家批次单号,PB2026112002\r\n批次名称,果园工作室佣金提现\r\n批次备注,佣金提现 PB2026112002\r\n转账总金额（元）,12.34\r\n转账总笔数,1\r\n\r\n' +
        '商家明细单号,收款用户openid,收款用户姓名,转账金额（元）,转账备注\r\nPB2026112002D0001,o6_bmjrPTlm6_2sgVt7hMZOPfL2M,赵敏,12.34,果园工作室佣金提现 PB2026112002\r\n',
    )
  })

  it('marks a batch partly failed: the failed line’s money is withdrawable again, the rest paid; a batch is marked once', async () => {
    const { core, seller, zhao, w2 } = await approvedRequests()
    const batch = await core.invoke('payoutBatches', 'create', { channel: 'bank' })
    actAs(core, 'operator', '小周')
    await expect(core.invoke('payoutBatches', 'mark', { id: batch.id, failed: [] })).rejects.toMatchObject({ code: 'forbidden' })
    actAs(core, 'manager', '陈姐')
    const marked = await core.invoke('payoutBatches', 'mark', { id: batch.batchNo, failed: [{ withdrawalId: w2.id, reason: '户名不符' }] })
    expect(marked).toMatchObject({ status: 'partly_failed', markedBy: '陈姐' })
    expect(marked.lines.map((l) => [l.memberCode, l.status, l.reason])).toEqual([
      ['WANG01', 'paid', null],
      ['ZHAO01', 'failed', '户名不符'],
    ])
    expect(await balanceOf(core, seller.id)).toMatchObject({ withdrawableFen: 10_000 - 8800, requestedFen: 0, paidFen: 8800 })
    expect(await balanceOf(core, zhao.id)).toMatchObject({ withdrawableFen: 10_000, requestedFen: 0, paidFen: 0 })
    await expect(core.invoke('payoutBatches', 'mark', { id: batch.id, failed: [] })).rejects.toMatchObject({ code: 'batch_marked' })
    // The workflow only moves forward and nothing is deleted, even by hand.
    const db = core.context.db
    expect(() => db.prepare(`UPDATE withdrawals SET status = 'approved' WHERE id = ?`).run(w2.id)).toThrow(/only moves forward/)
    expect(() => db.prepare('UPDATE withdrawals SET amount_fen = 1').run()).toThrow(/not edited/)
    expect(() => db.prepare('DELETE FROM withdrawals').run()).toThrow(/never deleted/)
    expect(() => db.prepare(`UPDATE payout_batches SET status = 'paid'`).run()).toThrow(/marked once/)
    expect(() => db.prepare('DELETE FROM payout_batches').run()).toThrow(/never deleted/)
  })

  it('refuses a batch with nothing to pay and a line of another channel, changing nothing', async () => {
    const { core, w1 } = await approvedRequests()
    await expect(core.invoke('payoutBatches', 'create', { channel: 'alipay' })).rejects.toMatchObject({ code: 'nothing_to_pay' })
    await expect(core.invoke('payoutBatches', 'create', { channel: 'alipay', withdrawalIds: [w1.id] })).rejects.toMatchObject({ code: 'wrong_channel', details: { field: 'withdrawalIds.0' } })
    expect(rows(core, 'SELECT * FROM payout_batches')).toEqual([])
    expect(rows(core, `SELECT status FROM withdrawals`)).toEqual([{ status: 'approved' }, { status: 'approved' }])
  })
})
