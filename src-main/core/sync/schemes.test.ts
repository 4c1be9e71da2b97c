import { describe, expect, it } from 'vitest'
import type { SchemeRules } from '../../../src-shared/contracts/ledger'
import type { OrchardCore } from '../api'
import { activeScheme, DEFAULT_SCHEME_RULES, saveScheme } from '../ledger/schemes'
import { nextPeriod, periodOf } from '../ledger/entries'
import { postLedger } from '../ledger/posting'
import { actAs, refusal } from '../lifecycle/lifecycle.testkit'
import { changeWriter } from '../records/changes'
import { readRecords } from '../records/sync'
import { importShopExport, shopExportOf } from './ledgerStudio.testkit'
import { changeRows, pushAs, teamHarness } from './team.testkit'

/**
 * Commission schemes between workstations and a real server process, over HTTP: every
 * workstation posts the team's sales with the same scheme, version and rates, so the
 * ledger each computes from the same shared orders is the same to the fen.
 */
const team_ = teamHarness('schemes')
const { workstation, sync, pair, joinTeam } = team_

const RICH: SchemeRules = { ...DEFAULT_SCHEME_RULES, sellerBp: [1800, 2000, 2200], mentorBp: [0, 400, 500] }
/** The schemes as the team shares them (when each was last written here is this workstation's own). */
const schemesOf = async (core: OrchardCore) => (await core.invoke('schemes', 'list', {})).map(({ updatedAt: _, ...s }) => s)
const versionsOf = (core: OrchardCore, id: string) => core.invoke('schemes', 'versions', { id })
const versionRows = (core: OrchardCore) => (core.context.db.prepare('SELECT count(*) AS n FROM commission_scheme_versions').get() as { n: number }).n

/** The commissions a workstation posted, as a manager would compare them: which sale, whose, how much, by which version. */
function commissions(core: OrchardCore) {
  return core.context.db
    .prepare(
      `SELECT id, member_code AS member, kind, amount_fen AS amountFen, rate_bp AS rateBp, scheme_id AS schemeId, scheme_version AS schemeVersion
         FROM ledger_entries WHERE kind IN ('sale_commission', 'mentor_commission') ORDER BY id`,
    )
    .all()
}

/** The shop's export of one paid order as an operator imports it. */
async function importOrder(core: OrchardCore, orderNo: string, member: string, amountYuan: string, placedAt = '2026-11-20 10:00') {
  const result = await importShopExport(core, team_.dirOf(core), shopExportOf([{ orderNo, placedAt, member, amountYuan }]), `orders-${orderNo}.csv`)
  expect(result.committed).toBe(true)
}

/** What each member has earned on a workstation's books, in fen. */
const balances = (core: OrchardCore) =>
  Object.fromEntries(
    (core.context.db.prepare('SELECT member_code AS code, SUM(amount_fen) AS fen FROM ledger_entries GROUP BY member_code ORDER BY member_code').all() as { code: string; fen: number }[]).map(
      (r) => [r.code, r.fen],
    ),
  )

/** The 15th of the month before the workstation's today (in the studio's time zone), as the shop's export writes a time, and that month. */
function lastMonth(core: OrchardCore): { placedAt: string; period: string } {
  const [y, m] = periodOf(core.context.timezone())(core.context.clock.now().toISOString()).split('-').map(Number)
  const period = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
  return { placedAt: `${period}-15 10:00`, period }
}

/** A seller at level 2 with a mentor at level 2, on A (B has them after a round). */
async function sellerAndMentor(core: OrchardCore) {
  await core.invoke('members', 'create', { name: '李师父', inviteCode: 'MENTOR01', level: 2, joinDate: '2026-09-01' })
  const mentor = (await core.invoke('members', 'all', {})).find((m) => m.inviteCode === 'MENTOR01')!
  await core.invoke('members', 'create', { name: '小美', inviteCode: 'ALICE001', level: 2, mentorId: mentor.id, joinDate: '2026-09-02' })
}

/** Two workstations of a new team, each with a manager at work; on A the seller and mentor and the team's first scheme (the default: 12% and 2% at level 2). */
async function managersWithScheme() {
  const [a, b, team] = await pair()
  await sellerAndMentor(a)
  actAs(a, 'manager', '陈姐')
  actAs(b, 'manager', '王店长')
  const scheme = await a.invoke('schemes', 'save', { name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '', activate: true })
  return [a, b, team, scheme] as const
}

/**
 * Version 2 of a scheme written on `core` as a client that skipped the compliance check would:
 * straight into its tables, made current, its changes queued as a manager's for the next push.
 */
