import type { Command } from 'commander'
import { OrchardError } from '../../src-shared/errors'
import { pagesExchangeSettled } from '../core/memberPages'
import type { CliContext } from './arguments'
import { UsageError } from './arguments'
import { renderTable } from './table'

/**
 * Members' pages and live codes from a terminal: publishing packs, a member's link, a
 * group's live code (orchard packs publish, orchard members link, orchard groups livecode).
 */
export function registerMemberPagesCommands(kit: CliContext, packs: Command): void {
  const { command, globals, open, out, setExitCode } = kit

  packs
    .command('publish')
    .description('把已完成的素材包发布到团队服务器的会员小站（默认：昨天以来还没发布的）；orchard sync 也会发布 / publish finished packs to members’ pages (default: those since yesterday not yet published)')
    .option('--date <YYYY-MM-DD>', '只发布这一天的素材包 / only the packs of this day')
    .action(async (o: { date?: string }, cmd: Command) => {
      const g = globals(cmd)
      if (o.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(o.date)) throw new UsageError(`日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD: ${o.date}`, { field: '--date', value: o.date })
      const result = await open(g).invoke('memberPages', 'publish', { date: o.date })
      if (result.refused.length) setExitCode(1)
      if (g.json) return out(JSON.stringify(result))
      if (!result.runs.length && !result.refused.length) return out('没有要发布的素材包 / nothing to publish')
      out(
        renderTable(
          ['日期 Day', '素材包 Packs', '文件 Files', '新上传 Uploaded', 'MB'],
          result.runs.map((r) => [r.date, String(r.packs), String(r.files), String(r.uploaded), (r.uploadedBytes / 1024 / 1024).toFixed(1)]),
        ),
      )
      for (const r of result.refused) out(`未发布 ${r.date}（${r.jobId}）：${r.message}`)
    })

  const members = command('members').description('会员 / members')
  members
    .command('link')
    .description('会员小站链接：开通（已有则显示）、--reissue 换新链接（旧的立即失效）、--revoke 停用 / a member’s page link: issue (or show), reissue, revoke')
    .argument('<code>', '会员邀请码或编号 / the member’s invite code or id')
    .option('--reissue', '换一个新链接，旧链接立即失效 / a new link; the old one stops at once')
    .option('--revoke', '停用链接，之后打开显示 404 / revoke: the link answers 404 from now on')
    .action(async (code: string, o: { reissue?: boolean; revoke?: boolean }, cmd: Command) => {
      const g = globals(cmd)
      if (o.reissue && o.revoke) throw new UsageError('--reissue 和 --revoke 只能选一个 / choose --reissue or --revoke, not both', { field: '--revoke' })
      const core = open(g)
      const member = (await core.invoke('members', 'all', {})).find((m) => m.id === code || m.inviteCode.toUpperCase() === code.toUpperCase())
      if (!member) throw new OrchardError('not_found', `没有这位会员 / no such member: ${code}`, { field: 'code', value: code })
      const link = o.revoke
        ? await core.invoke('memberPages', 'revokeLink', { memberId: member.id })
        : await core.invoke('memberPages', 'issueLink', { memberId: member.id, reissue: Boolean(o.reissue) })
      // The server learns of it before the command ends (or at the next sync when it cannot be reached).
      await pagesExchangeSettled(core.context)
      const after = await core.invoke('memberPages', 'link', { memberId: member.id })
      if (g.json) return out(JSON.stringify({ url: link.url, memberId: member.id, inviteCode: member.inviteCode, revokedAt: after.revokedAt, pending: after.pending }))
      out(o.revoke ? `${member.name} 的会员小站已停用 / revoked` : `${member.name} 的会员小站 / page: ${link.url}`)
      if (after.pending) out('团队服务器暂时连不上，下次同步时生效 / the server could not be reached: it takes effect at the next sync')
    })

  const groups = command('groups').description('社群 / groups')
  groups
    .command('livecode')
    .description('社群活码：一个不变的链接，总是显示最新的有效群二维码 / a group’s live code: one stable link to its newest valid QR')
    .argument('<group>', '社群名称或编号 / the group’s name or id')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const g = globals(cmd)
      const core = open(g)
      const matches = (await core.invoke('groups', 'list', {})).filter((x) => x.id === ref || x.name === ref)
      if (!matches.length) throw new OrchardError('not_found', `没有这个社群 / no such group: ${ref}`, { field: 'group', value: ref })
      if (matches.length > 1) throw new OrchardError('ambiguous', `有 ${matches.length} 个同名社群，请用编号 / ${matches.length} groups share this name: use the id`, { field: 'group', value: ref })
      const info = await core.invoke('memberPages', 'makeLiveCode', { groupId: matches[0].id })
      await pagesExchangeSettled(core.context)
      if (g.json) return out(JSON.stringify({ url: info.url, groupId: info.groupId, scans: info.scans.total }))
      out(`「${matches[0].name}」的活码 / live code: ${info.url}`)
      out(`近 30 天扫码 ${info.scans.total} 次 / scans in the last 30 days: ${info.scans.total}`)
    })
}
