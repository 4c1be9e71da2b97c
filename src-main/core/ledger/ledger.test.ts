import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SchemeRules } from '../../../src-shared/contracts/ledger'
import { COMMISSION_RULES } from '../../../src-shared/ledgerRules'
import { LEDGER_KIND_LABELS } from '../../../src-shared/vocabulary'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'
import { actAs } from '../lifecycle/lifecycle.testkit'
import { commissionFen, entryId } from './entries'
import { allocateRefund } from './posting'
import { DEFAULT_SCHEME_RULES } from './schemes'
import { applyRemoteEntries, applyStatusChanges, markAccepted, outboxBatch, outboxCount } from './syncPort'

let dir: string
const cores: OrchardCore[] = []
function open(name = 'a'): OrchardCore {
  const core = createCore({ dataDir: join(dir, name), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
  actAs(core, 'manager', '陈姐')
  cores.push(core)
  return core
}
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-ledger-'))
})
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close()
  rmSync(dir, { recursive: true, force: true })
})

const RULES: SchemeRules = { ...DEFAULT_SCHEME_RULES, sellerBp: [1000, 1200, 1500], mentorBp: [0, 200, 300], useProductRates: false }

/** A small team: 师父 (level 2) with her apprentice 小王 (level 1), and one product. */
async function team(core: OrchardCore) {
  const mentor = await core.invoke('members', 'create', { name: '李师父', inviteCode: 'LEE01', level: 2 })
  const seller = await core.invoke('members', 'create', { name: '小王', inviteCode: 'WANG01', level: 1, mentorId: mentor.id })
  await core.invoke('products', 'create', { sku: 'MZ-001', name: '双抗精华', category: '美妆', listPriceFen: 19900, salePriceFen: 12900, priceFloorFen: 9900 })
  await core.invoke('schemes', 'save', { name: '标准两级', rules: RULES })
  return { mentor, seller }
}

let orderSeq = 0
function order(core: OrchardCore, o: { no: string; memberId: string; lines: number[]; status?: string; refunded?: number; placedAt?: string }) {
  const db = core.context.db
  const id = `order-${o.no}-${++orderSeq}`
  const total = o.lines.reduce((a, b) => a + b, 0)
  const at = o.placedAt ?? '2026-11-10T02:00:00.000Z'
  db.prepare(
    `INSERT INTO orders (id, order_no, source, status, placed_at, member_id, total_fen, refunded_fen, created_at, updated_at) VALUES (?, ?, 'manual', ?, ?, ?, ?, ?, ?, ?)`,
  ).run(id, o.no, o.status ?? 'paid', at, o.memberId, total, o.refunded ?? 0, at, at)
  o.lines.forEach((amount, i) =>
    db.prepare(`INSERT INTO order_lines (id, order_id, line_no, sku, name, quantity, unit_price_fen, amount_fen) VALUES (?, ?, ?, 'MZ-001', '双抗精华', 1, ?, ?)`).run(`${id}-l${i}`, id, i + 1, amount, amount),
  )
  return id
}
function refund(core: OrchardCore, orderId: string, refunded: number, status = 'partially_refunded', at = '2026-11-18T02:00:00.000Z') {
  core.context.db.prepare('UPDATE orders SET refunded_fen = ?, status = ?, updated_at = ? WHERE id = ?').run(refunded, status, at, orderId)
}
const entries = (core: OrchardCore) =>
  core.context.db.prepare('SELECT id, member_code, kind, amount_fen, source_key FROM ledger_entries ORDER BY rowid').all() as {
    id: string
    member_code: string
    kind: string
    amount_fen: number
    source_key: string
  }[]
const net = (core: OrchardCore, code: string) =>
  (core.context.db.prepare(`SELECT COALESCE(SUM(amount_fen), 0) AS n FROM ledger_entries WHERE member_code = ? AND kind <> 'membership_fee'`).get(code) as { n: number }).n

