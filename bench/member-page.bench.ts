import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, get as httpGet } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import Fastify from 'fastify'
import sharp from 'sharp'
import type { PublishedPack } from '../src-shared/pagesProtocol'
import { addDays, dayIn } from '../src-shared/time'
import { startSyncServer } from '../src-server/index'

/**
 * Members opening their pages: MEMBERS phones at once, each loading its page and then the
 * first 9 posters (six at a time, as a phone's browser does), ROUNDS times over loopback.
 *
 *  - orchard: the team server's /m/<token> — the token hashed and looked up, the team's
 *    day, the member's packs, ticks, earnings and requests read, the page rendered — and
 *    each poster through /m/<token>/f/<sha> (the link checked again, the file checked to be
 *    in one of the member's packs, served from the blob cache); on its embedded PGlite, the
 *    public rate limits raised above the load so they count without refusing;
 *  - peer: @fastify/static serving the very same bytes (each page saved as a file, each
 *    poster by name) with no lookups at all.
 *
 * Both servers and the load run in this one process, so each pays the same client. The
 * figures: member loads per second (page + 9 posters) and the p95 of one load's time;
 * goal: orchard ≥ 0.5× the peer's throughput.
 *
 *   npm run bench -- member-page
 */
const MEMBERS = 200
const ROUNDS = 5
const POSTERS = 9
const DISTINCT_POSTERS = 90
const GOAL = 0.5
/** Connections the load keeps open to the server under test. */
const CONNECTIONS = 64
const ADMIN = 'ora_bench-member-page'
const ZONE = 'Asia/Shanghai'

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')

