import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { SYNC_PHASE_LABELS, type SyncRound, type SyncStatus } from '../../src-shared/contracts/sync'
import { OrchardError } from '../../src-shared/errors'
import { ROLE_LABELS, ROLES, type Role } from '../../src-shared/roles'
import { DEFAULT_TIME_ZONE, timeIn } from '../../src-shared/time'
import type { CreateCodeResponse, DeviceInfo } from '../../src-shared/syncProtocol'
import { createEnrolmentCode, listDevices, openServerDatabase, resetAdminToken, revokeDevice, runningServer, serverFiles, startSyncServer } from '../../src-server'
import { defaultDataDir } from '../core/paths'
import { startSyncLoop } from '../core/sync'
import { integerOption, UsageError, type CliContext } from './arguments'

/** The sync server's default port ("7430": the team's orchard, on the LAN). */
export const DEFAULT_SERVER_PORT = 7430

interface AdminOptions {
  server?: string
  adminToken?: string
  databaseUrl?: string
}

/**
 * The manager's tools reach the server one of two ways:
 *  - over HTTP with the admin token, when the server runs (found through the
 *    server.json it writes into its data folder, or named with --server), the
 *    token read from the data folder's admin-token file or given with --admin-token;
 *  - directly in its database when it does not run (PGlite in the data folder —
 *    which only one process may open — or PostgreSQL at --database-url).
 */
interface ServerAdmin {
  createCode(team: string, ttlMinutes: number, role: Role): Promise<CreateCodeResponse>
  devices(team?: string): Promise<DeviceInfo[]>
  revoke(deviceId: string): Promise<DeviceInfo>
  /** Where workstations reach the server, when known. */
  url: string | null
  close(): Promise<void>
}

function httpAdmin(url: string, token: string, lanUrl: string | null = null): ServerAdmin {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response
    try {
      res = await fetch(url.replace(/\/+$/, '') + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      })
    } catch (err) {
      throw new OrchardError('sync_unreachable', `连不上同步服务器 ${url} / cannot reach the sync server: ${(err as Error).message}`, { url })
    }
    const json = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: unknown } } | null
    if (!res.ok) throw new OrchardError(json?.error?.code ?? `http_${res.status}`, json?.error?.message ?? `HTTP ${res.status}`, json?.error?.details)
    return json as T
  }
  return {
    url: lanUrl ?? url,
    createCode: (team, ttlMinutes, role) => call('POST', '/v1/admin/enrolment-codes', { team, ttlMinutes, role }),
    devices: async (team) => (await call<{ devices: DeviceInfo[] }>('GET', `/v1/admin/devices${team ? `?team=${encodeURIComponent(team)}` : ''}`)).devices,
    revoke: (id) => call('POST', `/v1/admin/devices/${encodeURIComponent(id)}/revoke`, {}),
    close: async () => undefined,
  }
}

async function openAdmin(dataDir: string, o: AdminOptions): Promise<ServerAdmin> {
  const tokenFile = serverFiles(dataDir).adminToken
  const token = (): string => {
    const t = o.adminToken ?? process.env.ORCHARD_ADMIN_TOKEN ?? (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '')
    if (!t) {
      throw new UsageError(`需要管理令牌：--admin-token，或服务器数据文件夹中的 ${tokenFile} / an admin token is needed: --admin-token, or ${tokenFile}`, {
        file: tokenFile,
      })
    }
    return t
  }
  if (o.server) return httpAdmin(o.server, token())
  const running = runningServer(dataDir)
  if (running) return httpAdmin(running.url, token(), running.lanUrls?.[0] ?? null)
  const db = await openServerDatabase({ dataDir, databaseUrl: o.databaseUrl }).catch((err: Error & { code?: string }) => {
    throw new OrchardError(err.code ?? 'server_database', err.message, { dataDir })
  })
  return {
    url: null,
    createCode: (team, ttl, role) => createEnrolmentCode(db.storage, team, ttl, role),
    devices: (team) => listDevices(db.storage, team),
    revoke: (id) => revokeDevice(db.storage, id),
    close: () => db.close(),
  }
}

