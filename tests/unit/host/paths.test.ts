import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { contract } from '../../../src-shared/contract'
import { fileInputs, fileInputsOf } from '../../../src-shared/filePaths'
import type { MethodDef } from '../../../src-shared/contractKit'
import { createCore, type OrchardCore } from '../../../src-main/core/api'
import { startBrowserHost, type BrowserHost } from '../../../src-main/host/server'

let dir: string
let outside: string
let core: OrchardCore
let host: BrowserHost
let key: string

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-paths-'))
  outside = join(dir, 'outside')
  mkdirSync(outside)
  const staticDir = join(dir, 'renderer')
  mkdirSync(staticDir)
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>果园</title>')
  core = createCore({ dataDir: join(dir, 'data'), host: 'browser', firstStart: 'empty' })
  host = await startBrowserHost({ core, staticDir })
  // A manager at the keyboard: every method below is one the role may call, so only the path decides.
  await call('profiles.create', { name: '陈姐', role: 'manager', pin: '8888' })
  await call('customers.create', { name: '王芳', phones: ['13800138000'] })
  core.context.keyStore.dataKey()
  key = join(core.paths.dataDir, 'ledger.key')
})
afterEach(async () => {
  await host.close()
  await core.close()
  rmSync(dir, { recursive: true, force: true })
})

async function call(name: string, body: unknown): Promise<{ status: number; text: string; json: { ok: boolean; value?: any; error?: { code: string; message: string; details?: any } } }> {
  const res = await fetch(`http://127.0.0.1:${host.port}/api/call/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${host.token}` },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, text, json: JSON.parse(text) }
}