async function json<T>(base: string, method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const raw = Buffer.isBuffer(body)
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': raw ? 'image/jpeg' : 'application/json' } : {}) },
    body: body === undefined ? undefined : raw ? new Uint8Array(body) : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`)
  return JSON.parse(text) as T
}

/** A poster-sized JPEG of noise (it compresses like a photo would): each seed a different file. */
const poster = (seed: number) =>
  sharp({ create: { width: 540, height: 540, channels: 3, background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: (seed * 173) % 256 }, noise: { type: 'gaussian', mean: 120, sigma: 28 } } })
    .jpeg({ quality: 78 })
    .toBuffer()

interface Load {
  page: string
  images: string[]
}

/** Every member loads its page and posters ROUNDS times, all members at once; each load's time is kept. */
async function run(base: string, loads: Load[]): Promise<{ perSecond: number; p95: number; bytes: number }> {
  const times: number[] = []
  let bytes = 0
  // Kept-alive connections, as many as a busy phone network's NAT would open to one server.
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS })
  const get = (path: string) =>
    new Promise<void>((resolve, reject) => {
      httpGet(base + path, { agent }, (res) => {
        if (res.statusCode !== 200) {
          res.resume()
          return reject(new Error(`GET ${path}: ${res.statusCode}`))
        }
        res.on('data', (c: Buffer) => (bytes += c.length))
        res.on('end', () => resolve())
        res.on('error', reject)
      }).on('error', reject)
    })
  const started = performance.now()
  await Promise.all(
    loads.map(async (load) => {
      for (let r = 0; r < ROUNDS; r++) {
        const t0 = performance.now()
        await get(load.page)
        let next = 0
        await Promise.all(
          Array.from({ length: 6 }, async () => {
            while (next < load.images.length) await get(load.images[next++])
          }),
        )
        times.push(performance.now() - t0)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  agent.destroy()
  times.sort((a, b) => a - b)
  return { perSecond: times.length / seconds, p95: times[Math.floor(times.length * 0.95)], bytes }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'orchard-bench-pages-'))
  const server = await startSyncServer({
    dataDir: join(dir, 'server'),
    host: '127.0.0.1',
    adminToken: ADMIN,
    pages: { requestsPerMinute: 100_000_000, failedLookups: 100_000_000, blobCacheBytes: 256 * 1024 * 1024 },
  })
  const peer = Fastify({ logger: false })
  try {
    const base = server.url
    // A team with one workstation, as `orchard server enrol` and `orchard sync enrol` make it.
    const { code } = await json<{ code: string }>(base, 'POST', '/v1/admin/enrolment-codes', ADMIN, { team: 'bench' })
    const device = `ord_${randomBytes(32).toString('base64url')}`
    await json(base, 'POST', '/v1/enrol', null, { code, deviceName: 'bench', tokenHash: sha(Buffer.from(device)) })
    await json(base, 'PUT', '/v1/pages/team', device, { studioName: '果园工作室', timeZone: ZONE })

    const files = await Promise.all(Array.from({ length: DISTINCT_POSTERS }, (_, i) => poster(i)))
    for (const f of files) await json(base, 'PUT', `/v1/pages/blobs/${sha(f)}`, device, f)
    const today = dayIn(ZONE, new Date())
    const members = Array.from({ length: MEMBERS }, (_, i) => ({ code: `M${String(i).padStart(5, '0')}`, token: randomBytes(32).toString('base64url') }))
    await json(base, 'POST', '/v1/pages/links', device, {
      changes: members.map((m, i) => ({ memberCode: m.code, memberName: `会员${i + 1}`, tokenHash: sha(Buffer.from(m.token)) })),
    })
    const packs: PublishedPack[] = members.map((m, i) => {
      const mine = Array.from({ length: POSTERS }, (_, n) => files[(i * POSTERS + n) % DISTINCT_POSTERS])
      return {
        ownerKey: `member:${m.code}`,
        kind: 'member',
        memberCode: m.code,
        title: `会员${i + 1}`,
        day: today,
        content: {
          images: mine.map((f, n) => ({ kind: 'poster', product: `商品${n + 1}`, full: sha(f), phone: sha(f) })),
          videos: [],
          copy: ['moments', 'group', 'private'].flatMap((channel) =>
            Array.from({ length: 3 }, (_, n) => ({ channel: channel as 'moments', product: `商品${n + 1}`, tone: null, text: `今天推荐商品${n + 1}，团购价 ¥39.9，包邮到家。` })),
          ),
          schedule: [
            { key: 'preview', day: addDays(today, -1), from: '21:00', to: '21:30', title: '产品预告（前一晚）', what: '发朋友圈预告明天的好物' },
            { key: 'peak-1', day: today, from: '07:00', to: '09:00', title: '早高峰', what: '发九宫格海报和文案' },
            { key: 'peak-2', day: today, from: '12:00', to: '13:00', title: '午间', what: '群里互动、回复咨询' },
            { key: 'peak-3', day: today, from: '19:00', to: '21:00', title: '晚高峰', what: '发九宫格海报和文案' },
          ],
        },
      }
    })
    await json(base, 'POST', '/v1/pages/packs', device, { runs: [{ runId: 'bench-run', runCreatedAt: new Date().toISOString(), replaces: [], packs }] })

    // What each phone asks for: the page, then the posters it names (in the page's order).
    const orchardLoads: Load[] = []
    const peerLoads: Load[] = []
    const site = join(dir, 'static')
    mkdirSync(join(site, 'm'), { recursive: true })
    mkdirSync(join(site, 'f'), { recursive: true })
    for (const f of files) writeFileSync(join(site, 'f', `${sha(f)}.jpg`), f)
    for (const m of members) {
      const res = await fetch(`${base}/m/${m.token}`)
      const html = await res.text()
      const images = [...html.matchAll(/<img src="([^"]+)"/g)].map((x) => x[1]).slice(0, POSTERS)
      if (res.status !== 200 || images.length !== POSTERS) throw new Error(`the page of ${m.code} did not show its ${POSTERS} posters`)
      writeFileSync(join(site, 'm', `${m.token}.html`), html)
      orchardLoads.push({ page: `/m/${m.token}`, images })
      peerLoads.push({ page: `/m/${m.token}.html`, images: images.map((u) => `/f/${u.slice(u.lastIndexOf('/') + 1)}`) })
    }
    await peer.register(fastifyStatic, { root: site })
    await peer.listen({ port: 0, host: '127.0.0.1' })
    const address = peer.server.address()
    const peerBase = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`

    // A warm-up each (caches, connections), then the measured runs, alternating.
    await run(base, orchardLoads.slice(0, 20))
    await run(peerBase, peerLoads.slice(0, 20))
    const o1 = await run(base, orchardLoads)
    const p1 = await run(peerBase, peerLoads)
    const o2 = await run(base, orchardLoads)
    const p2 = await run(peerBase, peerLoads)
    const orchard = o1.perSecond > o2.perSecond ? o1 : o2
    const other = p1.perSecond > p2.perSecond ? p1 : p2
    const ratio = orchard.perSecond / other.perSecond
    console.log(`${MEMBERS} members at once, ${ROUNDS} loads each (page + ${POSTERS} posters, ${(orchard.bytes / MEMBERS / ROUNDS / 1024).toFixed(0)} KB a load)`)
    console.log(`orchard: ${orchard.perSecond.toFixed(1)} loads/s, p95 ${orchard.p95.toFixed(0)} ms`)
    console.log(`@fastify/static: ${other.perSecond.toFixed(1)} loads/s, p95 ${other.p95.toFixed(0)} ms`)
    console.log(`${ratio.toFixed(2)}× the static server's throughput (goal ≥ ${GOAL}×)`)
    console.log(
      JSON.stringify({
        bench: 'member-page',
        unit: 'loads/s',
        orchard: Number(orchard.perSecond.toFixed(1)),
        peer: Number(other.perSecond.toFixed(1)),
        ratio: Number(ratio.toFixed(3)),
        goal: GOAL,
        met: ratio >= GOAL,
        p95Ms: { orchard: Math.round(orchard.p95), peer: Math.round(other.p95) },
      }),
    )
  } finally {
    await peer.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
