import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Customer } from '../../../src-shared/schemas'
import { openTestStudio, refusal, type TestStudio } from '../lifecycle/lifecycle.testkit'

/**
 * Duplicate customers on the demo studio: 小周 (operator) finds them, previews a merge, merges
 * and undoes it; 林老师 (trainer) sees the duplicates with contacts masked and may not merge.
 * The duplicates are made the way they arise: a customer entered twice under the same name
 * and address, a WeChat id typed in another case, a number kept as it was typed.
 */
let s: TestStudio

const db = () => s.core.context.db
const all = async (): Promise<Customer[]> => {
  const out: Customer[] = []
  for (let offset = 0; ; offset += 500) {
    const page = await s.core.invoke('customers', 'list', { offset, limit: 500, sort: { field: 'name', dir: 'asc' } })
    out.push(...page.rows)
    if (out.length >= page.total) return out
  }
}
/** Everything a merge touches: the book, who each order and group membership belongs to, and the counts of change rows and audit records. */
const state = async () => ({
  customers: await all(),
  orders: db().prepare('SELECT id, customer_id FROM orders ORDER BY id').all(),
  groups: db().prepare('SELECT group_id, customer_id, joined_at FROM group_customers ORDER BY group_id, customer_id').all(),
  changes: (db().prepare('SELECT COUNT(*) AS n FROM record_changes').get() as { n: number }).n,
  // Signing in and out is audited too; what counts here is what happened to the records.
  audit: (db().prepare("SELECT COUNT(*) AS n FROM audit_log WHERE kind NOT LIKE 'profile.%'").get() as { n: number }).n,
  merges: (db().prepare('SELECT COUNT(*) AS n FROM customer_merges').get() as { n: number }).n,
})
const ordersOf = (id: string) => db().prepare('SELECT id FROM orders WHERE customer_id = ? ORDER BY id').pluck().all(id) as string[]
const groupsOf = (id: string) => db().prepare('SELECT group_id FROM group_customers WHERE customer_id = ? ORDER BY group_id').pluck().all(id) as string[]

let survivor: Customer
let twin: Customer
let wechatPair: [Customer, Customer]
let phonePair: [Customer, Customer]

beforeAll(async () => {
  s = await openTestStudio('2026-03-01T02:00:00Z', 'demo')
  await s.signIn('operator')
  const book = await all()
  const buyers = book.filter((c) => c.orderCount > 0 && c.addresses.length > 0 && c.phones.length > 0)
  // Two buyers with orders of their own: the second is entered again as the first (same name, the same address with spaces).
  survivor = buyers[0]
  const other = buyers.find((c) => c.id !== survivor.id && groupsOf(c.id).length > 0 && !isDeepEqual(groupsOf(c.id), groupsOf(survivor.id)))!
  twin = await s.core.invoke('customers', 'update', {
    id: other.id,
    patch: { name: survivor.name, addresses: [` ${survivor.addresses[0].replace(/(.{3})/, '$1 ')}`, '上海市徐汇区漕溪北路 88 号'], tags: [...other.tags, '老客户'] },
  })
  // Both in one group as well: the merge keeps one membership, the undo gives the twin its own back.
  const shared = groupsOf(survivor.id)[0] ?? groupsOf(twin.id)[0]
  db().prepare('INSERT OR IGNORE INTO group_customers (group_id, customer_id, joined_at) VALUES (?, ?, ?)').run(shared, twin.id, '2026-01-05T02:00:00.000Z')
  db().prepare('INSERT OR IGNORE INTO group_customers (group_id, customer_id, joined_at) VALUES (?, ?, ?)').run(shared, survivor.id, '2026-01-04T02:00:00.000Z')

  const rest = book.filter((c) => c.id !== survivor.id && c.id !== other.id)
  const [c1, c2, p1, p2] = rest.slice(-4)
  await s.core.invoke('customers', 'update', { id: c1.id, patch: { wechatId: 'wxid_Fang88' } })
  await s.core.invoke('customers', 'update', { id: c2.id, patch: { wechatId: ' WXID_fang88' } })
  wechatPair = [c1, c2]
  // A number kept as it was typed, as a workstation older than phone normalisation wrote it.
  const typed = `${p1.phones[0].slice(3, 6)} ${p1.phones[0].slice(6, 10)} ${p1.phones[0].slice(10)}`
  db().prepare('UPDATE customers SET phones = ? WHERE id = ?').run(JSON.stringify([typed]), p2.id)
  phonePair = [p1, p2]
})
afterAll(async () => {
  await s.close()
})

function isDeepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

