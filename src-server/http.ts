import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify'
import { z } from 'zod'
import { AuditPushRequest } from '../src-shared/auditChain'
import { errorInLanguage } from '../src-shared/bilingual'
import { StorableEntry, type LedgerEntryWire } from '../src-shared/ledgerWire'
import { changeShapeProblem, RECORDS_PROTOCOL_VERSION, RecordsPullQuery, RecordsPushRequest, RecordsSnapshotQuery } from '../src-shared/recordsProtocol'
import { oneLine } from '../src-shared/schemas'
import {
  CreateCodeRequest,
  EnrolRequest,
  MAX_PULL_PAGE,
  PullQuery,
  PushEnvelope,
  StatusChangeRequest,
  SYNC_PROTOCOL_VERSION,
  TeamName,
  type PushRefusal,
} from '../src-shared/syncProtocol'
import { pushAudit, verifyTeamAudit } from './audit'
import { authenticateDevice, createEnrolmentCode, enrolDevice, listDevices, revokeDevice, type DeviceIdentity } from './devices'
import { HttpError, unauthorized } from './errors'
import { registerFiles } from './files'
import { callerLanguage } from './language'
import { changeStatuses, listEntries, pullPage, pushEntries, teamSummary } from './ledger'
import { keepStatisticsFresh, pullRecords, pushRecords, snapshotRecords } from './records'
import { RECORDS_CHANNEL, RecordsWatch, tellOthers } from './recordsWatch'
import { registerPages, type PagesOptions } from './pages/routes'
import { hashSecret, sameHash } from './secrets'
import type { Storage } from './storage'

export interface SyncAppOptions {
  storage: Storage
  /** The server's current instance id (it changes when the database is marked as restored). */
  serverId: () => string
  /** SHA-256 of the admin token; null disables the admin endpoints. */
  adminTokenHash: string | null
  /** Fastify's logger: false (tests), or the level the running server logs at (refused entries are warnings, failures errors). */
  logger?: boolean | { level: 'error' | 'warn' | 'info' }
  /** The server's clock for members' pages and live codes (tests move it); the real one by default. */
  clock?: () => Date
  /** Where members' phones reach the server (https://…), when not at the address workstations use. */
  publicUrl?: string | null
  /** Limits of the public pages (see PagesOptions). */
  pages?: Pick<PagesOptions, 'requestsPerMinute' | 'failedLookups' | 'blobCacheBytes'>
  /**
   * Behind a reverse proxy (Caddy, nginx): which proxy to believe about the client's address
   * (true, an address, or a list), so rate limits count phones rather than the proxy.
   */
  trustProxy?: boolean | string | string[]
}

/** 2,000 entries of ~500 bytes each, with room to spare. */
const BODY_LIMIT = 16 * 1024 * 1024
/** Wrong enrolment codes one address may try in ENROL_WINDOW_MS before it must wait. */
const ENROL_FAILURES_ALLOWED = 20
const ENROL_WINDOW_MS = 10 * 60 * 1000

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issues = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }))
  // The issues (zod's own words) in both halves, so either reader is told what was wrong.
  const listed = issues.map((i) => `${i.path || '(body)'} ${i.message}`)
  throw new HttpError(400, 'invalid_request', `请求不合法（${where}）：${listed.join('；')} / invalid request (${where}): ${listed.join('; ')}`, {
    issues,
  })
}

/** How a refused entry is named to the device: its id when it has a usable one, else its place in the batch. */
function pushedId(raw: unknown, index: number): string {
  const id = (raw as { id?: unknown } | null)?.id
  return typeof id === 'string' && id.length <= 64 && /^[0-9A-Za-z-]+$/.test(id) ? id : `#${index}`
}

const bearer = (req: FastifyRequest): string | undefined => {
  const h = req.headers.authorization
  return h && /^Bearer\s+/i.test(h) ? h.replace(/^Bearer\s+/i, '').trim() : undefined
}

