import type { Command } from 'commander'
import type { Finding } from '../../src-shared/contracts/materials'
import { OrchardError } from '../../src-shared/errors'
import type { OrchardCore } from '../core/api'
import { listOption as list, UsageError, type CliContext } from './arguments'
import { registerMemberPagesCommands } from './memberPages'
import { renderTable } from './table'

interface GenerateOptions {
  date: string
  members?: string
  groups?: string
  templates?: string
  products?: string
  out?: string
  zip?: boolean
  video?: boolean
  replace?: boolean
}


/**
 * Members named directly (ids or invite codes); `all`: every active member. Without
 * --members: every active member, unless group packs were asked for alone.
 */
async function membersOf(core: OrchardCore, o: GenerateOptions): Promise<string[] | undefined> {
  if (o.members && o.members !== 'all') return list(o.members)
  if (!o.groups) return undefined
  if (o.members !== 'all') return []
  return (await core.invoke('members', 'all', {})).filter((m) => m.status === 'active').map((m) => m.id)
}

function printFindings(out: (s: string) => void, findings: Finding[]): void {
  out(renderTable(['位置 Where', '内容 Text', '原因 Why'], findings.map((f) => [f.where, f.text, f.why.split(' / ')[0]])))
}

/** Commands for material packs (orchard packs …). */
export function registerPacksCommands(kit: CliContext): void {
  const { command, globals, open, out, setExitCode } = kit
  const packs = command('packs').description('素材包 / material packs')

  packs
    .command('generate')
    .description('批量生成素材包：海报（含会员邀请码二维码）、文案、发布清单和日程；中断后再次运行会接着做 / generate packs (a rerun resumes an interrupted batch)')
    .requiredOption('--date <YYYY-MM-DD>', '素材包的日期 / the day the packs are for')
    .option('--members <all|ID,…>', '会员编号或邀请码，默认全部在职会员 / member ids or invite codes (default: all active)')
    .option('--groups <ID|名称,…>', '为这些社群各做一份群素材包（群主的邀请码、群二维码、群文案和群发额度）/ a pack for each of these groups')
    .option('--templates <ID,…>', '海报模板 / poster templates')
    .option('--products <SKU,…>', '商品（默认近 30 天热销的 6 款）/ products (default: the 6 best sellers of the last 30 days)')
    .option('--out <dir>', '输出文件夹（默认数据文件夹的 packs/日期）/ output folder')
    .option('--zip', '每位会员再打一个 zip 包 / also zip each member’s pack')
    .option('--video', '为每个商品做一段 15 秒竖版视频（所有素材包共用）/ a 15 s vertical video per product, shared by every pack')
    .option('--replace', '输出文件夹里已有另一次生成的素材包时，整体替换它们（否则拒绝）/ replace another run’s packs in the output folder whole (refused otherwise)')
    .action(async (o: GenerateOptions, cmd: Command) => {
      const g = globals(cmd)
      if (!/^\d{4}-\d{2}-\d{2}$/.test(o.date) || Number.isNaN(Date.parse(o.date))) {
        throw new UsageError(`日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD: ${o.date}`, { field: '--date', value: o.date })
      }
      const core = open(g)
      const tty = !g.json && process.stderr.isTTY
      const stop = core.on('job.progress', (p) => {
        if (!tty || p.kind !== 'packs') return
        const eta = p.etaSeconds !== undefined ? ` · 剩余约 ${Math.ceil(p.etaSeconds / 60)} 分钟` : ''
        process.stderr.write(`\r生成中 ${p.done}/${p.total} · ${(p.rate ?? 0).toFixed(1)} 个/秒${eta}   `)
      })
      try {
        const job = await core.invoke('packs', 'generate', {
          date: o.date,
          members: await membersOf(core, o),
          groups: list(o.groups),
          templates: list(o.templates),
          products: list(o.products),
          out: o.out,
          zip: Boolean(o.zip),
          video: Boolean(o.video),
          replace: Boolean(o.replace),
        })
        if (tty) process.stderr.write('\n')
        if (g.json) return out(JSON.stringify(job))
        out(`${job.resumed ? '已续做并完成' : '已完成'}：${job.members} 位会员，${job.files} 个文件，${(job.bytes / 1024 / 1024).toFixed(1)} MB，用时 ${(job.durationMs / 1000).toFixed(1)} 秒`)
        out(`${job.resumed ? 'resumed and finished' : 'done'}: ${job.members} members, ${job.files} files in ${job.out}`)
        if (job.warnings.length) printFindings(out, job.warnings)
      } catch (err) {
        const e = OrchardError.from(err)
        const findings = (e.details as { findings?: Finding[] } | undefined)?.findings
        if (e.code !== 'pack_blocked' || !findings) throw e
        setExitCode(1)
        if (g.json) return out(JSON.stringify({ error: e.toJSON() }))
        out(e.message)
        printFindings(out, findings)
      } finally {
        stop()
      }
    })

  packs
    .command('check')
    .description('只运行检查：广告法禁用词、低于控价、不真实的紧迫用语 / run the checker only')
    .requiredOption('--date <YYYY-MM-DD>', '日期 / the day')
    .option('--products <SKU,…>', '商品 / products')
    .option('--groups <ID|名称,…>', '也检查这些社群的群二维码和群发额度 / also check these groups’ QR codes and mass-send allowance')
    .action(async (o: { date: string; products?: string; groups?: string }, cmd: Command) => {
      const g = globals(cmd)
      const findings = await open(g).invoke('packs', 'check', { date: o.date, products: list(o.products), ...(o.groups ? { groups: list(o.groups), members: [] } : {}) })
      if (findings.some((f) => f.severity === 'error')) setExitCode(1)
      if (g.json) return out(JSON.stringify(findings))
      if (!findings.length) return out('没有发现问题 / no findings')
      printFindings(out, findings)
    })

  registerMemberPagesCommands(kit, packs)
}
