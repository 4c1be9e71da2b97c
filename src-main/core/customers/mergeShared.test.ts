import { describe, expect, it } from 'vitest'
import type { OrchardCore } from '../api'
import { actAs } from '../lifecycle/lifecycle.testkit'
import { changeWriter, joinGroups } from '../records/changes'
import { readRecords } from '../records/sync'
import { importShopExport } from '../sync/ledgerStudio.testkit'
import { pushRecords, teamHarness } from '../sync/team.testkit'

/**
 * A customer merge made on one workstation and undone there, as every other workstation of
 * the team sees it: the merge's effects arrive, and so does its undo — both customers back,
 * each with its own orders, groups and follow-ups, as before the merge.
 */
const team_ = teamHarness('merge-shared')
const { workstation, enrol, sync, dirOf, pair, joinTeam } = team_

/** The shop's export with one order per buyer phone, imported on `core`. */
async function importOrders(core: OrchardCore, rows: { orderNo: string; phone: string }[]) {
  const csv = ['订单号,下单时间,状态,客户,手机,商品编码,商品名称,数量,单价,商品退款金额,归属会员邀请码']
  for (const r of rows) csv.push([r.orderNo, '2026-11-20 10:00', '已付款', `买家${r.orderNo}`, r.phone, 'SP-1001', '洗衣液', 1, '59.00', '', 'ALICE001'].join(','))
  const result = await importShopExport(core, dirOf(core), csv)
  expect(result.committed, JSON.stringify(result.errors.slice(0, 3))).toBe(true)
}

/** What a person sees of a customer on a workstation: its fields, its orders, its groups and its follow-ups. */
async function book(core: OrchardCore, ids: string[]) {
  const db = core.context.db
  return Promise.all(
    ids.map(async (id) => ({
      id,
      fields: readRecords(db, 'customer', [id]).get(id) ?? null,
      orders: db.prepare('SELECT order_no FROM orders WHERE customer_id = ? ORDER BY order_no').pluck().all(id),
      groups: db.prepare('SELECT group_id FROM group_customers WHERE customer_id = ? ORDER BY group_id').pluck().all(id),
      followUps: db.prepare('SELECT summary FROM customer_follow_ups WHERE customer_id = ? ORDER BY summary').pluck().all(id),
    })),
  )
}