function uncheckedVersion2(core: OrchardCore, schemeId: string, name: string, rules: unknown) {
  const db = core.context.db
  db.prepare(
    `INSERT INTO commission_scheme_versions (id, scheme_id, version, name, rules, note, saved_at, created_by, created_at, updated_at) VALUES (?, ?, 2, ?, ?, '', ?, '陈姐', ?, ?)`,
  ).run(`${schemeId}:2`, schemeId, name, JSON.stringify(rules), ...Array(3).fill(new Date().toISOString()))
  db.prepare('UPDATE commission_schemes SET current_version = 2 WHERE id = ?').run(schemeId)
  const change = db.prepare(
    `INSERT INTO record_changes (tx_id, record, record_id, op, field, at, actor_role, workstation, source, base_seq) VALUES ('skipped', ?, ?, ?, ?, '2026-01-01T00:00:00Z', 'manager', 'x', 'console', 0)`,
  )
  change.run('schemeVersion', `${schemeId}:2`, 'create', null)
  change.run('scheme', schemeId, 'update', 'currentVersion')
}

/**
 * `core` leaves the team (its books stay) and does what `offTeam` does on its own, then is
 * enrolled with `team` again: its records and entries go to the team at its next round.
 */
async function awayFromTeam(core: OrchardCore, team: string, offTeam: () => Promise<void>) {
  await core.invoke('sync', 'forget', {})
  await offTeam()
  await team_.enrol(core, team, 'B')
}

/** B's own version 2, refused by the team: the seller at level 2 gets 13%, the mentor 2.5%. */
const OWN: SchemeRules = { ...DEFAULT_SCHEME_RULES, sellerBp: [1100, 1300, 1600], mentorBp: [0, 250, 300] }