describe('rounding', () => {
  it('rounds each entry half-up to the fen, mirrored for negative amounts', () => {
    expect(commissionFen(12_345, 1000)).toBe(1235) // 1234.5 → 1235
    expect(commissionFen(12_344, 1000)).toBe(1234) // 1234.4
    expect(commissionFen(-12_345, 1000)).toBe(-1235)
    expect(commissionFen(1, 4999)).toBe(0)
    expect(commissionFen(1, 5000)).toBe(1)
  })
  it('splits a refund over the lines in whole fen that add up exactly', () => {
    expect(allocateRefund([1000, 2000, 3000], 1000)).toEqual([167, 333, 500])
    expect(allocateRefund([1, 1, 1], 2)).toEqual([1, 1, 0])
    expect(allocateRefund([500, 500], 5000)).toEqual([500, 500])
  })
})

describe('posting', () => {
  it('pays the seller and their mentor at the scheme’s rates, once however often it runs', async () => {
    const core = open()
    const { seller } = await team(core)
    order(core, { no: 'SO-1001', memberId: seller.id, lines: [12_900, 25_805] })
    const first = await core.invoke('ledger', 'post', {})
    expect(first).toMatchObject({ orders: 1, entries: 4 })
    expect(entries(core).map((e) => [e.member_code, e.kind, e.amount_fen])).toEqual([
      ['WANG01', 'sale_commission', 1290],
      ['LEE01', 'mentor_commission', 258],
      ['WANG01', 'sale_commission', 2581], // 2580.5 rounds up
      ['LEE01', 'mentor_commission', 516], // 516.1
    ])
    expect((await core.invoke('ledger', 'post', {})).entries).toBe(0)
    expect(entries(core)).toHaveLength(4)
    // Every local entry waits in the outbox, written with it.
    expect(outboxCount(core.context.db)).toBe(4)
    const scheme = (await core.invoke('schemes', 'list', {}))[0]
    const row = core.context.db.prepare('SELECT scheme_id, scheme_version FROM ledger_entries LIMIT 1').get()
    expect(row).toEqual({ scheme_id: scheme.id, scheme_version: 1 })
  })

  it('never pays a third tier, whatever the scheme says', async () => {
    const core = open()
    const top = await core.invoke('members', 'create', { name: '张总', inviteCode: 'ZHANG1', level: 3 })
    const mentor = await core.invoke('members', 'create', { name: '李师父', inviteCode: 'LEE01', level: 2, mentorId: top.id })
    const seller = await core.invoke('members', 'create', { name: '小王', inviteCode: 'WANG01', level: 1, mentorId: mentor.id })
    await core.invoke('schemes', 'save', { name: '两级', rules: RULES })
    order(core, { no: 'SO-2001', memberId: seller.id, lines: [10_000] })
    await core.invoke('ledger', 'post', {})
    expect(new Set(entries(core).map((e) => e.member_code))).toEqual(new Set(['WANG01', 'LEE01']))
  })

  it('reverses refunds per line; a larger refund later reverses the difference; a full refund nets to zero', async () => {
    const core = open()
    const { seller } = await team(core)
    const id = order(core, { no: 'SO-3001', memberId: seller.id, lines: [10_000, 30_000] })
    await core.invoke('ledger', 'post', {})
    expect(net(core, 'WANG01')).toBe(4000)
    refund(core, id, 4_000) // lines get 1,000 and 3,000
    await core.invoke('ledger', 'post', {})
    expect(net(core, 'WANG01')).toBe(4000 - 400)
    refund(core, id, 20_000)
    await core.invoke('ledger', 'post', {})
    expect(net(core, 'WANG01')).toBe(4000 - 2000)
    // One reversal per line and person for each change of the refund: 2 lines × seller and mentor, twice.
    expect(entries(core).filter((e) => e.kind === 'reversal')).toHaveLength(8)
    refund(core, id, 40_000, 'refunded')
    await core.invoke('ledger', 'post', {})
    expect(net(core, 'WANG01')).toBe(0)
    expect(net(core, 'LEE01')).toBe(0)
    expect((await core.invoke('ledger', 'post', {})).entries).toBe(0)
  })

  it('voids commission when an order is attributed to someone else', async () => {
    const core = open()
    const { seller, mentor } = await team(core)
    const id = order(core, { no: 'SO-4001', memberId: seller.id, lines: [10_000] })
    await core.invoke('ledger', 'post', {})
    core.context.db.prepare('UPDATE orders SET member_id = ? WHERE id = ?').run(mentor.id, id)
    await core.invoke('ledger', 'post', {})
    expect(net(core, 'WANG01')).toBe(0)
    expect(net(core, 'LEE01')).toBe(1200) // now the seller herself, at level 2
  })

  it('gives the same entry ids for the same order on two workstations', async () => {
    const a = open('a')
    const b = open('b')
    for (const core of [a, b]) {
      const { seller } = await team(core)
      const id = order(core, { no: 'SHOP-88', memberId: seller.id, lines: [9_900, 19_900] })
      await core.invoke('ledger', 'post', {})
      refund(core, id, 9_900)
      await core.invoke('ledger', 'post', {})
    }
    expect(entries(a).map((e) => e.id).sort()).toEqual(entries(b).map((e) => e.id).sort())
    expect(entries(a).map((e) => e.id)).toContain(entryId('order_line', 'SHOP-88#1', 'WANG01', 'sale_commission'))
  })

  it('holds orders of an open group buy; a failed one refunds every buyer and pays nothing', async () => {
    const core = open()
    const { seller } = await team(core)
    const ids = [order(core, { no: 'PT-1', memberId: seller.id, lines: [5_000] }), order(core, { no: 'PT-2', memberId: seller.id, lines: [5_000] })]
    const buy = await core.invoke('groupBuys', 'create', { name: '精华三人团', minParticipants: 3, closesAt: '2026-11-21T12:00:00Z', orderIds: ids })
    const held = await core.invoke('ledger', 'post', {})
    expect(held).toMatchObject({ entries: 0, held: { groupBuyOpen: 2 } })
    await core.invoke('groupBuys', 'decide', { id: buy.id, outcome: 'failed' })
    await core.invoke('ledger', 'post', {})
    expect(net(core, 'WANG01')).toBe(0)
    expect(core.context.db.prepare("SELECT COUNT(*) AS n FROM orders WHERE status = 'refunded'").get()).toEqual({ n: 2 })
  })

  it('books membership fees without paying anyone commission on them', async () => {
    const core = open()
    const { seller } = await team(core)
    await core.invoke('fees', 'record', { memberId: seller.id, amountFen: 19_900, paidOn: '2026-11-05' })
    await core.invoke('ledger', 'post', {})
    expect(entries(core).map((e) => [e.member_code, e.kind, e.amount_fen])).toEqual([['WANG01', 'membership_fee', 19_900]])
    const s = await core.invoke('ledger', 'summary', { period: '2026-11' })
    expect(s.totals.earnedFen).toBe(0)
    expect(s.feesFen).toBe(19_900)
  })
})