describe('a customer merge and its undo between workstations', () => {
  it('after A undoes a merge, B holds both customers again with their orders, groups and follow-ups as before it', async () => {
    const [a, b] = await pair()
    actAs(a, 'operator', '小周')
    actAs(b, 'operator', '小王')
    await a.invoke('members', 'create', { name: '小美', inviteCode: 'ALICE001', joinDate: '2026-09-02' })
    await a.invoke('products', 'create', { sku: 'SP-1001', name: '洗衣液', listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000, stock: 40, images: [] })
    // One person entered twice: two customers, each with an order and a group of their own.
    const kept = await a.invoke('customers', 'create', { name: '王芳', phones: ['13800138001'], notes: '喜欢无香型' })
    const twin = await a.invoke('customers', 'create', { name: '王芳', phones: ['13800138002'], tags: ['老客户'] })
    await importOrders(a, [
      { orderNo: 'SO-1', phone: '13800138001' },
      { orderNo: 'SO-2', phone: '13800138002' },
    ])
    const g1 = await a.invoke('groups', 'create', { name: '宝妈好物 1 群' })
    const g2 = await a.invoke('groups', 'create', { name: '宝妈好物 2 群' })
    // Joined as an import's 所属群 column joins them: through the write path, as adds of the groups' sets.
    const w = changeWriter(a.context, 'import')
    a.context.db.transaction(() => joinGroups(w, [[kept.id, g1.id], [twin.id, g2.id]]))()
    await sync(a)
    await sync(b)
    // B's operator follows both up (follow-ups are kept on the workstation that wrote them).
    await b.invoke('customers', 'addFollowUp', { customerId: kept.id, channel: 'wechat', summary: '问了尺码' })
    await b.invoke('customers', 'addFollowUp', { customerId: twin.id, channel: 'call', summary: '约了周末回访' })
    const beforeOnA = await book(a, [kept.id, twin.id])
    const beforeOnB = await book(b, [kept.id, twin.id])
    expect(beforeOnB.map((c) => [c.orders, c.groups, c.followUps])).toEqual([
      [['SO-1'], [g1.id], ['问了尺码']],
      [['SO-2'], [g2.id], ['约了周末回访']],
    ])
    expect(beforeOnB.map((c) => c.fields)).toEqual(beforeOnA.map((c) => c.fields))

    // A merges the twin into the kept customer: B sees one customer with both orders, groups and follow-ups.
    const { merge } = await a.invoke('duplicates', 'merge', { survivorId: kept.id, mergedId: twin.id })
    await sync(a)
    await sync(b)
    const mergedOnB = await book(b, [kept.id, twin.id])
    expect(mergedOnB[1].fields).toBeNull()
    expect(mergedOnB[0]).toMatchObject({ orders: ['SO-1', 'SO-2'], groups: [g1.id, g2.id].sort(), followUps: ['约了周末回访', '问了尺码'].sort() })
    expect(mergedOnB[0].fields).toEqual((await book(a, [kept.id]))[0].fields)

    // A undoes it: B holds both again, each with what it had before the merge — and so does A.
    await a.invoke('duplicates', 'undo', { mergeId: merge.id })
    await sync(a)
    await sync(b)
    expect(await book(b, [kept.id, twin.id])).toEqual(beforeOnB)
    expect((await book(a, [kept.id, twin.id])).map(({ followUps: _f, ...rest }) => rest)).toEqual(beforeOnA.map(({ followUps: _f, ...rest }) => rest))
    expect((await b.invoke('sync', 'recordIssues', {})).length).toBe(0)
  })

  it('a workstation offline through both the merge and its undo ends as it began; its follow-ups never leave their customer for good', async () => {
    const [a, b] = await pair()
    actAs(a, 'operator', '小周')
    actAs(b, 'operator', '小王')
    const kept = await a.invoke('customers', 'create', { name: '李娜', phones: ['13900139001'] })
    const twin = await a.invoke('customers', 'create', { name: '李娜', phones: ['13900139002'], notes: '老客户' })
    await sync(a)
    await sync(b)
    await b.invoke('customers', 'addFollowUp', { customerId: twin.id, channel: 'wechat', summary: '问了到货时间' })
    const before = await book(b, [kept.id, twin.id])

    const { merge } = await a.invoke('duplicates', 'merge', { survivorId: kept.id, mergedId: twin.id })
    await a.invoke('duplicates', 'undo', { mergeId: merge.id })
    await sync(a)
    await sync(b)
    expect(await book(b, [kept.id, twin.id])).toEqual(before)
    expect(b.context.db.prepare('SELECT count(*) FROM customer_merges_taken').pluck().get()).toBe(0)
  })

  it('the server refuses a delete carrying anything but the customer a merge kept, and stores nothing of the batch', async () => {
    const team = team_.newTeam()
    const a = workstation()
    await enrol(a, team, 'A')
    const c = await a.invoke('customers', 'create', { name: '周末', phones: ['13700137001'] })
    await sync(a)
    const push = (value: unknown) => pushRecords(a, team, [{ clientSeq: 9001, txId: 'tx-9001', record: 'customer', id: c.id, op: 'delete', field: null, value, role: 'manager', at: a.context.clock.now().toISOString() }])
    for (const value of [{ mergedInto: c.id, also: 'x' }, { mergedInto: 42 }, 'someone']) {
      const res = await push(value)
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', details: { path: 'changes.0.value', clientSeq: 9001 } } })
    }
    // Nothing of it stored: a second workstation still finds the customer.
    const b = await joinTeam(team, 'B')
    await sync(b)
    expect(readRecords(b.context.db, 'customer', [c.id]).get(c.id)).toMatchObject({ name: '周末' })
  })
})
