import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A bad network between the workstations and the sync server. For each request:
 *  - drop (before the server sees it): the connection is cut, nothing is forwarded;
 *  - duplicate: the server gets it twice, the second copy late — after later requests;
 *  - reorder: it is held back and forwarded after requests that came after it;
 *  - lose the reply: the server handles it (and commits), the workstation never hears.
 * Seeded, so a failing run can be replayed.
 */
export interface LossyProxyOptions {
  target: string
  drop: number
  duplicate: number
  reorder: number
  loseReply: number
  seed: number
}

export interface LossyProxy {
  url: string
  counts: { requests: number; dropped: number; duplicated: number; reordered: number; repliesLost: number }
  /** Turns the faults off or on again (convergence is checked with and without them). */
  setFaulty(on: boolean): void
  close(): Promise<void>
}

export async function startLossyProxy(options: LossyProxyOptions): Promise<LossyProxy> {
  let seed = options.seed >>> 0 || 1
  const random = () => {
    // xorshift32: small, fast, reproducible
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 4294967296
  }
  const target = new URL(options.target)
  const counts = { requests: 0, dropped: 0, duplicated: 0, reordered: 0, repliesLost: 0 }
  let faulty = true
  const pending = new Set<Promise<unknown>>()

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) }
      delete headers.connection
      const out = request({ hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const h: Record<string, string> = {}
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string' && k !== 'connection' && k !== 'transfer-encoding') h[k] = v
          resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) })
        })
        res.on('error', reject)
      })
      out.on('error', reject)
      out.end(body)
    })
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p)
    void p.finally(() => pending.delete(p)).catch(() => undefined)
    return p
  }
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      counts.requests++
      const cut = () => res.socket?.destroy()
      if (faulty && random() < options.drop) {
        counts.dropped++
        return cut()
      }
      const duplicate = faulty && random() < options.duplicate
      const reorder = faulty && random() < options.reorder
      const loseReply = faulty && random() < options.loseReply
      void track(
        (async () => {
          if (reorder) {
            counts.reordered++
            await sleep(20 + random() * 150)
          }
          if (duplicate) {
            counts.duplicated++
            // The copy arrives late, after whatever the workstation sends next.
            const delay = 30 + random() * 300
            void track(sleep(delay).then(() => forward(req, body).catch(() => undefined)))
          }
          try {
            const answer = await forward(req, body)
            if (loseReply) {
              counts.repliesLost++
              return cut()
            }
            res.writeHead(answer.status, answer.headers)
            res.end(answer.body)
          } catch {
            cut()
          }
        })(),
      )
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    setFaulty: (on) => {
      faulty = on
    },
    async close() {
      await Promise.allSettled([...pending])
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
