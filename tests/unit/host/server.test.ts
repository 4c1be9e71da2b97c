import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../../../src-main/core/api'
import { startBrowserHost, type BrowserHost } from '../../../src-main/host/server'

let dir: string
let core: OrchardCore
let host: BrowserHost

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-host-'))
  const staticDir = join(dir, 'renderer')
  mkdirSync(staticDir)
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>果园</title>')
  core = createCore({ dataDir: join(dir, 'data'), host: 'browser', firstStart: 'empty' })
  host = await startBrowserHost({ core, staticDir })
})
afterEach(async () => {
  await host.close()
  core.close()
  rmSync(dir, { recursive: true, force: true })
})

const base = () => `http://127.0.0.1:${host.port}`
const call = (name: string, body: unknown, token = host.token) =>
  fetch(`${base()}/api/call/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) })

describe('browser host', () => {
  it('prints a token URL on 127.0.0.1 and serves the console with a strict CSP', async () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`)
    const res = await fetch(base() + '/')
    expect(await res.text()).toContain('果园')
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('refuses calls without the token', async () => {
    const res = await call('customers.list', {}, 'wrong')
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
  })

  it('answers with Result envelopes that keep the located error', async () => {
    const ok = await (await call('customers.create', { name: '王芳', phones: ['13800138000'] })).json()
    expect(ok).toMatchObject({ ok: true, value: { name: '王芳', phones: ['+8613800138000'] } })
    const bad = await (await call('customers.create', { name: '李娜', phones: ['12345'] })).json()
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_phone', details: { field: 'phones.0', value: '12345' } } })
    const unknown = await (await call('customers.explode', {})).json()
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_method' } })
  })

  it('streams core events to the console', async () => {
    const received = new Promise<string>((resolve) => {
      const req = request(`${base()}/api/events?token=${host.token}`, (res) => {
        let text = ''
        res.on('data', (d) => {
          text += d
          if (text.includes('data: {"entities":["customers"]}\n\n')) {
            resolve(text)
            req.destroy()
          }
        })
      })
      req.end()
    })
    await new Promise((r) => setTimeout(r, 100))
    await call('customers.create', { name: '陈晓' })
    expect(await received).toContain('data: {"entities":["customers"]}')
  })

  it('stages uploads for import and only lets exports be downloaded', async () => {
    const csv = '姓名,手机\n周一,13800000001\n'
    const up = await fetch(`${base()}/api/upload?name=${encodeURIComponent('../客户.csv')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/octet-stream' },
      body: csv,
    })
    const { path } = (await up.json()) as { path: string }
    expect(path.startsWith(core.paths.staging)).toBe(true)
    expect(readFileSync(path, 'utf8')).toBe(csv)
    const preview = await (await call('imports.preview', { entity: 'customers', path })).json()
    expect(preview).toMatchObject({ ok: true, value: { totalRows: 1 } })

    const exported = (await (await call('exports.run', { entity: 'customers', format: 'csv' })).json()) as { value: { path: string } }
    const download = await fetch(`${base()}/api/download?path=${encodeURIComponent(exported.value.path)}&token=${host.token}`)
    expect(download.status).toBe(200)
    expect(download.headers.get('content-disposition')).toContain('attachment')
    const escape = await fetch(`${base()}/api/download?path=${encodeURIComponent(join(core.paths.exports, '..', 'orchard.db'))}&token=${host.token}`)
    expect(escape.status).toBe(403)
  })

  it('refuses requests addressed to another host name', async () => {
    const status = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port: host.port, path: '/', headers: { host: `evil.example:${host.port}` } }, (res) => resolve(res.statusCode ?? 0))
      req.end()
    })
    expect(status).toBe(403)
  })
})
