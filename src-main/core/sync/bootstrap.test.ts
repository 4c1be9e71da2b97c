import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { JobProgress } from '../../../src-shared/schemas'
import { RECORDS_PROTOCOL_VERSION, SYNCED_RECORDS, type SyncedRecord } from '../../../src-shared/recordsProtocol'
import type { OrchardCore } from '../api'
import { readRecords } from '../records/sync'
import { SNAPSHOT_SYNC_STEPS, startSyncLoop, syncLoopOf } from './index'
import { changeRows, teamHarness } from './team.testkit'

/**
 * A new workstation joining a team that already has its book: it starts from the server's
 * snapshot (records as of one sequence, page by page), then the changes after it — against
 * a real server process over HTTP.
 */
const team_ = teamHarness('bootstrap')
const { workstation, reopen, enrol, sync, newTeam, joinTeam } = team_
const TABLE: Partial<Record<SyncedRecord, string>> = { customer: 'customers', product: 'products', member: 'members', group: 'groups' }
/** Every shared record a workstation holds, field by field, by kind and id. */
function book(core: OrchardCore): Record<string, [string, Record<string, unknown>][]> {
  const db = core.context.db
  return Object.fromEntries(
    SYNCED_RECORDS.filter((r) => TABLE[r]).map((record) => {
      const ids = (db.prepare(`SELECT id FROM ${TABLE[record]} ORDER BY id`).all() as { id: string }[]).map((r) => r.id)
      return [record, [...readRecords(db, record, ids).entries()].sort(([x], [y]) => x.localeCompare(y))]
    }),
  )
}
const liveRecords = (b: ReturnType<typeof book>) => Object.values(b).reduce((n, rows) => n + rows.length, 0)

/** A studio with a book worth joining: a member tree, products, groups, customers with phones and tags, a deleted customer. */
async function teamWithBook(team: string): Promise<OrchardCore> {
  const a = workstation()
  await enrol(a, team, 'A')
  const mentor = await a.invoke('members', 'create', { name: '李师父', inviteCode: 'MENTOR01', level: 2, joinDate: '2026-09-01', phone: '13900139000' })
  let upline = mentor.id
  for (let i = 1; i <= 4; i++) upline = (await a.invoke('members', 'create', { name: `成员${i}`, inviteCode: `MEMBER0${i}`, mentorId: upline, joinDate: '2026-09-02' })).id
  for (let i = 1; i <= 3; i++) {
    await a.invoke('products', 'create', { sku: `SP-100${i}`, name: `商品${i}`, listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000, stock: 40, commissionBp: 1500, images: [] })
  }
  await a.invoke('groups', 'create', { name: '宝妈好物 1 群', ownerMemberId: upline, massSendAllowance: 6 })
  for (let i = 1; i <= 6; i++) {
    await a.invoke('customers', 'create', { name: `客户${i}`, phones: [`1380013800${i}`], tags: ['宝妈', `第${i}组`], ownerMemberId: upline, notes: `备注${i}` })
  }
  const gone = await a.invoke('customers', 'create', { name: '删掉的', phones: ['13700137000'] })
  await a.invoke('customers', 'remove', { id: gone.id })
  await sync(a)
  return a
}

