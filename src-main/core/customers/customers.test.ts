import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CustomerInput, CustomerListQuery } from '../../../src-shared/schemas'
import { openDatabase, type Db } from '../db/connection'
import { LATEST_SCHEMA_VERSION } from '../db/migrations'
import { createCore } from '../api'
import { fixedClock } from '../clock'
import { systemWriter } from '../records/changes'
import { normalizePhone } from './phone'
import { catchUpSearchIndex, completeSearchIndex, searchIndexLag } from './searchIndex'
import { createCustomer, customerConditions, listCustomers, updateCustomer } from './repository'

let dir: string
let db: Db
const now = new Date('2026-11-20T08:00:00Z')

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-customers-'))
  db = openDatabase(join(dir, 'orchard.db'))
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

const add = (input: Partial<ReturnType<typeof CustomerInput.parse>> & { name: string }) => createCustomer(systemWriter(db, now, 'console'), CustomerInput.parse(input))
const list = (q: Parameters<typeof CustomerListQuery.parse>[0]) => listCustomers(db, CustomerListQuery.parse(q))

describe('phone normalisation', () => {
  it('turns the ways people type mainland numbers into E.164 with +86', () => {
    for (const raw of ['13812345678', '138 1234 5678', '138-1234-5678', '+86 138 1234 5678', '008613812345678', '8613812345678', '１３８１２３４５６７８']) {
      expect(normalizePhone(raw)).toEqual({ ok: true, e164: '+8613812345678' })
    }
  })
  it('keeps foreign numbers with their own country code and refuses nonsense', () => {
    expect(normalizePhone('+1 415 555 2671')).toEqual({ ok: true, e164: '+14155552671' })
    expect(normalizePhone('12345').ok).toBe(false)
    expect(normalizePhone('138abc45678').ok).toBe(false)
  })
})

