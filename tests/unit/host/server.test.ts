import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type OrchardCore } from '../../../src-main/core/api'
import { attachmentHeader, startBrowserHost, stagedFileName, type BrowserHost } from '../../../src-main/host/server'

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
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

const base = () => `http://127.0.0.1:${host.port}`
const call = (name: string, body: unknown, token = host.token) =>
  fetch(`${base()}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })
const upload = (name: string, body: string | Buffer, contentType = 'application/octet-stream') =>
  fetch(`${base()}/api/upload?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host.token}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  })
const download = (path: string) => fetch(`${base()}/api/download?path=${encodeURIComponent(path)}&token=${host.token}`)

/** Opens the event stream; `opened` settles once the host has subscribed it, `received` once `until` arrived. */
function openEvents(until: string): { opened: Promise<void>; received: Promise<string> } {
  let opened!: () => void
  const openedPromise = new Promise<void>((resolve) => (opened = resolve))
  const received = new Promise<string>((resolve, reject) => {
    const req = request(`${base()}/api/events?token=${host.token}`, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        text += d
        if (text.includes(': connected')) opened()
        if (text.includes(until)) {
          resolve(text)
          req.destroy()
        }
      })
    })
    req.on('error', reject)
    req.end()
  })
  return { opened: openedPromise, received }
}

