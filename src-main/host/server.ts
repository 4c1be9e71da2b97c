import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, realpathSync, statSync, unlinkSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { basename, extname, join, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import fastifyStatic from '@fastify/static'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { OrchardError, type OrchardErrorShape } from '../../src-shared/errors'
import { HTTP_CALL_PREFIX, HTTP_DOWNLOAD, HTTP_EVENTS, HTTP_UPLOAD } from '../../src-shared/transport'
import type { OrchardCore } from '../core/api'
import { consoleCsp } from '../../src-shared/csp'
import { PRIVATE_FILE, privateFolder } from '../core/housekeeping'

export interface BrowserHostOptions {
  core: OrchardCore
  /** 0 picks a free port. */
  port?: number
  /** The built console (out/renderer). */
  staticDir: string
  /** Fixed token (tests); by default a fresh random one per run. */
  token?: string
}

export interface BrowserHost {
  /** The address to open: http://127.0.0.1:PORT/?token=… */
  url: string
  token: string
  port: number
  /** Settles when the start-up upkeep (the day's backup, the sweep of old uploads and exports) is done. */
  ready: Promise<void>
  close(): Promise<void>
}

/** The console's one Content-Security-Policy, the same the desktop shell sends (src-shared/csp.ts). */
export const CONTENT_SECURITY_POLICY = consoleCsp()

/** Contract calls carry JSON inputs; the largest are bulk edits, far below this. */
export const MAX_CALL_BYTES = 50 * 1024 * 1024
/** Uploaded spreadsheets: a studio's full order history as CSV stays well under this. */
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024
const HEARTBEAT_MS = 15_000
const MAINTENANCE_MS = 60 * 60 * 1000

const DOWNLOAD_TYPES: Record<string, string> = {
  '.csv': 'text/csv; charset=utf-8',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.json': 'application/json; charset=utf-8',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.mp4': 'video/mp4',
}

const failure = (error: OrchardErrorShape) => ({ ok: false as const, error })

/** HTTP statuses of refused calls; a domain error (bad input, a conflict) answers 200 with its Result. */
const CALL_ERROR_STATUS: Record<string, number> = {
  unknown_method: 404,
  forbidden: 403,
  forbidden_path: 403,
  internal: 500,
}

/**
 * A file name safe to create in staging/: no folders, no characters a shell or
 * another OS would trip over, at most 120 characters — keeping the extension,
 * because the importer tells CSV from XLSX by it.
 */
export function stagedFileName(rawName: string): string {
  const name = basename(rawName.replace(/\\/g, '/'))
  const ext = extname(name).toLowerCase().replace(/[^.a-z0-9]/g, '').slice(0, 10)
  const stem = name
    .slice(0, name.length - extname(name).length)
    .replace(/[^\p{L}\p{N}_-]+/gu, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100)
  return `${randomUUID()}-${stem || 'upload'}${ext}`
}

const SINGLE_HEADERS = new Set(['host', 'origin', 'authorization', 'sec-fetch-site'])

/** Headers that must come once and came more than once (rawHeaders: name, value, name, value …). */
export function repeatedHeaders(rawHeaders: string[]): string[] {
  const seen = new Set<string>()
  const repeated = new Set<string>()
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase()
    if (!SINGLE_HEADERS.has(name)) continue
    if (seen.has(name)) repeated.add(name)
    seen.add(name)
  }
  return [...repeated]
}