describe('commission schemes shared through the team server', () => {
  it('a manager’s scheme, its new version and its activation on A are on B field by field, and B posts the same commissions for the same shared order as A', async () => {
    const [a, b] = await pair()
    await a.invoke('members', 'create', { name: '李师父', inviteCode: 'MENTOR01', level: 2, joinDate: '2026-09-01' })
    const mentor = (await a.invoke('members', 'all', {})).find((m) => m.inviteCode === 'MENTOR01')!
    await a.invoke('members', 'create', { name: '小美', inviteCode: 'ALICE001', level: 2, mentorId: mentor.id, joinDate: '2026-09-02' })
    actAs(a, 'manager', '陈姐')
    const first = await a.invoke('schemes', 'save', { name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '开业方案', activate: true })
    await a.invoke('settings', 'update', { language: 'en-US', theme: 'dark' })
    await sync(a)
    await sync(b)
    expect(await schemesOf(b)).toEqual(await schemesOf(a))

    // Version 2 with richer rates, made the active one's current version on A.
    const second = await a.invoke('schemes', 'save', { id: first.id, name: '标准两级佣金（加码）', rules: RICH, note: '双十一加码', activate: true })
    expect(second).toMatchObject({ version: 2, active: true })
    await importOrder(a, 'SO-1', 'ALICE001', '200.00')
    await sync(a)
    expect((await sync(b)).records).toMatchObject({ notApplied: 0 })

    expect(await schemesOf(b)).toEqual(await schemesOf(a))
    expect(await versionsOf(b, first.id)).toEqual(await versionsOf(a, first.id))
    expect((await versionsOf(b, first.id)).map((v) => [v.version, v.note, v.createdBy])).toEqual([
      [2, '双十一加码', '陈姐'],
      [1, '开业方案', '陈姐'],
    ])
    expect(activeScheme(b.context.db)).toMatchObject({ id: first.id, version: 2, rules: RICH })
    // A's language and theme are A's own.
    expect(await b.invoke('settings', 'get')).toMatchObject({ language: 'zh-CN', theme: 'light' })

    // Each workstation posts the shared order by itself: the same entries, to the fen, by the same version.
    postLedger(a.context)
    postLedger(b.context)
    const posted = commissions(a)
    expect(posted).toHaveLength(2)
    expect(posted).toEqual(expect.arrayContaining([expect.objectContaining({ member: 'ALICE001', kind: 'sale_commission', amountFen: 4000, schemeId: first.id, schemeVersion: 2 })]))
    expect(commissions(b)).toEqual(posted)

    // The change of rates is in A's audit chain with both values.
    const audit = await a.invoke('audit', 'list', { kinds: ['record.created'], entityId: `${first.id}:2` })
    expect(audit.rows).toEqual([expect.objectContaining({ actorName: '陈姐', entity: 'schemeVersion', after: expect.objectContaining({ rules: RICH }) })])
  })

  it('only a manager writes a scheme: the core refuses an operator and changes nothing; the server refuses an operator device’s scheme change with the reason and applies nothing', async () => {
    const [a, op, team] = await pair({ names: ['店长', '前台'], roleOfB: 'operator' })
    actAs(a, 'manager', '陈姐')
    const scheme = await a.invoke('schemes', 'save', { name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '', activate: true })
    await sync(a)
    await sync(op)
    expect(await schemesOf(op)).toEqual(await schemesOf(a))

    // The core: an operator's save is refused before anything is written, through the method and through the write path alike.
    actAs(op, 'operator', '小周')
    const rows = changeRows(op)
    const before = await schemesOf(op)
    expect(await refusal(() => op.invoke('schemes', 'save', { id: scheme.id, name: '改', rules: RICH, note: '', activate: true }))).toMatchObject({ code: 'forbidden' })
    const err = await refusal(async () => saveScheme(changeWriter(op.context), { id: scheme.id, name: '改', rules: RICH, note: '', activate: true }))
    expect(err).toMatchObject({ code: 'forbidden', details: { record: 'schemeVersion', role: 'operator' } })
    expect(await schemesOf(op)).toEqual(before)
    expect(versionRows(op)).toBe(1)
    expect(changeRows(op)).toBe(rows)

    // A manager's profile on an operator's workstation: the core lets it, the server does not take it from this device.
    actAs(op, 'manager', '冒名店长')
    await op.invoke('schemes', 'save', { id: scheme.id, name: '偷改方案', rules: RICH, note: '', activate: true })
    const round = await sync(op)
    expect(round.records).toMatchObject({ refused: 3, pending: 0 })
    const issues = await op.invoke('sync', 'recordIssues', {})
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'refused', record: 'schemeVersion', recordId: `${scheme.id}:2`, code: 'role_not_enrolled', reason: expect.stringMatching(/enrolled for Operators and cannot change records as manager/) }),
        expect.objectContaining({ kind: 'refused', record: 'scheme', field: 'currentVersion', code: 'role_not_enrolled' }),
        expect.objectContaining({ kind: 'refused', record: 'scheme', field: 'name', code: 'role_not_enrolled' }),
      ]),
    )
    // Undone on the operator's workstation: the team's version 1 is the one it posts with.
    expect(activeScheme(op.context.db)).toMatchObject({ id: scheme.id, version: 1, name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES })
    expect(versionRows(op)).toBe(1)

    // Over HTTP, as the operator role itself: refused with the reason; the team holds nothing of it.
    const answer = await pushAs(op, team, [
      { clientSeq: 9001, record: 'scheme', id: scheme.id, op: 'update', field: 'currentVersion', value: 7, role: 'operator' },
      { clientSeq: 9002, record: 'setting', id: 'studio', op: 'update', field: 'activeScheme', value: 'nope', role: 'operator' },
    ])
    expect(answer.accepted).toEqual([])
    expect(answer.refused).toEqual([
      expect.objectContaining({ clientSeq: 9001, code: 'forbidden', reason: expect.stringMatching(/Operator may not change a scheme's currentVersion/) }),
      expect.objectContaining({ clientSeq: 9002, code: 'forbidden', reason: expect.stringMatching(/activeScheme/) }),
    ])
    await sync(a)
    expect(activeScheme(a.context.db)).toMatchObject({ id: scheme.id, version: 1, name: '标准两级佣金' })
    expect(versionRows(a)).toBe(1)
  })

  it('two workstations save "version 2" offline: the first the server takes wins, the other is refused, undone with the reason, and both end with the same versions', async () => {
    const [a, b] = await pair()
    actAs(a, 'manager', '陈姐')
    actAs(b, 'manager', '王店长')
    const scheme = await a.invoke('schemes', 'save', { name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '', activate: true })
    await sync(a)
    await sync(b)

    await a.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: RICH, note: 'A 的加码', activate: true })
    await b.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: { ...DEFAULT_SCHEME_RULES, sellerBp: [1100, 1300, 1600] }, note: 'B 的微调', activate: true })
    expect((await sync(a)).records).toMatchObject({ refused: 0 })
    expect((await sync(b)).records).toMatchObject({ refused: 1 })
    expect(await b.invoke('sync', 'recordIssues', {})).toEqual([
      expect.objectContaining({ kind: 'refused', record: 'schemeVersion', recordId: `${scheme.id}:2`, code: 'version_taken', reason: expect.stringMatching(/the team already holds another schemeVersion/) }),
    ])
    await sync(a)
    await sync(b)
    // B took the team's version 2 in place of its own; nothing of B's rules is left to post with.
    expect(await versionsOf(b, scheme.id)).toEqual(await versionsOf(a, scheme.id))
    expect((await versionsOf(b, scheme.id))[0]).toMatchObject({ version: 2, note: 'A 的加码', rules: RICH, createdBy: '陈姐' })
    expect(await schemesOf(b)).toEqual(await schemesOf(a))
    expect(activeScheme(b.context.db)).toMatchObject({ id: scheme.id, version: 2, rules: RICH })
    expect((await sync(b)).records).toMatchObject({ pushed: 0 })
  })

  it.each(['A', 'B'] as const)(
    'two managers save "version 2" offline and both post a sale and its refund meanwhile with the team’s version 1, so the refused one moved no money; %s’s version reaches the team first: A, B and a new workstation hold the same money, nothing to correct, no conflict',
    async (first) => {
      const [a, b, team, scheme] = await managersWithScheme()
      await importOrder(a, 'SO-2', 'ALICE001', '300.00')
      await sync(a)
      await sync(b)

      // Offline, each its own version 2: A's pays 20% and 4%, B's 13% and 2.5%. Neither is the team's yet.
      await a.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: RICH, note: 'A 的加码', activate: true })
      await b.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: OWN, note: 'B 的微调', activate: true })
      expect(await schemesOf(b)).toEqual([
        expect.objectContaining({ version: 2, rules: OWN, usedVersion: 1, waiting: expect.stringMatching(/第 2 版在团队服务器接受后生效，在此之前按第 1 版记佣金/) }),
      ])
      const posted = await b.invoke('ledger', 'post', {})
      expect(posted.held.schemeWaiting).toMatch(/ \/ Version 2 of the commission scheme 标准两级佣金 takes effect once the team server accepts it; until then sales are posted with version 1$/)
      postLedger(a.context)
      // The ¥100 refund, imported and posted on both.
      for (const ws of [a, b]) {
        const refund = await importShopExport(ws, team_.dirOf(ws), shopExportOf([{ orderNo: 'SO-2', placedAt: '2026-11-20 10:00', member: 'ALICE001', amountYuan: '300.00', status: '部分退款', refundedYuan: '100.00' }]), 'refund-SO-2.csv')
        expect(refund.committed).toBe(true)
        postLedger(ws.context)
        expect(balances(ws)).toEqual({ ALICE001: 2400, MENTOR01: 400 })
      }
      expect(commissions(a)).toEqual(commissions(b))
      expect(commissions(a).every((e) => (e as { schemeVersion: number }).schemeVersion === 1)).toBe(true)

      const [winner, refused, rules] = first === 'A' ? [a, b, RICH] : [b, a, OWN]
      expect((await sync(winner)).records).toMatchObject({ refused: 0 })
      expect((await sync(refused)).records).toMatchObject({ refused: 1 })
      await sync(winner)
      await sync(refused)
      const c = await joinTeam(team)
      await sync(c)
      for (const ws of [a, b, c]) {
        expect(activeScheme(ws.context.db)).toMatchObject({ id: scheme.id, version: 2, rules })
        expect(postLedger(ws.context)).toMatchObject({ entries: 0, rerated: 0 })
        expect(balances(ws)).toEqual({ ALICE001: 2400, MENTOR01: 400 })
        expect(await ws.invoke('sync', 'conflicts', {})).toEqual([])
      }

      // From now on the team's version 2 pays, on the workstation whose own was refused too: a sale of ¥100 earns the seller at level 2 its rate.
      await importOrder(refused, 'SO-4', 'ALICE001', '100.00')
      expect((await refused.invoke('ledger', 'post', {})).held).toMatchObject({ schemeBlocked: null, schemeWaiting: null })
      expect(commissions(refused)).toEqual(
        expect.arrayContaining([expect.objectContaining({ member: 'ALICE001', kind: 'sale_commission', amountFen: rules.sellerBp[1], schemeVersion: 2 })]),
      )
    },
  )

  it('a refund posted on a workstation that only pulled the sale’s commission takes back at the rate the commission was posted with, not at the team’s newer version’s: both workstations agree, no conflict', async () => {
    const [a, b, , scheme] = await managersWithScheme()
    await importOrder(a, 'SO-5', 'ALICE001', '300.00')
    await sync(a)
    postLedger(a.context)
    await sync(a)
    await sync(b)
    expect(balances(b)).toEqual({ ALICE001: 3600, MENTOR01: 600 })

    // The team moves to version 2 (20% and 4%); then the shop refunds ¥100, imported and posted on B alone.
    await a.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: RICH, note: 'A 的加码', activate: true })
    await sync(a)
    await sync(b)
    const refund = await importShopExport(b, team_.dirOf(b), shopExportOf([{ orderNo: 'SO-5', placedAt: '2026-11-20 10:00', member: 'ALICE001', amountYuan: '300.00', status: '部分退款', refundedYuan: '100.00' }]), 'refund-SO-5.csv')
    expect(refund.committed).toBe(true)
    postLedger(b.context)
    expect(balances(b)).toEqual({ ALICE001: 2400, MENTOR01: 400 })

    await sync(b)
    await sync(a)
    expect(postLedger(a.context).entries).toBe(0)
    for (const ws of [a, b]) {
      expect(balances(ws)).toEqual({ ALICE001: 2400, MENTOR01: 400 })
      expect(await ws.invoke('sync', 'conflicts', {})).toEqual([])
    }
  })

  it('commission B posted with its own version 2 while it had left the team is corrected, when it comes back, to the team’s version 2 in the open month (its sale’s month closed): the same balances as A’s, to the fen, nothing posted twice', async () => {
    const [a, b, team, scheme] = await managersWithScheme()
    await sync(a)
    await sync(b)

    // A's version 2 pays 20% and 4%. B, away from the team, saves its own (13% and 2.5%), alone imports last month's sale of ¥200, posts it with its own and closes that month.
    await a.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: RICH, note: 'A 的加码', activate: true })
    expect((await sync(a)).records).toMatchObject({ refused: 0 })
    const { placedAt, period } = lastMonth(b)
    await awayFromTeam(b, team, async () => {
      await b.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: OWN, note: 'B 的微调', activate: true })
      await importOrder(b, 'SO-1', 'ALICE001', '200.00', placedAt)
      await b.invoke('ledger', 'close', { period })
    })
    expect(balances(b)).toEqual({ ALICE001: 2600, MENTOR01: 500 })
    expect((await sync(b)).records).toMatchObject({ refused: 1 })
    expect(activeScheme(b.context.db)).toMatchObject({ id: scheme.id, version: 2, rules: RICH })

    // Posting again corrects both commissions to the team's version 2, in the first open month, saying so.
    const posted = await b.invoke('ledger', 'post', {})
    expect(posted).toMatchObject({ entries: 2, rerated: 2 })
    expect(balances(b)).toEqual({ ALICE001: 4000, MENTOR01: 800 })
    const corrections = b.context.db
      .prepare(`SELECT member_code AS member, amount_fen AS amountFen, period, booked_period AS booked, memo FROM ledger_entries WHERE source_type = 'correction' ORDER BY member_code`)
      .all()
    const booked = nextPeriod(period)
    expect(corrections).toEqual([
      expect.objectContaining({ member: 'ALICE001', amountFen: 1400, period, booked, memo: expect.stringMatching(/佣金方案 v2 以团队的版本为准.*13% 改为 20%/) }),
      expect.objectContaining({ member: 'MENTOR01', amountFen: 300, period, booked, memo: expect.stringMatching(/2.5% 改为 4%/) }),
    ])
    // The closed month holds what it held when it was closed.
    expect(b.context.db.prepare(`SELECT SUM(amount_fen) AS fen FROM ledger_entries WHERE booked_period = ?`).get(period)).toEqual({ fen: 3100 })
    expect((await b.invoke('ledger', 'post', {})).entries).toBe(0)

    // After a round each, A posts the shared sale by itself and adds nothing: both hold the team's money, with nothing in conflict.
    await sync(b)
    await sync(a)
    expect((await a.invoke('ledger', 'post', {})).entries).toBe(0)
    expect(balances(a)).toEqual({ ALICE001: 4000, MENTOR01: 800 })
    // A workstation that only ever had the team's version holds the same.
    const c = await joinTeam(team)
    await sync(c)
    expect((await c.invoke('ledger', 'post', {})).entries).toBe(0)
    expect(balances(c)).toEqual(balances(b))
    for (const ws of [a, b, c]) expect(await ws.invoke('sync', 'conflicts', {})).toEqual([])
  })

  it('A and B both posted the same sale, each with its own version 2 (B while it had left the team): B’s refused version is corrected on B alone, and both end with the team’s money and no conflict', async () => {
    const [a, b, team, scheme] = await managersWithScheme()
    await importOrder(a, 'SO-2', 'ALICE001', '300.00')
    await sync(a)
    await sync(b)

    await a.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: RICH, note: 'A 的加码', activate: true })
    await sync(a)
    postLedger(a.context)
    await awayFromTeam(b, team, async () => {
      await b.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: OWN, note: 'B 的微调', activate: true })
      postLedger(b.context)
    })
    expect(balances(a)).toEqual({ ALICE001: 6000, MENTOR01: 1200 })
    expect(balances(b)).toEqual({ ALICE001: 3900, MENTOR01: 750 })
    await sync(a)
    // The same entries with other money: conflicts on B, and its version refused.
    expect((await sync(b)).records).toMatchObject({ refused: 1 })
    expect(await b.invoke('sync', 'conflicts', {})).toHaveLength(2)

    expect(postLedger(b.context)).toMatchObject({ rerated: 2 })
    expect(balances(b)).toEqual({ ALICE001: 6000, MENTOR01: 1200 })
    expect(await b.invoke('sync', 'conflicts', {})).toEqual([])
    await sync(b)
    await sync(a)
    await sync(b)
    for (const ws of [a, b]) {
      expect(balances(ws)).toEqual({ ALICE001: 6000, MENTOR01: 1200 })
      expect(postLedger(ws.context).entries).toBe(0)
      expect(await ws.invoke('sync', 'conflicts', {})).toEqual([])
    }

    // A later refund of ¥100 posted on both: the same reversals, at the team's rates, once for the team.
    const refund = await importShopExport(a, team_.dirOf(a), shopExportOf([{ orderNo: 'SO-2', placedAt: '2026-11-20 10:00', member: 'ALICE001', amountYuan: '300.00', status: '部分退款', refundedYuan: '100.00' }]), 'refund-SO-2.csv')
    expect(refund.committed).toBe(true)
    await sync(a)
    await sync(b)
    postLedger(a.context)
    postLedger(b.context)
    await sync(a)
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) {
      expect(balances(ws)).toEqual({ ALICE001: 4000, MENTOR01: 800 })
      expect(await ws.invoke('sync', 'conflicts', {})).toEqual([])
    }
  })

  it('B posted a sale and its refund with its own version 2 while it had left the team; A posted both at the team’s version and reached the team first: B’s reversal is brought to the team’s on B alone, and A, B and a new workstation hold the team’s money once, with no conflict', async () => {
    const [a, b, team, scheme] = await managersWithScheme()
    await importOrder(a, 'SO-4', 'ALICE001', '300.00')
    await sync(a)
    await sync(b)

    // A's version 2 (20% and 4%) reaches the team; A posts the sale of ¥300 and its refund of ¥100 with it.
    await a.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: RICH, note: 'A 的加码', activate: true })
    await sync(a)
    const refundOf = (core: OrchardCore) =>
      importShopExport(core, team_.dirOf(core), shopExportOf([{ orderNo: 'SO-4', placedAt: '2026-11-20 10:00', member: 'ALICE001', amountYuan: '300.00', status: '部分退款', refundedYuan: '100.00' }]), 'refund-SO-4.csv')
    postLedger(a.context)
    expect((await refundOf(a)).committed).toBe(true)
    postLedger(a.context)
    expect(balances(a)).toEqual({ ALICE001: 4000, MENTOR01: 800 })
    await sync(a)

    // B, away from the team, posts the same sale and refund with its own version 2 (13% and 2.5%).
    await awayFromTeam(b, team, async () => {
      await b.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: OWN, note: 'B 的微调', activate: true })
      postLedger(b.context)
      expect((await refundOf(b)).committed).toBe(true)
      postLedger(b.context)
    })
    expect(balances(b)).toEqual({ ALICE001: 2600, MENTOR01: 500 })
    // Its sale and its reversal are the team's entries with other money; its version is refused.
    expect((await sync(b)).records).toMatchObject({ refused: 1 })
    expect(await b.invoke('sync', 'conflicts', {})).toHaveLength(4)

    expect(postLedger(b.context)).toMatchObject({ rerated: 2 })
    expect(balances(b)).toEqual({ ALICE001: 4000, MENTOR01: 800 })
    expect(await b.invoke('sync', 'conflicts', {})).toEqual([])
    // The corrections that bring B's reversals to the team's say so and stay on B.
    const teamCopies = (core: OrchardCore) =>
      core.context.db.prepare(`SELECT member_code AS member, amount_fen AS amountFen, pending_sync AS pending, memo FROM ledger_entries WHERE source_key LIKE '%~team' ORDER BY member_code`).all()
    expect(teamCopies(b)).toEqual([
      { member: 'ALICE001', amountFen: -700, pending: 0, memo: expect.stringContaining('冲回以团队的分录为准：此工作站记 -¥13.00，团队记 -¥20.00') },
      { member: 'MENTOR01', amountFen: -150, pending: 0, memo: expect.stringContaining('此工作站记 -¥2.50，团队记 -¥4.00') },
    ])
    for (let round = 0; round < 3; round++) {
      await sync(b)
      await sync(a)
    }
    const c = await joinTeam(team)
    await sync(c)
    for (const ws of [a, c]) expect(teamCopies(ws)).toEqual([])
    for (const ws of [a, b, c]) {
      expect(postLedger(ws.context).entries).toBe(0)
      expect(balances(ws)).toEqual({ ALICE001: 4000, MENTOR01: 800 })
      expect(await ws.invoke('sync', 'conflicts', {})).toEqual([])
    }
  })

  it('B’s commission at its refused version (posted while it had left the team) reaches the team first and its correction follows; A posted the same sale at the team’s version before pulling them: A, B and a new workstation hold the team’s money once, with no conflict', async () => {
    const [a, b, team, scheme] = await managersWithScheme()
    await sync(a)
    await sync(b)

    // A's version 2 (20% and 4%) reaches the team first; B, away from the team, posts the sale of ¥200 with its own (13% and 2.5%).
    await a.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: RICH, note: 'A 的加码', activate: true })
    await sync(a)
    await awayFromTeam(b, team, async () => {
      await b.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: OWN, note: 'B 的微调', activate: true })
      await importOrder(b, 'SO-3', 'ALICE001', '200.00')
      postLedger(b.context)
    })
    // The team takes B's commission (nobody else posted the sale), refuses its version; B's corrections follow it.
    expect((await sync(b)).records).toMatchObject({ refused: 1 })
    expect(postLedger(b.context)).toMatchObject({ rerated: 2 })
    await sync(b)
    expect(balances(b)).toEqual({ ALICE001: 4000, MENTOR01: 800 })

    // A imports and posts the same sale at the team's version before it pulls B's entries.
    await importOrder(a, 'SO-3', 'ALICE001', '200.00')
    postLedger(a.context)
    expect(balances(a)).toEqual({ ALICE001: 4000, MENTOR01: 800 })
    await sync(a)
    await sync(b)
    await sync(a)
    const c = await joinTeam(team)
    await sync(c)
    for (const ws of [a, b, c]) {
      expect(balances(ws)).toEqual({ ALICE001: 4000, MENTOR01: 800 })
      expect(postLedger(ws.context).entries).toBe(0)
      expect(balances(ws)).toEqual({ ALICE001: 4000, MENTOR01: 800 })
      expect(await ws.invoke('sync', 'conflicts', {})).toEqual([])
    }
  })

  it('the same version pushed again (a lost reply) is taken once; an edit or delete of a saved version is refused', async () => {
    const [a, , team] = await pair()
    actAs(a, 'manager', '陈姐')
    const scheme = await a.invoke('schemes', 'save', { name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '', activate: true })
    await sync(a)
    const held = readRecords(a.context.db, 'schemeVersion', [`${scheme.id}:1`]).get(`${scheme.id}:1`)
    const again = await pushAs(a, team, [{ clientSeq: 7001, record: 'schemeVersion', id: `${scheme.id}:1`, op: 'create', field: null, value: held, role: 'manager' }])
    expect(again).toMatchObject({ accepted: [7001], refused: [] })
    const edits = await pushAs(a, team, [
      { clientSeq: 7002, record: 'schemeVersion', id: `${scheme.id}:1`, op: 'update', field: 'rules', value: RICH, role: 'manager' },
      { clientSeq: 7003, record: 'schemeVersion', id: `${scheme.id}:1`, op: 'delete', field: null, value: null, role: 'manager' },
    ])
    expect(edits.accepted).toEqual([])
    expect(edits.refused.map((r) => [r.clientSeq, r.code])).toEqual([
      [7002, 'immutable'],
      [7003, 'immutable'],
    ])
    const c = await joinTeam(team)
    await sync(c)
    expect(await versionsOf(c, scheme.id)).toEqual(await versionsOf(a, scheme.id))
  })

  it('a new workstation’s snapshot brings the schemes, their versions and the active one; two managers activating different schemes offline is a conflict one click restores', async () => {
    const [a, b, team] = await pair()
    actAs(a, 'manager', '陈姐')
    actAs(b, 'manager', '王店长')
    const standard = await a.invoke('schemes', 'save', { name: '标准', rules: DEFAULT_SCHEME_RULES, note: '', activate: true })
    const rich = await a.invoke('schemes', 'save', { name: '加码', rules: RICH, note: '', activate: false })
    await sync(a)
    await sync(b)

    const c = await joinTeam(team)
    const round = await sync(c)
    expect(round.records).toMatchObject({ notApplied: 0 })
    expect(await schemesOf(c)).toEqual(await schemesOf(a))
    expect(activeScheme(c.context.db)).toMatchObject({ id: standard.id })

    // A moves the studio to a new scheme of its own, B to a new version of the rich one, both offline.
    const third = await a.invoke('schemes', 'save', { name: '新方案', rules: DEFAULT_SCHEME_RULES, note: '', activate: true })
    await b.invoke('schemes', 'save', { id: rich.id, name: '加码', rules: RICH, note: '启用', activate: true })
    await sync(a)
    expect((await sync(b)).records).toMatchObject({ conflicts: 1 })
    await sync(a)
    for (const ws of [a, b]) expect(activeScheme(ws.context.db)).toMatchObject({ id: rich.id })
    const [conflict] = await a.invoke('records', 'conflicts', { status: 'open' })
    expect(conflict).toMatchObject({ record: 'setting', field: 'activeScheme', earlier: { value: third.id, actor: '陈姐' }, later: { value: rich.id, actor: '王店长' } })
    await a.invoke('records', 'restoreConflict', { id: conflict.id })
    await sync(a)
    await sync(b)
    await sync(c)
    for (const ws of [a, b, c]) expect(activeScheme(ws.context.db)).toMatchObject({ id: third.id, name: '新方案', version: 1 })
  })

  it('a version the compliance check blocks is not taken from the team: kept out of use with the reason, never posted with', async () => {
    const [a, b, team] = await pair()
    await a.invoke('members', 'create', { name: '小美', inviteCode: 'ALICE001', level: 1, joinDate: '2026-09-02' })
    actAs(a, 'manager', '陈姐')
    const scheme = await a.invoke('schemes', 'save', { name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '', activate: true })
    await sync(a)
    await sync(b)
    // A client that skipped the check: three tiers and a fee per recruit, recorded as a manager's version 2.
    uncheckedVersion2(a, scheme.id, '拉人头', { ...DEFAULT_SCHEME_RULES, tiers: 3, perRecruitFen: 5000 })
    await importOrder(a, 'SO-9', 'ALICE001', '100.00')
    await sync(a)
    expect((await sync(b)).records).toMatchObject({ notApplied: 1 })
    expect(await b.invoke('sync', 'recordIssues', {})).toEqual([
      expect.objectContaining({ kind: 'not_applied', record: 'schemeVersion', recordId: `${scheme.id}:2`, code: 'scheme_not_compliant', reason: expect.stringMatching(/pays per recruit/) }),
    ])
    expect(versionRows(b)).toBe(1)
    // B posts no commission with it (nor with any other version while it is the current one).
    expect(activeScheme(b.context.db)).toBeNull()
    postLedger(b.context)
    expect(commissions(b)).toEqual([])

    // A new workstation's snapshot checks it the same way.
    const c = await joinTeam(team)
    expect((await sync(c)).records).toMatchObject({ notApplied: 1 })
    expect(await c.invoke('sync', 'recordIssues', {})).toEqual([expect.objectContaining({ record: 'schemeVersion', recordId: `${scheme.id}:2`, code: 'scheme_not_compliant' })])
    expect(activeScheme(c.context.db)).toBeNull()
  })

  it('the team’s current version blocked here: the scheme stays listed with the reason and no version used, posting moves no money and says why; a compliant version that arrives is used', async () => {
    const [a, b] = await pair()
    await a.invoke('members', 'create', { name: '小美', inviteCode: 'ALICE001', level: 1, joinDate: '2026-09-02' })
    actAs(a, 'manager', '陈姐')
    const scheme = await a.invoke('schemes', 'save', { name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '', activate: true })
    await sync(a)
    await sync(b)
    // A client that skipped the check made version 2 the current one: a fee per recruit.
    uncheckedVersion2(a, scheme.id, '标准两级佣金', { ...DEFAULT_SCHEME_RULES, perRecruitFen: 5000 })
    await importOrder(a, 'SO-9', 'ALICE001', '100.00')
    await sync(a)
    expect((await sync(b)).records).toMatchObject({ notApplied: 1 })

    // B lists the scheme at the team's version 2 with why it is not used, and no version in its place.
    expect(await schemesOf(b)).toEqual([
      {
        id: scheme.id,
        name: '标准两级佣金',
        active: true,
        version: 2,
        rules: null,
        usedVersion: null,
        blocked: expect.stringMatching(/^团队的佣金方案「标准两级佣金」第 2 版不合规.*按拉人头计酬 \/ .*version 2 is not compliant.*pays per recruit/),
        waiting: null,
      },
    ])
    // Posting on B moves no money and names the scheme and the blocked version.
    const entries = () => (b.context.db.prepare('SELECT count(*) AS n, coalesce(sum(amount_fen), 0) AS fen FROM ledger_entries').get() as { n: number; fen: number })
    const before = entries()
    const held = await b.invoke('ledger', 'post', {})
    expect(held.held).toMatchObject({
      noScheme: true,
      schemeBlocked: expect.stringMatching(/^启用的佣金方案「标准两级佣金」第 2 版未在此工作站采用，订单未记佣金：.*按拉人头计酬 \/ the active commission scheme 标准两级佣金 version 2 is not used on this workstation.*pays per recruit/),
    })
    expect(commissions(b)).toEqual([])
    expect(entries()).toEqual(before)

    // A manager saves a compliant version 3 on A: B takes it and posts the waiting sale with it, once.
    await a.invoke('schemes', 'save', { id: scheme.id, name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '改回合规', activate: true })
    await sync(a)
    expect((await sync(b)).records).toMatchObject({ notApplied: 0 })
    expect(await schemesOf(b)).toEqual([expect.objectContaining({ id: scheme.id, version: 3, usedVersion: 3, rules: DEFAULT_SCHEME_RULES, blocked: null })])
    expect((await b.invoke('ledger', 'post', {})).held).toMatchObject({ noScheme: false, schemeBlocked: null })
    expect(commissions(b)).toEqual([expect.objectContaining({ member: 'ALICE001', kind: 'sale_commission', amountFen: 1000, rateBp: 1000, schemeId: scheme.id, schemeVersion: 3 })])
    postLedger(b.context)
    expect(commissions(b)).toHaveLength(1)
  })

  it('schemes a studio saved before they were shared are sent the first time it syncs, once', async () => {
    const { dir, db: old } = team_.olderStudio(27)
    // As the version before shared schemes saved them: the scheme, two versions, the active flag on the scheme.
    old.prepare(`INSERT INTO commission_schemes VALUES ('old-scheme', '老方案', 2, 1, '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z')`).run()
    const version = old.prepare(`INSERT INTO commission_scheme_versions (scheme_id, version, name, rules, note, created_at, created_by) VALUES ('old-scheme', ?, '老方案', ?, ?, ?, '陈姐')`)
    version.run(1, JSON.stringify(DEFAULT_SCHEME_RULES), '开业', '2026-01-01T00:00:00Z')
    version.run(2, JSON.stringify(RICH), '加码', '2026-02-01T00:00:00Z')
    old.close()

    const a = workstation(dir)
    expect(activeScheme(a.context.db)).toMatchObject({ id: 'old-scheme', version: 2, rules: RICH })
    const [, b] = await pair({ a })
    expect((await sync(a)).records).toMatchObject({ pushed: 4, refused: 0 })
    await sync(b)
    expect(await schemesOf(b)).toEqual(await schemesOf(a))
    expect(await versionsOf(b, 'old-scheme')).toEqual(await versionsOf(a, 'old-scheme'))
    expect((await versionsOf(b, 'old-scheme')).map((v) => [v.version, v.createdAt])).toEqual([
      [2, '2026-02-01T00:00:00Z'],
      [1, '2026-01-01T00:00:00Z'],
    ])
    expect((await sync(a)).records).toMatchObject({ pushed: 0 })
  })
})
