import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { OrchardCore } from '../api'
import { actAs, refusal } from '../lifecycle/lifecycle.testkit'
import { readRecords } from '../records/sync'
import { RECORDS_SYNC_STEPS, startSyncLoop, stopSyncLoop, syncLoopOf } from './index'
import { changeRows, teamHarness } from './team.testkit'

/**
 * The shared records between workstations and a real server process (PGlite), over
 * HTTP: what one workstation writes, the others hold field by field after a round.
 */
const team_ = teamHarness('records')
const { workstation, reopen, enrol, sync, dirOf, newTeam, pair, joinTeam } = team_

const allCustomers = (core: OrchardCore) => {
  const ids = (core.context.db.prepare('SELECT id FROM customers ORDER BY id').all() as { id: string }[]).map((r) => r.id)
  return [...readRecords(core.context.db, 'customer', ids).entries()].sort(([x], [y]) => x.localeCompare(y))
}

const customer = (core: OrchardCore, id: string) => readRecords(core.context.db, 'customer', [id]).get(id)

describe('records shared through the team server', () => {
  it('what A creates, B holds field by field after a round; nothing pulled is sent back', async () => {
    const [a, b] = await pair()
    const mentor = await a.invoke('members', 'create', { name: '李师父', inviteCode: 'MENTOR01', level: 2, joinDate: '2026-09-01', phone: '13900139000' })
    const member = await a.invoke('members', 'create', { name: '小美', inviteCode: 'ALICE001', mentorId: mentor.id, joinDate: '2026-09-02' })
    const product = await a.invoke('products', 'create', {
      sku: 'SP-1001',
      name: '洗衣液',
      listPriceFen: 9900,
      salePriceFen: 5900,
      priceFloorFen: 5000,
      stock: 40,
      commissionBp: 1500,
      images: [],
    })
    const group = await a.invoke('groups', 'create', { name: '宝妈好物 1 群', ownerMemberId: member.id, massSendAllowance: 6 })
    const buyer = await a.invoke('customers', 'create', {
      name: '王芳',
      phones: ['13800138000'],
      addresses: ['广东省深圳市南山区科技园 1 号'],
      tags: ['宝妈', '复购'],
      ownerMemberId: member.id,
      notes: '喜欢无香型',
    })

    expect((await a.invoke('sync', 'status', {})).records).toEqual({ pending: 5, issues: 0 })
    const pushed = await sync(a)
    expect(pushed.records).toMatchObject({ pushed: 5, refused: 0, pending: 0 })
    const before = changeRows(b)
    const pulled = await sync(b)
    expect(pulled.records).toMatchObject({ pulled: 5, notApplied: 0, pending: 0 })
    // Written to B's tables without change rows: B has nothing of it to send back.
    expect(changeRows(b)).toBe(before)

    for (const [record, id] of [
      ['member', mentor.id],
      ['member', member.id],
      ['product', product.id],
      ['group', group.id],
      ['customer', buyer.id],
    ] as const) {
      expect(readRecords(b.context.db, record, [id]).get(id)).toEqual(readRecords(a.context.db, record, [id]).get(id))
    }
    // What B's screens read: the customer is found by phone and tag, with its owner.
    const found = await b.invoke('customers', 'list', { search: '13800138000' })
    expect(found.rows.map((c) => c.id)).toEqual([buyer.id])
    expect((await b.invoke('customers', 'list', { tags: ['复购'] })).rows.map((c) => c.id)).toEqual([buyer.id])
    expect((await b.invoke('customers', 'get', { id: buyer.id })).customer).toMatchObject({ ownerMemberId: member.id, phones: ['+8613800138000'] })
  })

  it('edits of different fields on both workstations both survive; the same field ends on the later push', async () => {
    const [a, b] = await pair()
    const c = await a.invoke('customers', 'create', { name: '赵六', phones: ['13700137000'], notes: '' })
    await sync(a)
    await sync(b)

    // Offline on both: A renames, B writes a note — different fields.
    await a.invoke('customers', 'update', { id: c.id, patch: { name: '赵六（老客）' } })
    await b.invoke('customers', 'update', { id: c.id, patch: { notes: '只在周末联系' } })
    // Both change the class: A's reaches the server first, B's later — B's wins everywhere.
    await a.invoke('customers', 'update', { id: c.id, patch: { relClass: 'A' } })
    await b.invoke('customers', 'update', { id: c.id, patch: { relClass: 'B' } })

    await sync(a)
    await sync(b)
    await sync(a)

    for (const ws of [a, b]) expect(customer(ws, c.id)).toMatchObject({ name: '赵六（老客）', notes: '只在周末联系', relClass: 'B' })
    expect(customer(a, c.id)).toEqual(customer(b, c.id))
  })

  it('a field changed here while the team’s value of it arrives keeps the local value, which is sent next and wins', async () => {
    const [a, b] = await pair()
    const c = await a.invoke('customers', 'create', { name: '周九', phones: ['13400134000'], notes: '' })
    await sync(a)
    await sync(b)
    await a.invoke('customers', 'update', { id: c.id, patch: { notes: 'A 的备注' } })
    await sync(a)
    // B's round has pushed (nothing) and is about to pull A's note when B's operator saves one.
    let typed = false
    await startSyncLoop(b.context, {
      idleMs: 60_000,
      onStep: async (step) => {
        if (step !== 'records.pull.request' || typed) return
        typed = true
        await b.invoke('customers', 'update', { id: c.id, patch: { notes: 'B 的备注' } })
      },
    })
    const round = await syncLoopOf(b.context)!.syncNow()
    expect(typed).toBe(true)
    expect(round.records).toMatchObject({ pulled: 1, conflicts: 1, pending: 0 })
    await stopSyncLoop(b.context)
    await sync(a)
    for (const ws of [a, b]) expect(customer(ws, c.id)).toMatchObject({ notes: 'B 的备注' })
  })

  it('a change the server refuses for the device’s role is undone here, with the reason kept; the rest of the save travels', async () => {
    const team = newTeam()
    const a = workstation()
    const trainer = workstation()
    await enrol(a, team, '店长')
    await enrol(trainer, team, '培训室', 'trainer')
    const p = await a.invoke('products', 'create', { sku: 'SP-1007', name: '洗衣液', listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000, commissionBp: 2000, images: [] })
    await sync(a)
    await sync(trainer)
    // On the trainer's workstation the command line may write any field; the team's server decides what the trainer's device may change.
    await trainer.invoke('products', 'update', { id: p.id, patch: { commissionBp: 3500, name: '洗衣液（新包装）' } })
    const round = await sync(trainer)
    expect(round.records).toMatchObject({ refused: 1, pending: 0 })
    expect(readRecords(trainer.context.db, 'product', [p.id]).get(p.id)).toMatchObject({ commissionBp: 2000, name: '洗衣液（新包装）' })
    expect(await trainer.invoke('sync', 'recordIssues', {})).toEqual([
      {
        kind: 'refused',
        record: 'product',
        recordId: p.id,
        field: 'commissionBp',
        op: 'update',
        code: 'forbidden',
        reason: expect.stringMatching(/Trainer may not change a product's commissionBp/),
        at: expect.any(String),
      },
    ])
    expect((await trainer.invoke('sync', 'status', {})).records).toEqual({ pending: 0, issues: 1 })
    await sync(a)
    expect(readRecords(a.context.db, 'product', [p.id]).get(p.id)).toMatchObject({ commissionBp: 2000, name: '洗衣液（新包装）' })
    // Undone without a change of its own: nothing is left to send.
    expect((await sync(trainer)).records).toMatchObject({ pushed: 0, refused: 0 })
  })

  it('a delete travels as a tombstone: the record is gone on every workstation, and a late edit does not bring it back', async () => {
    const [a, b] = await pair()
    const c = await a.invoke('customers', 'create', { name: '钱七', phones: ['13600136000'] })
    const kept = await a.invoke('customers', 'create', { name: '孙八', phones: ['13500135000'] })
    await sync(a)
    await sync(b)
    await a.invoke('customers', 'remove', { id: c.id })
    await b.invoke('customers', 'update', { id: c.id, patch: { notes: '删除前的备注' } })
    await sync(a)
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) {
      expect(customer(ws, c.id)).toBeUndefined()
      expect(customer(ws, kept.id)).toMatchObject({ name: '孙八' })
      // The phone is free again here: the lookup tables followed the record.
      expect((ws.context.db.prepare('SELECT count(*) AS n FROM customer_phones WHERE phone = ?').get('+8613600136000') as { n: number }).n).toBe(0)
    }
  })

  it('a record whose natural key the team already holds becomes the team’s record here: not set aside, never twice', async () => {
    const [a, b] = await pair()
    // Both workstations made the same product before they shared anything; B priced it differently.
    const first = await a.invoke('products', 'create', { sku: 'SP-2001', name: '柔顺剂', listPriceFen: 3900, salePriceFen: 2900, priceFloorFen: 2500, images: [] })
    await b.invoke('products', 'create', { sku: 'SP-2001', name: '柔顺剂', listPriceFen: 3900, salePriceFen: 2700, priceFloorFen: 2500, images: [] })
    const other = await a.invoke('products', 'create', { sku: 'SP-2002', name: '洗衣凝珠', listPriceFen: 5900, salePriceFen: 4900, priceFloorFen: 4000, images: [] })
    await sync(a)
    const round = await sync(b)
    expect(round.records).toMatchObject({ notApplied: 0, refused: 0 })
    await sync(a)
    expect(b.context.db.prepare('SELECT count(*) FROM sync_record_issues').pluck().get()).toBe(0)
    expect(readRecords(b.context.db, 'product', [other.id]).get(other.id)).toMatchObject({ sku: 'SP-2002', salePriceFen: 4900 })
    for (const ws of [a, b]) {
      expect(ws.context.db.prepare(`SELECT id FROM products WHERE sku = 'SP-2001'`).pluck().all()).toEqual([first.id])
      // B's price was sent as a change of the team's record; A's is kept as the conflict, not lost.
      expect(readRecords(ws.context.db, 'product', [first.id]).get(first.id)).toMatchObject({ salePriceFen: 2700 })
      expect((await ws.invoke('records', 'conflicts', {})).map((k) => [k.field, k.earlier.value, k.later.value])).toEqual([['salePriceFen', 2900, 2700]])
    }
  })

  it('survives being killed at every step of the records’ round: nothing lost, nothing applied twice', async () => {
    const team = newTeam()
    let a = workstation()
    const b = workstation()
    await enrol(a, team, 'A')
    await enrol(b, team, 'B')
    let n = 0
    for (const step of RECORDS_SYNC_STEPS) {
      // Something to push from A and something to pull from B at every step.
      const c = await a.invoke('customers', 'create', { name: `客户${++n}`, phones: [`1380013${String(8000 + n)}`] })
      await a.invoke('customers', 'update', { id: c.id, patch: { notes: `第 ${n} 次` } })
      await b.invoke('customers', 'create', { name: `B 客户${n}`, tags: ['B'] })
      await sync(b)
      let fired = false
      await startSyncLoop(a.context, {
        idleMs: 60_000,
        onStep: (s) => {
          if (s !== step || fired) return
          fired = true
          throw new Error(`killed at ${s}`)
        },
      })
      await syncLoopOf(a.context)!.syncNow().catch(() => undefined)
      expect(fired).toBe(true)
      a = await reopen(a)
    }
    await sync(a)
    await sync(b)
    const onA = allCustomers(a)
    expect(onA).toHaveLength(2 * RECORDS_SYNC_STEPS.length)
    expect(allCustomers(b)).toEqual(onA)
    expect(onA.filter(([, c]) => c.notes !== '').map(([, c]) => c.notes)).toHaveLength(RECORDS_SYNC_STEPS.length)
    // A workstation new to the team gets each record once: the server applied nothing twice.
    const c = await joinTeam(team)
    await sync(c)
    expect(allCustomers(c)).toEqual(onA)
  })
})

