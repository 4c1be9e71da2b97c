import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'

let dir: string
let core: OrchardCore
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-groupcol-'))
  core = createCore({ dataDir: join(dir, 'data'), host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
})
afterEach(async () => {
  delete process.env.ORCHARD_IMPORT_THREAD
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

const db = () => core.context.db
const file = (name: string, content: string) => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}
const memberships = () =>
  db()
    .prepare('SELECT g.name AS g, c.name AS c FROM group_customers gc JOIN groups g ON g.id = gc.group_id JOIN customers c ON c.id = gc.customer_id ORDER BY g.name, c.name')
    .all()
    .map((r) => {
      const { g, c } = r as { g: string; c: string }
      return `${g}:${c}`
    })
const groupCustomers = async (id: string) => (await core.invoke('groups', 'get', { id })).customers.map((c) => c.name).sort()

describe('the 所属群 column of a customer import', () => {
  it('is offered in the mapping in both languages and recognised by its usual names', async () => {
    const preview = await core.invoke('imports', 'preview', { entity: 'customers', path: file('c.csv', '姓名,手机,所属群\n王芳,13800138000,宝妈群\n') })
    expect(preview.fields.find((f) => f.field === 'groups')).toMatchObject({ label: '所属群', labelEn: 'Group', required: false })
    expect(preview.mapping.groups).toBe('所属群')
    const english = await core.invoke('imports', 'preview', { entity: 'customers', path: file('e.csv', 'Name,Phone,Group\nWang,13800138000,Mums\n') })
    expect(english.mapping.groups).toBe('Group')
  })

  for (const thread of ['0', '1']) {
    it(`adds each customer to the groups named by name or id; an unknown group is a located error that writes nothing (${thread === '1' ? 'on its thread' : 'in process'})`, async () => {
      process.env.ORCHARD_IMPORT_THREAD = thread
      const mums = await core.invoke('groups', 'create', { name: '宝妈交流群' })
      const beauty = await core.invoke('groups', 'create', { name: '美妆种草群' })
      const csv = file(
        '客户.csv',
        ['姓名,手机,所属群', '王芳,13800138000,宝妈交流群', `李娜,13900139000,${beauty.id}`, '赵敏,13700137000,"宝妈交流群、美妆种草群"', '陈静,13600136000,不存在的群'].join('\n'),
      )

      const refused = await core.invoke('imports', 'run', { entity: 'customers', path: csv })
      expect(refused).toMatchObject({ committed: false, rejectedRows: 1 })
      expect(refused.errors).toEqual([{ row: 5, column: '所属群', value: '不存在的群', code: 'unknown_group', reason: expect.stringContaining('「不存在的群」') }])
      expect(memberships()).toEqual([])
      expect((db().prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n).toBe(0)

      const done = await core.invoke('imports', 'run', { entity: 'customers', path: csv, mode: 'valid-rows' })
      expect(done).toMatchObject({ committed: true, inserted: 3, rejectedRows: 1 })
      expect(await groupCustomers(mums.id)).toEqual(['王芳', '赵敏'].sort())
      expect(await groupCustomers(beauty.id)).toEqual(['李娜', '赵敏'].sort())
      // Recorded as one add to the group's customers per join, in the import's transaction.
      expect(db().prepare("SELECT COUNT(*) AS n FROM record_changes WHERE record = 'group' AND field = 'customers' AND op = 'add' AND source = 'import'").get()).toEqual({ n: 4 })

      // The same file again changes nothing; a known customer named in another group joins it.
      const again = await core.invoke('imports', 'run', { entity: 'customers', path: csv, mode: 'valid-rows' })
      expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 })
      const before = memberships().length
      const joins = await core.invoke('imports', 'run', { entity: 'customers', path: file('more.csv', '姓名,手机,所属群\n王芳,13800138000,美妆种草群\n') })
      expect(joins).toMatchObject({ committed: true, inserted: 0, updated: 1 })
      expect(memberships()).toHaveLength(before + 1)
      expect(await groupCustomers(beauty.id)).toEqual(['王芳', '李娜', '赵敏'].sort())
    })
  }

  it('refuses a name two groups share, asking for the id', async () => {
    await core.invoke('groups', 'create', { name: '同城群' })
    await core.invoke('groups', 'create', { name: '同城群' })
    const result = await core.invoke('imports', 'run', { entity: 'customers', path: file('same.csv', '姓名,所属群\n王芳,同城群\n') })
    expect(result).toMatchObject({ committed: false })
    expect(result.errors).toEqual([{ row: 2, column: '所属群', value: '同城群', code: 'ambiguous_group', reason: expect.stringContaining('ID') }])
    expect(memberships()).toEqual([])
  })
})