describe('a new workstation starts from a snapshot of the team’s records', () => {
  it('takes the team’s book whole as of one sequence, with progress, without change rows; then only the changes after it', async () => {
    const team = newTeam()
    const a = await teamWithBook(team)
    const c = await joinTeam(team)
    const events: JobProgress[] = []
    const states: (JobProgress | null)[] = []
    c.on('job.progress', (p) => events.push(p))
    c.on('sync.state', (s) => states.push(s.bootstrap))
    // No waiting pull: the test counts what the next round pulls, which a waiting pull would take first.
    await startSyncLoop(c.context, { idleMs: 60_000, snapshotPage: 3, waitS: 0 })
    const round = await syncLoopOf(c.context)!.syncNow()

    const onA = book(a)
    expect(book(c)).toEqual(onA)
    expect(round.records.bootstrap).toMatchObject({ records: liveRecords(onA), seq: expect.any(Number) as number })
    expect(round.records.bootstrap!.seq).toBeGreaterThan(0)
    // The team's records, not changes made here: nothing of them goes back to the server.
    expect(changeRows(c)).toBe(0)
    expect(round.records).toMatchObject({ pushed: 0, notApplied: 0, pending: 0 })
    // What the screens read: found by phone and by tag, with the member tree whole.
    expect((await c.invoke('customers', 'list', { search: '13800138003' })).rows.map((r) => r.name)).toEqual(['客户3'])
    expect((await c.invoke('customers', 'list', { tags: ['宝妈'] })).rows).toHaveLength(6)
    expect((c.context.db.prepare('SELECT count(*) AS n FROM members WHERE mentor_id IS NOT NULL').get() as { n: number }).n).toBe(4)

    // Progress as the job engine reports it: the same job, done rising to the total, then done.
    const snapshotting = events.filter((e) => e.kind === 'records.bootstrap')
    expect(snapshotting.length).toBeGreaterThanOrEqual(4)
    expect(snapshotting.every((e) => e.jobId === 'sync.bootstrap' && e.total === liveRecords(onA))).toBe(true)
    const done = snapshotting.map((e) => e.done)
    expect(done).toEqual([...done].sort((x, y) => x - y))
    expect(snapshotting.at(-1)).toMatchObject({ phase: 'done', done: liveRecords(onA) })
    expect(states.some((s) => s !== null && s.done < s.total)).toBe(true)
    expect((await c.invoke('sync', 'status', {})).bootstrap).toBeNull()

    // The next round pulls only what changed after the snapshot.
    const customerId = onA.customer[0][0]
    await a.invoke('customers', 'update', { id: customerId, patch: { notes: '后来改的' } })
    await sync(a)
    const next = await sync(c)
    expect(next.records.bootstrap).toBeUndefined()
    expect(next.records.pulled).toBe(1)
    expect(book(c)).toEqual(book(a))
  })

  it('killed at every step of the snapshot, the next round goes on from its last page: nothing duplicated, nothing missing, while the team keeps writing', async () => {
    const team = newTeam()
    const a = await teamWithBook(team)
    let n = 0
    for (const step of SNAPSHOT_SYNC_STEPS) {
      let c = await joinTeam(team, `C${step}`)
      let seen = 0
      let fired = false
      await startSyncLoop(c.context, {
        idleMs: 60_000,
        snapshotPage: 4,
        onStep: (s) => {
          // Half-way: at the step's second time, after one page is in.
          if (s !== step || fired || ++seen < 2) return
          fired = true
          throw new Error(`killed at ${s}`)
        },
      })
      await syncLoopOf(c.context)!.syncNow().catch(() => undefined)
      expect(fired).toBe(true)
      c = await reopen(c)
      const stopped = (await c.invoke('sync', 'status', {})).bootstrap
      expect(stopped).toMatchObject({ phase: 'snapshot', done: expect.any(Number) as number })
      expect(stopped!.done).toBeGreaterThan(0)
      expect(stopped!.done).toBeLessThan(stopped!.total)
      // The team goes on meanwhile: a new customer, an edit, a delete.
      const made = await a.invoke('customers', 'create', { name: `新客户${++n}`, phones: [`1360013600${n}`] })
      const rows = book(a).customer
      await a.invoke('customers', 'update', { id: rows[0][0], patch: { notes: `又改了 ${n}` } })
      await a.invoke('customers', 'remove', { id: rows[rows.length - 1][0] === made.id ? rows[1][0] : rows[rows.length - 1][0] })
      await sync(a)

      const resumed = await sync(c)
      expect(resumed.records.notApplied).toBe(0)
      expect(book(c)).toEqual(book(a))
      expect(changeRows(c)).toBe(0)
      expect((await c.invoke('sync', 'status', {})).bootstrap).toBeNull()
    }
  })

  it('records made here before enrolling are kept as they are and still reach the team', async () => {
    const team = newTeam()
    const a = await teamWithBook(team)
    const b = workstation()
    const own = await b.invoke('customers', 'create', { name: '自己的客户', phones: ['13500135000'], tags: ['老客'], notes: '入团前录入' })
    const ownMember = await b.invoke('members', 'create', { name: '自己的成员', inviteCode: 'OWN00001', joinDate: '2026-10-01' })
    await enrol(b, team, 'B')
    const round = await sync(b)
    expect(round.records.bootstrap).toBeDefined()
    expect(round.records).toMatchObject({ pushed: 2, refused: 0, pending: 0 })
    expect(readRecords(b.context.db, 'customer', [own.id]).get(own.id)).toMatchObject({ name: '自己的客户', phones: ['+8613500135000'], tags: ['老客'], notes: '入团前录入' })
    await sync(a)
    expect(readRecords(a.context.db, 'customer', [own.id]).get(own.id)).toMatchObject({ name: '自己的客户', notes: '入团前录入' })
    expect(readRecords(a.context.db, 'member', [ownMember.id]).get(ownMember.id)).toMatchObject({ inviteCode: 'OWN00001' })
    expect(book(b)).toEqual(book(a))
  })
})

describe('a snapshot naming a record the team’s book does not hold', () => {
  it('is written with that reference cleared, and says why; the rest of the book is whole', async () => {
    const team = newTeam()
    // A device that wrote the book by hand (as an older workstation could): a customer owned by a member nobody has.
    const token = `ord_${randomBytes(32).toString('base64url')}`
    const enrolled = await fetch(`${team_.server.url}/v1/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: await team_.server.code(team), deviceName: 'old', tokenHash: createHash('sha256').update(token).digest('hex') }),
    })
    expect(enrolled.status).toBe(200)
    const customer = (id: string, name: string, ownerMemberId: string | null) => ({
      clientSeq: name === '孤儿' ? 1 : 2,
      txId: randomUUID(),
      record: 'customer',
      id,
      op: 'create',
      field: null,
      value: { name, wechatId: null, phones: [], addresses: [], tags: [], relClass: 'C', segment: null, ownerMemberId, notes: '' },
      role: 'manager',
      at: new Date().toISOString(),
    })
    const [orphan, fine] = [randomUUID(), randomUUID()]
    const pushed = await fetch(`${team_.server.url}/v1/records/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ protocol: RECORDS_PROTOCOL_VERSION, team, changes: [customer(orphan, '孤儿', randomUUID()), customer(fine, '好好的', null)] }),
    })
    expect(pushed.status).toBe(200)

    const c = await joinTeam(team)
    const round = await sync(c)
    expect(round.records).toMatchObject({ bootstrap: { records: 2 }, notApplied: 1 })
    expect(readRecords(c.context.db, 'customer', [orphan, fine]).get(orphan)).toMatchObject({ name: '孤儿', ownerMemberId: null })
    expect(readRecords(c.context.db, 'customer', [fine]).get(fine)).toMatchObject({ name: '好好的' })
    const issues = await c.invoke('sync', 'recordIssues', {})
    expect(issues).toEqual([expect.objectContaining({ kind: 'not_applied', record: 'customer', recordId: orphan, field: 'ownerMemberId', code: 'unknown_reference' })])
    // What SQLite checks for every other write holds for the book as written.
    expect(c.context.db.prepare('PRAGMA foreign_key_check').all()).toEqual([])
  })
})