describe('finding duplicate customers', () => {
  it('lists the same phone, the same WeChat id and the same name and address, each with its reason, paged', async () => {
    await s.signIn('operator')
    const found = await s.core.invoke('duplicates', 'find', { limit: 500 })
    const groupOf = (ids: string[]) => found.rows.find((g) => ids.every((id) => g.customers.some((c) => c.id === id)))
    expect(groupOf([survivor.id, twin.id])?.reasons).toEqual([{ reason: 'nameAddress', value: `${survivor.name} · ${survivor.addresses[0]}` }])
    expect(groupOf(wechatPair.map((c) => c.id))?.reasons).toEqual([{ reason: 'wechat', value: 'wxid_Fang88' }])
    expect(groupOf(phonePair.map((c) => c.id))?.reasons).toEqual([{ reason: 'phone', value: phonePair[0].phones[0] }])
    // Phone first, then WeChat id, then name and address.
    const order = found.rows.map((g) => g.reasons[0].reason)
    expect(order.indexOf('phone')).toBeLessThan(order.indexOf('wechat'))
    expect(order.lastIndexOf('wechat')).toBeLessThan(order.indexOf('nameAddress'))
    expect(found.total).toBe(found.rows.length)

    const second = await s.core.invoke('duplicates', 'find', { offset: 1, limit: 1 })
    expect(second).toEqual({ total: found.total, rows: [found.rows[1]] })
    const byWechat = await s.core.invoke('duplicates', 'find', { reason: 'wechat' })
    expect(byWechat.rows.map((g) => g.key)).toEqual(found.rows.filter((g) => g.reasons.some((r) => r.reason === 'wechat')).map((g) => g.key))
  })

  it('shows a trainer the same groups with phones, WeChat ids and addresses masked', async () => {
    await s.signIn('operator')
    const full = await s.core.invoke('duplicates', 'find', { limit: 500 })
    await s.signIn('trainer')
    const masked = await s.core.invoke('duplicates', 'find', { limit: 500 })
    expect(masked.rows.map((g) => g.key)).toEqual(full.rows.map((g) => g.key))
    const text = JSON.stringify(masked)
    for (const g of full.rows) {
      for (const c of g.customers) for (const p of c.phones) expect(text).not.toContain(p)
      for (const r of g.reasons) if (r.reason !== 'nameAddress') expect(text).not.toContain(r.value)
    }
    const phone = masked.rows.find((g) => g.reasons[0].reason === 'phone')!
    expect(phone.reasons[0].value).toMatch(/^\+86\d{3}\*{4}\d{4}$/)
    expect(masked.rows.find((g) => g.reasons[0].reason === 'wechat')!.reasons[0].value).toBe('wx****88')
    expect(masked.rows.find((g) => g.reasons[0].reason === 'nameAddress')!.reasons[0].value).toMatch(/\*{4}$/)
  })
})

