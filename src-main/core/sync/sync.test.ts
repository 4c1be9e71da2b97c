import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SyncStatus } from '../../../src-shared/contracts/sync'
import type { OrchardCore } from '../api'
import { fixedClock, type Clock } from '../clock'
import { postLedger } from '../ledger/posting'
import { importAndPost, ledgerTotals, seedTeam, type TeamMember, type TeamOrder } from './ledgerStudio.testkit'
import { backoffDelay, startSyncLoop, SYNC_STEPS, syncLoopOf, type SyncStep } from './index'
import { teamHarness } from './team.testkit'

/**
 * The ledger's entries between workstations and a real `orchard server` process, over HTTP:
 * each round is the one a test asks for, and a test that wants the background loop starts it.
 */
const harness = teamHarness('sync')
const { enrol, sync, newTeam } = harness
const MEMBERS: TeamMember[] = [{ code: 'MENTOR01', level: 2 }, { code: 'ALICE001', mentor: 'MENTOR01' }, { code: 'BOB00002', mentor: 'MENTOR01' }, { code: 'CAROL003' }]
const SELLERS = ['ALICE001', 'BOB00002', 'CAROL003']

/** A studio with the team's members and scheme. */
async function workstation(options: { clock?: Clock } = {}): Promise<OrchardCore> {
  const core = harness.workstation(options)
  await seedTeam(core, MEMBERS)
  return core
}

/** n orders of one line each, numbered `prefix-i`; a seller with a mentor earns the mentor an entry too. */
function orders(prefix: string, n: number, seller = (i: number) => SELLERS[i % SELLERS.length], placedAt = '2026-11-20 10:00'): TeamOrder[] {
  return Array.from({ length: n }, (_, i) => ({ orderNo: `${prefix}-${i}`, placedAt, member: seller(i), amountYuan: (50 + ((i * 37) % 900) / 10).toFixed(2) }))
}
const post = (core: OrchardCore, list: TeamOrder[]) => importAndPost(core, harness.dirOf(core), list)
const totals = (core: OrchardCore) => ledgerTotals(core)