describe('customers', () => {
  it('stores normalised phones and refuses a second customer with the same phone or WeChat id', () => {
    const wang = add({ name: '王芳', phones: ['138 0013 8000'], wechatId: 'wangfang88' })
    expect(wang.phones).toEqual(['+8613800138000'])
    expect(() => add({ name: '王芳芳', phones: ['+86 13800138000'] })).toThrowError(/13800138000/)
    expect(() => add({ name: '另一个', wechatId: 'wangfang88' })).toThrowError(/wangfang88/)
  })

  it('reports which phone is bad', () => {
    try {
      add({ name: '李娜', phones: ['13912345678', '12345'] })
      expect.unreachable()
    } catch (err) {
      expect(err).toMatchObject({ code: 'invalid_phone', details: { field: 'phones.1', value: '12345' } })
    }
  })

  it('a partial update changes only what it names', () => {
    const c = add({ name: '张伟', phones: ['13700001111'], tags: ['宝妈', '老客户'], relClass: 'A', notes: '喜欢国货' })
    const updated = updateCustomer(systemWriter(db, new Date('2026-11-21T08:00:00Z'), 'console'), c.id, { notes: '喜欢国货，周末有空' })
    expect(updated).toMatchObject({ name: '张伟', phones: ['+8613700001111'], tags: ['宝妈', '老客户'], relClass: 'A', notes: '喜欢国货，周末有空' })
    expect(updated.updatedAt > c.updatedAt).toBe(true)
  })

  it('finds customers by one- and two-character Chinese queries, WeChat ids, phone fragments and notes', () => {
    add({ name: '王芳', phones: ['13800138000'], wechatId: 'fang_wang' })
    add({ name: '王建国', phones: ['13900139000'], notes: '住在杭州西湖区' })
    add({ name: '李芳', phones: ['13700137000'] })
    add({ name: '陈晓', wechatId: 'chenxiao2024', notes: '芳邻推荐' })
    const names = (search: string) => list({ search, sort: { field: 'name', dir: 'asc' } }).rows.map((r) => r.name).sort()
    const check = () => {
    expect(names('王')).toEqual(['王建国', '王芳'])
    expect(names('芳')).toEqual(['李芳', '王芳', '陈晓'])
    expect(names('王芳')).toEqual(['王芳'])
    expect(names('西湖')).toEqual(['王建国'])
    expect(names('杭州西湖')).toEqual(['王建国'])
    expect(names('FANG_W')).toEqual(['王芳'])
    expect(names('0139')).toEqual(['王建国'])
    expect(names('139 0013')).toEqual(['王建国'])
    expect(names('+86137')).toEqual(['李芳'])
    expect(names('赵')).toEqual([])
    expect(list({ search: '芳' }).total).toBe(3)
    }
    // before the index catches up, part-way, and after: the same answers
    check()
    catchUpSearchIndex(db, 2)
    expect(searchIndexLag(db).pending).toBe(2)
    check()
    completeSearchIndex(db)
    expect(searchIndexLag(db).pending).toBe(0)
    check()
  })

  it('never mistakes a reused rowid for an indexed row', () => {
    add({ name: '孙丽' })
    const last = add({ name: '钱多多' })
    completeSearchIndex(db)
    db.prepare('DELETE FROM customers WHERE id = ?').run(last.id)
    add({ name: '吴静' }) // takes the freed rowid
    expect(list({ search: '吴' }).rows.map((r) => r.name)).toEqual(['吴静'])
    expect(list({ search: '钱' }).total).toBe(0)
    completeSearchIndex(db)
    expect(list({ search: '吴静' }).rows.map((r) => r.name)).toEqual(['吴静'])
  })

  it('keeps the search index in step with edits and deletes', () => {
    const c = add({ name: '赵敏' })
    completeSearchIndex(db)
    expect(list({ search: '赵' }).total).toBe(1)
    updateCustomer(systemWriter(db, now, 'console'), c.id, { name: '周敏' })
    expect(list({ search: '赵' }).total).toBe(0)
    expect(list({ search: '周敏' }).total).toBe(1)
    db.prepare('DELETE FROM customers WHERE id = ?').run(c.id)
    expect(list({ search: '周' }).total).toBe(0)
  })

  it('filters by class and tags and pages in a stable order', () => {
    for (let i = 0; i < 30; i++) add({ name: `客户${i}`, relClass: i % 3 === 0 ? 'A' : 'B', tags: i % 2 ? ['宝妈'] : ['学生党'] })
    const a = list({ relClass: ['A'], limit: 100 })
    expect(a.total).toBe(10)
    expect(list({ relClass: ['A'], tags: ['宝妈'] }).total).toBe(5)
    const page1 = list({ sort: { field: 'name', dir: 'asc' }, limit: 10, offset: 0 }).rows.map((r) => r.id)
    const page2 = list({ sort: { field: 'name', dir: 'asc' }, limit: 10, offset: 10 }).rows.map((r) => r.id)
    expect(new Set([...page1, ...page2]).size).toBe(20)
  })
})

describe('database versions', () => {
  it('refuses a database written by a newer Orchard and leaves it untouched', () => {
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, '0099_future', '2027-01-01')").run()
    db.close()
    expect(() => openDatabase(join(dir, 'orchard.db'))).toThrowError(expect.objectContaining({ code: 'db_newer' }))
    db = openDatabase(join(dir, 'orchard.db'), { migrate: false })
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: 99 })
  })

  it('refuses a newer database without writing a byte of it: no WAL conversion, no -wal/-shm left behind', async () => {
    const file = join(dir, 'newer', 'orchard.db')
    // As a newer Orchard's backup would be: one file in rollback-journal mode.
    mkdirSync(join(dir, 'newer'))
    await db.backup(file)
    db.close()
    const raw = new Database(file)
    raw.pragma('journal_mode = DELETE')
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_SCHEMA_VERSION + 1, 'from_the_future', '2027-01-01')
    raw.close()
    const hash = () => createHash('sha256').update(readFileSync(file)).digest('hex')
    const before = hash()

    expect(() => openDatabase(file)).toThrowError(expect.objectContaining({ code: 'db_newer' }))
    expect(() => openDatabase(file, { migrate: false }).close()).not.toThrow()
    expect(() => createCore({ dataDir: join(dir, 'newer'), host: 'test', firstStart: 'empty' })).toThrowError(expect.objectContaining({ code: 'db_newer' }))
    expect(hash()).toBe(before)
    expect(existsSync(`${file}-wal`)).toBe(false)
    expect(existsSync(`${file}-shm`)).toBe(false)
    const check = new Database(file, { readonly: true })
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete')
    check.close()
    db = openDatabase(join(dir, 'orchard.db'))
  })
})

