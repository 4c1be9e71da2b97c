import { extname, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { Option, type Command } from 'commander'
import type { ClosePreview, PayoutBatchDetail, Statement, Summary, Withdrawal } from '../../src-shared/contracts/ledger'
import { formatFen, LEDGER_KIND_LABELS, LEDGER_STATUS_LABELS } from '../../src-shared/vocabulary'
import type { OrchardCore } from '../core/api'
import { dayIn } from '../core/clock'
import { collect, listOption, UsageError, type CliContext } from './arguments'
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

/** A PIN from ORCHARD_PIN, else typed at the terminal (not echoed), else the first line of stdin. */
async function readPin(name: string): Promise<string> {
  if (process.env.ORCHARD_PIN) return process.env.ORCHARD_PIN
  if (process.stdin.isTTY) {
    process.stderr.write(`「${name}」的 PIN / PIN for ${name}: `)
    process.stdin.setRawMode(true)
    let pin = ''
    for await (const chunk of process.stdin) {
      const key = String(chunk)
      if (key === '\r' || key === '\n') break
      if (key === '\u0003') throw new UsageError('已取消 / cancelled')
      pin += key
    }
    process.stdin.setRawMode(false)
    process.stdin.pause()
    process.stderr.write('\n')
    return pin
  }
  const lines = createInterface({ input: process.stdin })
  for await (const line of lines) return line.trim()
  return ''
}

/**
 * The command line acts as the `system` actor, which reads and posts but never decides.
 * A manager's decision (closing a month, approving withdrawals, payout batches) is made
 * as that manager: `--as NAME` signs the profile in with its PIN, on the record.
 */
async function signIn(core: OrchardCore, as: string | undefined, what: string): Promise<void> {
  if (!as) {
    throw new UsageError(`${what}需要管理者：请用 --as 姓名 以管理者身份执行（PIN 从 ORCHARD_PIN 或终端读取）/ ${what} needs a manager: run it --as NAME (the PIN is read from ORCHARD_PIN or the terminal)`, {
      option: '--as',
    })
  }
  const profiles = await core.invoke('profiles', 'list', {})
  const profile = profiles.find((p) => p.id === as || p.name === as)
  if (!profile) throw new UsageError(`没有名为「${as}」的档案 / no profile named ${as}`, { option: '--as', value: as, profiles: profiles.map((p) => p.name) })
  await core.invoke('profiles', 'switch', { profileId: profile.id, pin: await readPin(profile.name) })
}

const asOption = () => new Option('--as <profile>', '以这位管理者的身份执行（需要 PIN）/ act as this manager (asks for the PIN)')

/** Commands for the commission ledger (orchard ledger …). */
export function registerLedgerCommands(kit: CliContext): void {
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
      if (r.held.schemeBlocked) out(r.held.schemeBlocked)
      else if (r.held.noScheme) out('还没有启用的佣金方案，订单未记佣金 / no active commission scheme: orders were not posted')
      if (r.held.schemeWaiting) out(r.held.schemeWaiting)
      if (r.rerated) out(`按团队的佣金方案版本更正佣金 ${r.rerated} 条（此工作站的同号版本被拒绝）/ ${r.rerated} commissions corrected to the team's scheme version (this workstation's own was refused)`)
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
      const memberId = await memberOf(core, o.member)
      const s = await core.invoke('ledger', 'statement', { memberId, period: p })
      if (g.json) return out(JSON.stringify(s))
      printStatement(out, s, core.context.timezone())
      const [b] = await core.invoke('settlement', 'balances', { memberId })
      out(`结算 / settlement（现在 now）：冻结 frozen ${yuan(b.frozenFen)} · 可提现 withdrawable ${yuan(b.withdrawableFen)} · 提现中 requested ${yuan(b.requestedFen)} · 已付 paid ${yuan(b.paidFen)}`)
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

  ledger
    .command('close')
    .description('月结：锁定该月及之前所有未结的月份（先记账）；此后的迟到订单与退款记入下一个未结月份 / close the month and every open month before it')
    .requiredOption('--period <YYYY-MM>', '结到哪个月 / the month to close')
    .option('--dry-run', '只看会锁定什么，不结账 / show what it would lock, close nothing')
    .addOption(asOption())
    .action(async (o: { period: string; dryRun?: boolean; as?: string }, cmd: Command) => {
      const g = globals(cmd)
      const p = period(o.period, '--period')!
      const core = open(g)
      const preview = await core.invoke('ledger', 'closePreview', { period: p })
      if (o.dryRun) {
        if (g.json) return out(JSON.stringify(preview))
        return printClosePreview(out, preview)
      }
      await signIn(core, o.as, '结账 / closing a month')
      const r = await core.invoke('ledger', 'close', { period: p })
      if (g.json) return out(JSON.stringify({ ...r, adjustmentsInto: preview.adjustmentsInto }))
      printClosePreview(out, preview)
      out(`已结账 / closed: ${r.closed.map((c) => c.period).join(', ')}；之后属于这些月份的调整记入 ${preview.adjustmentsInto} / later adjustments go into ${preview.adjustmentsInto}`)
    })

  const withdrawals = ledger.command('withdrawals').description('会员提现申请 / members’ withdrawal requests')
  withdrawals
    .command('list')
    .description('提现申请（默认全部）/ withdrawal requests')
    .addOption(new Option('--status <list>', '只看这些状态，如 requested,approved / only these statuses').argParser(listOption))
    .option('--member <id>', '会员编号或邀请码 / member id or invite code')
    .action(async (o: { status?: string[]; member?: string }, cmd: Command) => {
      const g = globals(cmd)
      const core = open(g)
      const list = await core.invoke('withdrawals', 'list', { memberId: o.member ? await memberOf(core, o.member) : undefined, status: o.status as Withdrawal['status'][] | undefined })
      if (g.json) return out(JSON.stringify(list))
      printWithdrawals(out, list)
    })
  withdrawals
    .command('request')
    .description('为会员登记一笔提现申请（不低于最低提现额，不超过可提现余额）/ enter a member’s withdrawal request')
    .requiredOption('--member <id>', '会员编号或邀请码 / member id or invite code')
    .requiredOption('--amount <yuan>', '金额（元）/ amount in yuan')
    .option('--account <id>', '收款账户（会员只有一个时可省略）/ payout account (optional when the member has one)')
    .option('--note <text>', '备注 / note', '')
    .addOption(asOption())
    .action(async (o: { member: string; amount: string; account?: string; note: string; as?: string }, cmd: Command) => {
      const g = globals(cmd)
      const core = open(g)
      if (!/^\d+(\.\d{1,2})?$/.test(o.amount)) throw new UsageError(`金额应为元，最多两位小数 / the amount is yuan with at most two decimals: ${o.amount}`, { option: '--amount', value: o.amount })
      const [y, f = ''] = o.amount.split('.')
      const amountFen = Number(y) * 100 + Number(f.padEnd(2, '0'))
      const memberId = await memberOf(core, o.member)
      if (o.as) await signIn(core, o.as, '登记提现 / entering a withdrawal')
      else throw new UsageError('登记提现需要运营或管理者：请用 --as 姓名 / entering a withdrawal needs an operator or manager: run it --as NAME', { option: '--as' })
      const w = await core.invoke('withdrawals', 'request', { memberId, amountFen, accountId: o.account, note: o.note })
      if (g.json) return out(JSON.stringify(w))
      out(`已登记提现 ${yuan(w.amountFen)}（${w.memberName ?? w.memberCode}，${w.account?.masked ?? ''}），等待管理者审批 / withdrawal entered, waiting for a manager`)
    })
  for (const [name, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    withdrawals
      .command(name)
      .description(approve ? '批准提现申请（可一次多笔）/ approve withdrawal requests' : '驳回提现申请，金额退回可提现 / turn withdrawal requests down')
      .argument('<ids...>', '提现申请编号 / request ids')
      .option('--reason <text>', approve ? '备注 / note' : '驳回原因（必填）/ why (required)', '')
      .option('--account <id>', '来自其他工作站的申请：会员的收款账户 / for a request from another workstation: the member’s payout account')
      .addOption(asOption())
      .action(async (ids: string[], o: { reason: string; account?: string; as?: string }, cmd: Command) => {
        const g = globals(cmd)
        const core = open(g)
        await signIn(core, o.as, approve ? '审批提现 / approving withdrawals' : '驳回提现 / rejecting withdrawals')
        const done: Withdrawal[] = []
        for (const id of ids) done.push(await core.invoke('withdrawals', 'decide', { id, approve, reason: o.reason, accountId: o.account }))
        if (g.json) return out(JSON.stringify(done))
        printWithdrawals(out, done)
      })
  }

  const payouts = ledger.command('payouts').description('打款批次 / payout batches')
  payouts
    .command('list')
    .description('打款批次 / payout batches')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd)
      const list = await open(g).invoke('payoutBatches', 'list', {})
      if (g.json) return out(JSON.stringify(list))
      if (!list.length) return out('还没有打款批次 / no payout batches yet')
      out(
        renderTable(
          ['批次 Batch', '渠道 Channel', '笔数 Lines', '金额 Amount', '状态 Status', '生成 Created'],
          list.map((b) => [b.batchNo, CHANNEL[b.channel], String(b.lines), yuan(b.totalFen), BATCH_STATUS[b.status], `${b.createdAt.slice(0, 10)} ${b.createdBy}`]),
        ),
      )
    })
  payouts
    .command('create')
    .description('把已批准的提现放进一个打款批次（按渠道）/ put approved withdrawals into a payout batch')
    .addOption(new Option('--channel <channel>', '渠道 / channel').choices(['bank', 'alipay', 'wechat']).makeOptionMandatory())
    .option('--withdrawals <ids>', '只放这些申请（逗号分隔）/ only these requests', listOption)
    .addOption(asOption())
    .action(async (o: { channel: 'bank' | 'alipay' | 'wechat'; withdrawals?: string[]; as?: string }, cmd: Command) => {
      const g = globals(cmd)
      const core = open(g)
      await signIn(core, o.as, '生成打款批次 / creating a payout batch')
      const batch = await core.invoke('payoutBatches', 'create', { channel: o.channel, withdrawalIds: o.withdrawals })
      if (g.json) return out(JSON.stringify(batch))
      printBatch(out, batch)
    })
  payouts
    .command('export')
    .description('导出批次的打款文件（银行/支付宝/微信批量付款格式，含完整账号）/ write the batch’s payout file, full account numbers included')
    .argument('<batch>', '批次号或编号 / batch number or id')
    .argument('<file>', '目标文件 .csv 或 .xlsx / target .csv or .xlsx')
    .addOption(asOption())
    .action(async (batch: string, file: string, o: { as?: string }, cmd: Command) => {
      const g = globals(cmd)
      const ext = extname(file).toLowerCase()
      if (ext !== '.csv' && ext !== '.xlsx') throw new UsageError(`只能导出为 .csv 或 .xlsx 文件 / only .csv or .xlsx files can be written: ${file}`, { file, value: ext || '(none)' })
      const core = open(g)
      await signIn(core, o.as, '导出打款文件 / exporting a payout file')
      const r = await core.invoke('payoutBatches', 'export', { id: batch, format: ext === '.csv' ? 'csv' : 'xlsx', path: resolve(file) })
      if (g.json) return out(JSON.stringify(r))
      out(`已导出 ${r.rows} 笔到 ${r.path}（文件含完整账号，请妥善保管）/ wrote ${r.rows} payments to ${r.path} (full account numbers: keep it safe)`)
    })
  payouts
    .command('mark')
    .description('登记打款结果：全部已付，或用 --failed 标出失败的行（金额退回可提现）/ record the result: all paid, or the lines that failed')
    .argument('<batch>', '批次号或编号 / batch number or id')
    .option('--failed <line[:reason]>', '失败的行号或申请编号，可加原因，可重复 / a failed line (number or request id), optionally with why; repeatable', collect, [])
    .addOption(asOption())
    .action(async (batch: string, o: { failed: string[]; as?: string }, cmd: Command) => {
      const g = globals(cmd)
      const core = open(g)
      await signIn(core, o.as, '登记打款结果 / marking a payout batch')
      const failed = o.failed.map((f) => {
        const at = f.search(/[:：]/)
        return at < 0 ? { withdrawalId: f.trim(), reason: '' } : { withdrawalId: f.slice(0, at).trim(), reason: f.slice(at + 1).trim() }
      })
      const r = await core.invoke('payoutBatches', 'mark', { id: batch, failed })
      if (g.json) return out(JSON.stringify(r))
      printBatch(out, r)
    })
}

