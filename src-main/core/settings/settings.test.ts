import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../api'
import { fixedClock } from '../clock'

let dir: string
let core: OrchardCore

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-settings-'))
  core = createCore({ dataDir: dir, host: 'test', firstStart: 'empty', clock: fixedClock('2026-11-20T04:00:00Z') })
})
afterEach(async () => {
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

const refusal = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err)

describe('the studio’s time zone', () => {
  it('takes only a zone the runtime knows, saying which value is wrong and where, and changes nothing otherwise', async () => {
    await core.invoke('customers', 'create', { name: '王芳' })
    const before = await core.invoke('settings', 'get')
    for (const zone of ['Mars/Olympus', 'Asia/Shang hai', '']) {
      expect(await refusal(core.invoke('settings', 'update', { timezone: zone, studioName: '改了名' }))).toMatchObject({
        code: 'invalid_input',
        details: { method: 'settings.update', issues: [{ path: 'timezone' }] },
      })
    }
    const err = (await refusal(core.invoke('settings', 'update', { timezone: 'Mars/Olympus' }))) as Error
    expect(err.message).toContain('Mars/Olympus')
    expect(await core.invoke('settings', 'get')).toEqual(before)
    // The dashboard and exports keep working.
    expect((await core.invoke('dashboard', 'summary')).counts.customers).toBe(1)
    expect(await core.invoke('settings', 'update', { timezone: 'Europe/Berlin' })).toMatchObject({ timezone: 'Europe/Berlin' })
  })

  it('reads a bad stored zone as the default instead of failing every screen that shows a day', async () => {
    await core.invoke('customers', 'create', { name: '王芳' })
    // As an older version, a hand edit or a restored backup could have left it.
    core.context.db.prepare("INSERT INTO settings (key, value) VALUES ('timezone', '\"Mars/Olympus\"') ON CONFLICT(key) DO UPDATE SET value = excluded.value").run()
    core.context.db.prepare("INSERT INTO settings (key, value) VALUES ('theme', 'not json') ON CONFLICT(key) DO UPDATE SET value = excluded.value").run()
    expect(await core.invoke('settings', 'get')).toMatchObject({ timezone: 'Asia/Shanghai', theme: 'light' })
    const summary = await core.invoke('dashboard', 'summary')
    expect(summary.counts.customers).toBe(1)
    expect(summary.sales30d.at(-1)?.day).toBe('2026-11-20')
    const exported = await core.invoke('exports', 'run', { entity: 'orders', format: 'csv', path: join(dir, 'orders.csv') })
    expect(exported.rows).toBe(0)
  })
})