describe('list planning', () => {
  it('returns the same rows, in the same order, whichever way the page is planned', () => {
    const surnames = '王李张刘陈'
    const given = '芳娜敏静伟'
    const tags = ['宝妈', '上班族', '学生党']
    let seed = 7
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647
    for (let i = 0; i < 400; i++) {
      const c = add({
        name: surnames[Math.floor(rnd() * 5)] + given[Math.floor(rnd() * 5)] + (i % 3 ? given[Math.floor(rnd() * 5)] : ''),
        relClass: (['A', 'B', 'C'] as const)[Math.floor(rnd() * 3)],
        segment: (['trend', 'bargain', 'family'] as const)[Math.floor(rnd() * 3)],
        tags: tags.filter(() => rnd() < 0.4),
      })
      db.prepare('UPDATE customers SET total_spent_fen = ?, order_count = ? WHERE id = ?').run(Math.floor(rnd() * 50) * 100, Math.floor(rnd() * 5), c.id)
    }
    const queries: Parameters<typeof CustomerListQuery.parse>[0][] = [
      { search: '王', sort: { field: 'totalSpentFen', dir: 'desc' } },
      { search: '王芳', sort: { field: 'name', dir: 'asc' } },
      { relClass: ['A'], segment: ['trend'], sort: { field: 'totalSpentFen', dir: 'desc' }, offset: 5, limit: 20 },
      { tags: ['宝妈'], sort: { field: 'orderCount', dir: 'asc' } },
      { tags: ['宝妈', '学生党'], search: '李', sort: { field: 'createdAt', dir: 'desc' } },
      { relClass: ['B', 'C'], sort: { field: 'name', dir: 'desc' }, offset: 40 },
      { segment: ['bargain', 'family'], sort: { field: 'totalSpentFen', dir: 'desc' }, offset: 10 },
      { segment: ['trend'], tags: ['上班族'], sort: { field: 'name', dir: 'asc' } },
    ]
    const compare = () => {
    for (const raw of queries) {
      const q = CustomerListQuery.parse(raw)
      const walked = listCustomers(db, q, '+08:00', Number.POSITIVE_INFINITY)
      const collected = listCustomers(db, q, '+08:00', 0)
      expect(walked.total).toBe(collected.total)
      expect(walked.rows.map((r) => r.id)).toEqual(collected.rows.map((r) => r.id))
      // and both agree with a plain reading of the filters
      const every = listCustomers(db, CustomerListQuery.parse({ limit: 500 })).rows
      const expected = every.filter(
        (c) =>
          (!q.search || c.name.includes(q.search)) &&
          (!q.relClass || q.relClass.includes(c.relClass)) &&
          (!q.segment || (c.segment !== null && q.segment.includes(c.segment))) &&
          (!q.tags || q.tags.every((t) => c.tags.includes(t))),
      )
      expect(walked.total).toBe(expected.length)
    }
    }
    compare()
    completeSearchIndex(db)
    compare()
  })

  it('counts a segment without a class in the class index, never reading every customer', () => {
    const { conditions, params } = customerConditions(db, CustomerListQuery.parse({ segment: ['bargain'] }))
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT COUNT(*) AS n FROM customers c WHERE ${conditions.map((c) => c.sql).join(' AND ')}`)
      .all(params) as { detail: string }[]
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING COVERING INDEX customers_class \(rel_class=\? AND segment=\?\)/)
  })
})

describe('customer detail', () => {
  it('adds up: the categories count refunds as 消费总额 does and sum to it', async () => {
    const core = createCore({ dataDir: join(dir, 'detail'), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
    try {
      await core.invoke('products', 'create', { sku: 'MZ-1', name: '面膜', category: '美妆护肤', listPriceFen: 9900, salePriceFen: 5900, priceFloorFen: 5000 })
      await core.invoke('products', 'create', { sku: 'NF-1', name: '奶粉', category: '母婴', listPriceFen: 39900, salePriceFen: 29900, priceFloorFen: 26800 })
      await core.invoke('products', 'create', { sku: 'XY-1', name: '洗衣液', category: '家清', listPriceFen: 5900, salePriceFen: 3990, priceFloorFen: 3000 })
      const wang = await core.invoke('customers', 'create', { name: '王芳', phones: ['13800138000'] })
      const file = join(dir, 'orders.csv')
      const head = 'Name,Financial Status,Total,Refunded Amount,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Billing Name,Billing Phone\n'
      writeFileSync(
        file,
        head +
          // paid: two categories
          '#1,paid,98.90,0.00,2026-11-10 10:00:00 +0800,1,面膜,59.00,MZ-1,王芳,13800138000\n' +
          '#1,,,,,1,洗衣液,39.90,XY-1,,\n' +
          // refunded whole: adds nothing
          '#2,refunded,299.00,299.00,2026-11-11 10:00:00 +0800,1,奶粉,299.00,NF-1,王芳,13800138000\n' +
          // refunded in part: only what was kept
          '#3,partially_refunded,118.00,20.00,2026-11-12 10:00:00 +0800,2,面膜,59.00,MZ-1,王芳,13800138000\n',
      )
      expect(await core.invoke('imports', 'run', { entity: 'orders', path: file })).toMatchObject({ committed: true, inserted: 3 })
      const detail = await core.invoke('customers', 'get', { id: wang.id })
      expect(detail.customer.totalSpentFen).toBe(9890 + 0 + 9800)
      expect(detail.categories.reduce((s, c) => s + c.amountFen, 0)).toBe(detail.customer.totalSpentFen)
      expect(detail.categories).toEqual([
        { category: '美妆护肤', amountFen: 5900 + 9800, quantity: 3 },
        { category: '家清', amountFen: 3990, quantity: 1 },
      ])
    } finally {
      await core.close()
    }
  })
})

describe('search ranking', () => {
  it('puts the customer a search names exactly first, whatever the sort, and pages on through the rest', () => {
    for (const name of ['王芳', '李王芳', '王芳芳', '王芳华']) add({ name })
    add({ name: '张丽', wechatId: '王芳' })
    add({ name: '陈晨', phones: ['13800138000'] })
    const byName = list({ search: '王芳', sort: { field: 'name', dir: 'asc' } })
    expect(byName.total).toBe(5)
    // 张丽's WeChat id and 王芳's name are the search itself: they lead (in the sort's order), the partial matches follow.
    expect(byName.rows.map((c) => c.name)).toEqual(['张丽', '王芳', '李王芳', '王芳华', '王芳芳'])
    // Pages hold each customer once, exact ones on the first.
    const pages = [0, 2, 4].map((offset) => list({ search: '王芳', sort: { field: 'name', dir: 'asc' }, limit: 2, offset }).rows.map((c) => c.name))
    expect(pages.flat()).toEqual(byName.rows.map((c) => c.name))
    // A phone typed as people type it names its customer too.
    expect(list({ search: '138 0013 8000' }).rows[0].name).toBe('陈晨')
  })
})