const CHANNEL = { bank: '银行卡 bank', alipay: '支付宝 Alipay', wechat: '微信 WeChat' } as const
const BATCH_STATUS = { open: '待打款 open', paid: '已打款 paid', partly_failed: '部分失败 partly failed' } as const
const WITHDRAWAL_STATUS: Record<Withdrawal['status'], string> = {
  requested: '待审批 requested',
  approved: '已批准 approved',
  rejected: '已驳回 rejected',
  batched: '打款中 in a batch',
  paid: '已打款 paid',
  failed: '打款失败 failed',
}

function printWithdrawals(out: (s: string) => void, list: Withdrawal[]): void {
  if (!list.length) return out('没有提现申请 / no withdrawal requests')
  out(
    renderTable(
      ['编号 Id', '会员 Member', '金额 Amount', '账户 Account', '状态 Status', '申请 Requested'],
      list.map((w) => [w.id, `${w.memberName ?? '?'} ${w.memberCode}`, yuan(w.amountFen), w.account ? `${CHANNEL[w.account.kind]} ${w.account.masked}` : '—', WITHDRAWAL_STATUS[w.status], w.requestedAt.slice(0, 10)]),
    ),
  )
}

function printBatch(out: (s: string) => void, b: PayoutBatchDetail): void {
  out(`${b.batchNo} · ${CHANNEL[b.channel]} · ${b.lines.length} 笔 lines · ${yuan(b.totalFen)} · ${BATCH_STATUS[b.status]}`)
  out(
    renderTable(
      ['行 Line', '会员 Member', '账户 Account', '金额 Amount', '状态 Status'],
      b.lines.map((l) => [String(l.lineNo), `${l.memberName ?? '?'} ${l.memberCode}`, l.account?.masked ?? '—', yuan(l.amountFen), `${WITHDRAWAL_STATUS[l.status]}${l.status === 'failed' && l.reason ? ` · ${l.reason}` : ''}`]),
    ),
  )
}

