import { existsSync, readFileSync } from 'node:fs'
import { dirname, extname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command, CommanderError, Option } from 'commander'
import { OrchardError } from '../../src-shared/errors'
import type { ImportResult } from '../../src-shared/schemas'
import { createCore, type OrchardCore } from '../core/api'
import { createBackup, resolveBackupSource, restoreBackupFile } from '../core/backups/handlers'
import { dataPaths, defaultDataDir } from '../core/paths'
import { readPreferences } from '../core/preferences'
import { startBrowserHost } from '../host/server'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version

interface GlobalOptions {
  dataDir: string
  json: boolean
}

/** A usage problem (exit 2), as opposed to rejected rows (exit 1). */
class UsageError extends OrchardError {
  constructor(message: string, details?: unknown) {
    super('usage', message, details)
  }
}

const ENTITIES = ['customers', 'products', 'orders'] as const
type Entity = (typeof ENTITIES)[number]
function entityOf(value: string): Entity {
  if (!(ENTITIES as readonly string[]).includes(value)) {
    throw new UsageError(`未知的数据类型 ${value}（可选 customers、products、orders）/ unknown entity ${value} (customers, products, orders)`, { value })
  }
  return value as Entity
}

/**
 * Runs one `orchard` command; returns the exit status: 0 done, 1 rows were
 * rejected, 2 bad usage or an error (the message says what and where).
 */
