import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobProgress } from '../../../src-shared/schemas'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'
import { completeSearchIndex } from '../customers/searchIndex'
import { wantsThread, warmCustomerThread } from './customerThread'

/**
 * A large customer file is validated on a thread of its own (customerThread.ts);
 * whichever thread validates, an import must give the same result and leave the
 * same studio behind.
 */

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-import-thread-'))
})
afterEach(() => {
  delete process.env.ORCHARD_IMPORT_THREAD
  rmSync(dir, { recursive: true, force: true })
})

/**
 * A deterministic book. With `trouble`, about one row in ten has something wrong: bad and repeated
 * phones, repeated WeChat ids, empty and long names, long tags and addresses, unknown classes,
 * segments and owner codes; every book has quotes, line breaks and several phones in a cell.
 */
function book(rows: number, seed: number, trouble: boolean): string {
  let s = seed
  const rnd = () => (s = (s * 48271) % 2147483647) / 2147483647
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]
  const bad = <T>(good: T, ...worse: T[]) => (trouble && rnd() < 0.015 ? pick(worse) : good)
  const lines = ['姓名,手机,微信号,标签,客户分类,消费群体,收货地址,归属会员,备注']
  const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
  for (let i = 0; i < rows; i++) {
    const name = bad(`${pick(['王', '李', '张'])}${pick(['芳', '娜', '敏', '静'])}${i}`, '', '长'.repeat(61))
    const mobile = `1${pick(['3', '5', '8'])}${String((i * 7919) % 1_000_000_000).padStart(9, '0')}`
    const spelled = pick([mobile, mobile, `+86 ${mobile}`, `${mobile.slice(0, 3)}-${mobile.slice(3, 7)}-${mobile.slice(7)}`, `${mobile}、0571-8${String(i).padStart(7, '0')}`, ''])
    const phone = bad(spelled, '12345', '13800000001', '+86 139 0000 0002', '0571-888', 'abc', '13500000000')
    // A customer with neither a phone nor a WeChat id cannot be found again: a clean book gives everyone a WeChat id.
    const wechat = bad(!trouble || rnd() < 0.7 ? `wx_${i}` : '', 'lina88', 'dup_wx', 'zhouyi')
    const tags = bad(pick(['宝妈、上班族', '学生党', '', '国货控 爱美妆', '老客户;团购达人']), '标'.repeat(21))
    const cls = bad(pick(['A', 'B类', '普通朋友', '', 'C']), 'D')
    const segment = bad(pick(['务实羊毛党', '', 'bargain', '追潮族']), '不存在的群体')
    const address = bad(pick(['', '浙江省杭州市西湖区文三路 18 号，3 栋 201', '广东省深圳市南山区 | 广东省广州市天河区']), '地'.repeat(201))
    const owner = bad(pick(['', '', 'WANG01', 'wang01']), 'NOBODY')
    const notes = pick(['', '老客户，每周团购', '"老客户"，介绍过三位朋友', '喜欢口红\n只在晚上回消息', '-先付后发', "'=1+1"])
    lines.push([name, phone, wechat, tags, cls, segment, address, owner, notes].map(quote).join(','))
  }
  return lines.join('\r\n') + '\r\n'
}

