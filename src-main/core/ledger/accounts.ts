import type { z } from 'zod'
import type { GroupBuy, MembershipFee, PayoutAccount } from '../../../src-shared/contracts/ledger'
import { OrchardError } from '../../../src-shared/errors'
import type { CoreContext } from '../context'
import type { Db } from '../db/connection'
import { GROUP_BUY_ORDERS, GROUP_BUYS, MEMBERSHIP_FEES, PAYOUT_ACCOUNTS, type PayoutAccountRow } from '../db/tables/ledger'
import { insertRow } from '../db/tables/table'
import { newId } from '../ids'
import { changeWriter, recordChange } from '../records/changes'
import { seal } from './keystore'

type Payout = z.infer<typeof PayoutAccount>

function requireMember(db: Db, id: string): void {
  if (!db.prepare('SELECT 1 FROM members WHERE id = ?').get(id)) {
    throw new OrchardError('not_found', `没有这位会员 / no such member: ${id}`, { field: 'memberId', value: id })
  }
}

// ---------------------------------------------------------------- payout accounts
const masked = (last4: string) => `**** ${last4}`

export function listPayouts(db: Db, memberId: string): Payout[] {
  requireMember(db, memberId)
  return (
    db.prepare('SELECT id, member_id, kind, holder, bank, last4, updated_at FROM payout_accounts WHERE member_id = ? ORDER BY created_at').all(memberId) as Omit<PayoutAccountRow, 'secret' | 'created_at'>[]
  ).map((r) => ({ id: r.id, memberId: r.member_id, kind: r.kind, holder: r.holder, bank: r.bank, masked: masked(r.last4), updatedAt: r.updated_at }))
}

/** Card numbers are digits (spaces allowed as people type them); WeChat/Alipay ids are free text. */
function checkAccount(kind: Payout['kind'], account: string): string {
  if (kind !== 'bank') return account
  const digits = account.replace(/[\s-]/g, '')
  if (!/^\d{12,19}$/.test(digits)) {
    throw new OrchardError('invalid_account', `银行卡号应为 12–19 位数字 / a bank card number has 12–19 digits`, { field: 'account', value: `**** ${digits.slice(-4)}`, why: 'not 12–19 digits' })
  }
  return digits
}

export function savePayout(
  ctx: CoreContext,
  input: { id?: string; memberId: string; kind: Payout['kind']; holder: string; account: string; bank: string | null },
): Payout {
  const db = ctx.db
  requireMember(db, input.memberId)
  const account = checkAccount(input.kind, input.account)
  const secret = seal(ctx.keyStore.dataKey(), account)
  const now = ctx.clock.now().toISOString()
  const last4 = account.slice(-4)
  let id = input.id
  if (id) {
    const r = db
      .prepare('UPDATE payout_accounts SET kind = ?, holder = ?, bank = ?, secret = ?, last4 = ?, updated_at = ? WHERE id = ? AND member_id = ?')
      .run(input.kind, input.holder, input.bank, secret, last4, now, id, input.memberId)
    if (!r.changes) throw new OrchardError('not_found', `没有这个收款账户 / no such payout account: ${id}`, { field: 'id', value: id })
  } else {
    id = newId()
    insertRow(db, PAYOUT_ACCOUNTS, { id, member_id: input.memberId, kind: input.kind, holder: input.holder, bank: input.bank, secret, last4, created_at: now, updated_at: now })
  }
  return listPayouts(db, input.memberId).find((p) => p.id === id)!
}

export function removePayout(db: Db, id: string): void {
  if (!db.prepare('DELETE FROM payout_accounts WHERE id = ?').run(id).changes) {
    throw new OrchardError('not_found', `没有这个收款账户 / no such payout account: ${id}`, { field: 'id', value: id })
  }
}

// ---------------------------------------------------------------- membership fees
type Fee = z.infer<typeof MembershipFee>

export function listFees(db: Db, memberId?: string): Fee[] {
  return db
    .prepare(
      `SELECT f.id, f.member_id AS memberId, m.name AS memberName, f.amount_fen AS amountFen, f.paid_on AS paidOn, f.note, f.created_at AS createdAt
         FROM membership_fees f LEFT JOIN members m ON m.id = f.member_id ${memberId ? 'WHERE f.member_id = ?' : ''} ORDER BY f.paid_on DESC, f.created_at DESC`,
    )
    .all(...(memberId ? [memberId] : [])) as Fee[]
}