describe('conflicts: the same field changed on two workstations since they last saw each other', () => {
  it('the later push wins, the earlier value is listed on both workstations with who and when, and a restore on one reaches both', async () => {
    const [a, b] = await pair()
    actAs(a, 'operator', '小周')
    actAs(b, 'manager', '陈姐')
    const c = await a.invoke('customers', 'create', { name: '吴十', phones: ['13300133000'], notes: '' })
    await sync(a)
    await sync(b)

    // Offline on both: the same note, the same phone list; a different field on A does not conflict.
    await a.invoke('customers', 'update', { id: c.id, patch: { notes: '周三送货', phones: ['13300133001'], relClass: 'A' } })
    await b.invoke('customers', 'update', { id: c.id, patch: { notes: '周五送货', phones: ['13300133002'] } })
    expect((await sync(a)).records).toMatchObject({ conflicts: 0 })
    expect((await sync(b)).records).toMatchObject({ conflicts: 2 })
    expect((await sync(a)).records).toMatchObject({ conflicts: 2 })

    for (const ws of [a, b]) expect(customer(ws, c.id)).toMatchObject({ notes: '周五送货', phones: ['+8613300133002'], relClass: 'A' })
    const listed = async (ws: OrchardCore) => (await ws.invoke('records', 'conflicts', {})).map((k) => ({ ...k, earlier: { ...k.earlier }, later: { ...k.later } }))
    const onA = await listed(a)
    expect(onA).toHaveLength(2)
    expect(await listed(b)).toEqual(onA)
    const note = onA.find((k) => k.field === 'notes')!
    expect(note).toMatchObject({
      record: 'customer',
      recordId: c.id,
      recordName: '吴十',
      masked: false,
      status: 'open',
      restored: null,
      earlier: { value: '周三送货', actor: '小周', role: 'operator', deviceName: 'A' },
      later: { value: '周五送货', actor: '陈姐', role: 'manager', deviceName: 'B' },
    })
    expect(note.later.seq).toBeGreaterThan(note.earlier.seq)

    // A trainer sees the phones' conflict, with both numbers masked.
    actAs(b, 'trainer', '林老师')
    const phones = (await b.invoke('records', 'conflicts', { status: 'open' })).find((k) => k.field === 'phones')!
    expect(phones).toMatchObject({ masked: true, earlier: { value: ['+86133****3001'] }, later: { value: ['+86133****3002'] } })
    actAs(b, 'manager', '陈姐')

    // Restored on A: a new change, here at once, and everywhere after the next rounds.
    const restored = await a.invoke('records', 'restoreConflict', { id: note.id })
    expect(restored).toMatchObject({ status: 'restored', restored: { actor: '小周', role: 'operator', deviceName: 'A', confirmed: false } })
    expect(customer(a, c.id)).toMatchObject({ notes: '周三送货' })
    expect((await a.invoke('sync', 'status', {})).records.pending).toBe(1)
    expect((await sync(a)).records).toMatchObject({ pushed: 1, refused: 0, conflicts: 0 })
    expect((await sync(b)).records).toMatchObject({ conflicts: 0 })
    for (const ws of [a, b]) {
      expect(customer(ws, c.id)).toMatchObject({ notes: '周三送货', phones: ['+8613300133002'] })
      const open = await ws.invoke('records', 'conflicts', { status: 'open' })
      expect(open.map((k) => k.field)).toEqual(['phones'])
      expect((await ws.invoke('records', 'conflicts', { status: 'restored' })).map((k) => [k.id, k.restored])).toEqual([
        [note.id, { actor: '小周', role: 'operator', deviceName: 'A', at: expect.any(String), confirmed: true }],
      ])
    }
    // Restored once: a second restore is refused and changes nothing.
    expect(await refusal(() => b.invoke('records', 'restoreConflict', { id: note.id }))).toMatchObject({ code: 'already_restored' })
  })

  it('a restore whose record is removed before it is sent is not left “restored” here: the conflict stays open on every workstation, as on the server', async () => {
    const [a, b] = await pair()
    const c = await a.invoke('customers', 'create', { name: '郑十一', phones: ['13200132000'], notes: '' })
    await sync(a)
    await sync(b)
    await a.invoke('customers', 'update', { id: c.id, patch: { notes: 'A 的备注' } })
    await b.invoke('customers', 'update', { id: c.id, patch: { notes: 'B 的备注' } })
    await sync(a)
    await sync(b)
    await sync(a)
    const [k] = await a.invoke('records', 'conflicts', {})
    expect(k).toMatchObject({ field: 'notes', status: 'open' })

    // A restores it, then removes the customer before the next round: only the delete travels.
    await a.invoke('records', 'restoreConflict', { id: k.id })
    await a.invoke('customers', 'remove', { id: c.id })
    await sync(a)
    await sync(b)

    expect(customer(a, c.id)).toBeUndefined()
    for (const ws of [a, b]) {
      expect((await ws.invoke('records', 'conflicts', {})).map((x) => [x.id, x.status, x.restored])).toEqual([[k.id, 'open', null]])
      expect((await ws.invoke('sync', 'status', {})).records.pending).toBe(0)
    }
  })

  it('a restore of a value the field already holds again still closes the conflict for the whole team', async () => {
    const [a, b] = await pair()
    const c = await a.invoke('customers', 'create', { name: '冯十二', phones: ['13100131000'], relClass: 'C' })
    await sync(a)
    await sync(b)
    await a.invoke('customers', 'update', { id: c.id, patch: { relClass: 'A' } })
    await b.invoke('customers', 'update', { id: c.id, patch: { relClass: 'B' } })
    await sync(a)
    await sync(b)
    await sync(a)
    const [k] = await a.invoke('records', 'conflicts', {})
    expect(k).toMatchObject({ field: 'relClass', earlier: { value: 'A' }, later: { value: 'B' }, status: 'open' })

    // Someone set the class back by hand before the conflict was looked at; then it is restored.
    await a.invoke('customers', 'update', { id: c.id, patch: { relClass: 'A' } })
    await a.invoke('records', 'restoreConflict', { id: k.id })
    await sync(a)
    await sync(b)
    for (const ws of [a, b]) {
      expect(customer(ws, c.id)).toMatchObject({ relClass: 'A' })
      expect((await ws.invoke('records', 'conflicts', {})).map((x) => [x.id, x.status, x.restored?.confirmed])).toEqual([[k.id, 'restored', true]])
    }
  })

  it('conflicts of one field restored one after another between two rounds are all restored for the whole team', async () => {
    const [a, b] = await pair()
    const c = await a.invoke('customers', 'create', { name: '陈十三', phones: ['13000130000'], notes: '' })
    await sync(a)
    await sync(b)
    for (const n of [1, 2]) {
      await a.invoke('customers', 'update', { id: c.id, patch: { notes: `A 的备注 ${n}` } })
      await b.invoke('customers', 'update', { id: c.id, patch: { notes: `B 的备注 ${n}` } })
      await sync(a)
      await sync(b)
    }
    await sync(a)
    const open = await a.invoke('records', 'conflicts', { status: 'open' })
    // A's second note was made before A saw B's first: that makes a conflict too.
    expect(open.map((k) => k.earlier.value)).toEqual(['A 的备注 2', 'B 的备注 1', 'A 的备注 1'])

    for (const k of [...open].reverse()) await a.invoke('records', 'restoreConflict', { id: k.id })
    await sync(a)
    await sync(b)
    for (const ws of [a, b]) {
      expect(customer(ws, c.id)).toMatchObject({ notes: 'A 的备注 2' })
      expect((await ws.invoke('records', 'conflicts', {})).map((x) => [x.id, x.status, x.restored?.confirmed])).toEqual(open.map((k) => [k.id, 'restored', true]))
    }
  })

  it('a restore the server refuses for the device’s role is not left “restored” here: the conflict is open again and the field holds the team’s value', async () => {
    const [a, b, team] = await pair()
    const trainer = workstation()
    await enrol(trainer, team, '培训室', 'trainer')
    const p = await a.invoke('products', 'create', { sku: 'SP-3101', name: '洗衣液', listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000, commissionBp: 2000, images: [] })
    await sync(a)
    await sync(b)
    await a.invoke('products', 'update', { id: p.id, patch: { commissionBp: 2500 } })
    await b.invoke('products', 'update', { id: p.id, patch: { commissionBp: 1500 } })
    await sync(a)
    await sync(b)
    await sync(trainer)
    const [k] = await trainer.invoke('records', 'conflicts', {})
    expect(k).toMatchObject({ field: 'commissionBp', status: 'open' })

    // The command line on the trainer's workstation may put it back; the team's server refuses it.
    await trainer.invoke('records', 'restoreConflict', { id: k.id })
    expect((await sync(trainer)).records).toMatchObject({ refused: 1, pending: 0 })
    expect(readRecords(trainer.context.db, 'product', [p.id]).get(p.id)).toMatchObject({ commissionBp: 1500 })
    await sync(a)
    for (const ws of [a, b, trainer]) expect((await ws.invoke('records', 'conflicts', {})).map((x) => [x.id, x.status, x.restored])).toEqual([[k.id, 'open', null]])
  })

  it('a trainer may not restore a commission-rate conflict: refused, nothing changed; a manager may', async () => {
    const [a, b] = await pair()
    actAs(a, 'manager', '陈姐')
    actAs(b, 'manager', '王店长')
    const p = await a.invoke('products', 'create', { sku: 'SP-3001', name: '洗衣液', listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000, commissionBp: 2000, images: [] })
    await sync(a)
    await sync(b)
    await a.invoke('products', 'update', { id: p.id, patch: { commissionBp: 2500 } })
    await b.invoke('products', 'update', { id: p.id, patch: { commissionBp: 1500 } })
    await sync(a)
    await sync(b)
    const [k] = await b.invoke('records', 'conflicts', {})
    expect(k).toMatchObject({ field: 'commissionBp', earlier: { value: 2500 }, later: { value: 1500 }, status: 'open' })

    actAs(b, 'trainer', '林老师')
    const before = { product: readRecords(b.context.db, 'product', [p.id]).get(p.id), changes: changeRows(b), pending: (await b.invoke('sync', 'status', {})).records.pending }
    const refused = await refusal(() => b.invoke('records', 'restoreConflict', { id: k.id }))
    expect(refused).toMatchObject({ code: 'forbidden', details: { field: 'commissionBp', role: 'trainer' } })
    expect(refused.message).toMatch(/commission rate/)
    expect({ product: readRecords(b.context.db, 'product', [p.id]).get(p.id), changes: changeRows(b), pending: (await b.invoke('sync', 'status', {})).records.pending }).toEqual(before)
    expect(await b.invoke('records', 'conflicts', { status: 'open' })).toHaveLength(1)

    actAs(b, 'manager', '王店长')
    await b.invoke('records', 'restoreConflict', { id: k.id })
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) expect(readRecords(ws.context.db, 'product', [p.id]).get(p.id)).toMatchObject({ commissionBp: 2500 })
  })
})

