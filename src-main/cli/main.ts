import { existsSync, readFileSync } from 'node:fs'
import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, CommanderError, Option } from 'commander'
import { bilingualHalf, type Lang } from '../../src-shared/bilingual'
import { OrchardError } from '../../src-shared/errors'
import { ImportFormat, ImportMode, type ImportResult } from '../../src-shared/schemas'
import { EXPORT_COLUMNS, formatFen, ORDER_STATUS_LABELS } from '../../src-shared/vocabulary'
import { createCore, type OrchardCore } from '../core/api'
import { createBackup, resolveBackupSource, restoreBackupFile } from '../core/backups/backups'
import { clockFromEnvironment, type Clock } from '../core/clock'
import { newId } from '../core/ids'
import { CellError, parseRelClass, parseSegment } from '../core/imports/values'
import { dataPaths, defaultDataDir } from '../core/paths'
import { readPreferences } from '../core/preferences'
import { startBrowserHost } from '../host/server'
import { collect, entityOf, importEntityOf, integerOption, listOption, readableFile, UsageError, type CliContext, type GlobalOptions } from './arguments'
import { registerCustomerCommands } from './customers'
import { terminalLanguage } from './language'
import { registerLedgerCommands } from './ledger'
import { registerLifecycleCommands } from './lifecycle'
import { registerPacksCommands } from './packs'
import { registerSyncCommands } from './sync'
import { renderTable } from './table'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version

/** The built console `orchard web` serves; ORCHARD_RENDERER_DIR points at one built elsewhere. */
function rendererDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ORCHARD_RENDERER_DIR ? resolve(env.ORCHARD_RENDERER_DIR) : join(repoRoot, 'out', 'renderer')
}

/**
 * Runs one `orchard` command; returns the exit status: 0 done, 1 rows were
 * rejected, 2 bad usage or an error (the message says what and where).
 * With --json, stdout carries only JSON (results, or {"error": …}).
 */
