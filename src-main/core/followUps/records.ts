import type { z } from 'zod'
import { OrchardError } from '../../../src-shared/errors'
import type { FollowUp, FollowUpInput } from '../../../src-shared/schemas'
import type { Db } from '../db/connection'
import { CUSTOMER_FOLLOW_UPS, FOLLOW_UP_COLUMNS, FOLLOW_UP_FROM, toFollowUp, type FollowUpRow } from '../db/tables/followUps'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { dayIn } from '../../../src-shared/time'
import { closeFollowUpTasks, planFollowUpTask } from './tasks'

const SELECT = `SELECT ${FOLLOW_UP_COLUMNS} FROM ${FOLLOW_UP_FROM}`

/** A customer's follow-up records, newest first. */
export function listFollowUps(db: Db, timezone: string, now: Date, customerId: string): FollowUp[] {
  if (!db.prepare('SELECT 1 FROM customers WHERE id = ?').get(customerId)) {
    throw new OrchardError('not_found', `客户不存在 / customer not found: ${customerId}`, { field: 'customerId', value: customerId })
  }
  const today = dayIn(timezone, now)
  return (db.prepare(`${SELECT} WHERE f.customer_id = ? ORDER BY f.followed_at DESC, f.created_at DESC`).all(customerId) as FollowUpRow[]).map((r) => toFollowUp(r, today))
}

/**
 * Records a follow-up, in one transaction: the record, the close of the customer's open
 * follow-up tasks (this is the follow-up they asked for) and the task of the next day.
 * A record dated in the future or a next day already past is refused, naming the field.
 */
export function addFollowUp(
  db: Db,
  timezone: string,
  now: Date,
  by: { profileId: string | null; name: string },
  input: z.output<typeof FollowUpInput>,
): FollowUp {
  const today = dayIn(timezone, now)
  const customer = db.prepare('SELECT id, name, owner_member_id AS ownerMemberId FROM customers WHERE id = ?').get(input.customerId) as
    | { id: string; name: string; ownerMemberId: string | null }
    | undefined
  if (!customer) throw new OrchardError('not_found', `客户不存在 / customer not found: ${input.customerId}`, { field: 'customerId', value: input.customerId })
  let followedAt = now.toISOString()
  if (input.followedAt !== undefined) {
    const at = Date.parse(input.followedAt)
    if (Number.isNaN(at)) {
      throw new OrchardError('invalid_time', `跟进时间无法识别：${input.followedAt} / the follow-up time is not a time: ${input.followedAt}`, {
        field: 'followedAt',
        value: input.followedAt,
      })
    }
    if (at > now.getTime()) {
      throw new OrchardError('follow_up_in_future', `跟进时间不能晚于现在：${input.followedAt} / a follow-up cannot be recorded in the future: ${input.followedAt}`, {
        field: 'followedAt',
        value: input.followedAt,
      })
    }
    followedAt = new Date(at).toISOString()
  }
  if (input.nextDay !== null && input.nextDay < today) {
    throw new OrchardError('next_day_past', `下次跟进日期已过：${input.nextDay}（今天是 ${today}）/ the next follow-up day has passed: ${input.nextDay} (today is ${today})`, {
      field: 'nextDay',
      value: input.nextDay,
      today,
    })
  }
  const id = newId()
  const createdAt = now.toISOString()
  db.transaction(() => {
    insertRow(db, CUSTOMER_FOLLOW_UPS, {
      id,
      customer_id: customer.id,
      owner_member_id: customer.ownerMemberId,
      channel: input.channel,
      summary: input.summary,
      followed_at: followedAt,
      next_day: input.nextDay,
      by_profile_id: by.profileId,
      by_name: by.name,
      created_at: createdAt,
    })
    closeFollowUpTasks(db, customer.id, by.name, now)
    if (input.nextDay !== null) {
      planFollowUpTask(db, timezone, now, {
        id,
        customerId: customer.id,
        customerName: customer.name,
        ownerMemberId: customer.ownerMemberId,
        channel: input.channel,
        summary: input.summary,
        followedAt,
        nextDay: input.nextDay,
      })
    }
  })()
  return toFollowUp(db.prepare(`${SELECT} WHERE f.id = ?`).get(id) as FollowUpRow, today)
}