describe('sets travel as added and removed items, stock as deltas', () => {
  const tags = (core: OrchardCore, id: string) => customer(core, id)?.tags
  const groupCustomers = (core: OrchardCore, groupId: string) =>
    (core.context.db.prepare('SELECT customer_id FROM group_customers WHERE group_id = ? ORDER BY customer_id').pluck().all(groupId) as string[])
  const stock = (core: OrchardCore, id: string) => readRecords(core.context.db, 'product', [id]).get(id)?.stock

  it('tags added on two workstations offline both survive; A removing one while B adds another both hold', async () => {
    const [a, b] = await pair()
    const c = await a.invoke('customers', 'create', { name: '郑一', phones: ['13200132000'], tags: ['宝妈'] })
    await sync(a)
    await sync(b)

    await a.invoke('customers', 'update', { id: c.id, patch: { tags: ['宝妈', '复购'] } })
    await b.invoke('customers', 'update', { id: c.id, patch: { tags: ['宝妈', 'VIP'] } })
    await sync(a)
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) expect(tags(ws, c.id)).toEqual(['宝妈', '复购', 'VIP'])

    // A takes 宝妈 off while B tags the customer 新客 (by the bulk action, the same path).
    await a.invoke('customers', 'update', { id: c.id, patch: { tags: ['复购', 'VIP'] } })
    await b.invoke('customers', 'bulk', { ids: [c.id], action: { kind: 'addTags', tags: ['新客'] } })
    await sync(b)
    await sync(a)
    await sync(b)
    for (const ws of [a, b]) {
      expect(tags(ws, c.id)).toEqual(['复购', 'VIP', '新客'])
      expect((await ws.invoke('customers', 'list', { tags: ['宝妈'] })).rows).toEqual([])
      expect((await ws.invoke('customers', 'list', { tags: ['新客'] })).rows.map((r) => r.id)).toEqual([c.id])
    }
    // The same item added and removed: the later in server order wins.
    await a.invoke('customers', 'update', { id: c.id, patch: { tags: ['复购', 'VIP', '新客', '团长'] } })
    await b.invoke('customers', 'update', { id: c.id, patch: { tags: ['复购', 'VIP'] } })
    await sync(a)
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) expect(tags(ws, c.id)).toEqual(['复购', 'VIP', '团长'])
  })

  it('tags an import gives a known customer travel as adds, beside a tag added on another workstation', async () => {
    const [a, b] = await pair()
    const c = await a.invoke('customers', 'create', { name: '韩梅', phones: ['13000130000'], tags: ['宝妈'] })
    await sync(a)
    await sync(b)
    const path = join(dirOf(a), 'tags.csv')
    writeFileSync(path, ['姓名,手机,标签', '韩梅,13000130000,复购'].join('\n'))
    expect(await a.invoke('imports', 'run', { entity: 'customers', path })).toMatchObject({ committed: true, updated: 1 })
    await b.invoke('customers', 'update', { id: c.id, patch: { tags: ['宝妈', 'VIP'] } })
    await sync(b)
    await sync(a)
    await sync(b)
    for (const ws of [a, b]) expect(tags(ws, c.id)).toEqual(['宝妈', 'VIP', '复购'])
  })

  it('fields an import writes into known customers travel too, and leave the fields it does not write as the team holds them', async () => {
    const [a, b] = await pair()
    const c = await a.invoke('customers', 'create', { name: '钱多', phones: ['13100131000'], notes: '老客户' })
    await sync(a)
    await sync(b)
    // B changes the note; A's later sheet gives the same customer a new name and no note column.
    await b.invoke('customers', 'update', { id: c.id, patch: { notes: '爱买零食' } })
    await sync(b)
    const path = join(dirOf(a), 'names.csv')
    writeFileSync(path, ['姓名,手机', '钱多多,13100131000'].join('\n'))
    expect(await a.invoke('imports', 'run', { entity: 'customers', path })).toMatchObject({ committed: true, updated: 1 })
    await sync(a)
    await sync(b)
    for (const ws of [a, b]) expect(customer(ws, c.id)).toMatchObject({ name: '钱多多', notes: '爱买零食', phones: ['+8613100131000'] })
  })

  it('customers joining one group on two workstations (an import each) are all in it everywhere', async () => {
    const [a, b] = await pair()
    const group = await a.invoke('groups', 'create', { name: '宝妈交流群' })
    await sync(a)
    await sync(b)
    const csv = (name: string, rows: string[]) => {
      const path = join(dirOf(a), name)
      writeFileSync(path, ['姓名,手机,所属群', ...rows].join('\n'))
      return path
    }
    expect(await a.invoke('imports', 'run', { entity: 'customers', path: csv('a.csv', ['王芳,13800138000,宝妈交流群', '李娜,13900139000,宝妈交流群']) })).toMatchObject({ committed: true })
    expect(await b.invoke('imports', 'run', { entity: 'customers', path: csv('b.csv', ['赵敏,13700137000,宝妈交流群']) })).toMatchObject({ committed: true })
    await sync(a)
    await sync(b)
    await sync(a)
    const everyone = (core: OrchardCore) => (core.context.db.prepare('SELECT id FROM customers ORDER BY id').pluck().all() as string[])
    expect(everyone(a)).toHaveLength(3)
    for (const ws of [a, b]) {
      expect(everyone(ws)).toEqual(everyone(a))
      expect(groupCustomers(ws, group.id)).toEqual(everyone(a))
      expect((await ws.invoke('groups', 'get', { id: group.id })).group.customerCount).toBe(3)
    }
  })

  it('stock moved on two workstations offline ends on the sum of both moves', async () => {
    const [a, b, team] = await pair()
    const p = await a.invoke('products', 'create', { sku: 'SP-4001', name: '洗衣液', listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000, stock: 40, images: [] })
    // Moved again before it was ever sent: the create carries 40, the move travels as itself.
    await a.invoke('products', 'update', { id: p.id, patch: { stock: 45 } })
    await sync(a)
    await sync(b)
    expect(stock(b, p.id)).toBe(45)

    // A sells 3 ("set stock to 42"), B takes 5 off: both moves count.
    await a.invoke('products', 'update', { id: p.id, patch: { stock: 42 } })
    await b.invoke('products', 'update', { id: p.id, patch: { stock: 40 } })
    await sync(a)
    await sync(b)
    await sync(a)
    for (const ws of [a, b]) expect(stock(ws, p.id)).toBe(37)
    // A third workstation new to the team starts from the same sum.
    const c = await joinTeam(team)
    await sync(c)
    expect(stock(c, p.id)).toBe(37)
  })
})