export async function runCli(argv: string[]): Promise<number> {
  let exitCode = 0
  let core: OrchardCore | null = null
  const out = (text: string): void => {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n')
  }
  const globals = (cmd: Command): GlobalOptions => {
    const o = cmd.optsWithGlobals() as { dataDir?: string; json?: boolean }
    return { dataDir: resolve(o.dataDir ?? defaultDataDir()), json: Boolean(o.json) }
  }
  const open = (g: GlobalOptions, firstStart: 'demo' | 'empty' = 'empty') => {
    core = createCore({ dataDir: g.dataDir, host: 'cli', version, firstStart })
    return core
  }

  const program = new Command()
    .name('orchard')
    .description('果园 Orchard — 社交电商工作室运营台的命令行 / the command line of the studio console')
    .version(version)
    .addOption(new Option('--data-dir <dir>', '数据文件夹 / data folder').env('ORCHARD_DATA_DIR'))
    .option('--json', '以 JSON 输出 / machine-readable output')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })

  program
    .command('info')
    .description('数据文件夹与工作室概况 / data folder and studio overview')
    .action(async (_o, cmd: Command) => {
      const g = globals(cmd)
      const c = open(g)
      const info = await c.invoke('system', 'info', {})
      const summary = await c.invoke('dashboard', 'summary', {})
      if (g.json) return out(JSON.stringify({ ...info, counts: summary.counts }))
      out(`果园 Orchard ${info.version}（数据结构 / schema ${info.schemaVersion}）`)
      out(`数据文件夹 / data folder: ${info.dataDir}`)
      out(`数据库 / database: ${info.databasePath} (${(info.databaseSizeBytes / 1024 / 1024).toFixed(1)} MB)${info.demo ? '  [演示数据 / demo]' : ''}`)
      const n = summary.counts
      out(`客户 ${n.customers} · 社群 ${n.groups} · 商品 ${n.products} · 会员 ${n.members} · 订单 ${n.orders}（未归属 ${n.unattributedOrders}）`)
    })

  program
    .command('demo')
    .description('演示工作室 / the demo studio')
    .command('seed')
    .description('用生成的演示工作室替换数据（先自动备份）/ replace the data with the demo studio (a backup is taken first)')
    .option('--seed <n>', '随机种子 / seed', (v) => Number.parseInt(v, 10))
    .action(async (o: { seed?: number }, cmd: Command) => {
      const g = globals(cmd)
      const result = await open(g).invoke('demo', 'seed', o.seed === undefined ? {} : { seed: o.seed })
      if (g.json) return out(JSON.stringify(result))
      out(`已生成演示工作室：${result.customers} 位客户，${result.orders} 笔订单 / demo studio ready: ${result.customers} customers, ${result.orders} orders`)
    })

  program
    .command('import')
    .description('导入 CSV / XLSX / import a CSV or XLSX file')
    .argument('<entity>', 'customers | products | orders')
    .argument('<file>', '文件 / file')
    .addOption(new Option('--format <format>', '格式 / format').choices(['auto', 'shopify', 'orchard']).default('auto'))
    .addOption(new Option('--mode <mode>', '模式 / mode').choices(['all-or-nothing', 'valid-rows']).default('all-or-nothing'))
    .action(async (entityArg: string, file: string, o: { format: 'auto' | 'shopify' | 'orchard'; mode: 'all-or-nothing' | 'valid-rows' }, cmd: Command) => {
      const g = globals(cmd)
      const entity = entityOf(entityArg)
      const path = resolve(file)
      if (!existsSync(path)) throw new UsageError(`文件不存在 / file not found: ${path}`, { file: path })
      const result = await open(g).invoke('imports', 'run', { entity, path, format: o.format, mode: o.mode })
      if (result.rejectedRows > 0) exitCode = 1
      if (g.json) return out(JSON.stringify(result))
      printImport(out, result)
    })

  program
    .command('export')
    .description('导出为 CSV / XLSX / export to CSV or XLSX')
    .argument('<entity>', 'customers | products | orders')
    .argument('<file>', '目标文件（.csv 或 .xlsx）/ target file (.csv or .xlsx)')
    .action(async (entityArg: string, file: string, _o, cmd: Command) => {
      const g = globals(cmd)
      const entity = entityOf(entityArg)
      const ext = extname(file).toLowerCase()
      if (ext !== '.csv' && ext !== '.xlsx') {
        throw new UsageError(`只支持 .csv 或 .xlsx 文件 / only .csv or .xlsx files: ${file}`, { file, value: ext })
      }
      const result = await open(g).invoke('exports', 'run', { entity, format: ext === '.csv' ? 'csv' : 'xlsx', path: resolve(file) })
      if (g.json) return out(JSON.stringify(result))
      out(`已导出 ${result.rows} 行到 ${result.path} / exported ${result.rows} rows`)
    })

  program
    .command('backup')
    .description('通过 SQLite 在线备份写一份备份 / write a backup through SQLite’s online backup')
    .argument('[file]', '目标文件（默认为数据文件夹的 backups/）/ target file (default: the backups folder)')
    .action(async (file: string | undefined, _o, cmd: Command) => {
      const g = globals(cmd)
      const c = open(g)
      const backup = await createBackup(c.context.db, c.paths, 'manual', file ? resolve(file) : undefined)
      if (g.json) return out(JSON.stringify(backup))
      out(`已备份到 / backed up to: ${backup.path}`)
    })

  program
    .command('restore')
    .description('从备份恢复（先为当前数据做安全备份）/ restore a backup (a safety backup of the current data is taken first)')
    .argument('<file>', '备份文件，或 backups/ 中的文件名 / backup file, or a name in backups/')
    .action(async (file: string, _o, cmd: Command) => {
      const g = globals(cmd)
      const paths = dataPaths(g.dataDir)
      const source = resolveBackupSource(paths, file)
      const result = await restoreBackupFile(paths, source)
      if (g.json) return out(JSON.stringify(result))
      out(`已恢复 / restored: ${result.restored}`)
      if (result.safetyBackup) out(`恢复前的数据已另存 / the previous data was saved to: ${result.safetyBackup}`)
    })

  program
    .command('web')
    .description('以浏览器模式运行控制台 / run the console in browser mode')
    .option('--port <n>', '端口（默认随机）/ port (default: a free one)', (v) => Number.parseInt(v, 10))
    .option('--empty', '新数据文件夹以空白工作室开始 / start a new data folder empty')
    .action(async (o: { port?: number; empty?: boolean }, cmd: Command) => {
      const g = globals(cmd)
      const staticDir = join(repoRoot, 'out', 'renderer')
      if (!existsSync(join(staticDir, 'index.html'))) {
        throw new UsageError('请先运行 npm run build:web / run npm run build:web first', { missing: join(staticDir, 'index.html') })
      }
      const firstStart = o.empty ? 'empty' : readPreferences(dataPaths(g.dataDir)).firstStart
      const c = createCore({ dataDir: g.dataDir, host: 'browser', version, firstStart })
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
          void host.close().finally(() => {
            c.close()
            done()
          })
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
    })

  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; everything else commander reports is bad usage
      return err.exitCode === 0 ? 0 : 2
    }
    const e = OrchardError.from(err)
    const json = argv.includes('--json')
    if (json) out(JSON.stringify({ error: e.toJSON() }))
    else {
      process.stderr.write(`错误 / error [${e.code}]: ${e.message}\n`)
      if (e.details !== undefined) process.stderr.write(`${JSON.stringify(e.details, null, 2)}\n`)
    }
    exitCode = 2
  } finally {
    ;(core as OrchardCore | null)?.close()
  }
  return exitCode
}

function printImport(out: (s: string) => void, r: ImportResult): void {
  const state = r.committed ? '已写入 / written' : '未写入任何数据 / nothing was written'
  out(`${r.fileName}: ${state}`)
  out(`共 ${r.totalRows} 行：新增 ${r.inserted}，更新 ${r.updated}，未变 ${r.unchanged}，拒绝 ${r.rejectedRows} / ` +
    `${r.totalRows} rows: ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejectedRows} rejected`)
  if (r.unattributedOrders) out(`未归属订单 / unattributed orders: ${r.unattributedOrders}`)
  if (r.errors.length) {
    out('')
    out('行号 Row | 列 Column | 值 Value | 原因 Reason')
    for (const e of r.errors.slice(0, 50)) out(`${e.row} | ${e.column} | ${e.value} | ${e.reason}`)
    if (r.errorCount > 50) out(`…… 还有 ${r.errorCount - 50} 条 / and ${r.errorCount - 50} more (orchard import … --json)`)
  }
}
