import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runOrchard } from './run'

let dir: string
const dataDir = () => join(dir, 'data')
const orchard = (args: string[]) => runOrchard(args, dataDir())

/** What the studio holds, read from its database as another program would. */
function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dataDir(), 'orchard.db'), { readonly: true })
  try {
    return db.prepare(sql).all(...params) as T[]
  } finally {
    db.close()
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-records-'))
  const seeded = orchard(['demo', 'seed', '--json'])
  expect(seeded.code, seeded.err).toBe(0)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('orchard import members', () => {
  const members = () => query<{ invite_code: string; mentor: string | null; level: number; join_date: string; status: string }>(
    `SELECT m.invite_code, mentor.invite_code AS mentor, m.level, m.join_date, m.status FROM members m LEFT JOIN members mentor ON mentor.id = m.mentor_id ORDER BY m.invite_code`,
  )

  it('refuses the whole file by default when a row names a mentor no one has, a loop or a bad level — located, nothing written', () => {
    const file = join(dir, 'team.csv')
    writeFileSync(
      file,
      [
        '邀请码,姓名,师父邀请码,等级,加入日期,状态',
        'TUDI01,小徒弟,SHIFU1,1,2025/3/8,活跃', // the mentor comes later in the file
        'SHIFU1,大师父,,2,2024-11-02,活跃',
        'GHOST1,无主,NOBODY9,1,2025-01-01,活跃',
        'LOOPA1,甲,LOOPB1,1,2025-01-01,活跃',
        'LOOPB1,乙,LOOPA1,1,2025-01-01,活跃',
        'BADLV1,等级错,,7,2025-01-01,活跃',
      ].join('\n'),
    )
    const before = members()
    const r = orchard(['import', 'members', file, '--json'])
    expect(r.code, r.err).toBe(1)
    const result = JSON.parse(r.out)
    expect(result).toMatchObject({ committed: false, rejectedRows: 4 })
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 4, column: '师父邀请码', value: 'NOBODY9', code: 'unknown_member' }),
        expect.objectContaining({ row: 5, column: '师父邀请码', value: 'LOOPB1', code: 'mentor_cycle' }),
        expect.objectContaining({ row: 6, column: '师父邀请码', value: 'LOOPA1', code: 'mentor_cycle' }),
        expect.objectContaining({ row: 7, column: '等级', value: '7', code: 'invalid_level' }),
      ]),
    )
    expect(members()).toEqual(before)

    const valid = orchard(['import', 'members', file, '--mode', 'valid-rows', '--json'])
    expect(JSON.parse(valid.out)).toMatchObject({ committed: true, inserted: 2, rejectedRows: 4 })
    const after = members()
    expect(after.find((m) => m.invite_code === 'TUDI01')).toEqual({ invite_code: 'TUDI01', mentor: 'SHIFU1', level: 1, join_date: '2025-03-08', status: 'active' })
    expect(after.find((m) => m.invite_code === 'SHIFU1')).toMatchObject({ mentor: null, level: 2, join_date: '2024-11-02' })
    expect(after).toHaveLength(before.length + 2)
    // The team tree's changes are in the audit chain, with the fields, through the one write path.
    const audit = query<{ kind: string; after_json: string; workstation: string | null }>("SELECT kind, after_json, workstation FROM audit_log WHERE kind = 'records.imported'")
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0].after_json)).toMatchObject({ created: 2, fields: ['inviteCode', 'mentorId', 'level', 'joinDate', 'status'] })
    expect(audit[0].workstation).toBeTruthy()
  })

  it('moves an existing member under another mentor by invite code, and leaves the others alone', () => {
    const file = join(dir, 'move.csv')
    writeFileSync(file, 'Invite code,Name,Mentor invite code\nTUDI01,小徒弟,TUDI02\nTUDI02,二徒弟,SHIFU1\n')
    const r = orchard(['import', 'members', file, '--json'])
    expect(JSON.parse(r.out)).toMatchObject({ committed: true, inserted: 1, updated: 1 })
    expect(members().filter((m) => m.invite_code.startsWith('TUDI'))).toEqual([
      { invite_code: 'TUDI01', mentor: 'TUDI02', level: 1, join_date: '2025-03-08', status: 'active' },
      expect.objectContaining({ invite_code: 'TUDI02', mentor: 'SHIFU1' }),
    ])
  })
})

