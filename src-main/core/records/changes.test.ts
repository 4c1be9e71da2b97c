import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Customer } from '../../../src-shared/schemas'
import { openTestStudio, refusal, type TestStudio } from '../lifecycle/lifecycle.testkit'
import { workstationId } from '../workstation'

/**
 * The one write path of the shared records, tried on the demo studio as the issue saw it:
 * the trainer 林老师 (who sees contacts masked) editing customers, products and members,
 * the operator 小周 checking what was stored, the manager 陈姐 reading the audit log.
 */
let s: TestStudio

beforeAll(async () => {
  s = await openTestStudio('2026-03-01T02:00:00Z', 'demo')
})
afterAll(async () => {
  await s.close()
})

async function customerNamed(name: string): Promise<Customer> {
  const rows = (await s.core.invoke('customers', 'list', { search: name, limit: 200 })).rows
  const hit = rows.find((c) => c.name === name)
  if (!hit) throw new Error(`no customer named ${name}`)
  return hit
}

async function asOperator<T>(fn: () => Promise<T>): Promise<T> {
  await s.signIn('operator')
  try {
    return await fn()
  } finally {
    await s.signIn('trainer')
  }
}

const stored = (id: string) => asOperator(async () => (await s.core.invoke('customers', 'get', { id })).customer)
const counts = () => ({
  changes: (s.core.context.db.prepare('SELECT COUNT(*) AS n FROM record_changes').get() as { n: number }).n,
  // Signing in to look is audited too; what matters here is that no change was.
  audit: (s.core.context.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE kind LIKE 'record%'").get() as { n: number }).n,
})

describe('a trainer editing a customer whose contacts are masked', () => {
  it('changes only the note when the form sends back everything it was shown (蒋强东): the addresses stay real', async () => {
    const shown = await asOperator(() => customerNamed('蒋强东')).then(async (c) => {
      await s.signIn('trainer')
      return (await s.core.invoke('customers', 'get', { id: c.id })).customer
    })
    const real = await stored(shown.id)
    expect(shown.addresses.every((a) => a.endsWith('****'))).toBe(true)
    expect(shown.wechatId ?? '').not.toBe(real.wechatId ?? '')
    const { id: _id, ...fields } = shown
    await s.core.invoke('customers', 'update', {
      id: shown.id,
      patch: { name: fields.name, wechatId: fields.wechatId, phones: fields.phones, addresses: fields.addresses, tags: fields.tags, relClass: fields.relClass, notes: '周末送货' },
    })
    expect(await stored(shown.id)).toMatchObject({ notes: '周末送货', addresses: real.addresses, phones: real.phones, wechatId: real.wechatId })
    const rows = s.core.context.db.prepare('SELECT field, op, actor_role, workstation, source FROM record_changes WHERE record_id = ? ORDER BY seq').all(shown.id)
    expect(rows).toEqual([
      // The demo seed wrote the customer; the trainer's save changed one field of it.
      { field: null, op: 'create', actor_role: 'system', workstation: workstationId(s.core.context.db), source: 'demo' },
      { field: 'notes', op: 'update', actor_role: 'trainer', workstation: workstationId(s.core.context.db), source: 'console' },
    ])
  })

  it('keeps two addresses in one city apart: each masked value stands for the address at its place', async () => {
    const addresses = ['浙江省杭州市西湖区文三路 1 号', '浙江省杭州市滨江区江南大道 99 号']
    const created = await asOperator(() => s.core.invoke('customers', 'create', { name: '两处地址', phones: ['13511112222'], addresses }))
    const shown = (await s.core.invoke('customers', 'get', { id: created.id })).customer
    expect(shown.addresses).toEqual(['浙江省杭州市****', '浙江省杭州市****'])
    await s.core.invoke('customers', 'update', { id: created.id, patch: { addresses: shown.addresses, phones: shown.phones, notes: '两个地址都要' } })
    expect(await stored(created.id)).toMatchObject({ addresses, phones: ['+8613511112222'], notes: '两个地址都要' })
  })

  it('cannot erase or replace a phone it sees masked: refused, nothing changes', async () => {
    const created = await asOperator(() => s.core.invoke('customers', 'create', { name: '王芳', phones: ['14501235385'], addresses: ['北京市朝阳区建国路 8 号'] }))
    const shown = (await s.core.invoke('customers', 'get', { id: created.id })).customer
    expect(shown.phones).toEqual(['+86145****5385'])
    const before = { customer: await stored(created.id), ...counts() }

    const erased = await refusal(() => s.core.invoke('customers', 'update', { id: created.id, patch: { phones: [], notes: '清空了手机' } }))
    expect(erased).toMatchObject({ code: 'forbidden', details: { record: 'customer', field: 'phones', role: 'trainer' } })
    const replaced = await refusal(() => s.core.invoke('customers', 'update', { id: created.id, patch: { phones: ['13900001111'] } }))
    expect(replaced).toMatchObject({ code: 'forbidden', details: { field: 'phones' } })
    const address = await refusal(() => s.core.invoke('customers', 'update', { id: created.id, patch: { addresses: ['上海市浦东新区世纪大道 1 号'] } }))
    expect(address).toMatchObject({ code: 'forbidden', details: { field: 'addresses' } })

    expect({ customer: await stored(created.id), ...counts() }).toEqual(before)
  })

  it('refuses a masked rendering that stands for nothing stored, with the item it found', async () => {
    const c = await customerNamed('王芳')
    const before = { customer: await stored(c.id), ...counts() }
    const err = await refusal(() => s.core.invoke('customers', 'update', { id: c.id, patch: { phones: ['+86145****5385', '+86139****0000'] } }))
    expect(err).toMatchObject({ code: 'masked_value', details: { field: 'phones.1', value: '+86139****0000' } })
    expect(err.message).toContain('/')
    expect({ customer: await stored(c.id), ...counts() }).toEqual(before)
  })
})

describe('a masked rendering sent by anyone', () => {
  it('is refused instead of stored, even from a role that sees contacts in full', async () => {
    await s.signIn('operator')
    try {
      const c = await customerNamed('王芳')
      const before = { customer: (await s.core.invoke('customers', 'get', { id: c.id })).customer, ...counts() }
      const err = await refusal(() => s.core.invoke('customers', 'update', { id: c.id, patch: { addresses: ['北京市****'] } }))
      expect(err).toMatchObject({ code: 'masked_value', details: { record: 'customer', field: 'addresses.0', value: '北京市****' } })
      const created = await refusal(() => s.core.invoke('customers', 'create', { name: '新客', wechatId: 'wx****53' }))
      expect(created).toMatchObject({ code: 'masked_value', details: { field: 'wechatId' } })
      expect({ customer: (await s.core.invoke('customers', 'get', { id: c.id })).customer, ...counts() }).toEqual(before)
    } finally {
      await s.signIn('trainer')
    }
  })
})

describe('products, members and the audit log', () => {
  it('refuses a trainer raising SP-1007’s commission rate from 20% to 35%, and audits the operator doing it', async () => {
    await s.signIn('trainer')
    const product = (await s.core.invoke('products', 'list', { search: 'SP-1007' })).rows[0]
    expect(product.commissionBp).toBe(2000)
    const before = { product: await s.core.invoke('products', 'get', { id: product.id }), ...counts() }
    const err = await refusal(() => s.core.invoke('products', 'update', { id: product.id, patch: { commissionBp: 3500 } }))
    expect(err).toMatchObject({ code: 'forbidden', details: { record: 'product', field: 'commissionBp', role: 'trainer', needs: ['operator', 'manager'] } })
    expect(err.message).toContain('佣金比例')
    expect({ product: await s.core.invoke('products', 'get', { id: product.id }), ...counts() }).toEqual(before)
    // What a trainer may change of a product, they still can.
    await s.core.invoke('products', 'update', { id: product.id, patch: { facts: `${product.facts}｜冷藏` } })

    await s.signIn('operator')
    await s.core.invoke('products', 'update', { id: product.id, patch: { commissionBp: 3500, salePriceFen: 5800 } })
    await s.signIn('manager')
    const audit = await s.core.invoke('audit', 'list', { kinds: ['record.changed'], entityId: product.id })
    expect(audit.rows).toHaveLength(1)
    expect(audit.rows[0]).toMatchObject({
      actorName: '小周',
      actorRole: 'operator',
      entity: 'product',
      workstation: workstationId(s.core.context.db),
      before: { commissionBp: 2000, salePriceFen: 5900 },
      after: { commissionBp: 3500, salePriceFen: 5800, source: 'console' },
    })
    expect((await s.core.invoke('audit', 'verify', {})).intact).toBe(true)
  })

  it('audits a change of personal data by naming the field, never copying the value', async () => {
    await s.signIn('operator')
    const c = await customerNamed('王芳')
    await s.core.invoke('customers', 'update', { id: c.id, patch: { phones: ['13677778888'], addresses: ['北京市海淀区中关村大街 27 号'] } })
    await s.core.invoke('customers', 'remove', { id: c.id })
    await s.signIn('manager')
    const audit = await s.core.invoke('audit', 'list', { entityId: c.id })
    expect(audit.rows.map((r) => r.kind)).toEqual(['record.deleted', 'record.changed', 'record.created'])
    expect(audit.rows[1]).toMatchObject({ actorRole: 'operator', after: { personal: ['phones', 'addresses'] } })
    const text = JSON.stringify(audit.rows)
    for (const value of ['13677778888', '77778888', '中关村', '14501235385', '建国路']) expect(text).not.toContain(value)
    expect(audit.rows[0].summary).toContain('王芳')
    expect((await s.core.invoke('audit', 'verify', {})).intact).toBe(true)
  })

  it('keeps the team tree to operators and managers, and audits each change of it', async () => {
    await s.signIn('trainer')
    const members = await s.core.invoke('members', 'all')
    const member = members.find((m) => m.mentorId !== null)!
    const other = members.find((m) => m.id !== member.id && m.id !== member.mentorId && m.mentorId === null)!
    const before = { member: await s.core.invoke('members', 'get', { id: member.id }), ...counts() }
    for (const patch of [{ mentorId: other.id }, { level: 3 as const }, { status: 'left' as const }, { inviteCode: 'NEWCODE1' }]) {
      const err = await refusal(() => s.core.invoke('members', 'update', { id: member.id, patch }))
      expect(err, JSON.stringify(patch)).toMatchObject({ code: 'forbidden', details: { record: 'member', field: Object.keys(patch)[0] } })
    }
    expect({ member: await s.core.invoke('members', 'get', { id: member.id }), ...counts() }).toEqual(before)

    await s.signIn('operator')
    await s.core.invoke('members', 'update', { id: member.id, patch: { mentorId: other.id } })
    await s.signIn('manager')
    const audit = await s.core.invoke('audit', 'list', { kinds: ['record.changed'], entityId: member.id })
    expect(audit.rows[0]).toMatchObject({ actorRole: 'operator', before: { mentorId: member.mentorId }, after: { mentorId: other.id } })
  })
})

describe('imports go through the same path', () => {
  it('refuses a trainer’s customer sheet with a phone column before writing a row, and records an operator’s', async () => {
    const file = join(s.dir, 'new-customers.csv')
    writeFileSync(file, '姓名,手机,地址,备注\n导入甲,13722223333,江苏省南京市鼓楼区中山路 1 号,老客户\n导入乙,13722224444,,\n')
    await s.signIn('trainer')
    const before = { total: (await s.core.invoke('customers', 'list', {})).total, runs: (await s.core.invoke('imports', 'history', {})).length, ...counts() }
    const err = await refusal(() => s.core.invoke('imports', 'run', { entity: 'customers', path: file }))
    expect(err).toMatchObject({ code: 'forbidden', details: { record: 'customer', field: 'phones', source: 'import' } })
    expect({ total: (await s.core.invoke('customers', 'list', {})).total, runs: (await s.core.invoke('imports', 'history', {})).length, ...counts() }).toEqual(before)

    await s.signIn('operator')
    s.clock.advance(60_000)
    const result = await s.core.invoke('imports', 'run', { entity: 'customers', path: file })
    expect(result).toMatchObject({ committed: true, inserted: 2 })
    const rows = s.core.context.db.prepare("SELECT op, field, source, actor_role FROM record_changes WHERE source = 'import'").all()
    expect(rows).toEqual([
      { op: 'create', field: null, source: 'import', actor_role: 'operator' },
      { op: 'create', field: null, source: 'import', actor_role: 'operator' },
    ])
    await s.signIn('manager')
    const audit = await s.core.invoke('audit', 'list', { kinds: ['records.imported'] })
    expect(audit.rows).toHaveLength(1)
    expect(audit.rows[0]).toMatchObject({ actorName: '小周', entity: 'customer', entityId: result.importId, after: { created: 2, updated: 0, fields: ['phones', 'addresses'] } })
    expect(JSON.stringify(audit.rows[0])).not.toContain('13722223333')
    expect(JSON.stringify(audit.rows[0])).not.toContain('中山路')
  })
})

describe('orders go through the same path', () => {
  it('the demo seed records every order it writes as a create, for the team to receive', () => {
    const db = s.core.context.db
    const orders = db.prepare('SELECT count(*) FROM orders').pluck().get() as number
    expect(orders).toBeGreaterThan(0)
    const created = db.prepare(`SELECT count(DISTINCT record_id) FROM record_changes WHERE record = 'order' AND op = 'create' AND source = 'demo'`).pluck().get()
    expect(created).toBe(orders)
  })
})
