import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MAX_RECORDS_PUSH, RECORDS_PROTOCOL_VERSION, type RecordChangeWire, type RecordsPullResponse, type RecordsPushResponse } from '../src-shared/recordsProtocol'
import { useTestServer } from './server.testkit'
import { testBackends } from './testDatabases'

let clientSeq = 0
function change(over: Partial<RecordChangeWire> = {}): RecordChangeWire {
  return { clientSeq: ++clientSeq, txId: randomUUID(), record: 'customer', id: randomUUID(), op: 'update', field: 'notes', value: '备注', role: 'operator', at: '2026-11-20T02:00:00.000Z', ...over }
}
const customerCreate = (id: string, over: Record<string, unknown> = {}): Partial<RecordChangeWire> => ({
  id,
  op: 'create',
  field: null,
  value: { name: '王芳', wechatId: null, phones: ['+8613800138000'], addresses: [], tags: [], relClass: 'C', segment: null, ownerMemberId: null, notes: '', ...over },
})

for (const backend of testBackends()) {
  describe(`records on the sync server (${backend.name})`, () => {
    const harness = useTestServer(backend, 'orchard-records-server')
    const call = harness.call
    const teamOf = new Map<string, string>()
    const enrol = async (team: string, role?: string): Promise<string> => {
      const token = await harness.enrol(team, { role })
      teamOf.set(token, team)
      return token
    }
    const push = (token: string, changes: RecordChangeWire[], protocol: unknown = RECORDS_PROTOCOL_VERSION, team = teamOf.get(token)) =>
      call<RecordsPushResponse & { error?: { code: string; message: string; details: { path: string } } }>('POST', '/v1/records/push', token, { protocol, team, changes })
    const pull = async (token: string, after = 0) => {
      const r = await call<RecordsPullResponse>('GET', `/v1/records/pull?after=${after}`, token)
      expect(r.status).toBe(200)
      return r.body
    }
    let teams = 0
    const team = () => `records-${++teams}`

    it('a batch pushed again after a lost reply is accepted again and applied once', async () => {
      const t = team()
      const [a, b] = [await enrol(t), await enrol(t)]
      const id = randomUUID()
      const batch = [change(customerCreate(id)), change({ id, field: 'notes', value: '喜欢无香型' })]
      const first = await push(a, batch)
      expect(first.body).toMatchObject({ accepted: batch.map((c) => c.clientSeq), stored: 2, refused: [] })
      const again = await push(a, batch)
      expect(again.body).toMatchObject({ accepted: batch.map((c) => c.clientSeq), stored: 0, refused: [] })
      const page = await pull(b)
      expect(page.changes.map((c) => [c.op, c.field])).toEqual([
        ['create', null],
        ['update', 'notes'],
      ])
      // The create carries the record as the server holds it now; a's own changes are not sent back to it.
      expect(page.changes[0].value).toMatchObject({ name: '王芳', notes: '喜欢无香型', phones: ['+8613800138000'] })
      expect((await pull(a)).changes).toEqual([])
    })

    it('the studio’s settings: one record changed field by field; a workstation’s own setting, a create or a delete is refused whole; an operator’s time zone alone', async () => {
      const t = team()
      const [manager, operator, other] = [await enrol(t), await enrol(t, 'operator'), await enrol(t)]
      const setting = (over: Partial<RecordChangeWire>) => change({ record: 'setting', id: 'studio', role: 'manager', ...over })
      for (const [bad, path] of [
        [setting({ field: 'updateFeedUrl', value: 'https://updates.example.cn/' }), 'field'],
        [setting({ field: 'language', value: 'en-US' }), 'field'],
        [setting({ op: 'create', field: null, value: { timezone: 'Asia/Tokyo' } }), 'op'],
        [setting({ op: 'delete', field: null, value: null }), 'op'],
        [setting({ id: 'branch', field: 'timezone', value: 'Asia/Tokyo' }), 'id'],
      ] as const) {
        const r = await push(manager, [setting({ field: 'studioName', value: '果园' }), bad])
        expect(r.status).toBe(400)
        expect(r.body.error?.details.path).toBe(`changes.1.${path}`)
      }
      expect((await pull(other)).changes).toEqual([])

      const byOperator = [setting({ role: 'operator', field: 'timezone', value: 'Asia/Tokyo' }), setting({ role: 'operator', field: 'studioName', value: '果园二店' })]
      const r = await push(operator, byOperator)
      expect(r.body.refused).toEqual([
        { clientSeq: byOperator[0].clientSeq, code: 'forbidden', reason: expect.stringMatching(/Operator may not change a setting's timezone/), restore: null },
      ])
      const bad = await push(manager, [setting({ field: 'timezone', value: 'Mars/Olympus' }), setting({ field: 'currency', value: 'EUR' })])
      expect(bad.body.refused).toEqual([expect.objectContaining({ clientSeq: expect.any(Number), code: 'invalid_value', reason: expect.stringMatching(/timezone/) })])
      expect((await pull(other)).changes.map((c) => [c.field, c.value])).toEqual([
        ['studioName', '果园二店'],
        ['currency', 'EUR'],
      ])
    })

    it('the last change of a field in server order wins; an earlier one is not pulled', async () => {
      const t = team()
      const [a, b, c] = [await enrol(t), await enrol(t), await enrol(t)]
      const id = randomUUID()
      await push(a, [change(customerCreate(id))])
      const start = (await pull(b)).cursor
      // Made in the other order by the workstations' clocks: the server's order decides, never their clocks.
      await push(a, [change({ id, field: 'notes', value: 'A 的备注', at: '2026-11-20T09:00:00.000Z' })])
      await push(b, [change({ id, field: 'notes', value: 'B 的备注', at: '2026-11-20T08:00:00.000Z' })])
      await push(a, [change({ id, field: 'name', value: '王芳芳' })])
      const seen = (await pull(c, start)).changes.map((x) => [x.field, x.value])
      expect(seen).toEqual([
        ['notes', 'B 的备注'],
        ['name', '王芳芳'],
      ])
      expect((await pull(a, start)).changes.map((x) => x.value)).toEqual(['B 的备注'])
      // b's own note is not sent back, and a's earlier one is replaced: b only learns the new name.
      expect((await pull(b, start)).changes.map((x) => x.value)).toEqual(['王芳芳'])
    })

    it('of a deleted record only its delete is pulled; later edits do not bring it back', async () => {
      const t = team()
      const [a, b, c] = [await enrol(t), await enrol(t), await enrol(t)]
      const id = randomUUID()
      await push(a, [change(customerCreate(id)), change({ id, field: 'notes', value: '一' })])
      await push(a, [change({ id, op: 'delete', field: null, value: null })])
      await push(b, [change({ id, field: 'notes', value: '二' })])
      expect((await pull(c)).changes.map((x) => [x.op, x.id])).toEqual([['delete', id]])
    })

    it('checks every change against the role its device was enrolled for and the field table; a refusal says why and how to undo it', async () => {
      const t = team()
      const manager = await enrol(t)
      const trainer = await enrol(t, 'trainer')
      const reader = await enrol(t)
      const id = randomUUID()
      const product = randomUUID()
      await push(manager, [
        change(customerCreate(id)),
        change({ record: 'product', id: product, op: 'create', field: null, role: 'manager', value: { sku: 'SP-1007', name: '洗衣液', commissionBp: 2000, listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000 } }),
      ])
      const start = (await pull(reader)).cursor
      const note = change({ id, field: 'notes', value: '培训师的备注', role: 'trainer' })
      const phone = change({ id, field: 'phones', value: ['+8613900000000'], role: 'trainer' })
      const rate = change({ record: 'product', id: product, field: 'commissionBp', value: 3500, role: 'trainer' })
      // The command line's work on the trainer's workstation is checked as the trainer.
      const system = change({ record: 'product', id: product, field: 'salePriceFen', value: 100, role: 'system' })
      const posing = change({ id, field: 'notes', value: '冒充管理者', role: 'manager' })
      const r = await push(trainer, [note, phone, rate, system, posing])
      expect(r.status).toBe(200)
      expect(r.body.accepted).toEqual([note.clientSeq])
      expect(r.body.refused).toEqual([
        // A trainer's device never receives a phone, not even the team's to undo its own change: the field is emptied there.
        { clientSeq: phone.clientSeq, code: 'forbidden', reason: expect.stringMatching(/phones/), restore: { op: 'update', field: 'phones', value: [] } },
        { clientSeq: rate.clientSeq, code: 'forbidden', reason: expect.stringMatching(/commissionBp/), restore: { op: 'update', field: 'commissionBp', value: 2000 } },
        { clientSeq: system.clientSeq, code: 'forbidden', reason: expect.stringMatching(/salePriceFen/), restore: { op: 'update', field: 'salePriceFen', value: 5900 } },
        { clientSeq: posing.clientSeq, code: 'role_not_enrolled', reason: expect.stringMatching(/enrolled for Trainers/), restore: { op: 'update', field: 'notes', value: '' } },
      ])
      // Nothing refused reached the team.
      expect((await pull(reader, start)).changes.map((c) => [c.field, c.value])).toEqual([['notes', '培训师的备注']])
      // A create the role may not make is undone by removing it.
      const own = randomUUID()
      const created = await push(trainer, [change({ record: 'product', id: own, op: 'create', field: null, role: 'trainer', value: { sku: 'SP-9', name: '新品', commissionBp: 5000 } })])
      expect(created.body.refused).toMatchObject([{ code: 'forbidden', restore: { op: 'delete', field: null } }])
    })

    it('refuses a malformed batch with where it is, and stores nothing of it', async () => {
      const t = team()
      const [a, b] = [await enrol(t), await enrol(t)]
      const id = randomUUID()
      const unknownField = await push(a, [change(customerCreate(id)), change({ id, field: 'creditLimit', value: 100 })])
      expect(unknownField.status).toBe(400)
      expect(unknownField.body.error).toMatchObject({ code: 'invalid_request', details: { path: 'changes.1.field' } })
      expect(unknownField.body.error!.message).toMatch(/creditLimit/)

      const unknownInCreate = await push(a, [change(customerCreate(id, { vip: true }))])
      expect(unknownInCreate.body.error).toMatchObject({ code: 'invalid_request', details: { path: 'changes.0.value.vip' } })

      const stale = await push(a, [change(customerCreate(id))], RECORDS_PROTOCOL_VERSION + 1)
      expect(stale.status).toBe(409)
      expect(stale.body.error).toMatchObject({ code: 'protocol_mismatch', details: { path: 'protocol' } })

      const oversized = await push(a, Array.from({ length: MAX_RECORDS_PUSH + 1 }, () => change()))
      expect(oversized.status).toBe(400)
      expect(oversized.body.error).toMatchObject({ code: 'invalid_request' })

      const notAValue = await push(a, [change({ id, field: 'notes', value: 'x'.repeat(70 * 1024) })])
      expect(notAValue.body.error).toMatchObject({ code: 'invalid_request', details: { path: 'changes.0.value' } })

      expect((await pull(b)).changes).toEqual([])
    })

    it('keeps a set as its adds and removes in server order, sums stock deltas, and role-checks both as fields', async () => {
      const t = team()
      const [a, b, trainer] = [await enrol(t), await enrol(t), await enrol(t, 'trainer')]
      const reader = await enrol(t)
      const id = randomUUID()
      const product = randomUUID()
      await push(a, [
        change(customerCreate(id, { tags: ['宝妈'] })),
        change({ record: 'product', id: product, op: 'create', field: null, role: 'manager', value: { sku: 'SP-1', name: '洗衣液', stock: 40 } }),
      ])
      // Both made these on the same base: each item and each move counts.
      await push(a, [change({ id, op: 'add', field: 'tags', value: '复购' }), change({ record: 'product', id: product, op: 'delta', field: 'stock', value: -3 })])
      await push(b, [
        change({ id, op: 'add', field: 'tags', value: 'VIP' }),
        change({ id, op: 'remove', field: 'tags', value: '宝妈' }),
        change({ record: 'product', id: product, op: 'delta', field: 'stock', value: -5 }),
      ])
      // An add and a remove of one item: the later wins.
      await push(a, [change({ id, op: 'remove', field: 'tags', value: '复购' })])
      await push(b, [change({ id, op: 'add', field: 'tags', value: '复购' })])
      const page = await pull(reader)
      const last = (record: string, rid: string) => page.changes.filter((c) => c.record === record && c.id === rid).at(-1)!
      expect(last('customer', id)).toMatchObject({ op: 'add', field: 'tags', value: '复购', current: ['VIP', '复购'] })
      expect(last('product', product)).toMatchObject({ op: 'delta', value: -5, current: 32 })

      // A trainer's device may tag (as it may edit the customer) but not move stock (catalog).
      const tag = change({ id, op: 'add', field: 'tags', value: '培训', role: 'trainer' })
      const sold = change({ record: 'product', id: product, op: 'delta', field: 'stock', value: -1, role: 'trainer' })
      const r = await push(trainer, [tag, sold])
      expect(r.body.accepted).toEqual([tag.clientSeq])
      expect(r.body.refused).toEqual([{ clientSeq: sold.clientSeq, code: 'forbidden', reason: expect.stringMatching(/stock/), restore: { op: 'update', field: 'stock', value: 32 } }])

      // A move of something that is not a set or a sum, or not an item or an amount, is refused with where it is.
      const notASet = await push(a, [change({ id, op: 'add', field: 'notes', value: 'x' })])
      expect(notASet.body.error).toMatchObject({ code: 'invalid_request', details: { path: 'changes.0.field' } })
      const notAnAmount = await push(a, [change({ record: 'product', id: product, op: 'delta', field: 'stock', value: 1.5 })])
      expect(notAnAmount.body.error).toMatchObject({ code: 'invalid_request', details: { path: 'changes.0.value' } })
    })

    it('a create the team holds by natural key becomes the team’s record, answered the same when pushed again, and never pulled twice', async () => {
      const t = team()
      const [a, b, reader] = [await enrol(t), await enrol(t), await enrol(t)]
      const first = randomUUID()
      await push(a, [change(customerCreate(first, { phones: ['+8613800138000', '+8613900139000'] }))])
      const second = randomUUID()
      const create = change(customerCreate(second, { phones: ['+8613900139000'], notes: 'B 的备注' }))
      const note = change({ id: second, field: 'notes', value: 'B 改过的备注', base: 0 })
      const answer = await push(b, [create, note])
      expect(answer.body).toMatchObject({ accepted: [create.clientSeq, note.clientSeq], refused: [] })
      expect(answer.body.merged).toEqual([{ clientSeq: create.clientSeq, record: 'customer', id: second, into: first, fields: expect.objectContaining({ phones: ['+8613800138000', '+8613900139000'] }) }])
      expect((await push(b, [create, note])).body.merged).toEqual(answer.body.merged)
      const page = await pull(reader)
      // One customer: B's create is not a record of the team, its later change is a change of the team's record.
      expect(page.changes.map((c) => [c.op, c.id, c.field])).toEqual([
        ['create', first, null],
        ['update', first, 'notes'],
      ])
    })

    it('keeps teams apart: a batch for another team is refused whole, and the same id in two teams is two records', async () => {
      const [mine, theirs] = [team(), team()]
      const a = await enrol(mine)
      const x = await enrol(theirs)
      const [b, y] = [await enrol(mine), await enrol(theirs)]
      const id = randomUUID()
      await push(x, [change(customerCreate(id, { name: '他们的客户' }))])
      const r = await push(a, [change(customerCreate(randomUUID())), change({ id, field: 'notes', value: '改别人的客户' })], RECORDS_PROTOCOL_VERSION, theirs)
      expect(r.status).toBe(403)
      expect(r.body.error).toMatchObject({ code: 'record_of_another_team', details: { path: 'team', value: theirs } })
      expect((await pull(b)).changes).toEqual([])
      // The same id pushed in a's own team changes a's own record only.
      expect((await push(a, [change(customerCreate(id, { name: '我们的客户' }))])).status).toBe(200)
      expect((await pull(y)).changes.map((c) => (c.value as { name: string }).name)).toEqual(['他们的客户'])
      expect((await pull(b)).changes.map((c) => (c.value as { name: string }).name)).toEqual(['我们的客户'])
    })
  })
}
