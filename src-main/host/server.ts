import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync, unlinkSync } from 'node:fs'
import { basename, extname, join, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import fastifyStatic from '@fastify/static'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import { OrchardError } from '../../src-shared/errors'
import { HTTP_CALL_PREFIX, HTTP_DOWNLOAD, HTTP_EVENTS, HTTP_UPLOAD } from '../../src-shared/transport'
import type { OrchardCore } from '../core/api'

export interface BrowserHostOptions {
  core: OrchardCore
  /** 0 picks a free port. */
  port?: number
  /** The built console (out/renderer). */
  staticDir: string
  token?: string
}

export interface BrowserHost {
  url: string
  token: string
  port: number
  close(): Promise<void>
}

/** The same policy the desktop shell sets; naive-ui injects its styles at runtime, hence 'unsafe-inline' for styles only. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ')

const MAX_UPLOAD_BYTES = 200 * 1024 * 1024

/**
 * Browser mode: the console's contract over HTTP and Server-Sent Events on
 * 127.0.0.1, guarded by a per-run token. Serves the same renderer the desktop
 * shell loads, so everything the console does works here too.
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const { core } = options
  const token = options.token ?? randomBytes(24).toString('base64url')
  const tokenBytes = Buffer.from(token)
  // Open event streams must not keep a closing host alive.
  const app = Fastify({ bodyLimit: 50 * 1024 * 1024, logger: false, forceCloseConnections: true })
  let port = 0
  const streams = new Set<import('node:http').ServerResponse>()

  const tokenMatches = (candidate: string | undefined): boolean => {
    if (!candidate) return false
    const bytes = Buffer.from(candidate)
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes)
  }
  const bearer = (req: FastifyRequest) => {
    const header = req.headers.authorization
    return header?.startsWith('Bearer ') ? header.slice(7) : undefined
  }
  const queryToken = (req: FastifyRequest) => (req.query as Record<string, string | undefined>).token
  const refuse = (reply: FastifyReply, status: number, code: string, message: string) =>
    reply.code(status).header('cache-control', 'no-store').send({ ok: false, error: { code, message } })

  app.addHook('onRequest', async (req, reply) => {
    // DNS rebinding: a page on another name resolving to 127.0.0.1 must not reach the API.
    const host = req.headers.host ?? ''
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return refuse(reply, 403, 'forbidden_host', `不接受此主机名 / host not allowed: ${host}`)
    }
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY)
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    reply.header('x-frame-options', 'DENY')
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store')
  })

  // Uploads arrive as raw bytes; keep them a stream so a 200 MB file never sits in memory.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload))

  app.post(`${HTTP_CALL_PREFIX}:name`, async (req, reply) => {
    if (!tokenMatches(bearer(req))) return refuse(reply, 401, 'unauthorized', '访问令牌无效 / invalid access token')
    const { name } = req.params as { name: string }
    try {
      const value = await core.call(name, req.body ?? undefined)
      return { ok: true, value }
    } catch (err) {
      return { ok: false, error: OrchardError.from(err).toJSON() }
    }
  })

  app.get(HTTP_EVENTS, (req, reply) => {
    if (!tokenMatches(queryToken(req))) return refuse(reply, 401, 'unauthorized', '访问令牌无效 / invalid access token')
    reply.hijack()
    const res = reply.raw
    streams.add(res)
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    })
    res.write(': connected\n\n')
    const off = core.onAny((event, payload) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`)
    })
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000)
    ping.unref()
    req.raw.on('close', () => {
      streams.delete(res)
      off()
      clearInterval(ping)
    })
  })

  app.post(HTTP_UPLOAD, async (req, reply) => {
    if (!tokenMatches(bearer(req))) return refuse(reply, 401, 'unauthorized', '访问令牌无效 / invalid access token')
    const rawName = (req.query as Record<string, string | undefined>).name ?? 'upload'
    const safeName = basename(rawName).replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(-120) || 'upload'
    mkdirSync(core.paths.staging, { recursive: true })
    const target = join(core.paths.staging, `${randomUUID()}-${safeName}`)
    const body = req.body as NodeJS.ReadableStream | undefined
    if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function') {
      return refuse(reply, 400, 'upload_empty', '没有收到文件内容 / no file content received')
    }
    let received = 0
    const limited = async function* () {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        received += chunk.length
        if (received > MAX_UPLOAD_BYTES) throw new OrchardError('upload_too_large', '文件超过 200 MB / file larger than 200 MB')
        yield chunk
      }
    }
    try {
      await pipeline(limited(), createWriteStream(target))
    } catch (err) {
      if (existsSync(target)) unlinkSync(target)
      const e = OrchardError.from(err)
      return refuse(reply, e.code === 'upload_too_large' ? 413 : 400, e.code, e.message)
    }
    return { path: target }
  })

  app.get(HTTP_DOWNLOAD, async (req, reply) => {
    if (!tokenMatches(queryToken(req))) return refuse(reply, 401, 'unauthorized', '访问令牌无效 / invalid access token')
    const requested = resolve((req.query as Record<string, string | undefined>).path ?? '')
    const root = resolve(core.paths.exports) + sep
    if (!requested.startsWith(root) || !existsSync(requested) || !statSync(requested).isFile()) {
      return refuse(reply, 403, 'forbidden_path', '只能下载导出文件夹中的文件 / only files in the exports folder can be downloaded')
    }
    const fileName = basename(requested)
    const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/"/g, '')
    reply.header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`)
    reply.type(extname(fileName) === '.xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv; charset=utf-8')
    return reply.send(createReadStream(requested))
  })

  await app.register(fastifyStatic, { root: resolve(options.staticDir), index: ['index.html'], wildcard: true })

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 })
  const address = app.server.address()
  port = typeof address === 'object' && address ? address.port : 0

  const runMaintenance = () => core.maintenance().catch(() => undefined)
  void runMaintenance()
  const timer = setInterval(runMaintenance, 60 * 60 * 1000)
  timer.unref()

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    async close() {
      clearInterval(timer)
      for (const res of streams) res.end()
      await app.close()
    },
  }
}
