import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Customer } from '../../../src-shared/schemas'
import { openTestStudio, refusal, type TestStudio } from '../lifecycle/lifecycle.testkit'

/**
 * Bulk actions on the customer book, on the demo studio: the operator 小周 tags, reassigns and
 * reclassifies a filtered selection or ticked rows; the trainer 林老师 is refused and changes nothing.
 */
let s: TestStudio

beforeAll(async () => {
  s = await openTestStudio('2026-03-01T02:00:00Z', 'demo')
})
afterAll(async () => {
  await s.close()
})

const db = () => s.core.context.db
const all = async (): Promise<Customer[]> => {
  const out: Customer[] = []
  for (let offset = 0; ; offset += 500) {
    const page = await s.core.invoke('customers', 'list', { offset, limit: 500, sort: { field: 'name', dir: 'asc' } })
    out.push(...page.rows)
    if (out.length >= page.total) return out
  }
}
const byId = (rows: Customer[]) => new Map(rows.map((c) => [c.id, c]))
const counts = () => ({
  changes: (db().prepare('SELECT COUNT(*) AS n FROM record_changes').get() as { n: number }).n,
  audit: (db().prepare("SELECT COUNT(*) AS n FROM audit_log WHERE kind IN ('customers.bulk', 'record.changed')").get() as { n: number }).n,
})

describe('bulk actions on a filtered selection of customers', () => {
  it('adds a tag to every customer of class A and to no one else, one change row each, audited once', async () => {
    await s.signIn('operator')
    const before = await all()
    const classA = before.filter((c) => c.relClass === 'A')
    expect(classA.length).toBeGreaterThan(1)
    const changesBefore = counts().changes
    const result = await s.core.invoke('customers', 'bulk', { filter: { relClass: ['A'] }, action: { kind: 'addTags', tags: ['春节回访'] } })
    expect(result).toEqual({ matched: classA.length, changed: classA.length })
    const after = byId(await all())
    for (const c of before) {
      const now = after.get(c.id)!
      expect(now.tags).toEqual(c.relClass === 'A' ? [...c.tags, '春节回访'] : c.tags)
    }
    expect(counts().changes - changesBefore).toBe(classA.length)
    const rows = db()
      .prepare("SELECT DISTINCT field, actor_role FROM record_changes WHERE seq > (SELECT MAX(seq) - ? FROM record_changes)")
      .all(classA.length)
    expect(rows).toEqual([{ field: 'tags', actor_role: 'operator' }])
    const audit = db().prepare("SELECT summary, actor_role FROM audit_log WHERE kind = 'customers.bulk' ORDER BY seq DESC LIMIT 1").get() as { summary: string; actor_role: string }
    expect(audit.summary).toContain(`${classA.length} 位客户`)
    expect(audit.summary).toContain('春节回访')

    // Running it again changes no one: the tag is already there.
    expect(await s.core.invoke('customers', 'bulk', { filter: { relClass: ['A'] }, action: { kind: 'addTags', tags: ['春节回访'] } })).toEqual({
      matched: classA.length,
      changed: 0,
    })
    // And the tag is taken off the same selection again.
    await s.core.invoke('customers', 'bulk', { filter: { tags: ['春节回访'] }, action: { kind: 'removeTags', tags: ['春节回访'] } })
    const restored = byId(await all())
    for (const c of before) expect(restored.get(c.id)!.tags).toEqual(c.tags)
  })

  it('moves ticked customers to another owner and changes their class', async () => {
    await s.signIn('operator')
    const before = await all()
    const members = await s.core.invoke('members', 'all')
    const ticked = before.slice(0, 3)
    const target = members.find((m) => ticked.every((c) => c.ownerMemberId !== m.id))!
    await s.core.invoke('customers', 'bulk', { ids: ticked.map((c) => c.id), action: { kind: 'setOwner', memberId: target.id } })
    await s.core.invoke('customers', 'bulk', { ids: ticked.map((c) => c.id), action: { kind: 'setClass', relClass: 'B' } })
    const after = byId(await all())
    for (const c of before) {
      const now = after.get(c.id)!
      if (ticked.includes(c)) expect(now).toMatchObject({ ownerMemberId: target.id, ownerName: target.name, relClass: 'B' })
      else expect(now).toMatchObject({ ownerMemberId: c.ownerMemberId, relClass: c.relClass })
    }
  })

  it('refuses a trainer, and the book, its change rows and the audit log stay as they were', async () => {
    await s.signIn('operator')
    const before = await all()
    const counted = counts()
    await s.signIn('trainer')
    const err = await refusal(() => s.core.invoke('customers', 'bulk', { filter: {}, action: { kind: 'setClass', relClass: 'C' } }))
    expect(err.code).toBe('forbidden')
    await s.signIn('operator')
    expect(await all()).toEqual(before)
    expect(counts()).toEqual(counted)
  })

  it('takes back the whole run when one ticked customer does not exist', async () => {
    await s.signIn('operator')
    const before = await all()
    const counted = counts()
    const err = await refusal(() =>
      s.core.invoke('customers', 'bulk', { ids: [before[0].id, before[1].id, 'no-such-customer'], action: { kind: 'addTags', tags: ['不该留下'] } }),
    )
    expect(err.code).toBe('not_found')
    expect(await all()).toEqual(before)
    expect(counts()).toEqual(counted)
  })

  it('refuses an owner who is not a member of the studio, naming the value', async () => {
    await s.signIn('operator')
    const before = await all()
    const err = await refusal(() => s.core.invoke('customers', 'bulk', { ids: [before[0].id], action: { kind: 'setOwner', memberId: 'gone' } }))
    expect(err).toMatchObject({ code: 'unknown_member', details: { field: 'ownerMemberId', value: 'gone' } })
    expect(await all()).toEqual(before)
  })
})
