import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { RECORDS_PROTOCOL_VERSION, type RecordChangeWire, type RecordsPushResponse } from '../../../src-shared/recordsProtocol'
import type { Role } from '../../../src-shared/roles'
import { createCore, type OrchardCore } from '../api'
import type { Clock } from '../clock'
import { databaseAt } from '../db/olderStudio.testkit'
import { spawnSyncServer, type ServerProcess } from './serverProcess.testkit'

/**
 * One test file's team: a real `orchard server` process (PGlite) over HTTP for the whole
 * file, and the workstations its tests open — as `orchard` runs them, with no background
 * loop, so each round is the one a test asks for — closed after every test.
 */
export function teamHarness(name: string) {
  let root = ''
  let server: ServerProcess | null = null
  let wsNo = 0
  let teamNo = 0
  const cores: OrchardCore[] = []
  const dirs = new Map<OrchardCore, string>()

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), `orchard-${name}-`))
    server = await spawnSyncServer(join(root, 'server'))
  })
  afterAll(async () => {
    await server?.stop()
    rmSync(root, { recursive: true, force: true })
  })
  afterEach(async () => {
    while (cores.length) await cores.pop()!.close()
  })

  const harness = {
    /** The server process (there once the file's tests start). */
    get server(): ServerProcess {
      if (!server) throw new Error('the team server starts with the file’s tests')
      return server
    },
    /** Stops the server, runs `fn` on its data folder (as someone with the files could) and starts it again on the same port. */
    async withServerStopped<T>(fn: (serverDir: string) => Promise<T>): Promise<T> {
      const stopped = harness.server
      await stopped.stop()
      try {
        return await fn(join(root, 'server'))
      } finally {
        server = await spawnSyncServer(join(root, 'server'), stopped.port)
      }
    },
    /** Runs `fn` on the server's own database (PGlite), with the server stopped, as someone with its files could; started again after. */
    withServerDatabase<T>(fn: (db: PGlite) => Promise<T>): Promise<T> {
      return harness.withServerStopped(async (serverDir) => {
        const db = await PGlite.create(join(serverDir, 'pgdata'))
        try {
          return await fn(db)
        } finally {
          await db.close()
        }
      })
    },
    /** The file's scratch folder. */
    get root(): string {
      return root
    },
    /** An empty studio in a folder of its own (or in `dir`, to open one again), on the real clock or on `clock`. */
    workstation(dirOrOptions: string | { dir?: string; clock?: Clock } = {}): OrchardCore {
      const { dir = join(root, `ws-${++wsNo}`), clock } = typeof dirOrOptions === 'string' ? { dir: dirOrOptions } : dirOrOptions
      const core = createCore({ dataDir: dir, host: 'cli', firstStart: 'empty', clock })
      cores.push(core)
      dirs.set(core, dir)
      return core
    },
    /**
     * A studio folder of its own whose database is as Orchard at migration `version` left it
     * (see `databaseAt`): the test fills it as that version would have, closes it and opens the
     * folder with `workstation(dir)`, which migrates it the rest of the way.
     */
    olderStudio(version: number) {
      const dir = join(root, `ws-${++wsNo}`)
      return { dir, db: databaseAt(dir, version) }
    },
    /** Where a workstation's studio lives. */
    dirOf: (core: OrchardCore): string => dirs.get(core)!,
    /** Closed before the test ends (its files then read as they lie on disk). */
    async close(core: OrchardCore): Promise<void> {
      cores.splice(cores.indexOf(core), 1)
      await core.close()
    },
    /** Closed as a crash leaves it (mid-round) and opened again. */
    async reopen(core: OrchardCore): Promise<OrchardCore> {
      await harness.close(core)
      return harness.workstation(dirs.get(core))
    },
    /** Enrolled with the team under a code the server made (for `role`; by default a manager's device). */
    enrol: async (core: OrchardCore, team: string, deviceName = 'ws', role?: Role) =>
      core.invoke('sync', 'enrol', { server: harness.server.url, code: await harness.server.code(team, role), deviceName }),
    /** One sync round, as `orchard sync --once` runs it. */
    sync: (core: OrchardCore) => core.invoke('sync', 'syncNow', {}),
    /** A team name no other test of the file uses: the file's tests share one server, so each test's team starts empty. */
    newTeam: (): string => `${name}-${++teamNo}`,
    /**
     * Two workstations of a new team, enrolled under `names` (A and B by default), with no round
     * run yet. The second is enrolled for `roleOfB` when given, as an operator's or trainer's
     * device is; the first is `a` when the test opened it already (an upgraded studio, say).
     */
    async pair(options: { names?: [string, string]; roleOfB?: Role; a?: OrchardCore } = {}): Promise<[OrchardCore, OrchardCore, string]> {
      const { names = ['A', 'B'], roleOfB } = options
      const team = harness.newTeam()
      const a = options.a ?? harness.workstation()
      const b = harness.workstation()
      await harness.enrol(a, team, names[0])
      await harness.enrol(b, team, names[1], roleOfB)
      return [a, b, team]
    },
    /** Two workstations of a new team (as `pair`) with what `seed` makes on A already on B — one round each — and what it returned. */
    async pairWith<T extends object>(seed: (a: OrchardCore) => Promise<T>): Promise<{ a: OrchardCore; b: OrchardCore; team: string } & T> {
      const [a, b, team] = await harness.pair()
      const seeded = await seed(a)
      await harness.sync(a)
      await harness.sync(b)
      return { team, a, b, ...seeded }
    },
    /** A new, empty workstation enrolled with an existing `team` (C by default), which starts from the team's snapshot at its first round. */
    async joinTeam(team: string, deviceName = 'C', role?: Role): Promise<OrchardCore> {
      const core = harness.workstation()
      await harness.enrol(core, team, deviceName, role)
      return core
    },
  }
  return harness
}

/** The device's credentials as enrolment left them on the workstation. */
export function deviceOf(core: OrchardCore): { token: string; serverUrl: string } {
  const { token, server_url: serverUrl } = core.context.db.prepare('SELECT token, server_url FROM sync_state WHERE id = 1').get() as { token: string; server_url: string }
  return { token, serverUrl }
}

/** A change as a test writes it by hand: the transaction and time are filled in when it leaves them out. */
export type HandWrittenChange = Omit<RecordChangeWire, 'txId' | 'at'> & Partial<Pick<RecordChangeWire, 'txId' | 'at'>>

/**
 * Pushes `changes` straight over HTTP with the device of `core`, as another client (or an
 * older or tampered one) could: the server must refuse what the core itself would never
 * send. The server's answer as it came, for tests of a refused request.
 */
export function pushRecords(core: OrchardCore, team: string, changes: HandWrittenChange[]): Promise<Response> {
  const { token, serverUrl } = deviceOf(core)
  const at = core.context.clock.now().toISOString()
  return fetch(`${serverUrl}/v1/records/push`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ protocol: RECORDS_PROTOCOL_VERSION, team, changes: changes.map((c) => ({ txId: `tx-${c.clientSeq}`, at, ...c })) }),
  })
}

/** Pushes `changes` as the device of `core` would, straight over HTTP; the server takes the request and answers change by change. */
export async function pushAs(core: OrchardCore, team: string, changes: HandWrittenChange[]): Promise<RecordsPushResponse> {
  const res = await pushRecords(core, team, changes)
  expect(res.status).toBe(200)
  return (await res.json()) as RecordsPushResponse
}

/** How many changes the workstation has recorded for the team: a refused write must leave it as it was. */
export const changeRows = (core: OrchardCore): number => (core.context.db.prepare('SELECT count(*) AS n FROM record_changes').get() as { n: number }).n