async function importWith(thread: '0' | '1', csv: string, mode: 'all-or-nothing' | 'valid-rows', known: boolean, times = 1) {
  process.env.ORCHARD_IMPORT_THREAD = thread
  const dataDir = join(dir, `data-${thread}-${mode}-${known}`)
  const core: OrchardCore = createCore({ dataDir, host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
  try {
    await core.invoke('members', 'create', { name: '王店主', inviteCode: 'WANG01' })
    if (known) {
      await core.invoke('customers', 'create', { name: '王芳', phones: ['13800000001'], tags: ['宝妈'], relClass: 'A' })
      await core.invoke('customers', 'create', { name: '李娜', wechatId: 'lina88' })
      await core.invoke('customers', 'create', { name: '张敏', phones: ['13500000000', '+86 139 0000 0002'], notes: '老客户' })
    }
    const path = join(dir, 'book.csv')
    writeFileSync(path, csv)
    const events: string[] = []
    core.on('job.progress', (p: JobProgress) => p.jobId === 'j' && events.push(`${p.phase}:${p.done}/${p.total}`))
    const results = []
    for (let i = 0; i < times; i++) {
      const result = await core.invoke('imports', 'run', { entity: 'customers', path, mode, jobId: 'j' })
      results.push({ ...result, importId: '', durationMs: 0 })
    }
    const db = core.context.db
    const studio = {
      customers: db
        .prepare(`SELECT c.name, c.wechat_id, c.phones, c.addresses, c.tags, c.rel_class, c.segment, m.invite_code AS owner, c.notes, c.created_at, c.updated_at
                  FROM customers c LEFT JOIN members m ON m.id = c.owner_member_id ORDER BY c.rowid`)
        .all(),
      phones: db.prepare('SELECT p.phone, c.name FROM customer_phones p JOIN customers c ON c.id = p.customer_id ORDER BY p.phone').all(),
      tags: db.prepare('SELECT t.tag, c.name FROM customer_tags t JOIN customers c ON c.id = t.customer_id ORDER BY t.tag, c.name').all(),
      runs: db.prepare('SELECT entity, file_name, mode, committed, total_rows, inserted, updated, unchanged, rejected_rows, error_count, errors FROM import_runs').all(),
      integrity: db.pragma('integrity_check', { simple: true }),
      // The write runs without per-row foreign key checks: none may be broken, and the checks are back on.
      foreignKeyProblems: db.pragma('foreign_key_check'),
      foreignKeys: db.pragma('foreign_keys', { simple: true }),
      indexes: db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").all(),
    }
    // Chinese substring search over the new rows, read directly and then through the search index once it caught up.
    const search = async () => {
      const totals: number[] = []
      for (const q of ['王', '芳', '王芳', '娜1', 'wx_1', '1380']) totals.push((await core.invoke('customers', 'list', { search: q })).total)
      return totals
    }
    const before = await search()
    completeSearchIndex(db)
    const after = await search()
    expect(after).toEqual(before)
    return { result: results[0], again: results.slice(1), studio, events, search: before }
  } finally {
    await core.close()
  }
}

describe('customer import on a thread', () => {
  it('gives the same result and the same studio as on the calling thread', async () => {
    const csv = book(12_000, 7, true)
    for (const mode of ['valid-rows', 'all-or-nothing'] as const) {
      for (const known of [false, true]) {
        const here = await importWith('0', csv, mode, known)
        const there = await importWith('1', csv, mode, known)
        expect(there).toEqual(here)
        expect(here.result.errorCount).toBeGreaterThan(150)
        expect(here.result.inserted).toBeGreaterThan(10_000)
        if (known) expect(here.result.updated + here.result.unchanged).toBeGreaterThan(0)
        expect(here.studio).toMatchObject({ integrity: 'ok', foreignKeyProblems: [], foreignKeys: 1 })
        if (here.result.committed) expect(here.search.every((n) => n > 0)).toBe(true)
      }
    }
  }, 120_000)

  it('reads a file beyond its first part while writing, with the same result', async () => {
    // More records than the thread reads before it starts (20,000): the rest is read while the first rows are written.
    const csv = book(26_000, 5, true)
    const here = await importWith('0', csv, 'valid-rows', true)
    const there = await importWith('1', csv, 'valid-rows', true)
    // Progress counts are estimated until the whole file is read; the events are the same ones, ending the same way.
    expect({ ...there, events: [] }).toEqual({ ...here, events: [] })
    expect(there.events.map((e) => e.split(':')[0] + e.split(':')[1].split('/')[0])).toEqual(here.events.map((e) => e.split(':')[0] + e.split(':')[1].split('/')[0]))
    expect(there.events.slice(-3)).toEqual(here.events.slice(-3))
    expect(here.result).toMatchObject({ committed: true, totalRows: 26_000 })
  }, 120_000)

  it('writes a clean file whole, and again changes nothing', async () => {
    const csv = book(9_000, 11, false)
    const here = await importWith('0', csv, 'all-or-nothing', false, 2)
    const there = await importWith('1', csv, 'all-or-nothing', false, 2)
    expect(there).toEqual(here)
    expect(here.result).toMatchObject({ committed: true, errorCount: 0, inserted: 9_000 })
    expect(here.again).toEqual([expect.objectContaining({ committed: true, inserted: 0, updated: 0, unchanged: 9_000 })])
  }, 60_000)

  it('takes a thread for a large file, and for a mid-size one when a thread is ready', () => {
    const sized = (name: string, mb: number) => {
      const path = join(dir, name)
      writeFileSync(path, Buffer.alloc(mb * 1024 * 1024, 'a'))
      return path
    }
    const small = sized('small.csv', 1)
    const mid = sized('mid.csv', 3)
    const large = sized('large.csv', 9)
    expect(wantsThread(large, {})).toBe(true)
    warmCustomerThread(mid, {})
    expect(wantsThread(mid, {})).toBe(true)
    expect(wantsThread(small, {})).toBe(false)
    expect(wantsThread(small, { ORCHARD_IMPORT_THREAD: '1' })).toBe(true)
    expect(wantsThread(large, { ORCHARD_IMPORT_THREAD: '0' })).toBe(false)
  })

  it('reports an unreadable file and a bad mapping as the calling thread does', async () => {
    process.env.ORCHARD_IMPORT_THREAD = '1'
    const core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'empty' })
    try {
      const quote = join(dir, 'quote.csv')
      writeFileSync(quote, '姓名,备注\n王芳,"没有闭合\n')
      await expect(core.invoke('imports', 'run', { entity: 'customers', path: quote })).rejects.toMatchObject({ code: 'import_unreadable', details: { file: 'quote.csv' } })
      // An unclosed quote beyond the first part arrives while rows are being written: nothing stays written.
      const late = join(dir, 'late.csv')
      writeFileSync(late, book(21_000, 3, false) + '王芳,13800138000,,,,,,,"没有闭合\r\n')
      await expect(core.invoke('imports', 'run', { entity: 'customers', path: late })).rejects.toMatchObject({ code: 'import_unreadable', details: { file: 'late.csv', row: 21_002 } })
      expect((core.context.db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n).toBe(0)
      const noName = join(dir, 'noname.csv')
      writeFileSync(noName, '手机\n13800138000\n')
      await expect(core.invoke('imports', 'run', { entity: 'customers', path: noName })).rejects.toMatchObject({ code: 'import_mapping' })
      const good = join(dir, 'good.csv')
      writeFileSync(good, '姓名,手机\n王芳,13800138000\n')
      expect(await core.invoke('imports', 'run', { entity: 'customers', path: good })).toMatchObject({ committed: true, inserted: 1 })
      expect((core.context.db.prepare('SELECT COUNT(*) AS n FROM import_runs').get() as { n: number }).n).toBe(1)
    } finally {
      await core.close()
    }
  })
})