describe('browser host', () => {
  it('prints a token URL on 127.0.0.1 and serves the console with a strict CSP', async () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`)
    expect(host.token).toMatch(/^[A-Za-z0-9_-]{32}$/)
    const res = await fetch(base() + '/')
    expect(await res.text()).toContain('果园')
    const csp = res.headers.get('content-security-policy')
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self';")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  })

  it('refuses calls, events, uploads and downloads without the token', async () => {
    const res = await call('customers.list', {}, 'wrong')
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    expect((await fetch(`${base()}/api/call/customers.list`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401)
    expect((await fetch(`${base()}/api/events?token=nope`)).status).toBe(401)
    expect((await fetch(`${base()}/api/upload?name=a.csv`, { method: 'POST', body: 'x' })).status).toBe(401)
    expect((await fetch(`${base()}/api/download?path=x.csv`)).status).toBe(401)
  })

  it('answers with Result envelopes that keep the located error', async () => {
    const ok = await call('customers.create', { name: '王芳', phones: ['13800138000'] })
    expect(ok.headers.get('cache-control')).toBe('no-store')
    expect(await ok.json()).toMatchObject({ ok: true, value: { name: '王芳', phones: ['+8613800138000'] } })
    const bad = await (await call('customers.create', { name: '李娜', phones: ['12345'] })).json()
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_phone', details: { field: 'phones.0', value: '12345' } } })
    const invalid = await (await call('customers.create', { phones: [] })).json()
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_input', details: { method: 'customers.create' } } })
    const unknown = await (await call('customers.explode', {})).json()
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_method', details: { method: 'customers.explode' } } })
  })

  it('routes exactly the contract’s own service.method names, nothing inherited or appended', async () => {
    for (const name of ['__proto__.toString', 'constructor.name', 'system.constructor', 'toString.call', 'system.info.extra', 'system.', '.info', 'system', 'system.hasOwnProperty']) {
      const res = await call(name, {})
      expect(res.status, name).toBe(404)
      expect(await res.json(), name).toMatchObject({ ok: false, error: { code: 'unknown_method', details: { method: name } } })
    }
    const info = await call('system.info', {})
    expect(info.status).toBe(200)
    expect(await info.json()).toMatchObject({ ok: true, value: { host: 'browser' } })
  })

  it('answers malformed requests with a Result the console can show', async () => {
    const broken = await fetch(`${base()}/api/call/customers.list`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
      body: '{"search": ',
    })
    expect(broken.status).toBe(400)
    expect(await broken.json()).toMatchObject({ ok: false, error: { code: 'bad_request' } })
    const nowhere = await fetch(`${base()}/api/nowhere`)
    expect(nowhere.status).toBe(404)
    expect(await nowhere.json()).toMatchObject({ ok: false, error: { code: 'not_found' } })
  })

  it('streams a data.changed event to the console after a write', async () => {
    const events = openEvents('event: data.changed\ndata: {"entities":["customers"]}\n\n')
    await events.opened
    await call('customers.create', { name: '陈晓' })
    expect(await events.received).toContain('event: data.changed')
  })

  it('stages an upload under a safe name that the importer previews', async () => {
    const csv = '姓名,手机\n周一,13800000001\n'
    // A browser sends a CSV as text/csv; the name tries to climb out of staging/.
    const up = await upload('../../客户 名单.csv', csv, 'text/csv')
    expect(up.status).toBe(200)
    const { path } = (await up.json()) as { path: string }
    expect(path.startsWith(core.paths.staging)).toBe(true)
    expect(basename(path)).toMatch(/-客户_名单\.csv$/)
    expect(readFileSync(path, 'utf8')).toBe(csv)
    const preview = await (await call('imports.preview', { entity: 'customers', path })).json()
    expect(preview).toMatchObject({ ok: true, value: { totalRows: 1 } })
    const run = await (await call('imports.run', { entity: 'customers', path })).json()
    expect(run).toMatchObject({ ok: true, value: { committed: true, inserted: 1 } })

    const empty = await upload('empty.csv', '')
    expect(await empty.json()).toMatchObject({ ok: false, error: { code: 'upload_empty' } })
  })

  it('keeps an upload owner-only, and removes it once its rows are imported (a refused file stays for another try)', async () => {
    const bad = (await (await upload('坏.csv', '姓名,手机\n冯一,12345\n')).json()) as { path: string }
    const good = (await (await upload('好.csv', '姓名,手机\n周一,13800000001\n')).json()) as { path: string }
    if (process.platform !== 'win32') expect(statSync(good.path).mode & 0o777).toBe(0o600)
    expect(await (await call('imports.run', { entity: 'customers', path: bad.path })).json()).toMatchObject({ ok: true, value: { committed: false } })
    expect(existsSync(bad.path)).toBe(true)
    expect(await (await call('imports.run', { entity: 'customers', path: good.path })).json()).toMatchObject({ ok: true, value: { committed: true, inserted: 1 } })
    expect(existsSync(good.path)).toBe(false)
  })

  it('downloads exports with their Chinese file name and refuses anything outside exports/', async () => {
    await call('customers.create', { name: '赵敏' })
    const exported = (await (await call('exports.run', { entity: 'customers', format: 'csv' })).json()) as { value: { path: string } }
    const res = await download(exported.value.path)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toContain('attachment')
    expect(await res.text()).toContain('赵敏')

    mkdirSync(core.paths.exports, { recursive: true })
    writeFileSync(join(core.paths.exports, '客户 报表.csv'), 'a,b\n')
    const named = await download(join(core.paths.exports, '客户 报表.csv'))
    expect(named.headers.get('content-disposition')).toBe(
      `attachment; filename="__ __.csv"; filename*=UTF-8''${encodeURIComponent('客户 报表.csv')}`,
    )

    expect((await download(join(core.paths.exports, '..', 'orchard.db'))).status).toBe(403)
    expect((await download('../orchard.db')).status).toBe(403)
    expect((await download(core.paths.database)).status).toBe(403)
    symlinkSync(core.paths.database, join(core.paths.exports, 'sneaky.csv'))
    expect((await download(join(core.paths.exports, 'sneaky.csv'))).status).toBe(403)
  })

  it('hands an export only to the profile it was made for: not to whoever holds the token', async () => {
    const ids: Record<string, string> = {}
    for (const [name, role, pin] of [['陈姐', 'manager', '8888'], ['小周', 'operator', '1111'], ['林老师', 'trainer', '2222']] as const) {
      ids[role] = ((await (await call('profiles.create', { name, role, pin })).json()) as { value: { id: string } }).value.id
    }
    const signIn = async (role: string, pin: string) => expect((await (await call('profiles.switch', { profileId: ids[role], pin })).json()).ok).toBe(true)
    await call('customers.create', { name: '赵敏', phones: ['13800138000'] })
    await signIn('operator', '1111')
    const exported = (await (await call('exports.run', { entity: 'customers', format: 'csv' })).json()) as { value: { path: string } }
    // Put there by hand (or before a restart): nobody can tell what is in it.
    writeFileSync(join(core.paths.exports, 'by-hand.csv'), '姓名,手机\n赵敏,+8613800138000\n')

    await signIn('trainer', '2222')
    for (const path of [exported.value.path, join(core.paths.exports, 'by-hand.csv')]) {
      const refused = await download(path)
      expect(refused.status).toBe(403)
      const body = await refused.text()
      expect(body).not.toContain('13800138000')
      expect(JSON.parse(body)).toMatchObject({ ok: false, error: { code: 'forbidden', details: { role: 'trainer' } } })
    }
    // Another profile, even one that sees contacts, is not the one it was made for.
    await signIn('manager', '8888')
    expect((await download(exported.value.path)).status).toBe(403)
    expect((await download(join(core.paths.exports, 'by-hand.csv'))).status).toBe(200)
    await signIn('operator', '1111')
    const mine = await download(exported.value.path)
    expect(mine.status).toBe(200)
    expect(await mine.text()).toContain('+8613800138000')
  })

  it('refuses requests addressed to another host name', async () => {
    const statusFor = (hostHeader: string) =>
      new Promise<number>((resolve) => {
        const req = request({ host: '127.0.0.1', port: host.port, path: '/', headers: { host: hostHeader } }, (res) => resolve(res.statusCode ?? 0))
        req.end()
      })
    expect(await statusFor(`evil.example:${host.port}`)).toBe(403)
    expect(await statusFor('127.0.0.1')).toBe(403)
    expect(await statusFor(`localhost:${host.port}`)).toBe(200)
  })
})

describe('where requests come from', () => {
  /** A raw request, so headers can repeat and carry any Origin. */
  const raw = (path: string, headers: [string, string][], method = 'POST', body = '{}') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const flat = headers.flat()
      const req = request({ host: '127.0.0.1', port: host.port, path, method, headers: flat as unknown as Record<string, string> }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      })
      req.on('error', reject)
      req.end(method === 'GET' ? undefined : body)
    })
  const good = (): [string, string][] => [
    ['Host', `127.0.0.1:${host.port}`],
    ['Content-Type', 'application/json'],
  ]
  const auth = (): [string, string] => ['Authorization', `Bearer ${host.token}`]

  it('refuses a page on another origin even with the token, and writes nothing', async () => {
    const before = ((await (await call('customers.list', {})).json()) as { value: { total: number } }).value.total
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${host.port + 1}`, `https://127.0.0.1:${host.port}`]) {
      const r = await raw('/api/call/customers.create', [...good(), auth(), ['Origin', origin]], 'POST', JSON.stringify({ name: '跨站写入' }))
      expect(r.status, origin).toBe(403)
      expect(JSON.parse(r.body), origin).toMatchObject({ ok: false, error: { code: 'forbidden_origin' } })
    }
    const crossSite = await raw(`/api/download?path=x.csv&token=${host.token}`, [...good(), ['Sec-Fetch-Site', 'cross-site']], 'GET')
    expect(crossSite.status).toBe(403)
    const upload = await raw('/api/upload?name=a.csv', [...good(), auth(), ['Origin', 'http://evil.example']], 'POST', 'a,b\n')
    expect(upload.status).toBe(403)
    expect(((await (await call('customers.list', {})).json()) as { value: { total: number } }).value.total).toBe(before)
    // The console's own page, and tools without an Origin, are served as before.
    const own = await raw('/api/call/system.info', [...good(), auth(), ['Origin', `http://127.0.0.1:${host.port}`], ['Sec-Fetch-Site', 'same-origin']])
    expect(own.status).toBe(200)
    expect((await raw('/api/call/system.info', [...good(), auth()])).status).toBe(200)
  })

  it('refuses a repeated Host, Origin or Authorization header, whichever comes first', async () => {
    for (const headers of [
      [...good(), ['Host', 'evil.example'], auth()],
      [['Host', 'evil.example'], ...good(), auth()],
      [...good(), auth(), ['Authorization', 'Bearer nope']],
      [...good(), auth(), ['Origin', `http://127.0.0.1:${host.port}`], ['Origin', 'http://evil.example']],
    ] as [string, string][][]) {
      const r = await raw('/api/call/system.info', headers)
      expect(r.status, JSON.stringify(headers)).toBe(400)
      expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'duplicate_header' } })
    }
    expect((await raw('/', [['Host', `127.0.0.1:${host.port}`], ['Host', 'evil.example']], 'GET')).status).toBe(400)
  })
})

describe('file names', () => {
  it('keeps the extension and drops folders and odd characters from uploaded names', () => {
    expect(stagedFileName('C:\\Users\\王\\订单 导出.XLSX')).toMatch(/^[0-9a-f-]{36}-订单_导出\.xlsx$/)
    expect(stagedFileName('../../etc/passwd')).toMatch(/^[0-9a-f-]{36}-passwd$/)
    expect(stagedFileName('...')).toMatch(/^[0-9a-f-]{36}-upload/)
  })

  it('writes an RFC 5987 attachment header', () => {
    expect(attachmentHeader("客户(1)'s.csv")).toBe(`attachment; filename="__(1)'s.csv"; filename*=UTF-8''%E5%AE%A2%E6%88%B7%281%29%27s.csv`)
  })
})

describe('start-up', () => {
  it('says when the requested port is taken', async () => {
    const staticDir = join(dir, 'renderer')
    await expect(startBrowserHost({ core, staticDir, port: host.port })).rejects.toMatchObject({ code: 'port_unavailable', details: { port: host.port } })
  })
})