describe('conflicts of deletes: a record deleted on one workstation and changed on another', () => {
  for (const order of ['edited first, deleted without seeing it', 'deleted first, the edit arriving after'] as const) {
    it(`the delete wins and the record is listed with the edit on both, and a restore brings it back everywhere (${order})`, async () => {
      const [a, b] = await pair()
      actAs(a, 'operator', '小周')
      actAs(b, 'manager', '陈姐')
      const c = await a.invoke('customers', 'create', { name: '冯十一', phones: ['13100131000'], tags: ['宝妈'], notes: '' })
      await sync(a)
      await sync(b)

      await b.invoke('customers', 'update', { id: c.id, patch: { notes: '改约周日送货' } })
      await a.invoke('customers', 'remove', { id: c.id })
      if (order === 'edited first, deleted without seeing it') {
        await sync(b)
        expect((await sync(a)).records).toMatchObject({ conflicts: 1 })
      } else {
        await sync(a)
        expect((await sync(b)).records).toMatchObject({ conflicts: 1 })
      }
      await sync(a)
      await sync(b)

      for (const ws of [a, b]) {
        expect(customer(ws, c.id)).toBeUndefined()
        const [k] = await ws.invoke('records', 'conflicts', { status: 'open' })
        expect(k).toMatchObject({
          kind: 'delete',
          record: 'customer',
          recordId: c.id,
          recordName: '冯十一',
          status: 'open',
          earlier: { value: { name: '冯十一', notes: '改约周日送货', phones: ['+8613100131000'], tags: ['宝妈'] }, actor: '陈姐', deviceName: 'B' },
          later: { value: null, actor: '小周', deviceName: 'A' },
        })
        // What the console lists: the kept record field by field, labelled, blank fields left out.
        expect(k.fields.filter((f) => f.field !== 'relClass').map((f) => [f.label, f.value])).toEqual([
          ['名称 / name', '冯十一'],
          ['手机号 / phones', ['+8613100131000']],
          ['标签 / tags', ['宝妈']],
          ['备注 / notes', '改约周日送货'],
        ])
      }
      // A trainer sees the kept record with the phone masked, and may not bring back a phone.
      actAs(a, 'trainer', '林老师')
      const [masked] = await a.invoke('records', 'conflicts', {})
      expect(masked).toMatchObject({ masked: true, earlier: { value: { phones: ['+86131****1000'] } } })
      expect(masked.fields.find((f) => f.field === 'phones')).toEqual({ field: 'phones', label: '手机号 / phones', value: ['+86131****1000'] })
      const id = masked.id
      expect(await refusal(() => a.invoke('records', 'restoreConflict', { id }))).toMatchObject({ code: 'forbidden' })
      expect(customer(a, c.id)).toBeUndefined()

      actAs(a, 'operator', '小周')
      expect(await a.invoke('records', 'restoreConflict', { id })).toMatchObject({ status: 'restored', restored: { actor: '小周', confirmed: false } })
      expect(customer(a, c.id)).toMatchObject({ name: '冯十一', notes: '改约周日送货', phones: ['+8613100131000'], tags: ['宝妈'] })
      expect((await a.invoke('customers', 'list', { search: '13100131000' })).rows.map((r) => r.id)).toEqual([c.id])
      await sync(a)
      await sync(b)
      expect(customer(b, c.id)).toEqual(customer(a, c.id))
      for (const ws of [a, b]) expect((await ws.invoke('records', 'conflicts', { status: 'restored' })).map((k) => [k.id, k.restored?.confirmed])).toEqual([[id, true]])
    })
  }
})

