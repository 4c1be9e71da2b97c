import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { Member, MemberInput, MemberPatch } from '../../../src-shared/schemas'
import { dayIn } from '../clock'
import type { CoreContext, ServiceHandlers } from '../context'
import { normalizePhone } from '../customers/phone'
import type { Db } from '../db/connection'
import { MEMBERS, toMember, type MemberRow } from '../db/tables/members'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { maskMemberPhone, maskPhone, maskWechatId, unmask } from '../permissions'
import { changeWriter, recordChange, refuseMaskedValue, type ChangeWriter } from '../records/changes'
import { handover, handoverPreview } from './handover'

type Input = z.output<typeof MemberInput>
type Patch = z.output<typeof MemberPatch>

/** No 0/O, 1/I/L: codes are read aloud and typed from posters. */
export const INVITE_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'
const DAY_MS = 86_400_000

/**
 * Every member with the figures the team screens show. Counts come from grouped
 * subqueries joined once (not per-row correlated lookups), so the whole team is one
 * pass over customers and one over the last 30 days of orders.
 */
const MEMBER_SQL = `
SELECT m.id, m.name, m.invite_code, m.wechat_id, m.phone, m.mentor_id, mentor.name AS mentor_name,
       m.level, m.join_date, m.status, m.fee_paid_fen,
       COALESCE(a.n, 0) AS apprentice_count,
       COALESCE(c.n, 0) AS customer_count,
       COALESCE(s.fen, 0) AS sales_30d_fen,
       COALESCE(s.n, 0) AS orders_30d
FROM members m
LEFT JOIN members mentor ON mentor.id = m.mentor_id
LEFT JOIN (SELECT mentor_id, COUNT(*) AS n FROM members WHERE mentor_id IS NOT NULL GROUP BY mentor_id) a ON a.mentor_id = m.id
LEFT JOIN (SELECT owner_member_id, COUNT(*) AS n FROM customers WHERE owner_member_id IS NOT NULL GROUP BY owner_member_id) c ON c.owner_member_id = m.id
LEFT JOIN (
  SELECT member_id, SUM(total_fen - refunded_fen) AS fen, COUNT(*) AS n FROM orders
  WHERE member_id IS NOT NULL AND placed_at >= @since AND placed_at <= @until AND status IN ('paid', 'partially_refunded')
  GROUP BY member_id
) s ON s.member_id = m.id
ORDER BY m.join_date, m.created_at, m.id`

function window30d(now: Date): { since: string; until: string } {
  return { since: new Date(now.getTime() - 30 * DAY_MS).toISOString(), until: now.toISOString() }
}

export function listMembers(db: Db, now: Date): Member[] {
  return (db.prepare(MEMBER_SQL).all(window30d(now)) as MemberRow[]).map(toMember)
}

/** One member: the same figures through the member's own index ranges, not the whole team's. */
const ONE_MEMBER_SQL = `
SELECT m.id, m.name, m.invite_code, m.wechat_id, m.phone, m.mentor_id, mentor.name AS mentor_name,
       m.level, m.join_date, m.status, m.fee_paid_fen,
       (SELECT COUNT(*) FROM members a WHERE a.mentor_id = m.id) AS apprentice_count,
       (SELECT COUNT(*) FROM customers c WHERE c.owner_member_id = m.id) AS customer_count,
       s.fen AS sales_30d_fen, s.n AS orders_30d
FROM members m
LEFT JOIN members mentor ON mentor.id = m.mentor_id
JOIN (
  SELECT COALESCE(SUM(total_fen - refunded_fen), 0) AS fen, COUNT(*) AS n FROM orders
  WHERE member_id = @id AND placed_at >= @since AND placed_at <= @until AND status IN ('paid', 'partially_refunded')
) s
WHERE m.id = @id`

export function getMember(db: Db, id: string, now: Date): Member {
  const row = db.prepare(ONE_MEMBER_SQL).get({ ...window30d(now), id }) as MemberRow | undefined
  if (!row) throw new OrchardError('not_found', `会员不存在 / member not found: ${id}`, { field: 'id', value: id })
  return toMember(row)
}

