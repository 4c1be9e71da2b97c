import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PulledEntry, TeamSummary } from '../../src-shared/syncProtocol'
import { createCore, type OrchardCore } from '../../src-main/core/api'
import { startSyncLoop, SYNC_STEPS, type SyncStep } from '../../src-main/core/sync'
import { startSyncServer, type SyncServer } from '../../src-server'
import { testBackends } from '../../src-server/testDatabases'
import { importAndPost, ledgerTotals, seedTeam, type TeamMember, type TeamOrder } from '../../src-main/core/sync/ledgerStudio.testkit'
import { startLossyProxy, type LossyProxy } from './lossyProxy'

/**
 * The chaos test: three workstations of one team, 10,000 ledger entries posted by the
 * ledger from imported orders (800 of the 4,000 orders imported on two workstations,
 * so 2,000 entries are posted twice and must be stored once), a network that
 * drops 20 % of requests, duplicates 20 %, reorders 10 % and loses 10 % of replies
 * after the server committed, and workstations killed at every step of a round —
 * one of them with a real kill -9 of its process. After convergence every
 * workstation's totals equal the server's to the fen, with no entry twice.
 */
const TEAM = '混沌测试队'
const ADMIN = 'ora_chaos-admin'
const ORDERS = 4_000
const TOTAL = 10_000
/** Ten mentors (level 2, paid 2 % on their apprentices' sales) and twenty sellers, each with a mentor. */
const MEMBERS: TeamMember[] = [
  ...Array.from({ length: 10 }, (_, i) => ({ code: `MENTOR${String(i).padStart(2, '0')}`, level: 2 as const })),
  ...Array.from({ length: 20 }, (_, i) => ({ code: `SELLER${String(i).padStart(2, '0')}`, mentor: `MENTOR${String(i % 10).padStart(2, '0')}` })),
]
const FAST = { backoffMs: 5, maxBackoffMs: 80, idleMs: 60_000, watchMs: 60_000, pushBatch: 200, pullPage: 250, timeoutMs: 5_000 }

/**
 * Order i of the team: one line, its seller, and every fourth order refunded in part
 * — two commission entries each (seller and mentor), two reversals for a refund:
 * 4,000 orders make exactly 10,000 entries.
 */
function order(i: number): TeamOrder {
  const amount = 1000 + ((i * 7919) % 99_000)
  const refunded = i % 4 === 0
  return {
    orderNo: `SO2026${String(i).padStart(6, '0')}`,
    placedAt: `2026-${i % 2 ? '10' : '11'}-${String(1 + (i % 28)).padStart(2, '0')} ${String(8 + (i % 12)).padStart(2, '0')}:00`,
    member: `SELLER${String(i % 20).padStart(2, '0')}`,
    amountYuan: (amount / 100).toFixed(2),
    ...(refunded ? { status: '部分退款' as const, refundedYuan: (Math.floor(amount / 3) / 100).toFixed(2) } : {}),
  }
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => order(from + k))

