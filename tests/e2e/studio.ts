import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCore, type OrchardCore } from '../../src-main/core/api'
import { clockFromEnvironment } from '../../src-main/core/clock'
import { startBrowserHost, type BrowserHost } from '../../src-main/host/server'

const root = join(import.meta.dirname, '..', '..')
/** The built console (`npm run build:web`); `npm run test:e2e` builds it first. */
export const RENDERER_DIR = join(root, 'out', 'renderer')

/** One studio: its own data folder, core and browser host, like `orchard web` but in this process. */
export interface Studio {
  url: string
  dataDir: string
  core: OrchardCore
  host: BrowserHost
  close(): Promise<void>
}

/** The studio's today and time zone, by its own clock: what a test that needs a day takes its days from. */
export async function studioClock(studio: Pick<Studio, 'core'>): Promise<{ today: string; timezone: string; now: string }> {
  return studio.core.invoke('system', 'clock', {})
}

export async function openStudio(firstStart: 'demo' | 'empty'): Promise<Studio> {
  const dataDir = mkdtempSync(join(tmpdir(), 'orchard-e2e-'))
  // Like `orchard web`: ORCHARD_NOW, when set, moves the studio (and the console with it) to another day.
  const core = createCore({ dataDir, host: 'browser', version: 'e2e', firstStart, clock: clockFromEnvironment() })
  let host: BrowserHost
  try {
    host = await startBrowserHost({ core, staticDir: RENDERER_DIR })
  } catch (err) {
    await core.close()
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
  return {
    url: host.url,
    dataDir,
    core,
    host,
    async close() {
      await host.close()
      await core.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
