import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemberInput } from '../../../src-shared/schemas'
import { openDatabase, type Db } from '../db/connection'
import { createMember, findMemberByInviteCode, getMember, INVITE_CODE_ALPHABET, listMembers, updateMember } from './handlers'
import { systemWriter } from '../records/changes'

let dir: string
let db: Db
// 16:30 UTC on the 20th is already 00:30 on the 21st in Shanghai.
const now = new Date('2026-11-20T16:30:00Z')
const add = (input: Parameters<typeof MemberInput.parse>[0]) => createMember(systemWriter(db, now, 'console'), MemberInput.parse(input), 'Asia/Shanghai')

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-members-'))
  db = openDatabase(join(dir, 'orchard.db'))
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

function expectError(fn: () => unknown, expected: object) {
  try {
    fn()
    expect.unreachable()
  } catch (err) {
    expect(err).toMatchObject(expected)
  }
}

describe('members', () => {
  it('gives a new member a unique 6-character code and today’s date in the studio’s zone', () => {
    const a = add({ name: '王芳' })
    const b = add({ name: '李娜', mentorId: a.id })
    expect(a.inviteCode).toMatch(new RegExp(`^[${INVITE_CODE_ALPHABET}]{6}$`))
    expect(b.inviteCode).not.toBe(a.inviteCode)
    expect(a.joinDate).toBe('2026-11-21')
    expect(b).toMatchObject({ mentorId: a.id, mentorName: '王芳', level: 1, status: 'active' })
    expect(listMembers(db, now).find((m) => m.id === a.id)?.apprenticeCount).toBe(1)
  })

  it('refuses a code already taken, whatever its case', () => {
    add({ name: '王芳', inviteCode: 'WANG88' })
    expectError(() => add({ name: '王芳芳', inviteCode: 'wang88' }), { code: 'duplicate_invite_code', details: { field: 'inviteCode', value: 'WANG88' } })
    expect(findMemberByInviteCode(db, ' wang88 ')).toMatchObject({ name: '王芳' })
    expect(findMemberByInviteCode(db, 'NOPE00')).toBeUndefined()
  })

  it('refuses an unknown mentor', () => {
    expectError(() => add({ name: '张伟', mentorId: 'missing' }), { code: 'unknown_member', details: { field: 'mentorId', value: 'missing' } })
  })

  it('refuses making a member their own mentor, or their apprentice’s apprentice', () => {
    const a = add({ name: '王芳' })
    const b = add({ name: '李娜', mentorId: a.id })
    const c = add({ name: '张伟', mentorId: b.id })
    expectError(() => updateMember(systemWriter(db, now, 'console'), a.id, { mentorId: a.id }), { code: 'mentor_cycle', details: { field: 'mentorId' } })
    expectError(() => updateMember(systemWriter(db, now, 'console'), a.id, { mentorId: c.id }), { code: 'mentor_cycle', details: { field: 'mentorId', value: c.id } })
    // Moving a branch elsewhere is fine, and a patch changes only what it names.
    const moved = updateMember(systemWriter(db, now, 'console'), c.id, { mentorId: a.id })
    expect(moved).toMatchObject({ mentorId: a.id, name: '张伟', inviteCode: c.inviteCode })
  })

  it('counts paid sales of the last 30 days net of refunds', () => {
    const a = add({ name: '王芳' })
    const order = db.prepare(
      `INSERT INTO orders (id, order_no, source, status, placed_at, member_id, total_fen, refunded_fen, created_at, updated_at)
       VALUES (?, ?, 'manual', ?, ?, ?, ?, ?, ?, ?)`,
    )
    const at = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString()
    order.run('o1', 'N1', 'paid', at(1), a.id, 10_000, 0, at(1), at(1))
    order.run('o2', 'N2', 'partially_refunded', at(5), a.id, 8_000, 3_000, at(5), at(5))
    order.run('o3', 'N3', 'refunded', at(5), a.id, 5_000, 5_000, at(5), at(5))
    order.run('o4', 'N4', 'paid', at(40), a.id, 9_000, 0, at(40), at(40))
    order.run('o5', 'N5', 'cancelled', at(2), a.id, 9_000, 0, at(2), at(2))
    const member = listMembers(db, now).find((m) => m.id === a.id)
    expect(member).toMatchObject({ sales30dFen: 15_000, orders30d: 2 })
    expect(getMember(db, a.id, now)).toEqual(member)
  })
})
