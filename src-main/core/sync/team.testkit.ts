import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll } from 'vitest'
import type { Role } from '../../../src-shared/roles'
import { createCore, type OrchardCore } from '../api'
import type { Clock } from '../clock'
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
  }
  return harness
}
