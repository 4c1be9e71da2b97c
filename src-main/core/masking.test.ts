import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openTestStudio, refusal, type TestStudio } from './lifecycle/lifecycle.testkit'

let s: TestStudio
const PHONE = '13812348000'
const FULL = '+8613812348000'

beforeEach(async () => {
  s = await openTestStudio('2026-03-01T02:00:00Z')
  await s.signIn('operator')
  await s.core.invoke('customers', 'create', { name: '周女士', phones: [PHONE], addresses: ['广东省深圳市南山区科技园南区 8 栋 1203'], notes: '喜欢面膜' })
  await s.core.invoke('members', 'create', { name: '小王', inviteCode: 'WANG01', phone: '13900139000' })
})
afterEach(async () => {
  await s.close()
})

/** Everything a role received, as text: a full number must not be anywhere in it. */
const text = (value: unknown) => JSON.stringify(value)

describe('contact details for a role that sees them masked', () => {
  it('are masked wherever they appear: the dashboard, members, customers', async () => {
    await s.signIn('trainer')
    const summary = await s.core.invoke('dashboard', 'summary')
    expect(summary.newestCustomers[0]).toMatchObject({ name: '周女士', phones: ['+86138****8000'], addresses: ['广东省深圳市****'] })
    const members = await s.core.invoke('members', 'all')
    expect(members[0].phone).toBe('+86139****9000')
    expect((await s.core.invoke('members', 'get', { id: members[0].id })).phone).toBe('+86139****9000')
    for (const out of [summary, members, await s.core.invoke('customers', 'list', {})]) {
      expect(text(out)).not.toContain('12348000')
      expect(text(out)).not.toContain('13900139000')
    }
    await s.signIn('manager')
    expect((await s.core.invoke('dashboard', 'summary')).newestCustomers[0].phones).toEqual([FULL])
    expect((await s.core.invoke('members', 'all'))[0].phone).toBe('+8613900139000')
  })

  it('are not confirmed by a search or by a duplicate: a full number finds nobody, and no owner is named', async () => {
    await s.signIn('trainer')
    for (const q of [PHONE, FULL, '138 1234 8000', '12348000', '1234']) {
      expect((await s.core.invoke('customers', 'list', { search: q })).total, q).toBe(0)
    }
    expect((await s.core.invoke('customers', 'list', { search: '周女士' })).total).toBe(1)
    expect((await s.core.invoke('customers', 'list', { search: '面膜' })).total).toBe(1)
    const dup = await refusal(() => s.core.invoke('customers', 'create', { name: '试探', phones: [PHONE] }))
    expect(dup).toMatchObject({ code: 'duplicate_phone', details: { field: 'phones' } })
    expect(text(dup)).not.toContain('周女士')
    expect(dup.details.customerId).toBeUndefined()
    // Someone the studio knows only by their number is not named by it either.
    await s.signIn('operator')
    await s.core.invoke('customers', 'create', { name: '+8613700137000', phones: ['13700137000'] })
    await s.signIn('trainer')
    expect(text(await s.core.invoke('customers', 'list', {}))).not.toContain('13700137000')
    expect((await s.core.invoke('customers', 'list', { search: '13700137000' })).total).toBe(0)

    await s.signIn('operator')
    expect((await s.core.invoke('customers', 'list', { search: PHONE })).total).toBe(1)
  })

  it('are masked where a buyer is known only by their number: in orders and in searches for it', async () => {
    const file = join(s.dir, 'orders.csv')
    writeFileSync(file, `订单号,下单时间,状态,商品名称,数量,金额,手机\nE1001,2026-02-20 10:00,已付款,洗衣液,1,59.90,13600136000\n`)
    expect(await s.core.invoke('imports', 'run', { entity: 'orders', path: file })).toMatchObject({ committed: true })
    await s.signIn('trainer')
    const orders = await s.core.invoke('orders', 'list', {})
    expect(orders.rows[0].customerName).toBe('+86136****6000')
    expect(text(orders)).not.toContain('13600136000')
    expect(text(await s.core.invoke('orders', 'get', { id: orders.rows[0].id }))).not.toContain('13600136000')
    expect((await s.core.invoke('orders', 'list', { search: '13600136000' })).total).toBe(0)
    expect((await s.core.invoke('orders', 'list', { search: 'E1001' })).total).toBe(1)
    await s.signIn('operator')
    expect((await s.core.invoke('orders', 'list', { search: '13600136000' })).total).toBe(1)
  })

  it('are never written back when a form sends the masked values it was shown', async () => {
    await s.signIn('trainer')
    const shown = (await s.core.invoke('customers', 'list', {})).rows.find((c) => c.name === '周女士')!
    await s.core.invoke('customers', 'update', { id: shown.id, patch: { phones: shown.phones, addresses: shown.addresses, notes: '改了备注' } })
    const member = (await s.core.invoke('members', 'all'))[0]
    await s.core.invoke('members', 'update', { id: member.id, patch: { phone: member.phone, name: '小王王' } })
    await s.signIn('manager')
    const customer = await s.core.invoke('customers', 'get', { id: shown.id })
    expect(customer.customer).toMatchObject({ phones: [FULL], addresses: ['广东省深圳市南山区科技园南区 8 栋 1203'], notes: '改了备注' })
    expect(await s.core.invoke('members', 'get', { id: member.id })).toMatchObject({ phone: '+8613900139000', name: '小王王' })
  })

  it('are masked in any import’s report of rejected rows', async () => {
    const file = join(s.dir, 'bad.csv')
    writeFileSync(file, `姓名,手机\n重复的人,${PHONE}\n错号,1381234800\n`)
    const result = await s.core.invoke('imports', 'run', { entity: 'customers', path: file })
    expect(result.rejectedRows).toBeGreaterThan(0)
    await s.signIn('trainer')
    const { csv } = await s.core.invoke('imports', 'reportCsv', { importId: result.importId })
    expect(csv).toContain('1381234800'.slice(0, 3))
    expect(csv).not.toContain('1381234800')
    // The error file too: the rows are the file's, but what looks like a phone is masked for this role.
    const made = await s.core.invoke('imports', 'errorFile', { importId: result.importId, path: join(s.dir, 'bad-错误行.csv') })
    const rows = readFileSync(made.path, 'utf8')
    expect(rows).toContain('错号')
    expect(rows).not.toContain('1381234800')
    expect(rows).not.toContain(PHONE)
  })
})

describe('exports of personal data', () => {
  it('are recorded in the audit log: who, what, how many rows — never the values', async () => {
    await s.core.invoke('exports', 'run', { entity: 'customers', format: 'csv', path: join(s.dir, 'c.csv'), filter: { search: PHONE } })
    await s.core.invoke('exports', 'run', { entity: 'products', format: 'csv', path: join(s.dir, 'p.csv') })
    await s.signIn('manager')
    const audit = await s.core.invoke('audit', 'list', { kinds: ['data.exported'] })
    expect(audit.rows).toHaveLength(1)
    expect(audit.rows[0]).toMatchObject({ actorName: '小周', actorRole: 'operator', entity: 'customers', after: { entity: 'customers', format: 'csv', rows: 1, filtered: true, file: 'c.csv' } })
    expect(text(audit.rows[0])).not.toContain('12348000')
    expect((await s.core.invoke('audit', 'verify', {})).intact).toBe(true)
  })
})
