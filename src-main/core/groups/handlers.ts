import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { Group, GroupDetail, GroupInput as GroupInputSchema } from '../../../src-shared/schemas'
import type { ServiceHandlers } from '../context'
import type { Db } from '../db/connection'
import { GROUP_COLUMNS, GROUP_MEMBERS, GROUPS, toGroup, type GroupRow } from '../db/tables/groups'
import { insertRow, insertRowIfNew } from '../db/tables/table'
import { newId } from '../ids'
import { maskPhoneName } from '../permissions'
import { changeWriter, recordChange, type ChangeWriter } from '../records/changes'

const GROUP_SELECT = `SELECT ${GROUP_COLUMNS} FROM groups g LEFT JOIN members m ON m.id = g.owner_member_id`

/** A group page lists this many of its customers, the newest joiners first (the count is on the group). */
const DETAIL_CUSTOMERS = 1000

type GroupInput = z.output<typeof GroupInputSchema>

export function getGroup(db: Db, id: string): Group {
  const row = db.prepare(`${GROUP_SELECT} WHERE g.id = ?`).get(id) as GroupRow | undefined
  if (!row) throw new OrchardError('not_found', `社群不存在 / group not found: ${id}`, { id })
  return toGroup(row)
}

function assertOwner(db: Db, ownerMemberId: string | null | undefined): void {
  if (ownerMemberId && !db.prepare('SELECT 1 FROM members WHERE id = ?').get(ownerMemberId)) {
    throw new OrchardError('unknown_member', `群主不是团队里的会员 / the group owner is not a member of the team`, {
      field: 'ownerMemberId',
      value: ownerMemberId,
    })
  }
}

/** The owner is a member of their own group; adding them keeps the member list honest. */
function ensureOwnerInGroup(db: Db, groupId: string, ownerMemberId: string | null | undefined, at: string): void {
  if (!ownerMemberId) return
  insertRowIfNew(db, GROUP_MEMBERS, { group_id: groupId, member_id: ownerMemberId, joined_at: at })
}


/** The fields of a group as the field table names them (what a change compares). */
function fieldsOf(g: Group): Record<string, unknown> {
  return { name: g.name, ownerMemberId: g.ownerMemberId, theme: g.theme, notes: g.notes, massSendAllowance: g.massSendAllowance }
}

export function createGroup(w: ChangeWriter, input: GroupInput): Group {
  const { db, at: now } = w
  return db.transaction(() => {
    assertOwner(db, input.ownerMemberId)
    const id = newId()
    const at = now.toISOString()
    insertRow(db, GROUPS, {
      id,
      name: input.name,
      owner_member_id: input.ownerMemberId ?? null,
      theme: input.theme,
      notes: input.notes,
      mass_send_allowance: input.massSendAllowance,
      created_at: at,
      updated_at: at,
    })
    ensureOwnerInGroup(db, id, input.ownerMemberId, at)
    const created = getGroup(db, id)
    recordChange(w, { record: 'group', id, label: created.name, op: 'create', after: fieldsOf(created) })
    return created
  })()
}

export function updateGroup(w: ChangeWriter, id: string, patch: Partial<GroupInput>): Group {
  const { db, at: now } = w
  return db.transaction(() => {
    const current = getGroup(db, id)
    if (patch.ownerMemberId !== undefined) assertOwner(db, patch.ownerMemberId)
    const next = {
      name: patch.name ?? current.name,
      owner: patch.ownerMemberId !== undefined ? patch.ownerMemberId : current.ownerMemberId,
      theme: patch.theme ?? current.theme,
      notes: patch.notes ?? current.notes,
      allowance: patch.massSendAllowance ?? current.massSendAllowance,
    }
    const at = now.toISOString()
    db.prepare('UPDATE groups SET name = ?, owner_member_id = ?, theme = ?, notes = ?, mass_send_allowance = ?, updated_at = ? WHERE id = ?').run(
      next.name,
      next.owner ?? null,
      next.theme,
      next.notes,
      next.allowance,
      at,
      id,
    )
    if (next.owner !== current.ownerMemberId) ensureOwnerInGroup(db, id, next.owner, at)
    const updated = getGroup(db, id)
    recordChange(w, { record: 'group', id, label: updated.name, op: 'update', before: fieldsOf(current), after: fieldsOf(updated) })
    return updated
  })()
}

/** Every group, by name; `search` matches the name, the theme or the owner's name. */
export function listGroups(db: Db, search?: string): Group[] {
  const q = search?.trim()
  const rows = q
    ? (db
        .prepare(`${GROUP_SELECT} WHERE g.name LIKE @like ESCAPE '\\' OR g.theme LIKE @like ESCAPE '\\' OR m.name LIKE @like ESCAPE '\\' ORDER BY g.name, g.id`)
        .all({ like: `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` }) as GroupRow[])
    : (db.prepare(`${GROUP_SELECT} ORDER BY g.name, g.id`).all() as GroupRow[])
  return rows.map(toGroup)
}

export const groupsHandlers: ServiceHandlers<'groups'> = {
  list: ({ search }, ctx) => listGroups(ctx.db, search),

  get: ({ id }, ctx): z.output<typeof GroupDetail> => {
    const group = getGroup(ctx.db, id)
    const members = ctx.db
      .prepare(
        `SELECT m.id, m.name, m.level, gm.joined_at AS joinedAt FROM group_members gm JOIN members m ON m.id = gm.member_id
         WHERE gm.group_id = ? ORDER BY (m.id = ?) DESC, m.level DESC, gm.joined_at`,
      )
      .all(id, group.ownerMemberId ?? '') as { id: string; name: string; level: 1 | 2 | 3; joinedAt: string }[]
    const customers = ctx.db
      .prepare(
        `SELECT c.id, c.name, c.rel_class AS relClass FROM group_customers gc JOIN customers c ON c.id = gc.customer_id
         WHERE gc.group_id = ? ORDER BY gc.joined_at DESC LIMIT ${DETAIL_CUSTOMERS}`,
      )
      .all(id) as { id: string; name: string; relClass: 'A' | 'B' | 'C' }[]
    return { group, members, customers: customers.map((c) => ({ ...c, name: maskPhoneName(ctx, c.name) })) }
  },

  create: (input, ctx) => {
    const group = createGroup(changeWriter(ctx), input)
    ctx.emit('data.changed', { entities: ['groups'] })
    return group
  },

  update: ({ id, patch }, ctx) => {
    const group = updateGroup(changeWriter(ctx), id, patch)
    ctx.emit('data.changed', { entities: ['groups'] })
    return group
  },
}