export function recordFee(ctx: CoreContext, input: { memberId: string; amountFen: number; paidOn: string; note: string }): Fee {
  requireMember(ctx.db, input.memberId)
  const id = newId()
  insertRow(ctx.db, MEMBERSHIP_FEES, { id, member_id: input.memberId, amount_fen: input.amountFen, paid_on: input.paidOn, note: input.note, created_at: ctx.clock.now().toISOString() })
  return listFees(ctx.db, input.memberId).find((f) => f.id === id)!
}

// ---------------------------------------------------------------- group buys (拼团)
type GroupBuyRow = z.infer<typeof GroupBuy>
const SELECT_GROUP_BUY = `SELECT b.id, b.name, b.status, b.min_participants AS minParticipants, b.closes_at AS closesAt, b.decided_at AS decidedAt,
  (SELECT COUNT(*) FROM group_buy_orders g WHERE g.group_buy_id = b.id) AS orderCount FROM group_buys b`

export function listGroupBuys(db: Db): GroupBuyRow[] {
  return db.prepare(`${SELECT_GROUP_BUY} ORDER BY b.created_at DESC`).all() as GroupBuyRow[]
}

export function createGroupBuy(ctx: CoreContext, input: { name: string; minParticipants: number; closesAt: string; orderIds: string[] }): GroupBuyRow {
  const db = ctx.db
  const id = newId()
  db.transaction(() => {
    insertRow(db, GROUP_BUYS, {
      id,
      name: input.name,
      status: 'open',
      min_participants: input.minParticipants,
      closes_at: input.closesAt,
      decided_at: null,
      created_at: ctx.clock.now().toISOString(),
    })
    input.orderIds.forEach((orderId, i) => {
      if (!db.prepare('SELECT 1 FROM orders WHERE id = ?').get(orderId)) {
        throw new OrchardError('not_found', `没有这笔订单 / no such order: ${orderId}`, { field: `orderIds.${i}`, value: orderId })
      }
      try {
        insertRow(db, GROUP_BUY_ORDERS, { group_buy_id: id, order_id: orderId })
      } catch {
        throw new OrchardError('order_in_group_buy', `订单已在另一个拼团中 / the order is already in another group buy: ${orderId}`, { field: `orderIds.${i}`, value: orderId })
      }
    })
  })()
  return db.prepare(`${SELECT_GROUP_BUY} WHERE b.id = ?`).get(id) as GroupBuyRow
}

/**
 * A group buy ends one of two ways: it succeeded (its orders are posted like any
 * other), or it failed and every buyer is refunded in full — the orders become
 * refunded, so posting pays nothing on them (or reverses what was paid).
 */
export function decideGroupBuy(ctx: CoreContext, id: string, outcome: 'succeeded' | 'failed'): GroupBuyRow {
  const db = ctx.db
  const now = ctx.clock.now().toISOString()
  db.transaction(() => {
    const cur = db.prepare('SELECT status FROM group_buys WHERE id = ?').get(id) as { status: string } | undefined
    if (!cur) throw new OrchardError('not_found', `没有这个拼团 / no such group buy: ${id}`, { field: 'id', value: id })
    if (cur.status !== 'open') throw new OrchardError('group_buy_decided', `拼团已结束（${cur.status}）/ the group buy was already decided`, { field: 'id', value: cur.status })
    db.prepare('UPDATE group_buys SET status = ?, decided_at = ? WHERE id = ?').run(outcome, now, id)
    if (outcome === 'failed') {
      // Every buyer refunded in full: a change of each shared order, which every workstation posts from.
      const refunded = db
        .prepare(
          `SELECT id, order_no, status, refunded_fen, total_fen FROM orders
            WHERE id IN (SELECT order_id FROM group_buy_orders WHERE group_buy_id = ?) AND status <> 'refunded' ORDER BY rowid`,
        )
        .all(id) as { id: string; order_no: string; status: string; refunded_fen: number; total_fen: number }[]
      const update = db.prepare(`UPDATE orders SET status = 'refunded', refunded_fen = total_fen, updated_at = ? WHERE id = ?`)
      const w = changeWriter(ctx)
      for (const o of refunded) {
        update.run(now, o.id)
        recordChange(w, {
          record: 'order',
          id: o.id,
          label: o.order_no,
          op: 'update',
          before: { status: o.status, refundedFen: o.refunded_fen },
          after: { status: 'refunded', refundedFen: o.total_fen },
        })
      }
    }
  })()
  return db.prepare(`${SELECT_GROUP_BUY} WHERE b.id = ?`).get(id) as GroupBuyRow
}