/** The member an order's invite code points at; codes are matched regardless of case. */
export function findMemberByInviteCode(db: Db, code: string): { id: string; name: string } | undefined {
  const value = code.trim()
  if (!value) return undefined
  return db.prepare('SELECT id, name FROM members WHERE invite_code = ? COLLATE NOCASE').get(value) as { id: string; name: string } | undefined
}

/** A fresh 6-character code no member has yet. */
export function generateInviteCode(db: Db, random: () => number = Math.random): string {
  const taken = db.prepare('SELECT 1 FROM members WHERE invite_code = ? COLLATE NOCASE')
  for (;;) {
    let code = ''
    for (let i = 0; i < 6; i++) code += INVITE_CODE_ALPHABET[Math.floor(random() * INVITE_CODE_ALPHABET.length)]
    if (!taken.get(code)) return code
  }
}

function assertCodeFree(db: Db, code: string, selfId: string | null): void {
  const hit = db.prepare('SELECT id, name FROM members WHERE invite_code = ? COLLATE NOCASE').get(code) as { id: string; name: string } | undefined
  if (hit && hit.id !== selfId) {
    throw new OrchardError('duplicate_invite_code', `邀请码 ${code} 已被会员「${hit.name}」使用 / invite code already in use`, {
      field: 'inviteCode',
      value: code,
      memberId: hit.id,
    })
  }
}

function normaliseMemberPhone(phone: string | null | undefined): string | null {
  if (phone === undefined || phone === null || phone === '') return null
  const result = normalizePhone(phone)
  if (!result.ok) throw new OrchardError('invalid_phone', `${result.reason}：${phone}`, { field: 'phone', value: phone, reason: result.reason })
  return result.e164
}

/**
 * A mentor must exist, must not be the member, and must not sit below the member in
 * the tree (that would make the team a loop, and commission would have no top).
 */
function assertMentor(db: Db, mentorId: string | null | undefined, selfId: string | null): void {
  if (mentorId === undefined || mentorId === null) return
  if (selfId !== null && mentorId === selfId) {
    throw new OrchardError('mentor_cycle', '会员不能做自己的师父 / a member cannot be their own mentor', { field: 'mentorId', value: mentorId })
  }
  const exists = db.prepare('SELECT 1 FROM members WHERE id = ?').get(mentorId)
  if (!exists) throw new OrchardError('unknown_member', `师父不存在 / mentor not found: ${mentorId}`, { field: 'mentorId', value: mentorId })
  if (selfId === null) return
  const loop = db
    .prepare(
      `WITH RECURSIVE up(id, depth) AS (
         SELECT mentor_id, 1 FROM members WHERE id = @mentor
         UNION ALL
         SELECT m.mentor_id, up.depth + 1 FROM members m JOIN up ON m.id = up.id WHERE up.depth < 10000
       )
       SELECT 1 FROM up WHERE id = @self LIMIT 1`,
    )
    .get({ mentor: mentorId, self: selfId })
  if (loop) {
    throw new OrchardError('mentor_cycle', '不能选择自己的徒弟（或徒弟的徒弟）做师父 / the chosen mentor is below this member in the team tree', {
      field: 'mentorId',
      value: mentorId,
    })
  }
}

/** The fields of a member as the field table names them (what a change compares). */
function fieldsOf(m: Member): Record<string, unknown> {
  return {
    name: m.name,
    wechatId: m.wechatId,
    phone: m.phone,
    inviteCode: m.inviteCode,
    mentorId: m.mentorId,
    level: m.level,
    joinDate: m.joinDate,
    status: m.status,
    feePaidFen: m.feePaidFen,
  }
}