export async function runCli(argv: string[]): Promise<number> {
  // Everything this process writes (the database, backups, exports, browser mode's uploads)
  // holds customers' personal data: owner-only unless the person widens it themselves.
  if (process.platform !== 'win32') process.umask(0o077)
  let exitCode = 0
  let core: OrchardCore | null = null
  const wantsJson = argv.includes('--json')
  // Human output speaks one language; JSON keeps every message's both halves (and its code and details).
  const lang = terminalLanguage(argv)
  const out = (text: string): void => {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n')
  }
  // ORCHARD_NOW, read once: every command of this run shares one clock.
  let clock: Clock | undefined
  const studioClock = (): Clock => (clock ??= clockFromEnvironment())
  const globals = (cmd: Command): GlobalOptions => {
    const o = cmd.optsWithGlobals() as { dataDir?: string; json?: boolean }
    return { dataDir: resolve(o.dataDir ?? defaultDataDir()), json: Boolean(o.json) }
  }
  // The CLI never seeds a demo into a folder it was pointed at: scripts expect what they put there.
  const open = (g: GlobalOptions, firstStart: 'demo' | 'empty' = 'empty'): OrchardCore => {
    core = createCore({ dataDir: g.dataDir, host: 'cli', version, firstStart, clock: studioClock() })
    return core
  }

  const program = new Command()
    .name('orchard')
    .description('果园 Orchard — 社交电商工作室运营台的命令行 / the command line of the studio console')
    .version(version)
    .addOption(new Option('--data-dir <dir>', '数据文件夹 / data folder').env('ORCHARD_DATA_DIR'))
    .option('--json', '只输出 JSON / machine-readable output only')
    .addOption(
      new Option('--lang <lang>', '输出语言：zh 中文，en 英文（默认取 ORCHARD_LANG，再取 LANG / LC_ALL）/ output language (default: ORCHARD_LANG, then LANG / LC_ALL)').choices([
        'zh',
        'en',
      ]),
    )
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  // Subcommands inherit exitOverride and the output settings, so every failure comes back here.
  const command = (name: string) => program.command(name)

  command('info')
    .description('数据文件夹与工作室概况 / data folder and studio overview')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd)
      const c = open(g)
      const info = await c.invoke('system', 'info', {})
      const clock = await c.invoke('system', 'clock', {})
      const summary = await c.invoke('dashboard', 'summary', {})
      if (g.json) return out(JSON.stringify({ ...info, ...clock, counts: summary.counts }))
      out(`果园 Orchard ${info.version}（数据结构 / schema ${info.schemaVersion}）`)
      out(`今天 / today: ${clock.today}（${clock.timezone}）`)
      out(`数据文件夹 / data folder: ${info.dataDir}`)
      out(`数据库 / database: ${info.databasePath} (${(info.databaseSizeBytes / 1024 / 1024).toFixed(1)} MB)${info.demo ? '  [演示数据 / demo]' : ''}`)
      const n = summary.counts
      out(`客户 ${n.customers} · 社群 ${n.groups} · 商品 ${n.products} · 会员 ${n.members} · 订单 ${n.orders}（未归属 ${n.unattributedOrders}）`)
      out(`customers ${n.customers} · groups ${n.groups} · products ${n.products} · members ${n.members} · orders ${n.orders} (unattributed ${n.unattributedOrders})`)
    })

  const demo = command('demo').description('演示工作室 / the demo studio')
  demo
    .command('seed')
    .description('用生成的演示工作室替换数据（先自动备份）/ replace the data with the demo studio (a backup is taken first)')
    .option('--seed <n>', '随机种子，同一种子生成同样的数据 / seed: the same seed gives the same studio', integerOption(0, 2 ** 31 - 1))
    .action(async (o: { seed?: number }, cmd: Command) => {
      const g = globals(cmd)
      const result = await open(g).invoke('demo', 'seed', o.seed === undefined ? {} : { seed: o.seed })
      if (g.json) return out(JSON.stringify(result))
      out(`已生成演示工作室：${result.customers} 位客户，${result.orders} 笔订单 / demo studio ready: ${result.customers} customers, ${result.orders} orders`)
    })

  command('import')
    .description('导入 CSV / XLSX；中断的导入用 import resume 任务号 继续 / import a CSV or XLSX file; import resume JOBID resumes an interrupted one')
    .argument('<entity>', 'customers | products | orders | members | resume')
    .argument('<file>', '文件，或 resume 时的任务号 / file, or the job id to resume')
    .addOption(
      new Option('--format <format>', '格式：自动识别，或 果园 / Shopify / 有赞 / 微店 / 快团团 / format').choices(ImportFormat.options).default('auto'),
    )
    .option(
      '--rate <CUR=RATE>',
      '订单：另一币种的汇率，只用于这次导入，可重复，如 --rate USD=7.10（1 USD = 7.10 工作室币种）/ orders: the rate of another currency for this import (repeatable)',
      collect,
      [],
    )
    .addOption(new Option('--mode <mode>', '模式：全部成功才写入，或只写入有效行 / mode').choices(ImportMode.options).default('all-or-nothing'))
    .addOption(
      new Option('--older-state <choice>', '订单：文件比工作室已有的状态旧时（退款更少、退款后又成已付款）保留较新的（默认），或采用文件的 / orders older than the studio holds: keep the newer state, or apply the file’s')
        .choices(['keep', 'apply'])
        .default('keep'),
    )
    .option('--apply-older <orders>', '订单：只对这些订单号采用文件中较旧的状态（逗号分隔）/ orders: take the file’s older state for these order numbers only', listOption)
    .option(
      '--error-file <file>',
      '有被拒绝的行时，把它们按原样写到这个文件（与源文件同为 .csv 或 .xlsx），加上错误原因和原行号；改正后可直接重新导入 / when rows are refused, write them as they were (.csv or .xlsx like the source) with the reason and source row: fix and import it again',
    )
    .action(
      async (
        entityArg: string,
        file: string,
        o: {
          format: ImportFormat
          rate: string[]
          mode: ImportMode
          olderState: 'keep' | 'apply'
          applyOlder?: string[]
          errorFile?: string
        },
        cmd: Command,
      ) => {
        const g = globals(cmd)
        if (entityArg === 'resume') {
          // The file and options were kept with the job: its id is all a resume takes.
          const result = await open(g).invoke('imports', 'resume', { jobId: file })
          if (result.rejectedRows > 0) exitCode = 1
          if (g.json) return out(JSON.stringify(result))
          return printImport(out, result, lang)
        }
        const entity = importEntityOf(entityArg)
        const path = readableFile(file)
        const rates = ratesOption(o.rate)
        // The error file is the source's rows: a workbook's are written as a workbook, a CSV's as CSV.
        const kind = extname(path).toLowerCase() === '.xlsx' ? '.xlsx' : '.csv'
        if (o.errorFile !== undefined && extname(o.errorFile).toLowerCase() !== kind) {
          throw new UsageError(`--error-file 须为 ${kind} 文件，与源文件相同 / --error-file must be a ${kind} file, like the source: ${o.errorFile}`, { option: '--error-file', value: o.errorFile })
        }
        const c = open(g)
        // Recorded as a job, so an import this process does not finish (killed, the machine off) is resumed by its id.
        const jobId = newId()
        if (!g.json) {
          process.stderr.write(
            lang === 'zh' ? `导入任务 ${jobId}（中断后用 orchard import resume ${jobId} 继续）\n` : `import job ${jobId} (if interrupted: orchard import resume ${jobId})\n`,
          )
        }
        const result = await c.invoke('imports', 'run', { entity, path, format: o.format, mode: o.mode, olderOrders: o.olderState, applyOlderFor: o.applyOlder ?? [], rates, jobId })
        if (result.rejectedRows > 0) exitCode = 1
        const errorFile =
          o.errorFile !== undefined && result.rejectedRows > 0 ? await c.invoke('imports', 'errorFile', { importId: result.importId, lang: g.json ? 'both' : lang, path: resolve(o.errorFile) }) : undefined
        if (g.json) return out(JSON.stringify(errorFile ? { ...result, errorFile } : result))
        printImport(out, result, lang)
        if (errorFile) {
          const say = (zh: string, en: string) => out(lang === 'zh' ? zh : en)
          out('')
          say(
            `被拒绝的 ${errorFile.rows} 行已按原样写入 ${errorFile.path}（末尾两列为错误原因和原行号），改正后重新导入即可`,
            `the ${errorFile.rows} refused rows were written as they were to ${errorFile.path} (the last two columns: reason, source row): fix them and import it again`,
          )
          if (errorFile.omittedRows) say(`另有 ${errorFile.omittedRows} 行未写入（只保留前 50,000 个错误）`, `${errorFile.omittedRows} more rows are not in it (only the first 50,000 errors are kept)`)
        }
      },
    )

  command('export')
    .description('导出为 CSV / XLSX / export to CSV or XLSX')
    .argument('<entity>', 'customers | products | orders')
    .argument('<file>', '目标文件（.csv 或 .xlsx）/ target file (.csv or .xlsx)')
    .option('--search <text>', '客户：只导出搜索到的（姓名、微信号、手机、备注）/ customers: only those a search finds')
    .option('--class <list>', '客户：只导出这些分类，如 A,B / customers: only these classes, e.g. A,B', listOption)
    .option('--segment <list>', '客户：只导出这些消费群体，如 务实羊毛党 / customers: only these segments, e.g. bargain', listOption)
    .option('--tag <tag>', '客户：只导出带这个标签的（可重复，须全部带有）/ customers: only those with this tag (repeatable: all of them)', collect, [])
    .option('--columns <list>', '只导出这些列，按此顺序（列名或键，如 姓名,手机,消费总额）/ only these columns, in this order (headers or keys, e.g. name,phones,totalSpent)', listOption)
    .action(async (entityArg: string, file: string, o: { search?: string; class?: string[]; segment?: string[]; tag: string[]; columns?: string[] }, cmd: Command) => {
      const g = globals(cmd)
      const entity = entityOf(entityArg)
      const ext = extname(file).toLowerCase()
      if (ext !== '.csv' && ext !== '.xlsx') {
        throw new UsageError(`只能导出为 .csv 或 .xlsx 文件 / only .csv or .xlsx files can be written: ${file}`, { file, value: ext || '(none)' })
      }
      const filtered = o.search !== undefined || o.class || o.segment || o.tag.length > 0
      // Classes and segments as people write them (A类, 务实羊毛党, 羊毛党) or by their codes.
      const read = <T>(option: string, values: string[] | undefined, parse: (s: string) => T) =>
        values?.map((v) => {
          try {
            return parse(v)
          } catch (err) {
            if (!(err instanceof CellError)) throw err
            throw new UsageError(`${option} ${v}：${bilingualHalf(err.reason, 'zh')} / ${option} ${v}: ${bilingualHalf(err.reason, 'en')}`, { option, value: v })
          }
        })
      const filter = filtered
        ? { search: o.search, relClass: read('--class', o.class, parseRelClass), segment: read('--segment', o.segment, parseSegment), tags: o.tag.length ? o.tag : undefined }
        : undefined
      // Columns as the file heads them (手机) or by their keys (phones).
      const known: readonly { key: string; header: string }[] = EXPORT_COLUMNS[entity]
      const columns = o.columns?.map((c) => {
        const column = known.find((k) => k.key === c || k.header === c)
        if (!column) {
          throw new UsageError(`--columns ${c}：没有这一列，可选 ${known.map((k) => k.header).join(',')} / --columns ${c}: no such column; choose from ${known.map((k) => k.key).join(',')}`, {
            option: '--columns',
            value: c,
          })
        }
        return column.key
      })
      const result = await open(g).invoke('exports', 'run', { entity, format: ext === '.csv' ? 'csv' : 'xlsx', path: resolve(file), filter, columns })
      if (g.json) return out(JSON.stringify(result))
      out(`已导出 ${result.rows} 行到 ${result.path} / exported ${result.rows} rows to ${result.path}`)
    })

  command('backup')
    .description('通过 SQLite 在线备份写一份备份 / write a backup through SQLite’s online backup')
    .argument('[file]', '目标文件（默认为数据文件夹的 backups/）/ target file (default: the backups folder)')
    .action(async (file: string | undefined, _o, cmd: Command) => {
      const g = globals(cmd)
      const c = open(g)
      const backup = await createBackup(c.context.db, c.paths, 'manual', file ? resolve(file) : undefined, c.context.clock.now())
      if (g.json) return out(JSON.stringify(backup))
      out(`已备份到 / backed up to: ${backup.path} (${(backup.sizeBytes / 1024 / 1024).toFixed(1)} MB)`)
    })

  command('restore')
    .description('从备份恢复（先为当前数据做安全备份）/ restore a backup (a safety backup of the current data is taken first)')
    .argument('<file>', '备份文件，或 backups/ 中的文件名 / backup file, or a name in backups/')
    .action(async (file: string, _o, cmd: Command) => {
      const g = globals(cmd)
      // No core here: the restore replaces the database file, which must not be open.
      const paths = dataPaths(g.dataDir)
      const result = await restoreBackupFile(paths, resolveBackupSource(paths, file), { now: studioClock().now() })
      if (g.json) return out(JSON.stringify(result))
      out(`已恢复 / restored: ${result.restored}`)
      if (result.safetyBackup) out(`恢复前的数据已另存 / the previous data was saved to: ${result.safetyBackup}`)
    })

  command('web')
    .description('以浏览器模式运行控制台 / run the console in browser mode')
    .option('--port <n>', '端口（默认随机空闲端口）/ port (default: a free one)', integerOption(0, 65535))
    .option('--empty', '新数据文件夹以空白工作室开始 / start a new data folder empty')
    .action(async (o: { port?: number; empty?: boolean }, cmd: Command) => {
      const g = globals(cmd)
      const staticDir = rendererDir()
      if (!existsSync(join(staticDir, 'index.html'))) {
        throw new UsageError('请先运行 npm run build:web / run npm run build:web first', { file: join(staticDir, 'index.html'), why: 'missing' })
      }
      const firstStart = o.empty ? 'empty' : readPreferences(dataPaths(g.dataDir)).firstStart
      const c = createCore({ dataDir: g.dataDir, host: 'browser', version, firstStart, clock: studioClock() })
      core = c
      const host = await startBrowserHost({ core: c, port: o.port ?? 0, staticDir })
      if (g.json) out(JSON.stringify({ url: host.url, port: host.port, dataDir: g.dataDir }))
      else {
        out(`果园控制台 / Orchard console: ${host.url}`)
        out(`数据文件夹 / data folder: ${g.dataDir}`)
        out('按 Ctrl+C 停止 / press Ctrl+C to stop')
      }
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          // The host first (no request may reach a closed database), then the core in `finally` below.
          void host.close().finally(done)
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
    })

  const kit: CliContext = {
    command,
    globals,
    open,
    out,
    setExitCode: (code) => {
      exitCode = Math.max(exitCode, code)
    },
    version,
  }
  registerCustomerCommands(kit)
  registerPacksCommands(kit)
  registerLifecycleCommands(kit)
  registerLedgerCommands(kit)
  registerSyncCommands(kit)

  try {
    studioClock()
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; everything else commander reports is bad usage (already explained on stderr)
      if (err.exitCode === 0) return 0
      if (wantsJson) out(JSON.stringify({ error: { code: 'usage', message: err.message, details: { commander: err.code } } }))
      return 2
    }
    const e = OrchardError.from(err)
    if (wantsJson) out(JSON.stringify({ error: e.toJSON() }))
    else {
      process.stderr.write(`${lang === 'zh' ? '错误' : 'error'} [${e.code}]: ${bilingualHalf(e.message, lang)}\n`)
      const located = describeDetails(e.details, lang)
      if (located) process.stderr.write(`${located}\n`)
    }
    exitCode = 2
  } finally {
    await (core as OrchardCore | null)?.close()
  }
  return exitCode
}