/** Content-Disposition for a download: an ASCII fallback plus the exact UTF-8 name (RFC 5987 / RFC 6266). */
export function attachmentHeader(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/**
 * Browser mode: the console's contract over HTTP and Server-Sent Events on
 * 127.0.0.1, guarded by a per-run token. Serves the same renderer the desktop
 * shell loads, so everything the console does works here too.
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const { core } = options
  const token = options.token ?? randomBytes(24).toString('base64url')
  const tokenBytes = Buffer.from(token)
  // forceCloseConnections: open event streams must not keep a closing host alive.
  const app = Fastify({ bodyLimit: MAX_CALL_BYTES, logger: false, forceCloseConnections: true })
  let port = 0
  const streams = new Set<ServerResponse>()

  const tokenMatches = (candidate: string | undefined): boolean => {
    if (!candidate) return false
    const bytes = Buffer.from(candidate)
    // timingSafeEqual needs equal lengths; the length itself reveals nothing useful (it is fixed per run).
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes)
  }
  const bearer = (req: FastifyRequest) => {
    const header = req.headers.authorization
    return header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined
  }
  const query = (req: FastifyRequest) => req.query as Record<string, string | undefined>
  const refuse = (reply: FastifyReply, status: number, code: string, message: string, details?: unknown) =>
    reply.code(status).header('cache-control', 'no-store').send(failure({ code, message, details }))
  const unauthorized = (reply: FastifyReply) =>
    refuse(reply, 401, 'unauthorized', '访问令牌无效，请使用启动时打印的链接打开 / invalid access token: open the URL printed at start-up')

  app.addHook('onRequest', async (req, reply) => {
    // Node keeps the first of repeated Host, Origin and Authorization headers and drops the rest:
    // a request that repeats one is refused rather than judged by a header chosen for it.
    const repeated = repeatedHeaders(req.raw.rawHeaders)
    if (repeated.length) {
      return refuse(reply, 400, 'duplicate_header', `请求头重复 / repeated request header: ${repeated.join(', ')}`, { headers: repeated })
    }
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 must not reach the console or the API.
    const host = (req.headers.host ?? '').toLowerCase()
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return refuse(reply, 403, 'forbidden_host', `不接受此主机名 / host name not allowed: ${host || '(none)'}`, { host })
    }
    // A page on another origin that got hold of the token must not use it: browsers say where a
    // request comes from (Origin on every POST, Sec-Fetch-Site on every request). Requests
    // without either are scripts and tools on this machine, which the token alone admits.
    if (req.url.startsWith('/api/')) {
      const origin = req.headers.origin
      const site = req.headers['sec-fetch-site']
      if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
        return refuse(reply, 403, 'forbidden_origin', `不接受来自其他网页的请求 / requests from another page are refused: ${origin}`, { origin })
      }
      if (site !== undefined && site !== 'same-origin' && site !== 'none') {
        return refuse(reply, 403, 'forbidden_origin', `不接受来自其他网页的请求 / requests from another page are refused (${site})`, { site })
      }
    }
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('x-frame-options', 'DENY')
    reply.header('cross-origin-opener-policy', 'same-origin')
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store')
  })

  // Whatever goes wrong before a handler runs (malformed JSON, a body over the limit)
  // still reaches the console as a Result it can show, never as an HTML page.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return refuse(reply, 413, 'body_too_large', `请求内容超过 ${MAX_CALL_BYTES / 1024 / 1024} MB / request body too large`)
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return refuse(reply, 415, 'unsupported_media_type', '请求须为 JSON / the request body must be JSON', { contentType: req.headers['content-type'] })
    }
    if (status < 500) return refuse(reply, status, 'bad_request', `请求无效 / bad request: ${err.message}`)
    return refuse(reply, 500, 'internal', `服务内部错误 / internal error: ${err.message}`)
  })
  app.setNotFoundHandler((req, reply) =>
    refuse(reply, 404, 'not_found', `没有这个地址 / no such address: ${req.method} ${req.url.split('?')[0]}`),
  )

  app.post(`${HTTP_CALL_PREFIX}:name`, async (req, reply) => {
    if (!tokenMatches(bearer(req))) return unauthorized(reply)
    const { name } = req.params as { name: string }
    try {
      const value = await core.call(name, req.body ?? undefined)
      return { ok: true, value }
    } catch (err) {
      const error = OrchardError.from(err)
      // The envelope carries the error either way; the status lets proxies, logs and scripts tell the kinds apart.
      return reply.code(CALL_ERROR_STATUS[error.code] ?? 200).send(failure(error.toJSON()))
    }
  })

  app.get(HTTP_EVENTS, (req, reply) => {
    if (!tokenMatches(query(req).token)) return unauthorized(reply)
    reply.hijack()
    const res = reply.raw
    streams.add(res)
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no',
    })
    // retry: how long EventSource waits before reconnecting after the host restarts
    res.write('retry: 2000\n: connected\n\n')
    const off = core.onAny((event, payload) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload ?? null)}\n\n`)
    })
    // Comments keep idle connections (and any proxy between) from timing out.
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS)
    heartbeat.unref()
    const cleanUp = () => {
      streams.delete(res)
      off()
      clearInterval(heartbeat)
    }
    req.raw.once('close', cleanUp)
    res.once('close', cleanUp)
  })

  // Uploads are raw bytes of any type; a scoped plugin keeps the catch-all parser
  // away from the contract routes, which only accept JSON.
  await app.register(async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload))
    scope.post(HTTP_UPLOAD, async (req, reply) => {
      if (!tokenMatches(bearer(req))) return unauthorized(reply)
      const declared = Number(req.headers['content-length'] ?? 0)
      if (declared > MAX_UPLOAD_BYTES) return refuse(reply, 413, 'upload_too_large', '文件超过 200 MB / file larger than 200 MB', { bytes: declared })
      const body = req.body as AsyncIterable<Buffer> | undefined
      if (!body || typeof (body as unknown as { pipe?: unknown }).pipe !== 'function') {
        return refuse(reply, 400, 'upload_empty', '没有收到文件内容 / no file content received')
      }
      privateFolder(core.paths.staging)
      const target = join(core.paths.staging, stagedFileName(query(req).name ?? 'upload'))
      let received = 0
      // Counting as we go: a chunked upload has no Content-Length to check up front.
      const limited = async function* () {
        for await (const chunk of body) {
          received += chunk.length
          if (received > MAX_UPLOAD_BYTES) throw new OrchardError('upload_too_large', '文件超过 200 MB / file larger than 200 MB')
          yield chunk
        }
      }
      try {
        await pipeline(limited(), createWriteStream(target, { flags: 'wx', mode: PRIVATE_FILE }))
      } catch (err) {
        try {
          unlinkSync(target)
        } catch {
          // nothing was written
        }
        const e = OrchardError.from(err)
        return refuse(reply, e.code === 'upload_too_large' ? 413 : 400, e.code === 'internal' ? 'upload_failed' : e.code, e.message)
      }
      if (received === 0) {
        unlinkSync(target)
        return refuse(reply, 400, 'upload_empty', '没有收到文件内容 / no file content received')
      }
      return { path: target }
    })
  })

  app.get(HTTP_DOWNLOAD, async (req, reply) => {
    if (!tokenMatches(query(req).token)) return unauthorized(reply)
    const requested = query(req).path ?? ''
    const refused = () =>
      refuse(reply, 403, 'forbidden_path', '只能下载导出文件夹中的文件 / only files in the exports folder can be downloaded', { path: requested })
    let real: string
    let root: string
    try {
      // Real paths: a symbolic link inside exports/ must not lead out of it.
      mkdirSync(core.paths.exports, { recursive: true })
      root = realpathSync(core.paths.exports) + sep
      real = realpathSync(resolve(core.paths.exports, requested))
    } catch {
      return refused()
    }
    if (!real.startsWith(root) || !statSync(real).isFile()) return refused()
    try {
      // Bound to the profile it was made for: an export is not everyone's who holds the token.
      core.authorizeDownload(real)
    } catch (err) {
      const e = OrchardError.from(err)
      return refuse(reply, 403, e.code, e.message, e.details)
    }
    const fileName = basename(real)
    reply.header('content-disposition', attachmentHeader(fileName))
    reply.type(DOWNLOAD_TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream')
    return reply.send(createReadStream(real))
  })

  await app.register(fastifyStatic, { root: resolve(options.staticDir), index: ['index.html'], wildcard: true })

  try {
    // 127.0.0.1 only: the console holds the studio's personal data and is never offered to the network.
    await app.listen({ host: '127.0.0.1', port: options.port ?? 0 })
  } catch (err) {
    await app.close()
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new OrchardError('port_unavailable', `端口 ${options.port} 不可用，请换一个或省略 --port / port ${options.port} is not available: choose another or leave it out`, {
        port: options.port,
        why: code,
      })
    }
    throw OrchardError.from(err)
  }
  const address = app.server.address()
  port = typeof address === 'object' && address ? address.port : 0

  // The daily backup is due-checked hourly; a failure here must not take the console down
  // (the settings screen shows the backups and their dates).
  const runMaintenance = () => core.maintenance().catch(() => undefined)
  const startup = runMaintenance()
  const timer = setInterval(runMaintenance, MAINTENANCE_MS)
  timer.unref()

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    ready: startup,
    async close() {
      clearInterval(timer)
      for (const res of streams) res.end()
      await app.close()
      // A backup still running would otherwise outlive the host and race core.close().
      await startup
    },
  }
}