describe('the ledger is append-only', () => {
  it('refuses edits and deletions of entries, and a paid entry never changes status again', async () => {
    const core = open()
    const { seller } = await team(core)
    order(core, { no: 'SO-5001', memberId: seller.id, lines: [10_000] })
    await core.invoke('ledger', 'post', {})
    const db = core.context.db
    expect(() => db.prepare('UPDATE ledger_entries SET amount_fen = 1').run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM ledger_entries').run()).toThrow(/append-only/)
    const [e] = entries(core)
    applyStatusChanges(db, [{ entryId: e.id, status: 'paid', seq: 5, changedAt: '2026-11-20T00:00:00Z', note: null }])
    expect(applyStatusChanges(db, [{ entryId: e.id, status: 'rejected', seq: 6, changedAt: '2026-11-20T00:00:00Z', note: null }]).applied).toBe(0)
    expect(applyStatusChanges(db, [{ entryId: e.id, status: 'approved', seq: 4, changedAt: '2026-11-20T00:00:00Z', note: null }]).applied).toBe(0)
    expect(db.prepare('SELECT status FROM ledger_entries WHERE id = ?').pluck().get(e.id)).toBe('paid')
  })
})

describe('schemes and the compliance check', () => {
  it('refuses a third tier, pay per recruit, fee shares and fees to join — and explains each in Chinese', async () => {
    const core = open()
    const findings = await core.invoke('schemes', 'check', { rules: { ...RULES, tiers: 3, perRecruitFen: 5000, feeShareBp: 1000, joinFeeRequired: true } })
    expect(findings.filter((f) => f.severity === 'blocking').map((f) => f.code).sort()).toEqual(['fee_to_join', 'pays_on_fees', 'pays_per_recruit', 'too_many_tiers'])
    expect(findings.find((f) => f.code === 'too_many_tiers')!.explanation).toContain('禁止传销条例')
    await expect(core.invoke('schemes', 'save', { name: '三级', rules: { ...RULES, tiers: 3 } })).rejects.toMatchObject({ code: 'scheme_not_compliant', details: { field: 'tiers' } })
    expect(await core.invoke('schemes', 'list', {})).toEqual([])
  })

  it('calls the mentor 师父, the studio’s word, in findings, entry kinds and the rules', async () => {
    const core = open()
    const findings = await core.invoke('schemes', 'check', { rules: { ...RULES, mentorBp: [2000, 2000, 2000] } })
    const above = findings.find((f) => f.code === 'mentor_above_seller')!
    expect(above.title).toContain('师父拿得比卖货的人多')
    expect(LEDGER_KIND_LABELS.mentor_commission.zh).toBe('师父佣金')
    const words = JSON.stringify([findings, LEDGER_KIND_LABELS, COMMISSION_RULES])
    expect(words).toContain('师父')
    expect(words).not.toContain('师傅')
  })

  it('versions every change; entries keep the version they were computed with', async () => {
    const core = open()
    const { seller } = await team(core)
    order(core, { no: 'SO-6001', memberId: seller.id, lines: [10_000] })
    await core.invoke('ledger', 'post', {})
    const [scheme] = await core.invoke('schemes', 'list', {})
    await core.invoke('schemes', 'save', { id: scheme.id, name: scheme.name, rules: { ...RULES, sellerBp: [2000, 2000, 2000] }, note: '双十一' })
    order(core, { no: 'SO-6002', memberId: seller.id, lines: [10_000] })
    await core.invoke('ledger', 'post', {})
    const rows = core.context.db.prepare("SELECT amount_fen, scheme_version FROM ledger_entries WHERE kind = 'sale_commission' ORDER BY rowid").all()
    expect(rows).toEqual([
      { amount_fen: 1000, scheme_version: 1 },
      { amount_fen: 2000, scheme_version: 2 },
    ])
    expect((await core.invoke('schemes', 'versions', { id: scheme.id })).map((v) => [v.version, v.note])).toEqual([
      [2, '双十一'],
      [1, ''],
    ])
  })

  it('lets only managers change schemes', async () => {
    const core = open()
    actAs(core, 'operator', '小周')
    await expect(core.invoke('schemes', 'save', { name: 'x', rules: RULES })).rejects.toMatchObject({ code: 'forbidden' })
  })
})

describe('statements and the summary', () => {
  it('closes each month at opening plus its entries, rejected entries left out', async () => {
    const core = open()
    const { seller } = await team(core)
    order(core, { no: 'SO-7001', memberId: seller.id, lines: [10_000], placedAt: '2026-10-05T02:00:00.000Z' })
    order(core, { no: 'SO-7002', memberId: seller.id, lines: [20_000], placedAt: '2026-11-05T02:00:00.000Z' })
    order(core, { no: 'SO-7003', memberId: seller.id, lines: [5_000], placedAt: '2026-11-06T02:00:00.000Z' })
    await core.invoke('ledger', 'post', {})
    const rejected = entries(core).find((e) => e.source_key === 'SO-7003#1' && e.member_code === 'WANG01')!
    applyStatusChanges(core.context.db, [{ entryId: rejected.id, status: 'rejected', seq: 1, changedAt: '2026-11-20T00:00:00Z', note: '刷单' }])
    const s = await core.invoke('ledger', 'statement', { memberId: seller.id, period: '2026-11' })
    expect(s.openingFen).toBe(1000)
    expect(s.entries.map((e) => e.amountFen)).toEqual([2000, 500])
    expect(s.closingFen).toBe(3000)
    expect(s.totals).toMatchObject({ earnedFen: 2000, pendingFen: 2000, rejectedFen: 500, owedFen: 2000 })
    const sum = await core.invoke('ledger', 'summary', { period: '2026-11' })
    expect(sum.members.find((m) => m.memberCode === 'WANG01')).toMatchObject({ memberName: '小王', earnedFen: 2000 })
    const detail = await core.invoke('ledger', 'entry', { id: s.entries[0].id })
    expect(detail.order).toMatchObject({ orderNo: 'SO-7002', lines: [{ lineNo: 1, amountFen: 20_000 }] })
  })

  it('exports the statement as PDF, XLSX and CSV', async () => {
    const core = open()
    const { seller } = await team(core)
    order(core, { no: 'SO-8001', memberId: seller.id, lines: [10_000] })
    await core.invoke('ledger', 'post', {})
    for (const format of ['pdf', 'xlsx', 'csv'] as const) {
      const out = await core.invoke('ledger', 'export', { report: 'statement', format, period: '2026-11', memberId: seller.id, path: join(dir, `s.${format}`) })
      expect(statSync(out.path).size).toBeGreaterThan(100)
    }
    expect(readFileSync(join(dir, 's.pdf')).subarray(0, 5).toString()).toBe('%PDF-')
    expect(readFileSync(join(dir, 's.csv'), 'utf8')).toContain('双抗精华')
  })
})

describe('sync port', () => {
  it('drains the outbox as the server accepts, and stores entries pulled from other workstations once', async () => {
    const a = open('a')
    const b = open('b')
    const { seller } = await team(a)
    await team(b)
    order(a, { no: 'SO-9001', memberId: seller.id, lines: [10_000] })
    await a.invoke('ledger', 'post', {})
    const batch = outboxBatch(a.context.db, 100)
    expect(batch).toHaveLength(2)
    markAccepted(a.context.db, batch.map((e) => e.id))
    expect(outboxCount(a.context.db)).toBe(0)
    expect(applyRemoteEntries(b.context.db, batch)).toEqual({ inserted: 2, unknownMembers: [] })
    expect(applyRemoteEntries(b.context.db, batch).inserted).toBe(0)
    expect(outboxCount(b.context.db)).toBe(0)
  })
})

describe('payout accounts', () => {
  it('are encrypted at rest with a key outside the database, and shown masked', async () => {
    const core = open()
    const { seller } = await team(core)
    const saved = await core.invoke('payouts', 'save', { memberId: seller.id, kind: 'bank', holder: '王小', account: '6222 0212 3456 7890', bank: '工商银行' })
    expect(saved.masked).toBe('**** 7890')
    await core.invoke('system', 'info', {})
    core.context.db.pragma('wal_checkpoint(TRUNCATE)')
    const file = readFileSync(join(dir, 'a', 'orchard.db'))
    expect(file.includes(Buffer.from('6222021234567890'))).toBe(false)
    expect(statSync(join(dir, 'a', 'ledger.key')).mode & 0o777).toBe(0o600)
    await expect(core.invoke('payouts', 'save', { memberId: seller.id, kind: 'bank', holder: '王小', account: '1234-5' })).rejects.toMatchObject({ code: 'invalid_account' })
  })
})

describe('migration 0008 (the ledger table rebuilt with cheap value checks)', () => {
  it('carries an older studio’s entries over unchanged — rowids, outbox and append-only rules included', async () => {
    const { default: Database } = await import('better-sqlite3')
    const { migrate, registerFunctions } = await import('../db/connection')
    const { migrations } = await import('../db/migrations')
    const db = new Database(join(dir, 'v7.db'))
    registerFunctions(db)
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)')
    for (const m of migrations.filter((x) => x.version <= 7)) {
      db.exec(m.sql)
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, '2026-11-01')
    }
    const insert = db.prepare(
      `INSERT INTO ledger_entries (rowid, id, member_code, kind, amount_fen, source_type, source_key, period, occurred_at, memo, device_id, origin, status, pending_sync, created_at)
       VALUES (?, ?, 'WANG01', ?, ?, 'order_line', ?, '2026-11', '2026-11-02T00:00:00Z', 'memo', 'dev', 'local', ?, ?, '2026-11-02T00:00:00Z')`,
    )
    insert.run(3, 'e-1', 'sale_commission', 1290, 'SO-1#1', 'paid', 0)
    insert.run(7, 'e-2', 'mentor_commission', 258, 'SO-1#1', 'pending', 1)
    insert.run(12, 'e-3', 'sale_commission', 990, 'SO-2#1', 'approved', 1)
    const before = db.prepare('SELECT rowid AS r, * FROM ledger_entries ORDER BY rowid').all()

    migrate(db)
    // Later migrations add columns (0010: booked_period, the entry's own month for every older entry).
    const after = db.prepare('SELECT rowid AS r, * FROM ledger_entries ORDER BY rowid').all() as { booked_period: string; period: string }[]
    expect(after.map(({ booked_period: _b, ...rest }) => rest)).toEqual(before)
    expect(after.every((e) => e.booked_period === e.period)).toBe(true)
    expect(outboxBatch(db, 10).map((e) => e.id)).toEqual(['e-2', 'e-3'])
    const table = db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'ledger_entries'`).pluck().get() as string
    expect(table).not.toMatch(/ IN \(/)
    // The same rules hold: unknown values, edits, deletions and a paid entry changing are refused.
    const insertNow = db.prepare(
      `INSERT INTO ledger_entries (rowid, id, member_code, kind, amount_fen, source_type, source_key, period, booked_period, occurred_at, memo, device_id, origin, status, pending_sync, created_at)
       VALUES (?, ?, 'WANG01', ?, ?, 'order_line', ?, '2026-11', '2026-11', '2026-11-02T00:00:00Z', 'memo', 'dev', 'local', ?, ?, '2026-11-02T00:00:00Z')`,
    )
    expect(() => insertNow.run(20, 'e-4', 'tip', 1, 'SO-3#1', 'pending', 1)).toThrow(/CHECK constraint/)
    expect(() => db.prepare(`UPDATE ledger_entries SET status = 'weird' WHERE id = 'e-2'`).run()).toThrow(/CHECK constraint/)
    expect(() => db.prepare('UPDATE ledger_entries SET amount_fen = 1').run()).toThrow(/append-only/)
    expect(() => db.prepare(`UPDATE ledger_entries SET status = 'rejected' WHERE id = 'e-1'`).run()).toThrow(/paid entry is final/)
    expect(() => db.prepare('DELETE FROM ledger_entries').run()).toThrow(/append-only/)
    expect(
      (db.prepare(`SELECT name FROM sqlite_master WHERE tbl_name = 'ledger_entries' AND sql IS NOT NULL ORDER BY name`).pluck().all() as string[]).filter((n) => n !== 'ledger_entries'),
    ).toEqual(['ledger_entries_append_only', 'ledger_entries_member_period', 'ledger_entries_no_delete', 'ledger_entries_order', 'ledger_entries_paid_final', 'ledger_entries_period', 'ledger_entries_reverses', 'ledger_outbox'])
    db.close()
  })
})