function printClosePreview(out: (s: string) => void, p: ClosePreview): void {
  out(`结账至 ${p.period}（已结至 ${p.lastClosed ?? '—'}）/ closing through ${p.period} (closed through ${p.lastClosed ?? '—'})`)
  if (p.months.length) {
    out(
      renderTable(
        ['账期 Month', '条数 Entries', '会员 Members', '应得 Earned', '调整 Adjustments'],
        p.months.map((m) => [m.period, String(m.entries), String(m.members), yuan(m.earnedFen), String(m.adjustments)]),
      ),
    )
  }
  if (p.unpostedOrders) out(`结账前先记账：${p.unpostedOrders} 笔订单有变化 / ${p.unpostedOrders} changed orders are posted first`)
  if (p.groupBuyOpen) out(`进行中的拼团订单 ${p.groupBuyOpen} 笔：成团或失败后作为调整记入 ${p.adjustmentsInto} / ${p.groupBuyOpen} orders wait for a group buy`)
  for (const b of p.blockers) out(`不能结账 / cannot close: ${b.message}`)
}

/** Entries dated by the studio's day (its time zone), as the console and the PDF date them. */
function printStatement(out: (s: string) => void, s: Statement, zone: string): void {
  out(`${s.member.name ?? s.member.code}（${s.member.code}）${s.period} 对账单 / statement${s.closed ? '（已结账 closed）' : ''}`)
  out(`期初 opening ${yuan(s.openingFen)}`)
  if (s.entries.length) {
    out(
      renderTable(
        ['日期 Date', '类型 Kind', '说明 Memo', '状态 Status', '金额 Amount'],
        s.entries.map((e) => [dayIn(zone, new Date(e.occurredAt)), LEDGER_KIND_LABELS[e.kind].zh, e.memo, LEDGER_STATUS_LABELS[e.status].zh, yuan(e.amountFen)]),
      ),
    )
  }
  if (s.adjustments.length) {
    out(`调整（属于已结账的月份）/ adjustments for closed months: ${yuan(s.adjustmentsFen)}`)
    out(
      renderTable(
        ['属于 For', '日期 Date', '类型 Kind', '说明 Memo', '金额 Amount'],
        s.adjustments.map((e) => [e.period, dayIn(zone, new Date(e.occurredAt)), LEDGER_KIND_LABELS[e.kind].zh, e.memo, yuan(e.amountFen)]),
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
