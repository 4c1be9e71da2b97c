import { createHash, timingSafeEqual } from 'node:crypto'
import rateLimit from '@fastify/rate-limit'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { memberPageCsp } from '../../src-shared/csp'
import { GROUP_SCAN_LIMIT } from '../../src-shared/materials/rules'
import {
  BLOB_TYPES,
  BlobType,
  LIVE_CODE,
  LinkChangesRequest,
  MAX_BLOB_BYTES,
  MEMBER_TOKEN,
  MemberEarnings,
  MissingBlobsRequest,
  OwnerKey,
  PackContent,
  PagesDay,
  PublishEarningsRequest,
  PublishGroupsRequest,
  PublishPacksRequest,
  ScansQuery,
  Sha256,
  TeamPagesSettings,
  TicksQuery,
  WithdrawalAnswersRequest,
  WithdrawalsQuery,
} from '../../src-shared/pagesProtocol'
import { addDays, dayIn, timeIn } from '../../src-shared/time'
import { authenticateDevice, type DeviceIdentity } from '../devices'
import { HttpError } from '../errors'
import type { SqlClient, Storage } from '../storage'
import { PAGE_ASSETS } from './assets'
import { BlobCache } from './blobCache'
import { type LinkedMember, PageLookups } from './lookups'
import { liveCodePage, memberPage, messagePage, type PagePack } from './render'
import {
  answerWithdrawals,
  changeLinks,
  memberWithdrawals,
  missingBlobs,
  publishEarnings,
  publishGroups,
  publishPacks,
  putBlob,
  requestPageWithdrawal,
  saveTeamSettings,
  scansSince,
  teamZone,
  ticksAfter,
  withdrawalsAfter,
} from './store'

export interface PagesOptions {
  storage: Storage
  /** The server's clock (tests move it); the pages' "today" is its day in the team's time zone. */
  clock: () => Date
  /** Where members' phones reach this server (https://…), when it differs from the address workstations use. */
  publicUrl: string | null
  /** Requests one address may make to the public pages a minute. */
  requestsPerMinute?: number
  /** Unknown links or codes one address may try in ten minutes before it has to wait. */
  failedLookups?: number
  /** Bytes of files kept in memory. */
  blobCacheBytes?: number
}

/** How far the pages reach: yesterday's pack, today's and the coming week's. */
const DAYS_BACK = 1
const DAYS_AHEAD = 7
const FAILED_WINDOW_MS = 10 * 60 * 1000

const hashOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex')
/** The stored hash against the one just made, compared in constant time (the lookup found it by that very value). */
const sameHex = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'))

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const issues = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message }))
  throw new HttpError(400, 'invalid_request', `请求不合法（${where}）：${issues.map((i) => `${i.path || '(body)'} ${i.message}`).join('；')} / invalid request`, { issues })
}

const bearer = (req: FastifyRequest): string | undefined => {
  const h = req.headers.authorization
  return h && /^Bearer\s+/i.test(h) ? h.replace(/^Bearer\s+/i, '').trim() : undefined
}

const toBuffer = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from((v as Uint8Array).buffer, (v as Uint8Array).byteOffset, (v as Uint8Array).byteLength))

const EXT: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'video/mp4': 'mp4' }