/** Where the problem is (file, row, column, value, why) as `key: value` lines; anything else as JSON. */
function describeDetails(details: unknown, lang: Lang): string {
  if (details === undefined || details === null) return ''
  if (typeof details !== 'object' || Array.isArray(details)) return JSON.stringify(details, null, 2)
  return Object.entries(details as Record<string, unknown>)
    .map(([key, value]) => `  ${key}: ${typeof value === 'string' ? bilingualHalf(value, lang) : JSON.stringify(value)}`)
    .join('\n')
}

const SHOWN_ERRORS = 50

/** --rate USD=7.10 (repeatable) → { USD: '7.10' }; the contract checks the code and the number. */
function ratesOption(values: string[]): Record<string, string> {
  const rates: Record<string, string> = {}
  for (const v of values) {
    const m = /^\s*([A-Za-z]{3})\s*=\s*(\S+)\s*$/.exec(v)
    if (!m) throw new UsageError(`汇率写作 币种=汇率，如 --rate USD=7.10 / a rate is written CUR=RATE, e.g. --rate USD=7.10: ${v}`, { option: '--rate', value: v })
    rates[m[1].toUpperCase()] = m[2]
  }
  return rates
}

function printImport(out: (s: string) => void, r: ImportResult, lang: Lang): void {
  const say = (zh: string, en: string) => out(lang === 'zh' ? zh : en)
  const half = (text: string) => bilingualHalf(text, lang)
  const heads = (pairs: [string, string][]) => pairs.map(([zh, en]) => (lang === 'zh' ? zh : en))
  const written = r.inserted + r.updated
  if (r.committed) {
    say(
      `${r.fileName}：已导入 ${written} 条（新增 ${r.inserted}，更新 ${r.updated}，未变 ${r.unchanged}），拒绝 ${r.rejectedRows} 行`,
      `${r.fileName}: imported ${written} (${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged), rejected ${r.rejectedRows} rows`,
    )
  } else {
    say(`${r.fileName}：共 ${r.totalRows} 行，拒绝 ${r.rejectedRows} 行，未写入任何数据（全部成功才写入）`, `${r.fileName}: ${r.totalRows} rows, rejected ${r.rejectedRows} rows, nothing was written (all-or-nothing)`)
    say('修正这些行后重新导入，或用 --mode valid-rows 只导入有效行', 'fix these rows and import again, or use --mode valid-rows')
  }
  if (Object.keys(r.rates).length) say(`汇率：${Object.entries(r.rates).map(([c, v]) => `1 ${c} = ${v}`).join('，')}`, `rates: ${Object.entries(r.rates).map(([c, v]) => `1 ${c} = ${v}`).join(', ')}`)
  if (r.unattributedOrders) say(`未归属订单 ${r.unattributedOrders} 笔，可在订单页指定会员`, `${r.unattributedOrders} unattributed orders: assign them on the orders screen`)
  if (r.olderOrders.length) {
    const kept = r.olderOrders.filter((o) => !o.applied).length
    out('')
    say(
      `文件中有 ${r.olderOrders.length} 笔订单比工作室已有的状态旧${kept ? `，已保留较新的 ${kept} 笔（要采用文件的，用 --apply-older 订单号 或 --older-state apply）` : ''}`,
      `${r.olderOrders.length} orders in the file are older than the studio holds${kept ? `; the newer state was kept for ${kept} (--apply-older ORDER or --older-state apply takes the file’s)` : ''}`,
    )
    const state = (s: { status: string; refundedFen: number }) => {
      const label = ORDER_STATUS_LABELS[s.status as keyof typeof ORDER_STATUS_LABELS]
      return `${lang === 'zh' ? label.zh : label.en}${s.refundedFen ? (lang === 'zh' ? ` 退¥${formatFen(s.refundedFen)}` : ` refunded ¥${formatFen(s.refundedFen)}`) : ''}`
    }
    out(
      renderTable(
        heads([['订单', 'Order'], ['行', 'Row'], ['工作室', 'Held'], ['文件', 'File'], ['结果', 'Result']]),
        r.olderOrders.slice(0, SHOWN_ERRORS).map((o) => [o.orderNo, String(o.row), state(o.held), state(o.file), o.applied ? (lang === 'zh' ? '采用文件' : 'applied') : lang === 'zh' ? '保留较新' : 'kept']),
      ),
    )
  }
  if (r.warnings.length) {
    out('')
    say(`警告 ${r.warningCount} 条：这些值照原样保存，订单已照常导入`, `${r.warningCount} warnings: these values were kept as given, the orders imported`)
    out(renderTable(heads([['行', 'Row'], ['列', 'Column'], ['值', 'Value'], ['警告', 'Warning']]), r.warnings.slice(0, SHOWN_ERRORS).map((e) => [String(e.row), e.column, e.value, half(e.reason)])))
    if (r.warningCount > SHOWN_ERRORS) say(`…… 另有 ${r.warningCount - SHOWN_ERRORS} 条，完整列表用 --json`, `… and ${r.warningCount - SHOWN_ERRORS} more: use --json`)
  }
  if (!r.errors.length) return
  out('')
  const rows = r.errors.slice(0, SHOWN_ERRORS).map((e) => [String(e.row), e.column, e.value, half(e.reason)])
  out(renderTable(heads([['行', 'Row'], ['列', 'Column'], ['值', 'Value'], ['原因', 'Reason']]), rows))
  if (r.errorCount > rows.length) {
    say(`…… 另有 ${r.errorCount - rows.length} 条，完整列表用 --json`, `… and ${r.errorCount - rows.length} more: use --json for the full list`)
  }
}
