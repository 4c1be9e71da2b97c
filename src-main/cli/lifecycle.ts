import { resolve } from 'node:path'
import type { Command } from 'commander'
import {
  CARE_CHANNEL_LABELS,
  CARE_OWNER_LABELS,
  CARE_TASK_STATUS_LABELS,
  RULE_ACTION_LABELS,
  type CareCalendar,
} from '../../src-shared/contracts/lifecycle'
import type { OrchardCore } from '../core/api'
import { UsageError, type CliContext } from './arguments'
import { renderTable } from './table'

/**
 * Commands for care, rules, audit and kits (orchard care|rules|audit|kits …).
 * The command line acts as the `system` actor: it reads, plans care, evaluates the
 * rules and generates kits, and is refused anything that needs a manager's decision
 * (approving, rejecting, deciding appeals, editing rules): those are made at the console
 * by a signed-in manager, on the record.
 */
export function registerLifecycleCommands(kit: CliContext): void {
  const { command, globals, open, out, setExitCode } = kit

  const care = command('care').description('会员关怀 / member care')
  care
    .command('today')
    .description('某天的关怀任务（默认今天），按负责人分组 / the day’s care tasks, per owner')
    .option('--date <day>', '日期 YYYY-MM-DD（工作室时区）/ the day, YYYY-MM-DD in the studio’s zone')
    .option('--owner <id>', '只看一位负责人：运营/培训师的档案编号或师父的会员编号（也可用名字）/ one owner: a profile id, a mentor’s member id, or a name')
    .action(async (o: { date?: string; owner?: string }, cmd: Command) => {
      const g = globals(cmd)
      if (o.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(o.date)) {
        throw new UsageError(`日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD: ${o.date}`, { field: '--date', value: o.date })
      }
      const core = open(g)
      const ownerId = o.owner ? await resolveOwner(core, o.owner) : undefined
      const calendar = await core.invoke('care', 'calendar', { date: o.date, ownerId, limit: 2000 })
      if (g.json) return out(JSON.stringify(calendar))
      printCalendar(out, calendar, core.context.timezone())
    })

  const rules = command('rules').description('团队规则 / team rules')
  rules
    .command('evaluate')
    .description('按规则提议处理，等待管理者审批；重复运行不会重复提议 / propose actions from the rules (running it again proposes nothing twice)')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd)
      const result = await open(g).invoke('rules', 'evaluate', {})
      if (g.json) return out(JSON.stringify(result))
      out(`已检查 ${result.rulesEvaluated} 条规则、${result.eventsScanned} 个未处理事件，新提议 ${result.proposed} 项（${result.durationMs.toFixed(0)} ms）`)
      out(`checked ${result.rulesEvaluated} rules and ${result.eventsScanned} unused events: ${result.proposed} new proposals`)
      if (!result.actions.length) return
      out('')
      out(
        renderTable(
          ['会员 Member', '规则 Rule', '提议 Action', '依据 Reason'],
          result.actions.map((a) => [a.memberName, a.ruleName, RULE_ACTION_LABELS[a.action.kind].zh, a.reason]),
        ),
      )
      out('')
      out('提议须由管理者在控制台审批 / a manager approves or rejects each proposal at the console')
    })

  const audit = command('audit').description('审计日志 / the audit log')
  audit
    .command('verify')
    .description('逐条校验哈希链；完整时退出码 0，否则 1 并指出第一条断开的记录 / walk the hash chain: exit 0 when intact, 1 with the first broken record')
    .option('--team', '由团队服务器校验全队的审计：每台工作站的链和服务器自己的链 / have the team server verify the whole team’s audit: every workstation’s chain and its own')
    .action(async (o: { team?: boolean }, cmd: Command) => {
      const g = globals(cmd)
      if (o.team) {
        const t = await open(g).invoke('audit', 'verifyTeam', {})
        if (!t.intact) setExitCode(1)
        if (g.json) return out(JSON.stringify(t))
        out(t.intact ? `团队「${t.team}」的审计完整 / the team ${t.team}'s audit is intact` : `团队「${t.team}」的审计已被改动 / the team ${t.team}'s audit was tampered with`)
        out('')
        const row = (name: string, c: (typeof t.chains)[number]) => [
          name,
          String(c.records),
          c.ok ? '完整 intact' : `#${c.firstBroken!.seq} ${c.firstBroken!.reason}`,
          c.lastHash ?? '—',
        ]
        out(
          renderTable(
            ['链 Chain', '记录 Records', '校验 Check', '末条哈希 Last hash'],
            [...t.chains.map((c) => row(`${c.deviceNames.join(', ') || c.workstationId}${c.workstationId === t.here.workstationId ? ' (本机 this one)' : ''}`, c)), row('服务器 server', t.server)],
          ),
        )
        for (const c of [...t.chains, t.server]) if (c.firstBroken) out(`${c.workstationId ?? 'server'}: ${c.firstBroken.message}`)
        if (t.here.pushed < t.here.records) out(`本机尚有 ${t.here.records - t.here.pushed} 条记录未送达服务器 / ${t.here.records - t.here.pushed} records of this workstation are not on the server yet`)
        if (t.here.refused) out(`服务器拒收了本机的审计记录 / the server refused this workstation's audit records: ${t.here.refused.message}`)
        return
      }
      const v = await open(g).invoke('audit', 'verify', {})
      if (!v.intact) setExitCode(1)
      if (g.json) return out(JSON.stringify(v))
      if (v.intact) {
        out(`审计日志完整：${v.records} 条记录，哈希链逐条校验通过 / the audit log is intact: ${v.records} records`)
        if (v.headHash) out(`头哈希 / head: ${v.headHash}`)
        return
      }
      const b = v.firstBroken!
      out(`审计日志已被改动 / the audit log was tampered with`)
      out(`第一条断开的记录 / first broken record: #${b.seq}${b.id ? ` (${b.id})` : ''}`)
      out(`原因 / reason: ${b.reason} — ${b.message}`)
      out(`应为 / expected: ${b.expected}`)
      out(`实为 / actual:   ${b.actual}`)
    })

  const kits = command('kits').description('新人入门包 / onboarding kits')
  kits
    .command('generate')
    .description('为会员生成入门包（PDF、带邀请码的海报、话术 .txt，打包为 zip）/ generate kits: PDF, posters with the invite QR, scripts, zipped')
    .requiredOption('--members <ids>', '会员编号或邀请码，逗号分隔 / member ids or invite codes, comma-separated')
    .requiredOption('--out <dir>', '输出文件夹 / output folder')
    .option('--template <id>', '入门包模板编号（默认模板）/ kit template id (default template)')
    .option('--no-posters', '不生成海报 / without posters')
    .action(async (o: { members: string; out: string; template?: string; posters: boolean }, cmd: Command) => {
      const g = globals(cmd)
      const wanted = o.members
        .split(/[,，\s]+/)
        .map((s) => s.trim())
        .filter(Boolean)
      if (!wanted.length) throw new UsageError('请用 --members 指定至少一位会员 / name at least one member with --members', { field: '--members', value: o.members })
      const core = open(g)
      const memberIds = resolveMembers(core, wanted)
      const result = await core.invoke('kits', 'generate', { memberIds, outDir: resolve(o.out), templateId: o.template, posters: o.posters })
      if (g.json) return out(JSON.stringify(result))
      out(`已生成 ${result.kits.length} 份入门包到 ${result.outDir}（${(result.durationMs / 1000).toFixed(1)} s）/ ${result.kits.length} kits written`)
      out('')
      out(renderTable(['会员 Member', '页数 Pages', '海报 Posters', '话术 Scripts', '文件 File'], result.kits.map((k) => [k.memberName, String(k.pages), String(k.posters), String(k.scripts), k.zipPath])))
      for (const w of result.warnings) out(`注意 / note: ${w}`)
    })
}