describe('records made before enrolment merge by natural key', () => {
  it('two workstations that imported the same sheets offline hold every customer, product and member once, with the same ids and fields', async () => {
    const team = newTeam()
    const a = workstation()
    const b = workstation()
    const sheet = (name: string, lines: string[]) => {
      const path = join(team_.root, `${team}-${name}`)
      writeFileSync(path, lines.join('\n'))
      return path
    }
    const members = sheet('members.csv', ['邀请码,姓名,师父邀请码,等级,加入日期', 'MENTOR01,李师父,,2,2026-09-01', 'ALICE001,小美,MENTOR01,1,2026-09-02'])
    const products = sheet('products.csv', ['商品编码,商品名称,原价,售价,控价,库存', 'SP-1001,洗衣液,99,59,50,40', 'SP-1002,柔顺剂,39,29,25,12'])
    const customers = sheet('customers.csv', ['姓名,手机,微信号,标签,归属会员邀请码,备注', '王芳,13800138000,,宝妈,ALICE001,', '李娜,13900139000,lina_88,复购,,', '赵敏,13700137000,,,MENTOR01,'])
    for (const ws of [a, b]) {
      for (const [entity, path] of [['members', members], ['products', products], ['customers', customers]] as const) {
        expect(await ws.invoke('imports', 'run', { entity, path })).toMatchObject({ committed: true })
      }
    }
    // B's operator had already worked on its copy: a follow-up, a tag, a note only B wrote.
    const onB = (phone: string) => (b.context.db.prepare('SELECT customer_id FROM customer_phones WHERE phone = ?').pluck().get(phone) as string)
    const wang = onB('+8613800138000')
    actAs(b, 'manager', '陈姐')
    await b.invoke('customers', 'addFollowUp', { customerId: wang, channel: 'wechat', summary: '问了洗衣液的库存' })
    await b.invoke('customers', 'update', { id: wang, patch: { tags: ['宝妈', '团长'], notes: '周末在家' } })

    await enrol(a, team, 'A')
    await sync(a)
    await enrol(b, team, 'B')
    const round = await sync(b)
    expect(round.records).toMatchObject({ notApplied: 0, refused: 0, pending: 0 })
    await sync(a)

    const book = (core: OrchardCore) => ({
      customers: allCustomers(core),
      products: [...readRecords(core.context.db, 'product', core.context.db.prepare('SELECT id FROM products').pluck().all() as string[]).entries()].sort(([x], [y]) => x.localeCompare(y)),
      members: [...readRecords(core.context.db, 'member', core.context.db.prepare('SELECT id FROM members').pluck().all() as string[]).entries()].sort(([x], [y]) => x.localeCompare(y)),
    })
    const onA = book(a)
    expect([onA.customers.length, onA.products.length, onA.members.length]).toEqual([3, 2, 2])
    expect(book(b)).toEqual(onA)
    // The first workstation's ids won; B's own work went with the record.
    const teamWang = onA.customers.find(([, c]) => (c.phones as string[]).includes('+8613800138000'))!
    expect(teamWang[1]).toMatchObject({ tags: ['宝妈', '团长'], notes: '周末在家' })
    expect((await b.invoke('customers', 'followUps', { customerId: teamWang[0] })).map((f) => f.summary)).toEqual(['问了洗衣液的库存'])
    expect(b.context.db.prepare('SELECT count(*) FROM sync_record_issues').pluck().get()).toBe(0)
    // The server holds each once: a workstation new to the team gets the same book.
    const c = await joinTeam(team)
    await sync(c)
    expect(book(c)).toEqual(onA)
  })
  it('a member the team already held by invite code keeps, on the workstation that joined with it, the penalty proposed and approved there before: its member, its money once', async () => {
    const team = newTeam()
    const a = workstation()
    const b = workstation()
    const members = join(team_.root, `${team}-members.csv`)
    writeFileSync(members, ['邀请码,姓名,师父邀请码,等级,加入日期', 'MENTOR01,李师父,,2,2026-09-01', 'ALICE001,小美,MENTOR01,1,2026-09-02'].join('\n'))
    for (const ws of [a, b]) expect(await ws.invoke('imports', 'run', { entity: 'members', path: members })).toMatchObject({ committed: true })

    // Before B joins the team, its manager has a rule propose a penalty for 小美, approves it and posts it.
    actAs(b, 'manager', '陈姐')
    const alice = (await b.invoke('members', 'all', {})).find((m) => m.inviteCode === 'ALICE001')!
    const rule = await b.invoke('rules', 'create', { name: '乱价扣佣', eventType: 'price_below_floor', threshold: 1, windowDays: 30, action: { kind: 'penalty', amountFen: 5000 } })
    const { proposed } = await b.invoke('care', 'logEvent', { memberId: alice.id, type: 'price_below_floor', occurredAt: new Date(b.context.clock.now().getTime() - 1000).toISOString() })
    const penalty = proposed.find((p) => p.ruleId === rule.id)!
    await b.invoke('approvals', 'approve', { ids: [penalty.id], reason: '属实' })
    expect((await b.invoke('ledger', 'post', {})).entries).toBe(1)
    const owed = () => b.context.db.prepare(`SELECT member_code AS member, sum(amount_fen) AS fen, count(*) AS n FROM ledger_entries GROUP BY member_code`).all()
    expect(owed()).toEqual([{ member: 'ALICE001', fen: -5000, n: 1 }])

    await enrol(a, team, 'A')
    await sync(a)
    await enrol(b, team, 'B')
    expect((await sync(b)).records).toMatchObject({ notApplied: 0, refused: 0 })
    const teamAlice = (await a.invoke('members', 'all', {})).find((m) => m.inviteCode === 'ALICE001')!
    expect(teamAlice.id).not.toBe(alice.id)
    expect((await b.invoke('members', 'all', {})).filter((m) => m.inviteCode === 'ALICE001').map((m) => m.id)).toEqual([teamAlice.id])

    // The penalty is the team's 小美's on B: found from her, counted once.
    const { action } = await b.invoke('approvals', 'get', { id: penalty.id })
    expect(action).toMatchObject({ memberId: teamAlice.id, memberName: '小美', status: 'approved' })
    expect((await b.invoke('ledger', 'post', {})).entries).toBe(0)
    expect(owed()).toEqual([{ member: 'ALICE001', fen: -5000, n: 1 }])
    await sync(b)
    await sync(a)
    expect((await a.invoke('approvals', 'get', { id: penalty.id })).action).toMatchObject({ memberId: teamAlice.id, memberName: '小美', status: 'approved' })
  })
})