for (const backend of testBackends()) {
  describe(`chaos on ${backend.name}`, () => {
    let root: string
    let server: SyncServer
    let proxy: LossyProxy
    let drop: () => Promise<void>

    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), 'orchard-chaos-'))
      const db = await backend.create()
      drop = db.drop
      server = await startSyncServer({ dataDir: join(root, 'server'), databaseUrl: db.databaseUrl, host: '127.0.0.1', adminToken: ADMIN })
      proxy = await startLossyProxy({ target: server.url, drop: 0.2, duplicate: 0.2, reorder: 0.1, loseReply: 0.1, seed: 20261123 })
    })
    afterAll(async () => {
      await proxy?.close()
      await server?.close()
      await drop?.()
      rmSync(root, { recursive: true, force: true })
    })

    const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(server.url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      })
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
      return (await res.json()) as T
    }
    async function serverEntries(): Promise<PulledEntry[]> {
      const all: PulledEntry[] = []
      let after = 0
      for (;;) {
        const page = await admin<{ entries: PulledEntry[]; next: number | null }>('GET', `/v1/admin/entries?team=${encodeURIComponent(TEAM)}&after=${after}&limit=2000`)
        all.push(...page.entries)
        if (page.next === null) return all
        after = page.next
      }
    }

    it('3 workstations, 10,000 entries, a lossy network and crashes at every step: all agree to the fen, nothing twice', async () => {
      const started = Date.now()
      const dirs = [1, 2, 3].map((n) => join(root, `ws${n}`))
      const cores: OrchardCore[] = []
      // As the command line opens them: no background sync of their own, so every round here is one the test drives.
      const open = (i: number) => (cores[i] = createCore({ dataDir: dirs[i], host: 'cli', firstStart: 'empty' }))
      for (let i = 0; i < 3; i++) await seedTeam(open(i), MEMBERS)
      // Orders 0–1599 on the first, 1200–2799 on the second, 2400–3999 on the third: 800 orders imported twice.
      // The third imports its last 800 later, just before its process is killed in the middle of pushing them.
      const posted = [
        await importAndPost(cores[0], dirs[0], range(0, 1600)),
        await importAndPost(cores[1], dirs[1], range(1200, 2800)),
        await importAndPost(cores[2], dirs[2], range(2400, 3200)),
      ]
      expect(posted).toEqual([4000, 4000, 2000])

      // Enrolment goes through the bad network too: a lost reply is repeated with the same request id.
      for (let i = 0; i < 3; i++) {
        const { code } = await admin<{ code: string }>('POST', '/v1/admin/enrolment-codes', { team: TEAM })
        await enrolThroughChaos(cores[i], proxy.url, code, `工作站${i + 1}`)
      }

      // A crash at every step of a round, spread over the three workstations.
      for (const [n, step] of SYNC_STEPS.entries()) {
        const i = n % 3
        const crash = crashAt(step)
        const loop = await startSyncLoop(cores[i].context, { ...FAST, onStep: crash })
        for (let tries = 0; tries < 50 && !crash.fired; tries++) await loop.syncNow().catch(() => undefined)
        expect(crash.fired).toBe(true)
        await cores[i].close()
        open(i)
      }

      // The manager decides while the workstations are still catching up (directly on the server).
      const early = (await serverEntries()).slice(0, 900)
      await admin('POST', '/v1/admin/status', {
        team: TEAM,
        changes: [
          ...early.slice(0, 600).map((e) => ({ entryId: e.id, status: 'approved' })),
          ...early.slice(0, 250).map((e) => ({ entryId: e.id, status: 'paid' })),
          ...early.slice(600, 700).map((e) => ({ entryId: e.id, status: 'rejected' })),
        ],
      })

      // The third workstation as a real process, killed with SIGKILL in the middle of its work.
      expect(await importAndPost(cores[2], dirs[2], range(3200, ORDERS))).toBe(2000)
      await cores[2].close()
      const killedAt = await runAndKill(dirs[2], 'push.answered', 2)
      expect(killedAt).toBeTruthy()
      open(2)

      // Converge under the same bad network.
      const loops = await Promise.all(cores.map((c) => startSyncLoop(c.context, FAST)))
      for (let pass = 0; pass < 3; pass++) {
        for (const loop of loops) await untilClean(() => loop.syncNow())
      }

      const summary = await admin<TeamSummary>('GET', `/v1/admin/summary?team=${encodeURIComponent(TEAM)}`)
      const onServer = await serverEntries()
      expect(summary.entries).toBe(TOTAL)
      expect(onServer).toHaveLength(TOTAL)
      expect(new Set(onServer.map((e) => e.id)).size).toBe(TOTAL)
      expect(summary.totalFen).toBe(onServer.reduce((s, e) => s + e.amountFen, 0))
      expect(summary.byStatus.paid.entries).toBe(250)
      expect(summary.byStatus.approved.entries).toBe(350)
      expect(summary.byStatus.rejected.entries).toBe(100)
      const serverIds = onServer.map((e) => e.id).sort()
      for (const core of cores) {
        const t = ledgerTotals(core)
        expect(t.entries).toBe(TOTAL)
        expect(new Set(t.ids).size).toBe(TOTAL)
        expect([...t.ids].sort()).toEqual(serverIds)
        expect(t.totalFen).toBe(summary.totalFen)
        for (const s of ['pending', 'approved', 'paid', 'rejected'] as const) expect(t.byStatus[s]).toEqual(summary.byStatus[s])
        const status = await core.invoke('sync', 'status', {})
        expect(status).toMatchObject({ pending: 0, waiting: 0, conflicts: 0 })
      }
      // The network really was that bad.
      expect(proxy.counts.dropped).toBeGreaterThan(20)
      expect(proxy.counts.duplicated).toBeGreaterThan(20)
      expect(proxy.counts.reordered).toBeGreaterThan(8)
      expect(proxy.counts.repliesLost).toBeGreaterThan(8)
      console.log(`chaos on ${backend.name}: ${((Date.now() - started) / 1000).toFixed(1)} s, proxy ${JSON.stringify(proxy.counts)}`)
      for (const loop of loops) await loop.stop()
      for (const core of cores) await core.close()
    }, 240_000)
  })
}

/** Throws once at `step`: the round dies there, as if the workstation was switched off. */
function crashAt(step: SyncStep): ((s: SyncStep) => void) & { fired: boolean } {
  const hook = Object.assign(
    (s: SyncStep) => {
      if (s === step && !hook.fired) {
        hook.fired = true
        throw new Error(`killed at ${step}`)
      }
    },
    { fired: false },
  )
  return hook
}

async function enrolThroughChaos(core: OrchardCore, url: string, code: string, name: string): Promise<void> {
  // The core repeats a lost enrolment itself; a whole call failing five times in a row is retried here with the same code.
  for (let i = 0; i < 20; i++) {
    try {
      await core.invoke('sync', 'enrol', { server: url, code, deviceName: name })
      return
    } catch (err) {
      if ((err as { code?: string }).code === 'sync_enrol_refused') throw err
    }
  }
  throw new Error(`could not enrol ${name}`)
}

/** Repeats rounds until one completes with nothing left to push and nothing new to pull. */
async function untilClean(round: () => Promise<{ pending: number; pulled: number; statusChanges: number }>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      const r = await round()
      if (r.pending === 0 && r.pulled === 0 && r.statusChanges === 0) return
    } catch {
      // the network again; the next round goes on from where this one stopped
    }
  }
  throw new Error('no convergence after 400 rounds')
}

/** Runs a workstation process and kill -9s it once it has reached `step` `times` times; returns where it died. */
function runAndKill(dataDir: string, step: SyncStep, times: number): Promise<string> {
  const script = join(import.meta.dirname, 'workstationProcess.ts')
  const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let seen = 0
    let last = ''
    let buffered = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the workstation process never reached ${step} (last: ${last})`))
    }, 40_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        last = line
        if (line === `step ${step}` && ++seen === times) {
          // Mid-flight: the next request may already be on the wire.
          setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 30))
        }
      }
    })
    child.on('exit', (_code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL') resolve(last)
      else reject(new Error(`the workstation process exited on its own (${signal ?? _code})`))
    })
  })
}