/** Every file under the test's folder with its bytes: what a refused call must leave as it was. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, name.name)
      if (name.isSymbolicLink()) out[p] = 'link'
      else if (name.isDirectory()) walk(p)
      else if (!/orchard\.db(-wal|-shm)?$/.test(name.name)) out[p] = readFileSync(p).toString('base64')
    }
  }
  walk(dir)
  return out
}

describe('paths over HTTP', () => {
  it('refuses reading anything outside staging/: traversal, absolute, encoded, links, the payout key', async () => {
    const keyText = readFileSync(key, 'utf8').trim()
    mkdirSync(core.paths.staging, { recursive: true })
    writeFileSync(join(outside, 'secret.csv'), '姓名,手机\n外面的人,13900139000\n')
    symlinkSync(join(outside, 'secret.csv'), join(core.paths.staging, 'link.csv'))
    symlinkSync(key, join(core.paths.staging, 'key.csv'))
    linkSync(key, join(core.paths.staging, 'hardkey.csv'))
    symlinkSync(outside, join(core.paths.staging, 'dir'))
    const variants = [
      { value: '/etc/passwd', code: 'forbidden_path', why: 'outside' },
      { value: key, code: 'forbidden_path', why: 'outside' },
      { value: '../ledger.key', code: 'forbidden_path', why: 'outside' },
      { value: join(core.paths.staging, '..', 'ledger.key'), code: 'forbidden_path', why: 'outside' },
      { value: '../../outside/secret.csv', code: 'forbidden_path', why: 'outside' },
      { value: join(core.paths.staging, 'link.csv'), code: 'forbidden_path', why: 'outside' },
      { value: 'key.csv', code: 'forbidden_path', why: 'outside' },
      { value: 'hardkey.csv', code: 'forbidden_path', why: 'protected' },
      { value: 'dir/secret.csv', code: 'forbidden_path', why: 'outside' },
      { value: 'x\u0000.csv', code: 'forbidden_path', why: 'nul' },
      // Encoded forms are names, not paths: nothing decodes them, so they name nothing in staging/.
      { value: '..%2fledger.key', code: 'file_not_found' },
      { value: '%2e%2e%2f%2e%2e%2foutside%2fsecret.csv', code: 'file_not_found' },
    ]
    const before = snapshot()
    for (const v of variants) {
      for (const [name, input] of [
        ['imports.preview', { entity: 'customers', path: v.value }],
        ['imports.run', { entity: 'customers', path: v.value }],
        ['care.importEvents', { path: v.value }],
        ['temperature.importCsv', { path: v.value }],
        ['buyerPhotos.add', { productId: '00000000-0000-7000-8000-000000000000', path: v.value }],
        ['groupQr.upload', { groupId: '00000000-0000-7000-8000-000000000000', path: v.value }],
      ] as const) {
        const r = await call(name, input)
        expect(r.json.ok, `${name} ${v.value}`).toBe(false)
        if (v.code === 'forbidden_path') {
          expect(r.status, `${name} ${v.value}`).toBe(403)
          expect(r.json.error, `${name} ${v.value}`).toMatchObject({ code: 'forbidden_path', details: { method: name, field: 'path', value: v.value, why: v.why } })
        } else expect(r.json.error?.code, `${name} ${v.value}`).not.toBe('internal')
        expect(r.text, `${name} ${v.value}`).not.toContain(keyText)
        expect(r.text, `${name} ${v.value}`).not.toContain('root:')
        expect(r.text, `${name} ${v.value}`).not.toContain('外面的人')
      }
    }
    expect(snapshot()).toEqual(before)
    expect((await call('customers.list', {})).json.value.total).toBe(1)
  })

  it('refuses writing anything outside exports/, and keeps what is there', async () => {
    const victim = join(outside, 'x')
    writeFileSync(victim, 'keep me')
    mkdirSync(core.paths.exports, { recursive: true })
    symlinkSync(outside, join(core.paths.exports, 'out'))
    symlinkSync(join(outside, 'nowhere.csv'), join(core.paths.exports, 'dangling.csv'))
    const before = snapshot()
    const writes = (value: string) =>
      [
        ['exports.run', { entity: 'customers', format: 'csv', path: value }, 'path'],
        ['ledger.export', { report: 'summary', format: 'csv', period: '2026-11', path: value }, 'path'],
        ['audit.export', { from: '2026-11-01', to: '2026-11-30', format: 'csv', path: value }, 'path'],
        ['packs.generate', { date: '2026-11-20', out: value }, 'out'],
        ['kits.generate', { memberIds: ['00000000-0000-7000-8000-000000000000'], outDir: value }, 'outDir'],
      ] as const
    for (const value of [victim, '/tmp/x', '../orchard.db', '../ledger.key', core.paths.database, key, 'out/x', 'dangling.csv', join(core.paths.exports, '..', 'backups', 'x.db')]) {
      for (const [name, input, field] of writes(value)) {
        const r = await call(name, input)
        expect(r.status, `${name} ${value}`).toBe(403)
        expect(r.json.error, `${name} ${value}`).toMatchObject({ code: 'forbidden_path', details: { method: name, field, value } })
      }
    }
    expect(snapshot()).toEqual(before)
    expect(readFileSync(victim, 'utf8')).toBe('keep me')
    expect(existsSync(join(outside, 'nowhere.csv'))).toBe(false)

    // Inside exports/ a name is enough.
    const ok = await call('exports.run', { entity: 'customers', format: 'csv', path: 'mine.csv' })
    expect(ok.json).toMatchObject({ ok: true, value: { rows: 1 } })
    expect(readFileSync(join(core.paths.exports, 'mine.csv'), 'utf8')).toContain('王芳')
  })
})

describe('paths on the desktop and the command line', () => {
  it('go anywhere the person chose, except the payout key and the studio’s database', async () => {
    const local = createCore({ dataDir: join(dir, 'desk'), host: 'test', firstStart: 'empty' })
    try {
      await local.invoke('customers', 'create', { name: '李娜' })
      local.context.keyStore.dataKey()
      const target = join(outside, 'customers.csv')
      expect((await local.invoke('exports', 'run', { entity: 'customers', format: 'csv', path: target })).rows).toBe(1)
      expect(readFileSync(target, 'utf8')).toContain('李娜')
      for (const path of [join(local.paths.dataDir, 'ledger.key'), local.paths.database]) {
        await expect(local.invoke('imports', 'preview', { entity: 'customers', path })).rejects.toMatchObject({ code: 'forbidden_path', details: { why: 'protected' } })
        await expect(local.invoke('exports', 'run', { entity: 'customers', format: 'csv', path })).rejects.toMatchObject({ code: 'forbidden_path', details: { why: 'protected' } })
      }
      const link = join(outside, 'key-link.csv')
      symlinkSync(join(local.paths.dataDir, 'ledger.key'), link)
      await expect(local.invoke('imports', 'preview', { entity: 'customers', path: link })).rejects.toMatchObject({ code: 'forbidden_path', details: { why: 'protected' } })
      expect((await local.invoke('customers', 'list', {})).total).toBe(1)
    } finally {
      await local.close()
    }
  })
})

describe('the contract', () => {
  it('marks every input that names a file, so none escapes the check', () => {
    const marked: string[] = []
    const unmarked: string[] = []
    // Anything whose name says file, path, folder or output, wherever it sits in an input.
    const looksLikeFile = /(^|\.)(path|file|dir|folder|out)[A-Za-z]*$|(Path|Dir|File|Folder)$/
    for (const [service, methods] of Object.entries(contract)) {
      for (const [method, def] of Object.entries(methods as Record<string, MethodDef>)) {
        walk(def.input, `${service}.${method}`, '')
      }
    }
    function walk(schema: any, method: string, at: string): void {
      if (fileInputs.has(schema)) {
        marked.push(`${method} ${at}`)
        return
      }
      const def = schema?._zod?.def
      if (!def) return
      if (def.type === 'object') for (const [k, v] of Object.entries(def.shape)) walk(v, method, at ? `${at}.${k}` : k)
      else if (def.type === 'string' && looksLikeFile.test(at)) unmarked.push(`${method} ${at}`)
      else if (def.innerType) walk(def.innerType, method, at)
      else if (def.type === 'array') walk(def.element, method, `${at}.0`)
      else if (def.type === 'pipe') walk(def.in, method, at)
      else if (def.type === 'union') for (const o of def.options) walk(o, method, at)
    }
    expect(marked.sort()).toEqual(
      [
        'audit.export path',
        'buyerPhotos.add path',
        'care.importEvents path',
        'exports.run path',
        'groupQr.upload path',
        'imports.preview path',
        'imports.errorFile path',
        'imports.run path',
        'kits.generate outDir',
        'ledger.export path',
        'memberPages.uploadContact path',
        'packs.check out',
        'packs.download path',
        'packs.generate out',
        'packs.start out',
        'payoutBatches.export path',
        'temperature.importCsv path',
      ].sort(),
    )
    // Names that are not files on this machine: a backup picked by name inside backups/, a
    // pack's folder inside its job (to preview or download), the display name of an uploaded photo, QR code or import file.
    expect(unmarked.sort()).toEqual(
      [
        'backups.restore fileName',
        'buyerPhotos.add fileName',
        'groupQr.upload fileName',
        'imports.preview fileName',
        'imports.run fileName',
        'memberPages.uploadContact fileName',
        'packs.download folder',
        'packs.preview folder',
      ].sort(),
    )
    expect(fileInputsOf(contract.exports.run.input, { entity: 'customers', format: 'csv', path: 'a.csv' })).toEqual([{ at: ['path'], use: 'write', value: 'a.csv' }])
  })
})