describe('orchard customers', () => {
  const someone = () =>
    query<{ id: string; name: string; phones: string; addresses: string; wechat_id: string; notes: string }>(
      "SELECT id, name, phones, addresses, wechat_id, notes FROM customers WHERE phones <> '[]' AND addresses <> '[]' AND wechat_id IS NOT NULL ORDER BY rowid LIMIT 1",
    )[0]

  it('shows one customer by id, phone or WeChat id, as JSON', () => {
    const c = someone()
    const phone = JSON.parse(c.phones)[0] as string
    for (const key of [c.id, phone, phone.replace('+86', ''), c.wechat_id]) {
      const r = orchard(['customers', 'show', key, '--json'])
      expect(r.code, `${key}: ${r.err}`).toBe(0)
      expect(JSON.parse(r.out)).toMatchObject({ id: c.id, name: c.name, phones: JSON.parse(c.phones), addresses: JSON.parse(c.addresses) })
    }
    const missing = orchard(['customers', 'show', '13000000000', '--json'])
    expect(missing.code).toBe(2)
    expect(JSON.parse(missing.out).error).toMatchObject({ code: 'not_found', details: { field: 'key', value: '13000000000' } })
  })

  it('updates as the profile given: a trainer changes a note, and is refused a phone with nothing changed', () => {
    const c = someone()
    const note = orchard(['customers', 'update', c.id, '--set', 'notes=只在周末联系', '--profile', '林老师', '--pin', '2222', '--json'])
    expect(note.code, note.err).toBe(0)
    expect(JSON.parse(note.out).phones[0]).toContain('****')
    const stored = () => query<Record<string, unknown>>('SELECT * FROM customers WHERE id = ?', c.id)[0]
    expect(stored()).toMatchObject({ notes: '只在周末联系', phones: c.phones, addresses: c.addresses, wechat_id: c.wechat_id })

    const before = { customer: stored(), changes: query('SELECT * FROM record_changes').length }
    const phone = orchard(['customers', 'update', c.wechat_id, '--set', 'phones=13911112222', '--profile', '林老师', '--pin', '2222', '--json'])
    expect(phone.code).toBe(2)
    // A trainer finds customers by id only: a WeChat id they see masked confirms nothing.
    expect(JSON.parse(phone.out).error).toMatchObject({ code: 'not_found' })
    const byId = orchard(['customers', 'update', c.id, '--set', 'phones=13911112222', '--profile', '林老师', '--pin', '2222', '--json'])
    expect(byId.code).toBe(2)
    expect(JSON.parse(byId.out).error).toMatchObject({ code: 'forbidden', details: { record: 'customer', field: 'phones', role: 'trainer' } })
    expect({ customer: stored(), changes: query('SELECT * FROM record_changes').length }).toEqual(before)

    const unknown = orchard(['customers', 'update', c.id, '--set', 'balance=100', '--json'])
    expect(JSON.parse(unknown.out).error).toMatchObject({ code: 'usage', details: { field: 'balance' } })
    const wrongPin = orchard(['customers', 'update', c.id, '--set', 'notes=x', '--profile', '林老师', '--pin', '0000', '--json'])
    expect(wrongPin.code).toBe(2)
    expect(stored()).toMatchObject({ notes: '只在周末联系' })

    // As the system (no profile) the phone changes, and the audit names the field, not the number.
    const system = orchard(['customers', 'update', c.id, '--set', 'phones=13911112222', '--json'])
    expect(system.code, system.out).toBe(0)
    expect(stored()).toMatchObject({ phones: '["+8613911112222"]' })
    const audit = query<{ after_json: string; actor_role: string }>("SELECT after_json, actor_role FROM audit_log WHERE kind = 'record.changed' AND entity_id = ?", c.id)
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0].after_json)).toEqual({ personal: ['phones'], source: 'cli' })
    expect(audit[0].after_json).not.toContain('13911112222')
  })
})
