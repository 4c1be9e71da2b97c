import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consoleCspMeta } from '../../electron.vite.config'
import { createCore, type OrchardCore } from '../../src-main/core/api'
import { buildCsp, withCsp } from '../../src-main/electron/security'
import { startBrowserHost, type BrowserHost } from '../../src-main/host/server'

let dir: string
let core: OrchardCore
let host: BrowserHost
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-csp-'))
  mkdirSync(join(dir, 'renderer'))
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>果园</title>')
  core = createCore({ dataDir: join(dir, 'data'), host: 'browser', firstStart: 'empty' })
  host = await startBrowserHost({ core, staticDir: join(dir, 'renderer') })
})
afterAll(async () => {
  await host.close()
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the console’s Content-Security-Policy', () => {
  it('is the same in the desktop app and in browser mode, and forbids forms, frames and plugins in both', async () => {
    const served = (await fetch(`http://127.0.0.1:${host.port}/?token=${host.token}`)).headers.get('content-security-policy')
    const desktop = withCsp({ 'content-security-policy': ['default-src *'] }, buildCsp())['Content-Security-Policy'] as string[]
    expect(desktop).toEqual([served])
    for (const rule of ["form-action 'none'", "frame-ancestors 'none'", "object-src 'none'", "script-src 'self'", "base-uri 'none'"]) expect(served).toContain(rule)
    expect(served).not.toContain('unsafe-eval')
  })
})

describe('the console page’s own Content-Security-Policy meta tag', () => {
  it('is the one policy both hosts send, less frame-ancestors (which a meta tag cannot carry): it forbids forms too', async () => {
    const html = readFileSync(join(import.meta.dirname, '..', '..', 'src-renderer', 'index.html'), 'utf8')
    const built = String(await (consoleCspMeta.transformIndexHtml as (html: string) => string | Promise<string>)(html))
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(built)?.[1]
    const served = (await fetch(`http://127.0.0.1:${host.port}/?token=${host.token}`)).headers.get('content-security-policy')!
    expect(meta).toBe(served.split('; ').filter((rule) => !rule.startsWith('frame-ancestors')).join('; '))
    expect(meta).toContain("form-action 'none'")
    expect(built.match(/Content-Security-Policy/g)).toHaveLength(1)
  })
})