/** Members' pages, group live codes and the device endpoints that feed them. */
export function registerPages(app: FastifyInstance, options: PagesOptions): void {
  const { storage, clock } = options
  const cache = new BlobCache(options.blobCacheBytes ?? 128 * 1024 * 1024)
  const lookups = new PageLookups(storage)

  // ---------------------------------------------------------------- the workstations' side
  app.register(async (scope) => {
    scope.addContentTypeParser([...BLOB_TYPES], { parseAs: 'buffer', bodyLimit: MAX_BLOB_BYTES }, (_req, body, done) => done(null, body))
    const device = (req: FastifyRequest): Promise<DeviceIdentity> => authenticateDevice(storage, bearer(req))

    scope.get('/v1/pages/config', async (req) => {
      await device(req)
      return { publicUrl: options.publicUrl }
    })
    scope.put('/v1/pages/team', async (req) => {
      const d = await device(req)
      await saveTeamSettings(storage, d.team, parse(TeamPagesSettings, req.body, 'team'))
      return { ok: true }
    })
    scope.post('/v1/pages/blobs/missing', async (req) => {
      const d = await device(req)
      return { missing: await missingBlobs(storage, d.team, parse(MissingBlobsRequest, req.body, 'missing').sha256) }
    })
    scope.put('/v1/pages/blobs/:sha256', { bodyLimit: MAX_BLOB_BYTES }, async (req) => {
      const d = await device(req)
      const { sha256 } = parse(z.object({ sha256: Sha256 }), req.params, 'blob')
      const type = parse(BlobType, (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase(), 'content-type')
      if (!Buffer.isBuffer(req.body) || !req.body.length) throw new HttpError(400, 'invalid_request', '没有收到文件内容 / no file content received')
      return putBlob(storage, d.team, sha256, type, req.body)
    })
    // What changes links or packs empties this process's lookups at once, whatever the outcome.
    scope.post('/v1/pages/packs', async (req) => {
      try {
        return await publishPacks(storage, await device(req), parse(PublishPacksRequest, req.body, 'packs'), clock())
      } finally {
        lookups.forget()
      }
    })
    scope.post('/v1/pages/earnings', async (req) => publishEarnings(storage, await device(req), parse(PublishEarningsRequest, req.body, 'earnings').members))
    scope.post('/v1/pages/links', async (req) => {
      try {
        return await changeLinks(storage, await device(req), parse(LinkChangesRequest, req.body, 'links').changes)
      } finally {
        lookups.forget()
      }
    })
    scope.post('/v1/pages/groups', async (req) => publishGroups(storage, await device(req), parse(PublishGroupsRequest, req.body, 'groups').groups))
    scope.get('/v1/pages/ticks', async (req) => {
      const d = await device(req)
      const q = parse(TicksQuery, req.query, 'ticks')
      return ticksAfter(storage, d.team, q.after, q.limit)
    })
    scope.get('/v1/pages/scans', async (req) => {
      const d = await device(req)
      return { scans: await scansSince(storage, d.team, parse(ScansQuery, req.query, 'scans').since) }
    })
    scope.get('/v1/pages/withdrawals', async (req) => {
      const d = await device(req)
      const q = parse(WithdrawalsQuery, req.query, 'withdrawals')
      return withdrawalsAfter(storage, d.team, q.after, q.limit)
    })
    scope.post('/v1/pages/withdrawals/answers', async (req) => {
      const d = await device(req)
      return answerWithdrawals(storage, d.team, parse(WithdrawalAnswersRequest, req.body, 'withdrawal answers').answers, clock())
    })
  })

  // ---------------------------------------------------------------- what members' phones open
  app.register(async (scope) => {
    // Per address: a member's page with its pictures is a dozen requests; a carrier's NAT puts
    // many members behind one address, so the ceiling is generous and wrong links are counted apart.
    await scope.register(rateLimit, {
      global: true,
      max: options.requestsPerMinute ?? 600,
      timeWindow: 60_000,
      errorResponseBuilder: (_req, ctx) => new HttpError(429, 'rate_limited', `访问太频繁，请 ${Math.ceil(ctx.ttl / 1000)} 秒后再试 / too many requests`),
    })
    const failures = scope.createRateLimit({ max: options.failedLookups ?? 30, timeWindow: FAILED_WINDOW_MS })
    const guessing = async (req: FastifyRequest): Promise<boolean> => {
      const state = await failures(req, { increment: false })
      return !state.isAllowed && state.remaining <= 0
    }
    const failed = async (req: FastifyRequest) => {
      await failures(req)
    }

    scope.removeContentTypeParser(['application/json', 'text/plain'])
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    )

    const csp = memberPageCsp()
    scope.addHook('onRequest', async (_req, reply) => {
      reply.header('content-security-policy', csp)
      reply.header('x-content-type-options', 'nosniff')
      reply.header('referrer-policy', 'no-referrer')
      reply.header('x-frame-options', 'DENY')
      reply.header('x-robots-tag', 'noindex, nofollow')
      reply.header('cross-origin-resource-policy', 'same-origin')
    })
    const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body)
    const notFound = (reply: FastifyReply) => html(reply, 404, messagePage('链接无效', '这个链接不存在或已经失效。', '请向团队的运营索取新的链接。'))
    scope.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
      const status = err instanceof HttpError ? err.status : (err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500 ? (err as FastifyError).statusCode! : 500
      if (status >= 500) req.log.error(err)
      const wantsJson = (req.headers.accept ?? '').includes('application/json')
      const message =
        status === 429 ? '访问太频繁，请稍后再试。' : status === 404 ? '这个链接不存在或已经失效。' : status < 500 ? (err instanceof HttpError ? err.message.split(' / ')[0] : '请求无效。') : '服务器出错了，请稍后再试。'
      if (wantsJson) return reply.code(status).header('cache-control', 'no-store').send({ code: err instanceof HttpError ? err.code : 'error', message })
      return html(reply, status, messagePage(status === 429 ? '请稍后再试' : '出错了', message))
    })
    // Anything else under the pages' paths is a link that does not exist, answered as a page.
    for (const path of ['/m/*', '/g/*']) scope.all(path, async (_req, reply) => notFound(reply))

    for (const asset of Object.values(PAGE_ASSETS)) {
      scope.get(asset.path, async (_req, reply) => reply.header('cache-control', 'public, max-age=31536000, immutable').type(asset.type).send(asset.body))
    }
    scope.get('/robots.txt', async (_req, reply) => reply.type('text/plain').send('User-agent: *\nDisallow: /\n'))
    // Every phone asks for it; an empty answer keeps a 404 out of the member's browser console.
    scope.get('/favicon.ico', async (_req, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send())

    /** The member a link belongs to, while it is not revoked. */
    async function memberOf(req: FastifyRequest, token: string): Promise<LinkedMember | null> {
      if (await guessing(req)) throw new HttpError(429, 'rate_limited', '访问太频繁 / too many requests')
      if (!MEMBER_TOKEN.test(token)) {
        await failed(req)
        return null
      }
      const hash = hashOf(token)
      const member = await lookups.member(hash)
      if (!member || !sameHex(member.tokenHash, hash)) {
        await failed(req)
        return null
      }
      return member
    }

    scope.get('/m/:token', async (req, reply) => {
      const { token } = req.params as { token: string }
      const member = await memberOf(req, token)
      if (!member) return notFound(reply)
      const now = clock()
      const today = dayIn(member.zone, now)
      const first = addDays(today, -DAYS_BACK)
      const last = addDays(today, DAYS_AHEAD)
      const asked = (req.query as { d?: unknown }).d
      let day = today
      if (asked !== undefined) {
        const parsed = PagesDay.safeParse(asked)
        if (!parsed.success) throw new HttpError(400, 'invalid_request', '日期无效 / invalid day')
        day = parsed.data
        if (day < first || day > last) throw new HttpError(404, 'not_found', '只能查看昨天到未来 7 天的素材 / out of range')
      }
      const rows = (await lookups.memberPacks(member.team, member.code)).rows.filter((r) => r.day >= first && r.day <= last)
      const packs: PagePack[] = rows
        .filter((r) => r.day === day)
        .map((r) => ({ ownerKey: r.owner_key, kind: r.kind, title: r.title, day: r.day, content: JSON.parse(r.content) as PackContent }))
      const tickRows = await storage.query<{ owner_key: string; item_key: string; ticked_at: Date | string }>(
        'SELECT owner_key, item_key, ticked_at FROM member_ticks WHERE team = $1 AND member_code = $2 AND day = $3',
        [member.team, member.code, day],
      )
      const ticks = new Map(tickRows.map((t) => [`${t.owner_key}|${day}|${t.item_key}`, timeIn(member.zone, new Date(t.ticked_at)).slice(11)]))
      const [earned] = await storage.query<{ content: string; updated_at: Date | string }>('SELECT content, updated_at FROM member_earnings WHERE team = $1 AND member_code = $2', [
        member.team,
        member.code,
      ])
      const earnings = earned ? MemberEarnings.safeParse(JSON.parse(earned.content)) : null
      const withdrawals = (await memberWithdrawals(storage, member.team, member.code)).map((w) => ({ ...w, requestedAt: timeIn(member.zone, w.requestedAt) }))
      const base = `/m/${token}`
      const days = [...new Set([today, ...rows.map((r) => r.day)])].sort()
      return html(
        reply,
        200,
        memberPage({
          base,
          studioName: member.studioName,
          memberName: member.name,
          today,
          day,
          days,
          packs,
          ticks,
          earnings: earnings?.success ? earnings.data : null,
          earningsAsOf: earnings?.success ? timeIn(member.zone, new Date(earnings.data.asOf)) : null,
          withdrawals,
          fileUrl: (sha, ext, download) => `${base}/f/${sha}.${ext}${download ? '?dl=1' : ''}`,
        }),
      )
    })

    scope.get('/m/:token/f/:file', async (req, reply) => {
      const { token, file } = req.params as { token: string; file: string }
      if (await guessing(req)) throw new HttpError(429, 'rate_limited', '访问太频繁 / too many requests')
      const match = /^([0-9a-f]{64})\.(jpg|png|mp4)$/.exec(file)
      if (!MEMBER_TOKEN.test(token) || !match) {
        await failed(req)
        return notFound(reply)
      }
      const sha = match[1]
      // The link (live, checked with the other requests of the moment) and the member's files, both cached a few seconds.
      const member = await memberOf(req, token)
      if (!member) return notFound(reply)
      // A live link asking for another's file is not guessing: not counted.
      if (!(await lookups.memberPacks(member.team, member.code)).files.has(sha)) return notFound(reply)
      return sendBlob(req, reply, member.team, sha, (req.query as { dl?: string }).dl === '1')
    })

    /** A form another site posts must not act for the member: the browser names the page it came from. */
    const sameOrigin = (req: FastifyRequest) => {
      const origin = req.headers.origin
      if (origin && origin !== 'null') {
        let host = ''
        try {
          host = new URL(origin).host
        } catch {
          host = ''
        }
        if (host !== req.headers.host) throw new HttpError(403, 'forbidden_origin', '不接受来自其他网页的请求 / requests from another page are refused')
      }
    }

    scope.post('/m/:token/withdraw', async (req, reply) => {
      const { token } = req.params as { token: string }
      sameOrigin(req)
      const member = await memberOf(req, token)
      if (!member) return notFound(reply)
      // Yuan as a person types them (12, 12.5, 12.50): turned into fen exactly, never through a float.
      const form = parse(z.object({ yuan: z.string().trim().regex(/^\d{1,7}(\.\d{1,2})?$/, '请输入金额，如 50 或 50.00') }), req.body ?? {}, 'withdraw')
      const [whole, part = ''] = form.yuan.split('.')
      const amountFen = Number(whole) * 100 + Number(part.padEnd(2, '0'))
      await requestPageWithdrawal(storage, member.team, member.code, amountFen, clock())
      if ((req.headers.accept ?? '').includes('application/json')) return reply.header('cache-control', 'no-store').send({ ok: true })
      return reply.code(303).header('location', `/m/${token}#earnings`).send()
    })

    scope.post('/m/:token/tick', async (req, reply) => {
      const { token } = req.params as { token: string }
      sameOrigin(req)
      const member = await memberOf(req, token)
      if (!member) return notFound(reply)
      const form = parse(z.object({ owner: OwnerKey, day: PagesDay, item: z.string().regex(/^[a-z0-9-]{1,20}$/) }), req.body ?? {}, 'tick')
      const [pack] = await storage.query<{ title: string; content: string }>(
        'SELECT title, content FROM packs WHERE team = $1 AND member_code = $2 AND owner_key = $3 AND day = $4',
        [member.team, member.code, form.owner, form.day],
      )
      if (!pack) throw new HttpError(404, 'not_found', '没有这份素材包 / no such pack')
      const item = (JSON.parse(pack.content) as PackContent).schedule.find((s) => s.key === form.item)
      if (!item) throw new HttpError(404, 'not_found', '没有这一项 / no such item')
      const today = dayIn(member.zone, clock())
      if (item.day > today) throw new HttpError(409, 'too_early', `还没到时间：${item.day} ${item.from} 再打卡 / not yet`)
      const label = `${form.owner.startsWith('group:') ? `社群「${pack.title}」 ` : ''}${item.day} ${item.from}–${item.to} ${item.title}`
      await storage.query(
        `INSERT INTO member_ticks (id, team, member_code, owner_key, day, item_key, label, ticked_at) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (team, member_code, owner_key, day, item_key) DO NOTHING`,
        [member.team, member.code, form.owner, form.day, form.item, label, clock()],
      )
      if ((req.headers.accept ?? '').includes('application/json')) return reply.header('cache-control', 'no-store').send({ ok: true })
      return reply.code(303).header('location', `/m/${token}?d=${form.day}`).send()
    })

    scope.get('/g/:code', async (req, reply) => {
      const { code } = req.params as { code: string }
      if (await guessing(req)) throw new HttpError(429, 'rate_limited', '访问太频繁 / too many requests')
      const group = LIVE_CODE.test(code) ? await liveGroup(storage, hashOf(code), clock()) : null
      if (!group) {
        await failed(req)
        return notFound(reply)
      }
      const ref = (req.query as { ref?: unknown }).ref
      await countScan(storage, group, typeof ref === 'string' ? ref : '', clock())
      const full = group.memberCount >= GROUP_SCAN_LIMIT
      const qr = !full && group.qrSha ? { url: `/g/${code}/i/${group.qrSha}.png`, expiresAt: timeIn(group.zone, new Date(group.qrExpiresAt!)) } : null
      return html(
        reply,
        200,
        liveCodePage({
          groupName: group.name,
          studioName: group.studioName,
          qr,
          reason: qr ? null : full ? 'full' : 'lapsed',
          owner: { name: group.ownerName, contactUrl: group.contactSha ? `/g/${code}/i/${group.contactSha}.png` : null },
        }),
      )
    })

    scope.get('/g/:code/i/:file', async (req, reply) => {
      const { code, file } = req.params as { code: string; file: string }
      const match = /^([0-9a-f]{64})\.png$/.exec(file)
      const group = LIVE_CODE.test(code) && match ? await liveGroup(storage, hashOf(code), clock()) : null
      if (!group || !match) return notFound(reply)
      const sha = match[1]
      // The group's own code only while it may be scanned; the owner's contact always.
      if (sha !== group.contactSha && sha !== group.qrSha) return notFound(reply)
      return sendBlob(req, reply, group.team, sha, false, 'no-store')
    })

    async function sendBlob(req: FastifyRequest, reply: FastifyReply, team: string, sha: string, download: boolean, cacheControl = 'private, max-age=31536000, immutable') {
      let blob = cache.get(team, sha)
      if (!blob) {
        const [row] = await storage.query<{ mime: string; data: unknown }>('SELECT mime, data FROM blobs WHERE team = $1 AND sha256 = $2', [team, sha])
        if (!row) return notFound(reply)
        blob = { mime: row.mime, data: toBuffer(row.data) }
        cache.set(team, sha, blob)
      }
      const etag = `"${sha}"`
      reply.header('etag', etag).header('cache-control', cacheControl).header('accept-ranges', 'bytes').type(blob.mime)
      if (download) reply.header('content-disposition', `attachment; filename="orchard-${sha.slice(0, 12)}.${EXT[blob.mime] ?? 'bin'}"`)
      if (req.headers['if-none-match'] === etag) return reply.code(304).send()
      const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''))
      if (range && (range[1] || range[2])) {
        const size = blob.data.length
        let start = range[1] ? Number(range[1]) : size - Number(range[2])
        let end = range[1] && range[2] ? Number(range[2]) : size - 1
        start = Math.max(0, start)
        end = Math.min(size - 1, end)
        if (start > end || start >= size) return reply.code(416).header('content-range', `bytes */${size}`).send()
        return reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`).send(blob.data.subarray(start, end + 1))
      }
      return reply.send(blob.data)
    }
  })
}

interface LiveGroupRow {
  team: string
  groupKey: string
  name: string
  ownerName: string | null
  memberCount: number
  contactSha: string | null
  qrSha: string | null
  qrExpiresAt: string | null
  zone: string
  studioName: string
}

/** A live code's group and the newest of its QR images that has not lapsed at `now`. */
async function liveGroup(db: SqlClient, codeHash: string, now: Date): Promise<LiveGroupRow | null> {
  const [g] = await db.query<{ team: string; group_key: string; code_hash: string; name: string; owner_name: string | null; member_count: number; contact_sha: string | null }>(
    'SELECT team, group_key, code_hash, name, owner_name, member_count, contact_sha FROM live_groups WHERE code_hash = $1',
    [codeHash],
  )
  if (!g || !sameHex(g.code_hash, codeHash)) return null
  const [qr] = await db.query<{ sha256: string; expires_at: Date | string }>(
    'SELECT sha256, expires_at FROM live_group_images WHERE team = $1 AND group_key = $2 AND expires_at > $3 ORDER BY uploaded_at DESC, sha256 LIMIT 1',
    [g.team, g.group_key, now],
  )
  const t = await teamZone(db, g.team)
  return {
    team: g.team,
    groupKey: g.group_key,
    name: g.name,
    ownerName: g.owner_name,
    memberCount: Number(g.member_count),
    contactSha: g.contact_sha,
    qrSha: qr?.sha256 ?? null,
    qrExpiresAt: qr ? new Date(qr.expires_at).toISOString() : null,
    zone: t.timeZone,
    studioName: t.studioName,
  }
}

/**
 * One scan of a live code, counted for its group, the day (the team's) and the member whose
 * poster carried it. A `ref` that names no member of the team counts as unattributed, so a
 * stranger's made-up refs cannot grow the table.
 */
async function countScan(db: SqlClient, group: LiveGroupRow, ref: string, now: Date): Promise<void> {
  let known = ''
  if (/^[A-Za-z0-9_-]{1,40}$/.test(ref)) {
    const [row] = await db.query(
      `SELECT 1 FROM member_links WHERE team = $1 AND member_code = $2 UNION ALL SELECT 1 FROM packs WHERE team = $1 AND member_code = $2 UNION ALL
       SELECT 1 FROM live_groups WHERE team = $1 AND owner_code = $2 LIMIT 1`,
      [group.team, ref],
    )
    if (row) known = ref
  }
  await db.query(
    `INSERT INTO live_scans (team, group_key, day, ref, scans) VALUES ($1, $2, $3, $4, 1)
     ON CONFLICT (team, group_key, day, ref) DO UPDATE SET scans = live_scans.scans + 1`,
    [group.team, group.groupKey, dayIn(group.zone, now), known],
  )
}
