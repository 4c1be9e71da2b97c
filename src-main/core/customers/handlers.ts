import { OrchardError } from '../../../src-shared/errors'
import { zoneOffset } from '../clock'
import type { CoreContext, ServiceHandlers } from '../context'
import { contactsVisible, maskAddress, maskBuyerPhone, maskContacts, maskPhone, unmask } from '../permissions'
import { changeWriter } from '../records/changes'
import { categorySpend } from './derived'
import { ordersOfCustomer } from '../orders/handlers'
import { actorOf, appendAudit } from '../audit/audit'
import { addFollowUp, listFollowUps } from '../followUps/records'
import { bulkUpdateCustomers, createCustomer, customerConditions, getCustomerRow, listCustomers, removeCustomer, updateCustomer, type BulkAction } from './repository'

/**
 * A phone or WeChat id that belongs to someone else is refused either way; a role that sees
 * contacts masked is not told whose it is (that would confirm the owner of a number).
 */
function withoutOwnerFor<T>(ctx: CoreContext, write: () => T): T {
  try {
    return write()
  } catch (err) {
    if (contactsVisible(ctx) || !(err instanceof OrchardError) || (err.code !== 'duplicate_phone' && err.code !== 'duplicate_wechat')) throw err
    const field = (err.details as { field?: string }).field
    throw new OrchardError(err.code, '这个联系方式已属于另一位客户 / this contact already belongs to another customer', { field })
  }
}

export const customersHandlers: ServiceHandlers<'customers'> = {
  list: (q, ctx) => {
    // Phones and addresses are masked for roles that do not need them (PIPL); see core/permissions.ts.
    // For those roles a search does not match on phones either: typing a full number must not
    // confirm whose it is.
    const visible = contactsVisible(ctx)
    const page = listCustomers(ctx.db, q, zoneOffset(ctx.timezone(), ctx.clock.now()), undefined, { matchPhones: visible })
    return { ...page, rows: page.rows.map((c) => maskContacts(ctx, c)) }
  },

  get: ({ id }, ctx) => {
    const customer = getCustomerRow(ctx.db, id)
    const orders = ordersOfCustomer(ctx.db, id)
    const categories = categorySpend(ctx.db, id)
    const groups = ctx.db
      .prepare('SELECT g.id, g.name FROM group_customers gc JOIN groups g ON g.id = gc.group_id WHERE gc.customer_id = ? ORDER BY g.name')
      .all(id) as { id: string; name: string }[]
    return { customer: maskContacts(ctx, customer), orders: orders.map((o) => maskBuyerPhone(ctx, o)), categories, groups }
  },

  facets: (_input, ctx) => ({
    tags: ctx.db.prepare('SELECT tag, COUNT(*) AS count FROM customer_tags GROUP BY tag ORDER BY count DESC, tag LIMIT 200').all() as {
      tag: string
      count: number
    }[],
    owners: ctx.db
      .prepare(
        `SELECT m.id, m.name, COUNT(c.id) AS count FROM members m LEFT JOIN customers c ON c.owner_member_id = m.id
         GROUP BY m.id ORDER BY count DESC, m.name`,
      )
      .all() as { id: string; name: string; count: number }[],
  }),

  create: (input, ctx) => {
    const customer = withoutOwnerFor(ctx, () => createCustomer(changeWriter(ctx), input))
    ctx.emit('data.changed', { entities: ['customers'] })
    return maskContacts(ctx, customer)
  },

  update: ({ id, patch }, ctx) => {
    const current = getCustomerRow(ctx.db, id)
    const shown = maskContacts(ctx, current)
    const unmasked = {
      ...patch,
      ...(patch.phones ? { phones: unmask(ctx, patch.phones, current.phones, maskPhone) } : {}),
      ...(patch.addresses ? { addresses: unmask(ctx, patch.addresses, current.addresses, maskAddress) } : {}),
      ...(patch.wechatId !== undefined && patch.wechatId !== null && patch.wechatId === shown.wechatId ? { wechatId: current.wechatId } : {}),
      ...(patch.name !== undefined && patch.name === shown.name ? { name: current.name } : {}),
    }
    const customer = withoutOwnerFor(ctx, () => updateCustomer(changeWriter(ctx), id, unmasked))
    ctx.emit('data.changed', { entities: ['customers'] })
    return maskContacts(ctx, customer)
  },

  bulk: ({ ids, filter, action }, ctx) => {
    const db = ctx.db
    let targets: string[]
    if (ids) {
      targets = [...new Set(ids)]
    } else {
      // The customers the list shows with this filter (its own conditions), as the person sees them:
      // a role that sees phones masked does not reach customers by their phone either.
      const { conditions, params } = customerConditions(db, filter ?? {}, zoneOffset(ctx.timezone(), ctx.clock.now()), { matchPhones: contactsVisible(ctx) })
      const where = conditions.length ? `WHERE ${conditions.map((c) => c.sql).join(' AND ')}` : ''
      targets = (db.prepare(`SELECT c.id FROM customers c ${where} ORDER BY c.rowid`).pluck().all(params) as string[])
    }
    const w = changeWriter(ctx)
    const result = db.transaction(() => {
      const done = bulkUpdateCustomers(w, targets, action)
      if (done.changed > 0) {
        const what = bulkWords(db, action)
        appendAudit(
          db,
          actorOf(ctx),
          {
            kind: 'customers.bulk',
            entity: 'customer',
            entityId: w.txId,
            summary: `批量${what.zh}：${done.changed} 位客户 / bulk ${what.en}: ${done.changed} customers`,
            after: { ...action, matched: done.matched, changed: done.changed, source: w.source },
          },
          w.at,
        )
      }
      return done
    })()
    if (result.changed > 0) ctx.emit('data.changed', { entities: ['customers'] })
    return result
  },

  followUps: ({ customerId }, ctx) => listFollowUps(ctx.db, ctx.timezone(), ctx.clock.now(), customerId),

  addFollowUp: (input, ctx) => {
    const actor = actorOf(ctx)
    const followUp = addFollowUp(ctx.db, ctx.timezone(), ctx.clock.now(), { profileId: actor.id, name: actor.name }, input)
    ctx.emit('data.changed', { entities: ['customers', 'care'] })
    return followUp
  },

  remove: ({ id }, ctx) => {
    removeCustomer(changeWriter(ctx), id)
    ctx.emit('data.changed', { entities: ['customers'] })
    return { ok: true as const }
  },
}

/** How the audit names a bulk action. */
function bulkWords(db: CoreContext['db'], action: BulkAction): { zh: string; en: string } {
  switch (action.kind) {
    case 'addTags':
      return { zh: `添加标签 ${action.tags.join('、')}`, en: `tags added ${action.tags.join(', ')}` }
    case 'removeTags':
      return { zh: `移除标签 ${action.tags.join('、')}`, en: `tags removed ${action.tags.join(', ')}` }
    case 'setClass':
      return { zh: `关系分类改为 ${action.relClass}`, en: `relationship class set to ${action.relClass}` }
    case 'setOwner': {
      const name = action.memberId ? ((db.prepare('SELECT name FROM members WHERE id = ?').pluck().get(action.memberId) as string | undefined) ?? action.memberId) : null
      return name ? { zh: `归属会员改为 ${name}`, en: `owner set to ${name}` } : { zh: '取消归属会员', en: 'owner cleared' }
    }
  }
}