/** The sync server's HTTP API (protocol v1, see src-shared/syncProtocol.ts). */
export function buildSyncApp(options: SyncAppOptions): FastifyInstance {
  const { storage } = options
  const serverId = options.serverId
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: BODY_LIMIT, trustProxy: options.trustProxy ?? false })
  const enrolFailures = new Map<string, number[]>()
  const watch = new RecordsWatch()
  // Other server processes on the same database hear of stored changes and revocations
  // through NOTIFY, so a device waiting on any of them pulls at once.
  let unlisten: (() => Promise<void>) | null = null
  app.addHook('onReady', async () => {
    unlisten = await storage.listen(RECORDS_CHANNEL, (payload) => watch.heard(payload))
  })
  // Waiting pulls are answered as the server stops, so closing never waits out their wait.
  app.addHook('preClose', async () => {
    watch.close()
    await unlisten?.()
  })

  // Errors in the caller's language (Accept-Language); the code and details are the same in any.
  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    if (err instanceof HttpError) return reply.status(err.status).send({ error: errorInLanguage(err.toJSON(), callerLanguage(req)) })
    const status = (err as FastifyError).statusCode
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send({ error: { code: (err as FastifyError).code ?? 'invalid_request', message: err.message } })
    }
    // What went wrong inside (a database's message, a stack) is for the server's log, never for the caller:
    // the request id ties the two together.
    req.log.error({ err, requestId: req.id }, 'request failed')
    return reply.status(500).send({
      error: errorInLanguage({ code: 'server_error', message: '服务器内部错误，请稍后再试 / internal server error; try again later', details: { requestId: req.id } }, callerLanguage(req)),
    })
  })
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: errorInLanguage({ code: 'not_found', message: `没有这个接口 / no such endpoint: ${req.method} ${req.url}` }, callerLanguage(req)) }),
  )

  const device = (req: FastifyRequest): Promise<DeviceIdentity> => authenticateDevice(storage, bearer(req))
  const admin = (req: FastifyRequest): void => {
    const token = bearer(req)
    if (!options.adminTokenHash) throw unauthorized('admin_disabled', '此服务器未设置管理令牌 / this server has no admin token')
    if (!token || !sameHash(hashSecret(token), options.adminTokenHash)) throw unauthorized('unauthorized', '管理令牌无效 / wrong admin token')
  }

  app.get('/v1/health', async () => ({ ok: true, serverId: serverId(), protocol: SYNC_PROTOCOL_VERSION }))

  registerFiles(app, storage, device)

  app.post('/v1/enrol', async (req) => {
    const ip = req.ip
    const now = Date.now()
    const recent = (enrolFailures.get(ip) ?? []).filter((t) => now - t < ENROL_WINDOW_MS)
    if (recent.length >= ENROL_FAILURES_ALLOWED) {
      throw new HttpError(429, 'enrol_throttled', '注册码错误次数过多，请 10 分钟后再试 / too many wrong enrolment codes; try again in 10 minutes')
    }
    const body = parse(EnrolRequest, req.body, 'enrol')
    try {
      return await enrolDevice(storage, serverId(), body)
    } catch (err) {
      if (err instanceof HttpError && err.status === 403) enrolFailures.set(ip, [...recent, now])
      throw err
    }
  })

  app.get('/v1/hello', async (req) => {
    const d = await device(req)
    return { protocol: SYNC_PROTOCOL_VERSION, serverId: serverId(), team: d.team, deviceId: d.id, deviceName: d.name }
  })

  /**
   * Every entry of a push is checked on its own: one that cannot be stored as it is
   * (a period 2026-13, a NUL in its memo …) is refused with its reason, and the rest
   * of the batch is stored — one bad entry never holds up the ones behind it.
   */
  app.post('/v1/push', async (req) => {
    const d = await device(req)
    const body = parse(PushEnvelope, req.body, 'push')
    const entries: LedgerEntryWire[] = []
    const refused: PushRefusal[] = []
    body.entries.forEach((raw, i) => {
      const checked = StorableEntry.safeParse(raw)
      if (checked.success) return entries.push(checked.data)
      const issues = checked.error.issues.slice(0, 10).map((x) => ({ path: x.path.join('.'), message: x.message }))
      refused.push({
        id: pushedId(raw, i),
        code: 'invalid_entry',
        reason: `分录不合法，服务器不保存：${issues.map((x) => `${x.path || '(entry)'} ${x.message}`).join('；')} / the entry is invalid and was not stored`,
        issues,
      })
    })
    if (refused.length) req.log.warn({ team: d.team, device: d.id, refused }, 'push: entries refused')
    const stored = entries.length
      ? await pushEntries(storage, d, entries, (id, err) => req.log.error({ err, team: d.team, device: d.id, entry: id }, 'push: the database refused an entry'))
      : { accepted: [], stored: 0, conflicts: [], refused: [] }
    return { serverId: serverId(), ...stored, refused: [...refused, ...stored.refused] }
  })

  app.get('/v1/pull', async (req) => {
    const d = await device(req)
    const q = parse(PullQuery, req.query, 'pull')
    return { serverId: serverId(), ...(await pullPage(storage, d, q)) }
  })

  /**
   * The records' changes (src-shared/recordsProtocol.ts). A batch is taken whole or not at
   * all when it is malformed: a change that names no field the record has, or speaks another
   * version of the protocol, is answered with where it is, and nothing of the batch is stored.
   */
  app.post('/v1/records/push', async (req) => {
    const d = await device(req)
    const protocol = (req.body as { protocol?: unknown } | null)?.protocol
    if (protocol !== RECORDS_PROTOCOL_VERSION) {
      throw new HttpError(
        409,
        'protocol_mismatch',
        `工作站的记录同步协议版本（${String(protocol)}）与服务器（${RECORDS_PROTOCOL_VERSION}）不同，请把两边升级到同一版本 / the workstation speaks records protocol ${String(protocol)}, the server ${RECORDS_PROTOCOL_VERSION}: update both to the same version`,
        { path: 'protocol', value: protocol ?? null, expected: RECORDS_PROTOCOL_VERSION },
      )
    }
    const body = parse(RecordsPushRequest, req.body, 'records push')
    if (body.team !== d.team) {
      throw new HttpError(403, 'record_of_another_team', `这批变更属于团队「${body.team}」，此设备属于「${d.team}」，整批未保存 / the changes are for team ${body.team}, this device belongs to ${d.team}; nothing in the batch was stored`, {
        path: 'team',
        value: body.team,
      })
    }
    body.changes.forEach((c, i) => {
      const problem = changeShapeProblem(c)
      if (problem) {
        throw new HttpError(400, 'invalid_request', `第 ${i + 1} 条变更不合法（${problem.path}）：${problem.message}，整批未保存 / change ${i + 1} is invalid; nothing in the batch was stored`, {
          path: `changes.${i}.${problem.path}`,
          clientSeq: c.clientSeq,
          issues: [{ path: `changes.${i}.${problem.path}`, message: problem.message }],
        })
      }
    })
    const result = await pushRecords(storage, d, body.changes)
    if (result.stored > 0) {
      watch.stored(d.team, d.id)
      await tellOthers(storage, { stored: d.team, by: d.id })
      // Before the answer: the device's next batch is then looked up with statistics that know this one.
      await keepStatisticsFresh(storage)
    }
    return { serverId: serverId(), ...result }
  })

  /**
   * With `wait=N` (seconds) a pull that finds nothing new is held until another device of
   * the team stores a change, the device is revoked, the server stops or N seconds pass,
   * and then answered as any pull (see recordsWatch.ts): an online workstation keeps one
   * open and hears of the team's edits at once.
   */
  app.get('/v1/records/pull', async (req, reply) => {
    const d = await device(req)
    const q = parse(RecordsPullQuery, req.query, 'records pull')
    if (!q.wait) return { serverId: serverId(), ...(await pullRecords(storage, d, q)) }
    const gone = new AbortController()
    reply.raw.once('close', () => gone.abort())
    // Waiting is registered before the first read, so a change stored between the two still wakes it.
    const waiting = watch.subscribe(d.team, d.id, q.wait * 1000, gone.signal)
    try {
      const page = await pullRecords(storage, d, q)
      if (page.changes.length || page.conflicts.length || page.more || page.cursor !== q.after) return { serverId: serverId(), ...page }
      await waiting.woken
      // Asked again after the wait: a device revoked meanwhile is refused now, not on its next call.
      return { serverId: serverId(), ...(await pullRecords(storage, await device(req), q)) }
    } finally {
      waiting.cancel()
    }
  })

  /** A new workstation's start: the team's live records as of one sequence, page by page (see snapshotRecords). */
  app.get('/v1/records/snapshot', async (req) => {
    const d = await device(req)
    const q = parse(RecordsSnapshotQuery, req.query, 'records snapshot')
    return { serverId: serverId(), ...(await snapshotRecords(storage, d, q)) }
  })

  /**
   * The team's audit (src-shared/auditChain.ts): a workstation's next audit records, checked
   * link by link and refused whole when they do not continue its chain; and every chain of
   * the team verified together, for devices enrolled for managers.
   */
  app.post('/v1/audit/push', async (req) => {
    const d = await device(req)
    const body = parse(AuditPushRequest, req.body, 'audit push')
    return { serverId: serverId(), ...(await pushAudit(storage, d, body.records)) }
  })

  app.get('/v1/audit/verify', async (req) => verifyTeamAudit(storage, await device(req)))

  // ---------------------------------------------------------------- the team manager's endpoints
  app.post('/v1/admin/enrolment-codes', async (req) => {
    admin(req)
    const body = parse(CreateCodeRequest, req.body ?? {}, 'enrolment code')
    return createEnrolmentCode(storage, body.team, body.ttlMinutes, body.role)
  })

  app.get('/v1/admin/devices', async (req) => {
    admin(req)
    const q = parse(z.object({ team: TeamName.optional() }), req.query, 'devices')
    return { devices: await listDevices(storage, q.team) }
  })

  app.post('/v1/admin/devices/:id/revoke', async (req) => {
    admin(req)
    const { id } = parse(z.object({ id: oneLine(z.string().min(1).max(64)) }), req.params, 'revoke')
    const revoked = await revokeDevice(storage, id)
    watch.revoked(id)
    await tellOthers(storage, { revoked: id })
    return revoked
  })

  app.post('/v1/admin/status', async (req) => {
    admin(req)
    const body = parse(StatusChangeRequest, req.body, 'status')
    return changeStatuses(storage, body.team, body.changes)
  })

  app.get('/v1/admin/summary', async (req) => {
    admin(req)
    const q = parse(z.object({ team: TeamName }), req.query, 'summary')
    return teamSummary(storage, q.team)
  })

  app.get('/v1/admin/entries', async (req) => {
    admin(req)
    const q = parse(
      z.object({ team: TeamName, after: z.coerce.number().int().nonnegative().default(0), limit: z.coerce.number().int().min(1).max(MAX_PULL_PAGE).default(500) }),
      req.query,
      'entries',
    )
    return listEntries(storage, q.team, q.after, q.limit)
  })

  registerPages(app, { storage, clock: options.clock ?? (() => new Date()), publicUrl: options.publicUrl ?? null, ...options.pages })

  return app
}
