import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { HandoverInput, HandoverPreview, HandoverResult } from '../../../src-shared/schemas'
import { appendAudit } from '../audit/audit'
import { updateCustomer } from '../customers/repository'
import type { Db } from '../db/connection'
import { updateGroup } from '../groups/handlers'
import type { ChangeWriter } from '../records/changes'

type Input = z.output<typeof HandoverInput>

/**
 * A leaving member's book handed to another member in one step: the customers and groups
 * they own, the open care tasks that are theirs (as a customer's owning member, as a
 * mentor, and the escalations of apprentices' missed follow-ups), and their customers'
 * pending follow-ups. Owners change through the one write path (each field role-checked,
 * recorded and audited); everything runs in one transaction, so a refusal changes nothing.
 */

/** Open tasks that are the member's own to do. */
const OWN_OPEN_TASKS = "FROM care_tasks WHERE status = 'open' AND owner_kind IN ('member', 'mentor') AND owner_id = ?"
/** Follow-up records whose next follow-up is still to be done. */
const PENDING_FOLLOW_UPS = `FROM customer_follow_ups f WHERE f.owner_member_id = ?
  AND EXISTS (SELECT 1 FROM care_tasks t WHERE t.follow_up_id = f.id AND t.trigger = 'follow_up' AND t.status = 'open')`

function memberNamed(db: Db, id: string, field: 'fromMemberId' | 'toMemberId'): { id: string; name: string; status: string } {
  const m = db.prepare('SELECT id, name, status FROM members WHERE id = ?').get(id) as { id: string; name: string; status: string } | undefined
  if (!m) throw new OrchardError('not_found', `会员不存在 / member not found: ${id}`, { field, value: id })
  return m
}

export function handoverPreview(db: Db, input: Input): HandoverPreview {
  const from = memberNamed(db, input.fromMemberId, 'fromMemberId')
  const to = memberNamed(db, input.toMemberId, 'toMemberId')
  if (from.id === to.id) {
    throw new OrchardError('handover_same_member', `不能交接给会员本人（${from.name}）/ a member cannot hand over to themselves (${from.name})`, {
      field: 'toMemberId',
      value: to.id,
    })
  }
  if (to.status === 'left') {
    throw new OrchardError('handover_to_left', `接手的会员「${to.name}」已离开，请选择在职会员 / ${to.name} has left: pick a member who stays`, {
      field: 'toMemberId',
      value: to.id,
    })
  }
  const count = (sql: string) => (db.prepare(`SELECT COUNT(*) ${sql}`).pluck().get(from.id) as number) ?? 0
  return {
    from: { id: from.id, name: from.name },
    to: { id: to.id, name: to.name },
    customers: count('FROM customers WHERE owner_member_id = ?'),
    groups: count('FROM groups WHERE owner_member_id = ?'),
    tasks: count(OWN_OPEN_TASKS),
    followUps: count(PENDING_FOLLOW_UPS),
  }
}

/** `markLeft` sets the member's status through the member's own write (members/handlers.ts). */
export function handover(w: ChangeWriter, input: Input, markLeft: (w: ChangeWriter, memberId: string) => void): HandoverResult {
  const { db } = w
  return db.transaction(() => {
    const preview = handoverPreview(db, input)
    const { from, to } = preview
    const customers = db.prepare('SELECT id, name FROM customers WHERE owner_member_id = ? ORDER BY name, id').all(from.id) as { id: string; name: string }[]
    for (const c of customers) updateCustomer(w, c.id, { ownerMemberId: to.id })
    const groups = db.prepare('SELECT id, name FROM groups WHERE owner_member_id = ? ORDER BY name, id').all(from.id) as { id: string; name: string }[]
    for (const g of groups) updateGroup(w, g.id, { ownerMemberId: to.id })
    const tasks = db.prepare(`SELECT id, title, due_day AS dueDay ${OWN_OPEN_TASKS} ORDER BY due_at, id`).all(from.id) as { id: string; title: string; dueDay: string }[]
    db.prepare(`UPDATE care_tasks SET owner_id = ?, owner_name = ? WHERE id IN (SELECT id ${OWN_OPEN_TASKS})`).run(to.id, to.name, from.id)
    db.prepare(`UPDATE customer_follow_ups SET owner_member_id = ? WHERE id IN (SELECT f.id ${PENDING_FOLLOW_UPS})`).run(to.id, from.id)
    const markedLeft = input.markLeft && (db.prepare('SELECT status FROM members WHERE id = ?').pluck().get(from.id) as string) !== 'left'
    if (markedLeft) markLeft(w, from.id)
    appendAudit(
      db,
      w.actor,
      {
        kind: 'members.handover',
        entity: 'member',
        entityId: from.id,
        summary:
          `会员「${from.name}」交接给「${to.name}」：客户 ${customers.length}、社群 ${groups.length}、关怀任务 ${tasks.length}、待跟进 ${preview.followUps}${markedLeft ? '；标记为已离开' : ''} / ` +
          `${from.name} handed over to ${to.name}: ${customers.length} customers, ${groups.length} groups, ${tasks.length} care tasks, ${preview.followUps} pending follow-ups${markedLeft ? '; marked as left' : ''}`,
        after: { to: to.id, customers: customers.length, groups: groups.length, tasks: tasks.length, followUps: preview.followUps, markedLeft, source: w.source },
      },
      w.at,
    )
    return { ...preview, moved: { customers, groups, tasks }, markedLeft }
  })()
}