const adminOptions = (cmd: Command) =>
  cmd
    .option('--server <url>', '正在运行的同步服务器地址 / a running sync server’s address')
    .option('--admin-token <token>', '管理令牌（默认读取数据文件夹中的 admin-token）/ admin token (default: the data folder’s admin-token)')
    .option('--database-url <url>', '服务器的 PostgreSQL（服务器未运行时直接操作数据库）/ the server’s PostgreSQL, used directly when it does not run')

/** The server keeps no studio settings; its admin commands show Beijing time, the studios' default, not the machine's zone. */
const SERVER_ZONE = DEFAULT_TIME_ZONE
/** 2026-12-06 09:30 in the studio's time zone, as the console shows it. */
const fmtTime = (iso: string | null, zone: string) => (iso ? timeIn(zone, new Date(iso)) : '—')

function printRound(out: (s: string) => void, r: SyncRound): void {
  out(`已推送 ${r.pushed} · 已确认 ${r.accepted} · 已拉取 ${r.pulled} · 状态变更 ${r.statusChanges} · 待同步 ${r.pending}${r.conflicts ? ` · 冲突 ${r.conflicts}` : ''}${r.refused ? ` · 被拒 ${r.refused}` : ''}`)
  out(`pushed ${r.pushed} · accepted ${r.accepted} · pulled ${r.pulled} · status changes ${r.statusChanges} · pending ${r.pending}${r.conflicts ? ` · conflicts ${r.conflicts}` : ''}${r.refused ? ` · refused ${r.refused}` : ''}`)
  const c = r.records
  out(
    `记录 / records: 已推送 ${c.pushed} · 已拉取 ${c.pulled} · 待同步 ${c.pending}${c.conflicts ? ` · 冲突 ${c.conflicts}` : ''}${c.refused ? ` · 被拒 ${c.refused}` : ''}${c.notApplied ? ` · 未应用 ${c.notApplied}` : ''} / ` +
      `pushed ${c.pushed} · pulled ${c.pulled} · pending ${c.pending}${c.conflicts ? ` · conflicts ${c.conflicts}` : ''}${c.refused ? ` · refused ${c.refused}` : ''}${c.notApplied ? ` · not applied ${c.notApplied}` : ''}`,
  )
  if (c.bootstrap) {
    const b = c.bootstrap
    out(`新工作站从团队快照开始：${b.records} 条记录（服务器序号 ${b.seq}），用时 ${(b.ms / 1000).toFixed(1)} 秒 / a new workstation started from the team's snapshot: ${b.records} records as of server sequence ${b.seq}, in ${(b.ms / 1000).toFixed(1)} s`)
  }
  const f = r.files
  if (f.uploaded || f.downloaded || f.missing || f.refused) {
    out(
      `图片文件 / files: 已上传 ${f.uploaded} · 已下载 ${f.downloaded}${f.missing ? ` · 尚未下载 ${f.missing}（下一轮重试）` : ''}${f.refused ? ` · 内容与哈希不符，已拒收 ${f.refused}` : ''} / ` +
        `uploaded ${f.uploaded} · downloaded ${f.downloaded}${f.missing ? ` · not yet downloaded ${f.missing} (tried again next round)` : ''}${f.refused ? ` · refused ${f.refused} (bytes not matching their hash)` : ''}`,
    )
  }
  if (r.refused) out('服务器拒收的分录已移出待同步队列，原因见 orchard sync status / entries the server refused left the outbox; orchard sync status says why')
  if (r.serverReset) out('服务器已重置或恢复：本机全部分录已重新提交 / the server was reset or restored: every local entry was offered again')
}