describe('merging two customers', () => {
  it('previews which value wins per field, what moves and the figures afterwards, writing nothing', async () => {
    await s.signIn('operator')
    const before = await state()
    const preview = await s.core.invoke('duplicates', 'preview', { survivorId: survivor.id, mergedId: twin.id })
    const field = (f: string) => preview.fields.find((x) => x.field === f)!
    expect(field('name')).toMatchObject({ choice: 'survivor', result: survivor.name, options: [] })
    expect(field('addresses').choice).toBe('both')
    // The twin's spaced copy of the same address is not added twice.
    expect(field('addresses').result).toEqual([...survivor.addresses, '上海市徐汇区漕溪北路 88 号'])
    expect(field('phones').result).toEqual([...survivor.phones, ...twin.phones])
    expect(field('tags').result).toEqual([...new Set([...survivor.tags, ...twin.tags])])
    expect(field('relClass').options).toEqual(survivor.relClass === twin.relClass ? [] : ['survivor', 'merged'])
    // Every order moves, the cancelled and pending ones the figures leave out as well.
    expect(preview.moves).toContainEqual({ kind: 'orders', count: ordersOf(twin.id).length })
    expect(preview.moves).toContainEqual({ kind: 'group_customers', count: groupsOf(twin.id).length })
    expect(preview.figures).toMatchObject({ orderCount: survivor.orderCount + twin.orderCount, totalSpentFen: survivor.totalSpentFen + twin.totalSpentFen })
    expect(await state()).toEqual(before)
  })

  it('merges in one step: orders and groups re-pointed, fields as chosen, figures added up, recorded and audited — and undoes it exactly', async () => {
    await s.signIn('operator')
    const before = await state()
    const survivorOrders = ordersOf(survivor.id)
    const twinOrders = ordersOf(twin.id)
    const groups = [...new Set([...groupsOf(survivor.id), ...groupsOf(twin.id)])].sort()
    const survivorGroups = groupsOf(survivor.id)
    const twinGroups = groupsOf(twin.id)
    const seqBefore = (db().prepare('SELECT MAX(seq) AS n FROM record_changes').get() as { n: number }).n

    const { merge, customer } = await s.core.invoke('duplicates', 'merge', {
      survivorId: survivor.id,
      mergedId: twin.id,
      choices: { relClass: 'merged', ownerMemberId: 'merged', tags: 'survivor' },
    })
    expect(merge).toMatchObject({ survivorId: survivor.id, mergedId: twin.id, mergedBy: '小周', undoneAt: null })
    expect(customer).toMatchObject({
      id: survivor.id,
      name: survivor.name,
      phones: [...survivor.phones, ...twin.phones],
      addresses: [...survivor.addresses, '上海市徐汇区漕溪北路 88 号'],
      tags: survivor.tags,
      relClass: twin.relClass,
      ownerMemberId: twin.ownerMemberId,
      orderCount: survivor.orderCount + twin.orderCount,
      totalSpentFen: survivor.totalSpentFen + twin.totalSpentFen,
    })
    const after = await state()
    expect(after.customers.find((c) => c.id === twin.id)).toBeUndefined()
    expect(after.customers).toHaveLength(before.customers.length - 1)
    expect(ordersOf(survivor.id)).toEqual([...survivorOrders, ...twinOrders].sort())
    expect(ordersOf(twin.id)).toEqual([])
    expect(groupsOf(survivor.id)).toEqual(groups)
    // The detail adds up too: the categories share the merged total to the fen.
    const detail = await s.core.invoke('customers', 'get', { id: survivor.id })
    expect(detail.categories.reduce((sum, c) => sum + c.amountFen, 0)).toBe(survivor.totalSpentFen + twin.totalSpentFen)
    // Searching the twin's phone now finds the survivor.
    expect((await s.core.invoke('customers', 'list', { search: twin.phones[0] })).rows.map((c) => c.id)).toEqual([survivor.id])
    // Through the write path: the twin deleted, the survivor's changed fields recorded, as the operator.
    const rows = db().prepare('SELECT record_id, op, field, actor_role FROM record_changes WHERE seq > ? ORDER BY seq').all(seqBefore)
    expect(rows).toEqual(
      expect.arrayContaining([
        { record_id: twin.id, op: 'delete', field: null, actor_role: 'operator' },
        { record_id: survivor.id, op: 'update', field: 'phones', actor_role: 'operator' },
        { record_id: survivor.id, op: 'update', field: 'addresses', actor_role: 'operator' },
      ]),
    )
    // The groups the survivor joined by the merge are changes of those groups' customer sets, sent to the team as any join.
    const joinedByMerge = groups.filter((g) => !survivorGroups.includes(g))
    expect(joinedByMerge.length).toBeGreaterThan(0)
    const setRows = () => db().prepare("SELECT record_id, op, value_json FROM record_changes WHERE seq > ? AND record = 'group' AND field = 'customers' ORDER BY record_id, op").all(seqBefore)
    expect(setRows()).toEqual(joinedByMerge.map((g) => ({ record_id: g, op: 'add', value_json: JSON.stringify(survivor.id) })))
    const audit = db().prepare("SELECT kind, summary, after_json FROM audit_log WHERE kind IN ('customers.merged', 'record.deleted') ORDER BY seq DESC LIMIT 2").all() as { kind: string; summary: string; after_json: string | null }[]
    expect(audit.map((a) => a.kind).sort()).toEqual(['customers.merged', 'record.deleted'])
    const merged = audit.find((a) => a.kind === 'customers.merged')!
    expect(merged.summary).toContain(`合并客户「${survivor.name}」到「${survivor.name}」`)
    expect(merged.summary).toContain(`订单 ${twinOrders.length}`)
    // Personal data is named, never copied into the audit.
    for (const p of twin.phones) expect(merged.after_json).not.toContain(p)
    expect((await s.core.invoke('duplicates', 'find', { limit: 500 })).rows.some((g) => g.customers.some((c) => c.id === twin.id))).toBe(false)

    // Undone: everyone and everything as before, with the merge marked and audited.
    const undone = await s.core.invoke('duplicates', 'undo', { mergeId: merge.id })
    expect(undone.merge.undoneBy).toBe('小周')
    const restored = await state()
    expect(restored.customers.map(({ updatedAt: _u, rfmSegment: _r, ...c }) => c)).toEqual(before.customers.map(({ updatedAt: _u, rfmSegment: _r, ...c }) => c))
    expect(restored.customers.find((c) => c.id === twin.id)).toEqual(before.customers.find((c) => c.id === twin.id))
    expect(restored.orders).toEqual(before.orders)
    expect(restored.groups).toEqual(before.groups)
    // Undone in the groups' sets too: the twin back in, the survivor out of the ones it joined by the merge.
    expect(setRows()).toEqual(
      joinedByMerge
        .flatMap((g) => [
          { record_id: g, op: 'add', value_json: JSON.stringify(survivor.id) },
          { record_id: g, op: 'add', value_json: JSON.stringify(twin.id) },
          { record_id: g, op: 'remove', value_json: JSON.stringify(survivor.id) },
        ])
        .concat(twinGroups.filter((g) => !joinedByMerge.includes(g)).map((g) => ({ record_id: g, op: 'add', value_json: JSON.stringify(twin.id) })))
        .sort((x, y) => x.record_id.localeCompare(y.record_id) || x.op.localeCompare(y.op) || x.value_json.localeCompare(y.value_json)),
    )
    // Found again by its own phone, and the survivor no longer is.
    expect((await s.core.invoke('customers', 'list', { search: twin.phones[0] })).rows.map((c) => c.id)).toEqual([twin.id])
    const unmerged = db().prepare("SELECT summary, actor_role FROM audit_log WHERE kind = 'customers.unmerged' ORDER BY seq DESC LIMIT 1").get() as { summary: string; actor_role: string }
    expect(unmerged.actor_role).toBe('operator')
    expect(unmerged.summary).toContain('撤销合并')

    // Once is enough: a second undo is refused and changes nothing.
    const again = await refusal(() => s.core.invoke('duplicates', 'undo', { mergeId: merge.id }))
    expect(again.code).toBe('merge_undone')
    expect(await state()).toEqual(restored)
    const history = await s.core.invoke('duplicates', 'merges', {})
    expect(history.rows[0]).toMatchObject({ id: merge.id, undoneBy: '小周', moves: expect.arrayContaining([{ kind: 'orders', count: ordersOf(twin.id).length }]) })
  })

  it('merges a WeChat id typed twice and gives the survivor the other’s id when chosen', async () => {
    await s.signIn('manager')
    const [a, b] = wechatPair
    const { customer, merge } = await s.core.invoke('duplicates', 'merge', { survivorId: a.id, mergedId: b.id, choices: { wechatId: 'merged' } })
    expect(customer.wechatId).toBe('WXID_fang88')
    const undone = await s.core.invoke('duplicates', 'undo', { mergeId: merge.id })
    expect(undone.survivor.wechatId).toBe('wxid_Fang88')
    expect(undone.restored.wechatId).toBe('WXID_fang88')
  })

  it('refuses to undo a merge whose survivor was changed since, changing nothing', async () => {
    await s.signIn('operator')
    const [a, b] = phonePair
    const { merge } = await s.core.invoke('duplicates', 'merge', { survivorId: a.id, mergedId: b.id })
    await s.core.invoke('customers', 'update', { id: a.id, patch: { notes: '合并后补充的备注' } })
    const before = await state()
    const err = await refusal(() => s.core.invoke('duplicates', 'undo', { mergeId: merge.id }))
    expect(err).toMatchObject({ code: 'merge_changed_since', details: { fields: ['notes'] } })
    expect(await state()).toEqual(before)
  })

  it('refuses a trainer (preview, merge and undo) and a customer merged with itself; nothing changes', async () => {
    await s.signIn('operator')
    const before = await state()
    const merges = await s.core.invoke('duplicates', 'merges', {})
    await s.signIn('trainer')
    for (const [method, input] of [
      ['merge', { survivorId: wechatPair[0].id, mergedId: wechatPair[1].id }],
      ['preview', { survivorId: wechatPair[0].id, mergedId: wechatPair[1].id }],
      ['undo', { mergeId: merges.rows[0].id }],
    ] as const) {
      const err = await refusal(() => s.core.invoke('duplicates', method, input))
      expect(err.code, method).toBe('forbidden')
    }
    await s.signIn('operator')
    const self = await refusal(() => s.core.invoke('duplicates', 'merge', { survivorId: survivor.id, mergedId: survivor.id }))
    expect(self).toMatchObject({ code: 'merge_same_customer', details: { field: 'mergedId' } })
    const both = await refusal(() => s.core.invoke('duplicates', 'merge', { survivorId: survivor.id, mergedId: twin.id, choices: { name: 'both' } }))
    expect(both).toMatchObject({ code: 'invalid_choice', details: { field: 'choices.name' } })
    expect(await state()).toEqual(before)
  })
})
