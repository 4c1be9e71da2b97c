import type { Command } from 'commander'
import type { Statement, Summary } from '../../src-shared/contracts/ledger'
import { formatFen, LEDGER_KIND_LABELS, LEDGER_STATUS_LABELS } from '../../src-shared/vocabulary'
import type { OrchardCore } from '../core/api'
import { dayIn } from '../core/clock'
import { UsageError, type CliKit } from './kit'
import { renderTable } from './table'

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/
function period(value: string | undefined, option: string): string | undefined {
  if (value !== undefined && !PERIOD.test(value)) throw new UsageError(`账期格式应为 YYYY-MM / the period must be YYYY-MM: ${value}`, { field: option, value })
  return value
}
const yuan = (fen: number) => `¥${formatFen(fen)}`

/** A member by id or invite code (people know each other's codes). */
async function memberOf(core: OrchardCore, ref: string): Promise<string> {
  const members = await core.invoke('members', 'all', {})
  const m = members.find((x) => x.id === ref || x.inviteCode.toUpperCase() === ref.toUpperCase())
  if (!m) throw new UsageError(`没有这位会员 / no such member: ${ref}`, { field: '--member', value: ref })
  return m.id
}

/** Commands for the commission ledger (orchard ledger …). */
export function registerLedgerCommands(kit: CliKit): void {
  const { command, globals, open, out } = kit
  const ledger = command('ledger').description('佣金账本 / the commission ledger')

  ledger
    .command('post')
    .description('把新的订单、退款、会员费和已批准的奖惩记入账本；重复运行不会重复记账 / post what is new (running it again posts nothing twice)')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd)
      const r = await open(g).invoke('ledger', 'post', {})
      if (g.json) return out(JSON.stringify(r))
      out(`已处理 ${r.orders} 笔订单，新记账 ${r.entries} 条（${r.durationMs} ms）/ ${r.orders} orders, ${r.entries} new entries`)
      for (const [kind, k] of Object.entries(r.byKind)) {
        out(`  ${LEDGER_KIND_LABELS[kind as keyof typeof LEDGER_KIND_LABELS].zh} ${k.entries} 条 ${yuan(k.amountFen)}`)
      }
      if (r.held.noScheme) out('还没有启用的佣金方案，订单未记佣金 / no active commission scheme: orders were not posted')
      if (r.held.unattributed) out(`未归属订单 ${r.held.unattributed} 笔，指定会员后才会记佣金 / ${r.held.unattributed} unattributed orders wait for a member`)
      if (r.held.groupBuyOpen) out(`进行中的拼团订单 ${r.held.groupBuyOpen} 笔，成团后记佣金 / ${r.held.groupBuyOpen} orders wait for their group buy`)
    })

  ledger
    .command('statement')
    .description('会员某月对账单 / a member’s statement for a month')
    .requiredOption('--member <id>', '会员编号或邀请码 / member id or invite code')
    .requiredOption('--period <YYYY-MM>', '账期 / the month')
    .action(async (o: { member: string; period: string }, cmd: Command) => {
      const g = globals(cmd)
      const p = period(o.period, '--period')!
      const core = open(g)
      const s = await core.invoke('ledger', 'statement', { memberId: await memberOf(core, o.member), period: p })
      if (g.json) return out(JSON.stringify(s))
      printStatement(out, s, core.context.timezone())
    })

  ledger
    .command('summary')
    .description('团队佣金汇总：条数、应得、已批准、已支付、未付（分）/ the team’s totals in fen')
    .option('--period <YYYY-MM>', '账期（默认全部）/ the month (default: all)')
    .action(async (o: { period?: string }, cmd: Command) => {
      const g = globals(cmd)
      const s = await open(g).invoke('ledger', 'summary', { period: period(o.period, '--period') })
      if (g.json) {
        const t = s.totals
        return out(JSON.stringify({ period: s.period, entries: t.entries, earned: t.earnedFen, owed: t.owedFen, pending: t.pendingFen, approved: t.approvedFen, paid: t.paidFen, rejected: t.rejectedFen, fees: s.feesFen, members: s.members }))
      }
      printSummary(out, s)
    })
}

/** Entries dated by the studio's day (its time zone), as the console and the PDF date them. */
function printStatement(out: (s: string) => void, s: Statement, zone: string): void {
  out(`${s.member.name ?? s.member.code}（${s.member.code}）${s.period} 对账单 / statement`)
  out(`期初 opening ${yuan(s.openingFen)}`)
  if (s.entries.length) {
    out(
      renderTable(
        ['日期 Date', '类型 Kind', '说明 Memo', '状态 Status', '金额 Amount'],
        s.entries.map((e) => [dayIn(zone, new Date(e.occurredAt)), LEDGER_KIND_LABELS[e.kind].zh, e.memo, LEDGER_STATUS_LABELS[e.status].zh, yuan(e.amountFen)]),
      ),
    )
  }
  out(`期末 closing ${yuan(s.closingFen)} · 待审 ${yuan(s.totals.pendingFen)} · 已批准 ${yuan(s.totals.approvedFen)} · 已支付 ${yuan(s.totals.paidFen)}`)
  if (s.feesFen) out(`会员费（已收，不计佣金）${yuan(s.feesFen)}`)
}

function printSummary(out: (s: string) => void, s: Summary): void {
  const t = s.totals
  out(`${s.period ?? '全部账期 all periods'}：${t.entries} 条 entries · 应得 earned ${yuan(t.earnedFen)} · 未付 owed ${yuan(t.owedFen)} · 已批准 approved ${yuan(t.approvedFen)} · 已支付 paid ${yuan(t.paidFen)}`)
  if (!s.members.length) return
  out(
    renderTable(
      ['会员 Member', '邀请码 Code', '条数', '应得 Earned', '未付 Owed', '已支付 Paid'],
      s.members.slice(0, 30).map((m) => [m.memberName ?? '?', m.memberCode, String(m.entries), yuan(m.earnedFen), yuan(m.owedFen), yuan(m.paidFen)]),
    ),
  )
  if (s.members.length > 30) out(`…… 另有 ${s.members.length - 30} 位，完整列表用 --json / and ${s.members.length - 30} more: use --json`)
}