function printStatus(out: (s: string) => void, s: SyncStatus, zone: string): void {
  if (!s.enrolled) {
    out('未连接团队服务器 / not enrolled with a team server')
    out('  orchard sync enrol --server URL --code CODE')
    return
  }
  out(`服务器 / server: ${s.serverUrl}  团队 / team: ${s.team}  设备 / device: ${s.deviceName} (${s.deviceId})`)
  const phase = SYNC_PHASE_LABELS[s.phase]
  out(`状态 / state: ${phase.zh} / ${phase.en}  待同步 / pending: ${s.pending}  冲突 / conflicts: ${s.conflicts}${s.refused ? `  被拒 / refused: ${s.refused}` : ''}`)
  out(`记录 / records: 待同步 / pending: ${s.records.pending}${s.records.issues ? `  被拒或未应用 / refused or not applied: ${s.records.issues}` : ''}`)
  if (s.bootstrap) out(`正在取得团队快照 / taking the team's snapshot: ${s.bootstrap.done} / ${s.bootstrap.total}（下一轮同步继续 / the next round goes on）`)
  if (s.waiting) out(`未知会员 / unknown members: ${s.unknownMembers.join(', ')}${s.waiting > s.unknownMembers.length ? ' …' : ''}（请添加这些会员 / add these members）`)
  out(`上次成功 / last success: ${fmtTime(s.lastSuccessAt, zone)}  下次尝试 / next attempt: ${fmtTime(s.nextAttemptAt, zone)}`)
  if (s.lastError) out(`上次错误 / last error: [${s.lastError.code}] ${s.lastError.message} (${fmtTime(s.lastError.at, zone)})`)
}