describe('workstation sync', () => {
  it('enrols, pushes the outbox, and the team’s other workstation pulls it with the server’s statuses', async () => {
    const team = newTeam()
    const a = await workstation()
    const b = await workstation()
    const posted = await post(a, orders('A', 900))
    expect(posted).toBe(900 + 600)
    const enrolled = await enrol(a, team, '前台')
    expect(enrolled).toMatchObject({ enrolled: true, team, deviceName: '前台', pending: posted })
    const round = await sync(a)
    expect(round).toMatchObject({ accepted: posted, conflicts: 0, pending: 0 })
    expect((await harness.server.summary(team)).entries).toBe(posted)

    const ids = totals(a).ids
    await harness.server.setStatus(team, [
      { entryId: ids[0], status: 'approved' },
      { entryId: ids[1], status: 'approved' },
      { entryId: ids[1], status: 'paid' },
      { entryId: ids[2], status: 'rejected' },
    ])
    await enrol(b, team, '仓库')
    const pulled = await sync(b)
    expect(pulled).toMatchObject({ pulled: posted, pending: 0 })
    await sync(a)
    const summary = await harness.server.summary(team)
    for (const ws of [a, b]) {
      const t = totals(ws)
      expect(t.entries).toBe(summary.entries)
      expect(t.totalFen).toBe(summary.totalFen)
      for (const s of ['pending', 'approved', 'paid', 'rejected'] as const) expect(t.byStatus[s]).toEqual(summary.byStatus[s])
    }
    expect(summary.byStatus.paid.entries).toBe(1)
    const status = await a.invoke('sync', 'status', {})
    expect(status).toMatchObject({ online: true, pending: 0, lastError: null, failures: 0 })
    expect(status.lastSuccessAt).not.toBeNull()
  })

  it('the same orders imported on two workstations are paid once', async () => {
    const team = newTeam()
    const a = await workstation()
    const b = await workstation()
    const shared = orders('SHARED', 60)
    const onA = await post(a, [...shared, ...orders('ONLY-A', 30)])
    const onB = await post(b, [...shared, ...orders('ONLY-B', 30)])
    await enrol(a, team)
    await enrol(b, team)
    for (const ws of [a, b, a]) await sync(ws)
    const summary = await harness.server.summary(team)
    const sharedEntries = 60 + 40
    expect(summary.entries).toBe(onA + onB - sharedEntries)
    for (const ws of [a, b]) {
      const t = totals(ws)
      expect(t.entries).toBe(summary.entries)
      expect(t.totalFen).toBe(summary.totalFen)
    }
  })

  it('refuses a used code with the server’s reason and stays unenrolled', async () => {
    const team = newTeam()
    const a = await workstation()
    const b = await workstation()
    const code = await harness.server.code(team)
    await a.invoke('sync', 'enrol', { server: harness.server.url, code })
    await expect(b.invoke('sync', 'enrol', { server: harness.server.url, code })).rejects.toMatchObject({ code: 'sync_enrol_refused', message: /already used/ })
    expect((await b.invoke('sync', 'status', {})).phase).toBe('unenrolled')
    await expect(sync(b)).rejects.toMatchObject({ code: 'sync_not_enrolled' })
  })

  it('shows a revoked device as revoked and stops trying', async () => {
    const team = newTeam()
    const a = await workstation()
    const s = await enrol(a, team)
    await sync(a)
    await harness.server.admin('POST', `/v1/admin/devices/${s.deviceId}/revoke`, {})
    const posted = await post(a, orders('R', 3))
    await expect(sync(a)).rejects.toMatchObject({ code: 'sync_revoked' })
    const status = await a.invoke('sync', 'status', {})
    expect(status).toMatchObject({ phase: 'revoked', pending: posted, nextAttemptAt: null, lastError: { code: 'sync_revoked' } })
    // Reopened later: still revoked, and the entries are all still here, waiting.
    const core = await harness.reopen(a)
    expect(await core.invoke('sync', 'status', {})).toMatchObject({ phase: 'revoked', pending: posted })
  })

  it('goes offline with growing, jittered back-off and recovers on its own when the server is back', async () => {
    const team = newTeam()
    const a = await workstation()
    await enrol(a, team)
    // Nothing runs in the background until the loop below starts: every entry is still waiting when the server goes.
    const posted = await post(a, orders('O', 50))
    const states: SyncStatus[] = []
    a.on('sync.state', (s) => states.push(s))
    const loop = await harness.withServerStopped(async () => {
      const started = await startSyncLoop(a.context, { backoffMs: 200, maxBackoffMs: 800, idleMs: 60_000, watchMs: 100 })
      await waitFor(() => states.filter((s) => s.phase === 'offline').length >= 3, 10_000)
      const offline = states.filter((s) => s.phase === 'offline')
      expect(offline[0]).toMatchObject({ online: false, pending: posted, lastError: { code: 'sync_unreachable' } })
      const [f1, f2, f3] = offline.map((s) => s.failures)
      expect([f2 - f1, f3 - f2]).toEqual([1, 1])
      for (const s of offline) expect(s.nextAttemptAt).not.toBeNull()
      return started
    })
    // The server is back at the same address.
    await waitFor(() => states.some((s) => s.phase === 'idle' && s.pending === 0), 15_000)
    expect((await harness.server.summary(team)).entries).toBe(posted)
    expect(syncLoopOf(a.context)).toBe(loop)
    expect(await a.invoke('sync', 'status', {})).toMatchObject({ phase: 'idle', online: true, failures: 0, lastError: null })
  })

  it('back-off doubles up to its cap and never waits less than half', () => {
    const delays = [1, 2, 3, 4, 5, 10, 30].map((n) => backoffDelay(n, 2000, 300_000, () => 0))
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 150_000, 150_000])
    expect(backoffDelay(3, 2000, 300_000, () => 0.999999)).toBe(8000)
  })

  it('survives being killed at every step of a round: nothing lost, nothing twice', async () => {
    const team = newTeam()
    let a = await workstation()
    const b = await workstation()
    await enrol(a, team, 'A')
    await enrol(b, team, 'B')
    let expected = await post(b, orders('B', 300))
    await sync(b)
    let batch = 0
    for (const step of SYNC_STEPS) {
      expected += await post(a, orders(`K${batch++}`, 60))
      // Dies at `step`: the core is closed mid-round, exactly as a crash leaves the data folder.
      const crash = crashAt(step)
      await startSyncLoop(a.context, { onStep: crash, pushBatch: 25, pullPage: 50, idleMs: 60_000 })
      await syncLoopOf(a.context)!.syncNow().catch(() => undefined)
      expect(crash.fired).toBe(true)
      a = await harness.reopen(a)
      await startSyncLoop(a.context, { idleMs: 60_000 })
    }
    await sync(a)
    await sync(b)
    const summary = await harness.server.summary(team)
    expect(summary.entries).toBe(expected)
    for (const ws of [a, b]) {
      const t = totals(ws)
      expect(t.entries).toBe(summary.entries)
      expect(t.totalFen).toBe(summary.totalFen)
      expect(new Set(t.ids).size).toBe(t.ids.length)
    }
  })

  it('a reset server gets every entry again; nothing is deleted on the workstation', async () => {
    const team = newTeam()
    const a = await workstation()
    await enrol(a, team)
    const posted = await post(a, orders('S', 200))
    await sync(a)
    await harness.server.setStatus(team, [{ entryId: totals(a).ids[0], status: 'approved' }])
    await sync(a)
    const before = totals(a)
    // The server's disk is lost: a new, empty server answers at the same address.
    await harness.withServerStopped(async (serverDir) => rmSync(serverDir, { recursive: true, force: true }))
    // Its devices are gone too: the manager enrols the workstation again, which offers everything it has.
    await enrol(a, team)
    const round = await sync(a)
    expect(round).toMatchObject({ accepted: posted, pending: 0 })
    expect((await harness.server.summary(team)).entries).toBe(posted)
    const after = totals(a)
    expect(after.entries).toBe(before.entries)
    expect(after.totalFen).toBe(before.totalFen)
    expect(after.byStatus.approved.entries).toBe(1)
  }, 180_000)

  it('a new server instance at the same address (reset, or `orchard server restored`) makes it offer everything again', async () => {
    const team = newTeam()
    const a = await workstation()
    await enrol(a, team)
    const posted = await post(a, orders('E', 30))
    await sync(a)
    a.context.db.prepare(`UPDATE sync_state SET server_id = 'srv_an_earlier_instance'`).run()
    const round = await sync(a)
    expect(round).toMatchObject({ serverReset: true, accepted: posted, pending: 0 })
  })

  it('notices a server restored from an older backup (its sequence went back) and offers everything again', async () => {
    const team = newTeam()
    const a = await workstation()
    await enrol(a, team)
    const posted = await post(a, orders('Q', 40))
    await sync(a)
    // The workstation has seen further than the server now goes: the server lost what came after.
    a.context.db.prepare('UPDATE sync_state SET entries_cursor = entries_cursor + 1000000').run()
    const round = await sync(a)
    expect(round).toMatchObject({ serverReset: true, pending: 0 })
    expect(round.accepted).toBeGreaterThanOrEqual(posted)
    expect((await harness.server.summary(team)).entries).toBe(posted)
  })

  it('clock skew of days on the workstations changes nothing', async () => {
    const team = newTeam()
    const fast = await workstation({ clock: fixedClock('2026-12-05T08:00:00Z') })
    const slow = await workstation({ clock: fixedClock('2026-11-02T08:00:00Z') })
    await enrol(fast, team)
    await enrol(slow, team)
    const f = await post(fast, orders('F', 100, undefined, '2026-12-05 16:00'))
    await sync(fast)
    await sync(slow)
    const l = await post(slow, orders('L', 100, undefined, '2026-11-02 16:00'))
    await sync(slow)
    // The fast workstation's "last success" is weeks after anything the slow one wrote: it still gets all of it.
    await sync(fast)
    expect(totals(fast).entries).toBe(f + l)
    expect(totals(slow).entries).toBe(f + l)
  })

  it('keeps entries of a member it does not know yet and names the member until it is added', async () => {
    const team = newTeam()
    const a = await workstation()
    const b = await workstation()
    await enrol(a, team)
    await enrol(b, team)
    // B's first round is over and B waits; then a new member joins at A, and sells at once.
    await sync(b)
    await a.invoke('members', 'create', { name: '新会员', inviteCode: 'NEWBIE09', joinDate: '2026-09-01' })
    const posted = await post(a, orders('N', 10, (i) => (i < 4 ? 'NEWBIE09' : 'CAROL003')))
    await sync(a)
    // B's round stops after the ledger, before the team's records arrive: the entries are there, their member not yet.
    const beforeRecords = (s: SyncStep) => {
      // A workstation that has taken nothing of the team's book yet takes it as a snapshot first.
      if (s === 'records.pull.request' || s === 'records.snapshot.request') throw new Error('stopped before the records')
    }
    await startSyncLoop(b.context, { onStep: beforeRecords, idleMs: 60_000, waitS: 0 })
    await syncLoopOf(b.context)!.syncNow().catch(() => undefined)
    expect(await b.invoke('sync', 'status', {})).toMatchObject({ waiting: 1, unknownMembers: ['NEWBIE09'] })
    expect(totals(b).entries).toBe(posted)
    // The next round brings the member with the team's records.
    await startSyncLoop(b.context, { idleMs: 60_000, waitS: 0 })
    await sync(b)
    expect(await b.invoke('sync', 'status', {})).toMatchObject({ waiting: 0, unknownMembers: [] })
  })

  it('a conflicting entry is listed, leaves the outbox, and overwrites nothing', async () => {
    const team = newTeam()
    const a = await workstation()
    const b = await workstation()
    await enrol(a, team)
    const [order] = orders('C', 1, () => 'CAROL003')
    await post(a, [order])
    await sync(a)
    const onServer = await harness.server.summary(team)
    // B imported the same order with a different amount before it joined: the same entry id, different money.
    await post(b, [{ ...order, amountYuan: '999.00' }])
    await enrol(b, team)
    const r = await sync(b)
    expect(r).toMatchObject({ conflicts: 1, pending: 0 })
    const conflicts = await b.invoke('sync', 'conflicts', {})
    expect(conflicts).toEqual([expect.objectContaining({ fields: ['amountFen'], localAmountFen: 9990, serverAmountFen: onServer.totalFen })])
    expect((await harness.server.summary(team)).totalFen).toBe(onServer.totalFen)
    expect(await b.invoke('sync', 'status', {})).toMatchObject({ conflicts: 1 })
  })

  it('an entry the server cannot store is refused alone and set aside with the reason; the entries behind it sync', async () => {
    const team = newTeam()
    const a = await workstation()
    // A studio from before imports refused control characters: one order line's product name holds a NUL,
    // which its commission entries' memos carry. PostgreSQL refuses a NUL in text.
    const path = join(harness.dirOf(a), 'orders.csv')
    writeFileSync(path, ['订单号,下单时间,状态,商品名称,数量,金额,归属会员邀请码', ...orders('N', 30).map((o) => [o.orderNo, o.placedAt, '已付款', '洗衣液', '1', o.amountYuan, o.member].join(','))].join('\n') + '\n')
    expect(await a.invoke('imports', 'run', { entity: 'orders', path })).toMatchObject({ committed: true, inserted: 30 })
    a.context.db.prepare(`UPDATE order_lines SET name = ? WHERE order_id = (SELECT id FROM orders WHERE order_no = 'N-2')`).run('洗衣液\u0000')
    const posted = postLedger(a.context).entries
    // N-2 is CAROL003's (no mentor): one entry, and the only one with a NUL.
    const bad = a.context.db.prepare(`SELECT id FROM ledger_entries WHERE instr(memo, char(0)) > 0`).pluck().all() as string[]
    expect(bad).toHaveLength(1)

    await enrol(a, team)
    const round = await sync(a)
    expect(round).toMatchObject({ accepted: posted - 1, refused: 1, conflicts: 0, pending: 0 })
    // The order itself, shared with the team, is refused alone too (its line's name) and kept here as it is.
    expect(round.records).toMatchObject({ refused: 1, pending: 0 })
    expect(a.context.db.prepare(`SELECT count(*) FROM orders`).pluck().get()).toBe(30)
    expect((await harness.server.summary(team)).entries).toBe(posted - 1)
    const status = await a.invoke('sync', 'status', {})
    expect(status).toMatchObject({ refused: 1, pending: 0, lastError: null })
    expect(await a.invoke('sync', 'refused', {})).toEqual([
      expect.objectContaining({ entryId: bad[0], memberCode: 'CAROL003', period: '2026-11', code: 'invalid_entry', reason: expect.stringContaining('memo') }),
    ])
    // It stays in the ledger (nothing is deleted) and is not offered again; new entries keep syncing.
    expect(ledgerTotals(a).entries).toBe(posted)
    const more = await post(a, orders('M', 3))
    expect(await sync(a)).toMatchObject({ refused: 0, pending: 0 })
    expect((await harness.server.summary(team)).entries).toBe(posted - 1 + more)
  })

  it('forget disconnects and keeps every entry; a new enrolment offers them all again', async () => {
    const team = newTeam()
    const a = await workstation()
    await enrol(a, team)
    const posted = await post(a, orders('G', 20))
    await sync(a)
    const forgotten = await a.invoke('sync', 'forget', {})
    expect(forgotten).toMatchObject({ enrolled: false, phase: 'unenrolled', serverUrl: null })
    expect(totals(a).entries).toBe(posted)
    const other = newTeam()
    await enrol(a, other)
    expect((await a.invoke('sync', 'status', {})).pending).toBe(posted)
    expect(await sync(a)).toMatchObject({ accepted: posted, pending: 0 })
    expect((await harness.server.summary(other)).entries).toBe(posted)
  })
})

function crashAt(step: SyncStep): ((s: SyncStep) => void) & { fired: boolean } {
  const hook = Object.assign(
    (s: SyncStep) => {
      if (s === step && !hook.fired) {
        hook.fired = true
        throw new Error(`killed at ${step}`)
      }
    },
    { fired: false },
  )
  return hook
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}