/** An owner given as a profile id, a member id, or a unique name of either. */
async function resolveOwner(core: OrchardCore, value: string): Promise<string> {
  const db = core.context.db
  if (db.prepare('SELECT 1 FROM profiles WHERE id = ? UNION ALL SELECT 1 FROM members WHERE id = ?').get(value, value)) return value
  const named = db.prepare('SELECT id FROM profiles WHERE name = ? UNION ALL SELECT id FROM members WHERE name = ?').all(value, value) as { id: string }[]
  if (named.length === 1) return named[0].id
  if (named.length > 1) throw new UsageError(`有 ${named.length} 位叫「${value}」的负责人，请用编号 / ${named.length} owners are called ${value}: use the id`, { field: '--owner', value })
  throw new UsageError(`找不到负责人 / no such owner: ${value}`, { field: '--owner', value })
}

/** Members given as ids or invite codes; every one must exist. */
function resolveMembers(core: OrchardCore, values: string[]): string[] {
  const db = core.context.db
  const missing: string[] = []
  const ids = values.map((v) => {
    const row = db.prepare('SELECT id FROM members WHERE id = ? OR invite_code = ? COLLATE NOCASE').get(v, v) as { id: string } | undefined
    if (!row) missing.push(v)
    return row?.id ?? ''
  })
  if (missing.length) throw new UsageError(`找不到这些会员 / members not found: ${missing.join(', ')}`, { field: '--members', value: missing.join(',') })
  return ids
}

function hhmm(iso: string, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso))
}

function printCalendar(out: (s: string) => void, c: CareCalendar, timezone: string): void {
  const n = c.counts
  out(`${c.date} 关怀任务：共 ${n.total} 项，待办 ${n.open}，已完成 ${n.done}，已跳过 ${n.skipped}，逾期 ${n.overdue}`)
  out(`${c.date} care tasks: ${n.total} in all, ${n.open} open, ${n.done} done, ${n.skipped} skipped, ${n.overdue} overdue`)
  if (!c.rows.length) {
    out('')
    out('这一天没有关怀任务 / no care tasks for this day')
    return
  }
  const groups = new Map<string, CareCalendar['rows']>()
  for (const t of c.rows) {
    const key = `${t.ownerKind}|${t.ownerId ?? ''}`
    groups.set(key, [...(groups.get(key) ?? []), t])
  }
  for (const [, tasks] of groups) {
    const t0 = tasks[0]
    out('')
    out(`■ ${CARE_OWNER_LABELS[t0.ownerKind].zh} ${t0.ownerName ?? '（未分配 / unassigned）'} — ${tasks.length} 项`)
    out(
      renderTable(
        ['到期 Due', '会员/社群 Member', '事项 Task', '渠道 Channel', '状态 Status'],
        tasks.map((t) => [
          t.dueDay === c.date ? hhmm(t.dueAt, timezone) : `${t.dueDay.slice(5)} ${hhmm(t.dueAt, timezone)}`,
          t.memberName ?? t.groupName ?? '',
          t.title,
          CARE_CHANNEL_LABELS[t.channel].zh,
          t.overdue ? '逾期 OVERDUE' : CARE_TASK_STATUS_LABELS[t.status].zh,
        ]),
        30,
      ),
    )
  }
  if (c.total > c.rows.length) out(`…… 另有 ${c.total - c.rows.length} 项，用 --json 查看全部 / ${c.total - c.rows.length} more: use --json`)
}