/** Commands for the sync server and the workstation's sync (orchard server|sync …). */
export function registerSyncCommands(kit: CliContext): void {
  const { out } = kit
  /** The server's folder: --data-dir (or ORCHARD_DATA_DIR) when given, else sync-server/ inside the app's data folder. */
  const serverDir = (cmd: Command): string => {
    const given = (cmd.optsWithGlobals() as { dataDir?: string }).dataDir
    return given ? resolve(given) : join(defaultDataDir(), 'sync-server')
  }

  // ---------------------------------------------------------------- orchard server …
  const server = kit
    .command('server')
    .description('运行团队同步服务器（默认内置 PGlite 数据库）/ run the team’s sync server (embedded PGlite by default)')
    .option('--port <n>', `端口（默认 ${DEFAULT_SERVER_PORT}）/ port`, integerOption(0, 65535))
    .option('--host <address>', '监听地址（默认 0.0.0.0，局域网可达）/ listen address (default 0.0.0.0: reachable on the LAN)')
    .option('--database-url <url>', 'PostgreSQL 连接串；不给则用数据文件夹中的 PGlite / PostgreSQL URL; without it PGlite in the data folder')
    .option('--public-url <url>', '会员手机访问的地址（https://…，经反向代理）；会员小站和活码的链接用它 / where members’ phones reach the server (https://…, behind a reverse proxy): members’ links and live codes use it')
    .option('--trust-proxy <address>', '反向代理的地址（如 127.0.0.1），按真实手机地址限流 / the reverse proxy’s address (e.g. 127.0.0.1): rate limits count phones, not the proxy')
    .action(async (o: { port?: number; host?: string; databaseUrl?: string; publicUrl?: string; trustProxy?: string }, cmd: Command) => {
      const g = kit.globals(cmd)
      const dataDir = serverDir(cmd)
      let publicUrl: string | undefined
      if (o.publicUrl !== undefined) {
        const u = URL.canParse(o.publicUrl) ? new URL(o.publicUrl) : null
        if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || u.search || u.hash) {
          throw new UsageError(`--public-url 应为 https://域名 形式 / --public-url must be like https://orchard.example.com: ${o.publicUrl}`, { field: '--public-url', value: o.publicUrl })
        }
        publicUrl = u.origin + u.pathname.replace(/\/+$/, '')
      }
      // Refused pushes and failures are logged (as JSON lines) for the manager; the devices only hear a generic error.
      const started = await startSyncServer({
        dataDir,
        databaseUrl: o.databaseUrl,
        port: o.port ?? DEFAULT_SERVER_PORT,
        host: o.host,
        logger: { level: 'warn' },
        publicUrl,
        trustProxy: o.trustProxy,
      }).catch(
        (err: Error & { code?: string }) => {
          throw new OrchardError(err.code === 'EADDRINUSE' ? 'port_in_use' : (err.code ?? 'server_start'), `同步服务器无法启动 / the sync server cannot start: ${err.message}`, {
            dataDir,
            port: o.port ?? DEFAULT_SERVER_PORT,
          })
        },
      )
      const database = o.databaseUrl ? `PostgreSQL ${new URL(o.databaseUrl).host}${new URL(o.databaseUrl).pathname}` : `PGlite ${serverFiles(dataDir).pgdata}`
      if (g.json) out(JSON.stringify({ url: started.url, lanUrls: started.lanUrls, port: started.port, serverId: started.serverId, dataDir, database, adminTokenFile: started.adminTokenFile }))
      else {
        out(`果园同步服务器 / Orchard sync server: ${started.url}  (${started.serverId})`)
        if (started.lanUrls.length) out(`工作站连接地址 / workstations connect to: ${started.lanUrls.join('  ')}`)
        out(`数据库 / database: ${database}`)
        out(`管理令牌 / admin token: ${started.adminToken ? started.adminTokenFile : '（数据库中已有，文件不在此处 / set in the database; not in this folder）'}`)
        out(`生成注册码 / enrolment code: orchard server enrol --team 团队名${(cmd.optsWithGlobals() as { dataDir?: string }).dataDir ? ` --data-dir ${dataDir}` : ''}`)
        out('按 Ctrl+C 停止 / press Ctrl+C to stop')
      }
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          void started.close().finally(done)
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
    })

  adminOptions(
    server
      .command('enrol')
      .description('生成一次性注册码，供工作站加入团队 / print a one-time enrolment code for a workstation to join the team')
      .option('--team <name>', '团队（不存在则创建）/ team (created when new)', 'default')
      .option('--ttl <minutes>', '有效期，分钟（默认 1440 = 24 小时）/ valid for, in minutes (default 1440)', integerOption(1, 30 * 24 * 60), 24 * 60)
      .addOption(
        new Option('--role <role>', '该工作站最高可代表的角色：服务器按它检查每条记录变更 / the highest role the workstation may act for: the server checks every record change against it')
          .choices([...ROLES])
          .default('manager'),
      ),
  ).action(async (o: AdminOptions & { team: string; ttl: number; role: Role }, cmd: Command) => {
    const g = kit.globals(cmd)
    const admin = await openAdmin(serverDir(cmd), o)
    try {
      const created = await admin.createCode(o.team, o.ttl, o.role)
      if (g.json) return out(JSON.stringify({ ...created, server: admin.url }))
      out(`注册码 / enrolment code: ${created.code}`)
      out(`团队 / team: ${created.team}    角色 / role: ${ROLE_LABELS[created.role].zh} / ${ROLE_LABELS[created.role].en}    有效至 / valid until: ${fmtTime(created.expiresAt, SERVER_ZONE)}（仅可使用一次 / one use only）`)
      out(`在工作站上运行 / on the workstation run:`)
      out(`  orchard sync enrol --server ${admin.url ?? 'http://服务器地址:7430'} --code ${created.code}`)
    } finally {
      await admin.close()
    }
  })

  adminOptions(
    server
      .command('revoke')
      .description('撤销一台设备：它的令牌立即失效 / revoke a device: its token stops working at once')
      .argument('<device>', '设备编号（见 orchard server devices）/ device id (see orchard server devices)'),
  ).action(async (deviceId: string, o: AdminOptions, cmd: Command) => {
    const g = kit.globals(cmd)
    const admin = await openAdmin(serverDir(cmd), o)
    try {
      const d = await admin.revoke(deviceId)
      if (g.json) return out(JSON.stringify(d))
      out(`已撤销 / revoked: ${d.name} (${d.id})，团队 / team ${d.team}，于 / at ${fmtTime(d.revokedAt, SERVER_ZONE)}`)
    } finally {
      await admin.close()
    }
  })

  adminOptions(
    server
      .command('devices')
      .description('列出已注册的设备 / list enrolled devices')
      .option('--team <name>', '只看一个团队 / one team only'),
  ).action(async (o: AdminOptions & { team?: string }, cmd: Command) => {
    const g = kit.globals(cmd)
    const admin = await openAdmin(serverDir(cmd), o)
    try {
      const devices = await admin.devices(o.team)
      if (g.json) return out(JSON.stringify(devices))
      if (!devices.length) return out('还没有设备 / no devices yet')
      for (const d of devices) {
        out(`${d.id}  ${d.team}  ${d.name}  注册 / enrolled ${fmtTime(d.createdAt, SERVER_ZONE)}  最近 / last seen ${fmtTime(d.lastSeenAt, SERVER_ZONE)}${d.revokedAt ? `  已撤销 / revoked ${fmtTime(d.revokedAt, SERVER_ZONE)}` : ''}`)
      }
    } finally {
      await admin.close()
    }
  })

  server
    .command('restored')
    .description('从备份恢复服务器数据库后运行：各工作站将重新提交全部分录 / run after restoring the server’s database from a backup: every workstation offers all its entries again')
    .option('--database-url <url>', '服务器的 PostgreSQL / the server’s PostgreSQL')
    .action(async (o: { databaseUrl?: string }, cmd: Command) => {
      const g = kit.globals(cmd)
      const db = await openServerDatabase({ dataDir: serverDir(cmd), databaseUrl: o.databaseUrl })
      try {
        const id = await db.renewServerId()
        if (g.json) return out(JSON.stringify({ serverId: id }))
        out(`服务器实例已更新为 ${id}；工作站下次同步时会重新提交全部分录 / the server is now instance ${id}; workstations offer every entry again at their next sync`)
      } finally {
        await db.close()
      }
    })

  server
    .command('admin-token')
    .description('显示管理令牌文件，或用 --reset 换一个新令牌 / show the admin token file, or --reset to replace the token')
    .option('--reset', '生成新令牌，旧令牌立即失效 / make a new token; the old one stops working')
    .option('--database-url <url>', '服务器的 PostgreSQL / the server’s PostgreSQL')
    .action(async (o: { reset?: boolean; databaseUrl?: string }, cmd: Command) => {
      const g = kit.globals(cmd)
      const dataDir = serverDir(cmd)
      const file = serverFiles(dataDir).adminToken
      if (o.reset) {
        if (runningServer(dataDir)) throw new UsageError('请先停止同步服务器 / stop the sync server first', { dataDir })
        const db = await openServerDatabase({ dataDir, databaseUrl: o.databaseUrl })
        try {
          await resetAdminToken(db, dataDir)
        } finally {
          await db.close()
        }
      }
      if (!existsSync(file)) throw new UsageError(`没有管理令牌文件 / no admin token file: ${file}`, { file })
      if (g.json) return out(JSON.stringify({ file, token: readFileSync(file, 'utf8').trim() }))
      out(`管理令牌文件 / admin token file: ${file}`)
    })

  // ---------------------------------------------------------------- orchard sync …
  const sync = kit
    .command('sync')
    .description('与团队服务器同步账本：默认在前台持续同步，--once 同步一轮后退出 / sync the ledger with the team server: keeps running, or one round with --once')
    .option('--once', '推送并拉取直到没有剩余，然后打印结果 / push and pull until nothing is left, then print the figures')
    .action(async (o: { once?: boolean }, cmd: Command) => {
      const g = kit.globals(cmd)
      const core = kit.open(g)
      if (o.once) {
        const round = await core.invoke('sync', 'syncNow', {})
        if (round.conflicts > 0 || round.refused > 0 || round.records.refused > 0) kit.setExitCode(1)
        if (g.json) return out(JSON.stringify(round))
        return printRound(out, round)
      }
      const status = await core.invoke('sync', 'status', {})
      const zone = core.context.timezone()
      if (!status.enrolled) throw new UsageError('此工作站尚未连接团队服务器：先运行 orchard sync enrol --server URL --code CODE / not enrolled: run orchard sync enrol first')
      const off = core.on('sync.state', (s) => {
        if (s.phase === 'syncing') return
        if (g.json) out(JSON.stringify(s))
        else if (s.lastRound && s.phase === 'idle') out(`${fmtTime(s.lastSuccessAt, zone)}  ${s.lastRound.pushed}↑ ${s.lastRound.pulled}↓  待同步 / pending ${s.pending}`)
        else if (s.lastError) out(`${fmtTime(s.lastError.at, zone)}  [${s.lastError.code}] ${s.lastError.message}  下次 / next ${fmtTime(s.nextAttemptAt, zone)}`)
      })
      if (!g.json) out(`同步中，按 Ctrl+C 停止 / syncing with ${status.serverUrl}; press Ctrl+C to stop`)
      await startSyncLoop(core.context)
      // The loop's own timers do not hold a process open (the desktop app must be able to quit); this command does.
      const keepAlive = setInterval(() => undefined, 60_000)
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          clearInterval(keepAlive)
          off()
          done()
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
    })

  sync
    .command('enrol')
    .description('用一次性注册码把本工作站加入团队服务器 / join this workstation to the team server with a one-time code')
    .requiredOption('--server <url>', '团队服务器地址，例如 http://192.168.1.20:7430 / the team server’s address')
    .requiredOption('--code <code>', '一次性注册码 / the one-time enrolment code')
    .addOption(new Option('--name <name>', '本设备在服务器上的名称（默认为主机名）/ this device’s name on the server (default: host name)'))
    .action(async (o: { server: string; code: string; name?: string }, cmd: Command) => {
      const g = kit.globals(cmd)
      const core = kit.open(g)
      const s = await core.invoke('sync', 'enrol', { server: o.server, code: o.code, ...(o.name ? { deviceName: o.name } : {}) })
      if (g.json) return out(JSON.stringify(s))
      out(`已加入团队 ${s.team} / enrolled in team ${s.team}: ${s.serverUrl}，设备 / device ${s.deviceName} (${s.deviceId})`)
      out(`待同步 / pending: ${s.pending}。运行 orchard sync --once 立即同步 / run orchard sync --once to sync now`)
    })

  sync
    .command('status')
    .description('同步状态 / sync state')
    .action(async (_o, cmd: Command) => {
      const g = kit.globals(cmd)
      const core = kit.open(g)
      const s = await core.invoke('sync', 'status', {})
      if (g.json) return out(JSON.stringify(s))
      printStatus(out, s, core.context.timezone())
      // Each entry the server refused, with the server's reason: it will not sync until a person sees to it.
      if (s.refused) {
        for (const r of await core.invoke('sync', 'refused', {})) out(`  被拒 / refused ${r.entryId} ${r.memberCode} ${r.period} ${r.amountFen} 分：${r.reason}`)
      }
    })

  sync
    .command('forget')
    .description('断开团队服务器（不删除任何账本数据）/ disconnect from the team server (no ledger data is deleted)')
    .action(async (_o, cmd: Command) => {
      const g = kit.globals(cmd)
      const s = await kit.open(g).invoke('sync', 'forget', {})
      if (g.json) return out(JSON.stringify(s))
      out(`已断开团队服务器；本机账本和待同步的 ${s.pending} 条分录均保留 / disconnected; the ledger and its ${s.pending} pending entries stay`)
    })
}