export function createMember(w: ChangeWriter, input: Input, timezone: string): Member {
  const { db, at: now } = w
  for (const field of ['phone', 'wechatId'] as const) refuseMaskedValue('member', null, field, input[field])
  return db.transaction(() => {
    const code = input.inviteCode ? input.inviteCode.toUpperCase() : generateInviteCode(db)
    assertCodeFree(db, code, null)
    assertMentor(db, input.mentorId, null)
    const id = newId()
    const at = now.toISOString()
    insertRow(db, MEMBERS, {
      id,
      name: input.name,
      invite_code: code,
      wechat_id: input.wechatId || null,
      phone: normaliseMemberPhone(input.phone),
      mentor_id: input.mentorId ?? null,
      level: input.level,
      join_date: input.joinDate ?? dayIn(timezone, now),
      status: input.status,
      fee_paid_fen: input.feePaidFen,
      created_at: at,
      updated_at: at,
      left_at: null,
    })
    const created = getMember(db, id, now)
    recordChange(w, { record: 'member', id, label: `${created.name}（${created.inviteCode}）`, op: 'create', after: fieldsOf(created) })
    return created
  })()
}

export function updateMember(w: ChangeWriter, id: string, patch: Patch): Member {
  const { db, at: now } = w
  for (const field of ['phone', 'wechatId'] as const) refuseMaskedValue('member', id, field, patch[field])
  return db.transaction(() => {
    const current = getMember(db, id, now)
    const sets: string[] = []
    const params: Record<string, unknown> = { id, updated: now.toISOString() }
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = @${column}`)
      params[column] = value
    }
    if (patch.name !== undefined) set('name', patch.name)
    if (patch.inviteCode !== undefined) {
      const code = patch.inviteCode.toUpperCase()
      assertCodeFree(db, code, id)
      set('invite_code', code)
    }
    if (patch.wechatId !== undefined) set('wechat_id', patch.wechatId || null)
    if (patch.phone !== undefined) set('phone', normaliseMemberPhone(patch.phone))
    if (patch.mentorId !== undefined) {
      assertMentor(db, patch.mentorId, id)
      set('mentor_id', patch.mentorId)
    }
    if (patch.level !== undefined) set('level', patch.level)
    if (patch.joinDate !== undefined) set('join_date', patch.joinDate)
    if (patch.status !== undefined) set('status', patch.status)
    if (patch.feePaidFen !== undefined) set('fee_paid_fen', patch.feePaidFen)
    if (sets.length) db.prepare(`UPDATE members SET ${sets.join(', ')}, updated_at = @updated WHERE id = @id`).run(params)
    const updated = getMember(db, id, now)
    recordChange(w, { record: 'member', id, label: `${updated.name}（${updated.inviteCode}）`, op: 'update', before: fieldsOf(current), after: fieldsOf(updated) })
    return updated
  })()
}

function changed(ctx: CoreContext): void {
  ctx.emit('data.changed', { entities: ['members'] })
}

// Members' phones are contact details like customers': masked for roles that do not need them.
export const membersHandlers: ServiceHandlers<'members'> = {
  all: (_input, ctx) => listMembers(ctx.db, ctx.clock.now()).map((m) => maskMemberPhone(ctx, m)),
  get: ({ id }, ctx) => maskMemberPhone(ctx, getMember(ctx.db, id, ctx.clock.now())),
  create: (input, ctx) => {
    const member = createMember(changeWriter(ctx), input, ctx.timezone())
    changed(ctx)
    return maskMemberPhone(ctx, member)
  },
  handoverPreview: (input, ctx) => handoverPreview(ctx.db, input),
  handover: (input, ctx) => {
    const result = handover(changeWriter(ctx), input, (w, id) => void updateMember(w, id, { status: 'left' }))
    ctx.emit('data.changed', { entities: ['members', 'customers', 'groups', 'care'] })
    return result
  },
  update: ({ id, patch }, ctx) => {
    const current = getMember(ctx.db, id, ctx.clock.now())
    const phone = patch.phone && current.phone ? unmask(ctx, [patch.phone], [current.phone], maskPhone)[0] : patch.phone
    const wechatId = patch.wechatId && current.wechatId ? unmask(ctx, [patch.wechatId], [current.wechatId], maskWechatId)[0] : patch.wechatId
    const member = updateMember(changeWriter(ctx), id, { ...patch, phone, wechatId })
    changed(ctx)
    return maskMemberPhone(ctx, member)
  },
}
