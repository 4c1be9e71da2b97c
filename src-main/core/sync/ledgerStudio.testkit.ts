import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LedgerStatus } from '../../../src-shared/ledgerWire'
import type { OrchardCore } from '../api'
import { postLedger } from '../ledger/posting'
import { DEFAULT_SCHEME_RULES, managerWriter, saveScheme } from '../ledger/schemes'

/**
 * A team's studio as the sync tests need it: the same members (and mentor tree) and
 * the same commission scheme on every workstation, orders imported from the shop's
 * CSV export, and the ledger posted by the ledger itself.
 */
export interface TeamMember {
  code: string
  mentor?: string
  level?: 1 | 2 | 3
}

export async function seedTeam(core: OrchardCore, members: TeamMember[]): Promise<void> {
  const ids = new Map<string, string>()
  for (const m of members) {
    const created = await core.invoke('members', 'create', {
      name: `会员${m.code}`,
      inviteCode: m.code,
      level: m.level ?? 1,
      mentorId: m.mentor ? ids.get(m.mentor) : undefined,
      joinDate: '2026-09-01',
    })
    ids.set(m.code, created.id)
  }
  saveScheme(managerWriter(core.context.db, new Date('2026-09-01T00:00:00.000Z'), 'console', '店长'), { name: '标准两级佣金', rules: DEFAULT_SCHEME_RULES, note: '团队统一方案', activate: true })
}

export interface TeamOrder {
  orderNo: string
  placedAt: string
  member: string
  amountYuan: string
  status?: '已付款' | '部分退款' | '已退款' | '已取消'
  refundedYuan?: string
}

/** The shop's CSV export of `orders`, line by line: one bottle of 洗衣液 each, paid unless told. */
export function shopExportOf(orders: TeamOrder[]): string[] {
  const rows = ['订单号,下单时间,状态,商品名称,数量,金额,退款金额,归属会员邀请码']
  for (const o of orders) rows.push([o.orderNo, o.placedAt, o.status ?? '已付款', '洗衣液', '1', o.amountYuan, o.refundedYuan ?? '', o.member].join(','))
  return rows
}

/**
 * The shop's export (`lines`, its header first) written to a file of its own in `dir` and
 * imported all or nothing, the way an operator does; the import's answer, for the caller to
 * check that it committed.
 */
export async function importShopExport(core: OrchardCore, dir: string, lines: string[], name = `orders-${Date.now()}-${Math.random().toString(36).slice(2)}.csv`) {
  const path = join(dir, name)
  writeFileSync(path, lines.join('\n') + '\n')
  return core.invoke('imports', 'run', { entity: 'orders', path, format: 'auto', mode: 'all-or-nothing' })
}

/** Imports orders the way an operator does (the shop's CSV), then posts the ledger; returns the entries posted. */
export async function importAndPost(core: OrchardCore, dir: string, orders: TeamOrder[], name?: string): Promise<number> {
  const result = await importShopExport(core, dir, shopExportOf(orders), name)
  if (!result.committed) throw new Error(`import refused: ${JSON.stringify(result.errors?.slice(0, 3))}`)
  return postLedger(core.context).entries
}

export interface LedgerTotals {
  entries: number
  totalFen: number
  byStatus: Record<LedgerStatus, { entries: number; totalFen: number }>
  ids: string[]
}

/** The workstation's books as a manager would add them up: every entry, by status, to the fen. */
export function ledgerTotals(core: OrchardCore): LedgerTotals {
  const rows = core.context.db.prepare('SELECT id, amount_fen, status FROM ledger_entries ORDER BY id').all() as { id: string; amount_fen: number; status: LedgerStatus }[]
  const byStatus = { pending: { entries: 0, totalFen: 0 }, approved: { entries: 0, totalFen: 0 }, paid: { entries: 0, totalFen: 0 }, rejected: { entries: 0, totalFen: 0 } }
  let totalFen = 0
  for (const r of rows) {
    byStatus[r.status].entries++
    byStatus[r.status].totalFen += r.amount_fen
    totalFen += r.amount_fen
  }
  return { entries: rows.length, totalFen, byStatus, ids: rows.map((r) => r.id) }
}
