import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import Papa from 'papaparse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore } from '../../../src-main/core/api'
import { createBackup } from '../../../src-main/core/backups/backups'
import { ORCHARD_BIN, runOrchard } from './run'

let dir: string
const orchard = (args: string[], env: NodeJS.ProcessEnv = {}, dataDir = join(dir, 'data')) => runOrchard(args, dataDir, env)

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('orchard', () => {
  it('seeds the demo studio and reports it, as JSON only', () => {
    const seeded = orchard(['demo', 'seed', '--json'])
    expect(seeded.code).toBe(0)
    expect(JSON.parse(seeded.out)).toMatchObject({ customers: 2000, orders: 10000 })
    const info = orchard(['info', '--json'])
    expect(info.code).toBe(0)
    expect(JSON.parse(info.out)).toMatchObject({ demo: true, counts: { customers: 2000, groups: 30, products: 120, members: 200, orders: 10000 } })
    expect(orchard(['info']).out).toContain('客户 2000')
  })

  it('runs on the time ORCHARD_NOW gives, in the studio’s zone whatever the machine’s, and refuses a malformed one', () => {
    const studioDir = join(dir, 'rehearsal')
    // 00:30 on the 1st in Beijing is still the last day of the month before in UTC and in Los Angeles.
    const now = { ORCHARD_NOW: '2031-03-01T00:30:00+08:00', TZ: 'America/Los_Angeles' }
    const info = orchard(['info', '--json'], now, studioDir)
    expect(info.code, info.err).toBe(0)
    expect(JSON.parse(info.out)).toMatchObject({ today: '2031-03-01', timezone: 'Asia/Shanghai' })
    expect(Date.parse(JSON.parse(info.out).now)).toBeGreaterThanOrEqual(Date.parse('2031-02-28T16:30:00Z'))
    // A backup taken then is named by the studio's clock.
    const backup = orchard(['backup', '--json'], now, studioDir)
    expect(JSON.parse(backup.out).fileName).toMatch(/^orchard-manual-20310301-0030\d\d\+0800\.db$/)

    for (const bad of ['tomorrow', '2031-03-01', '2031-03-01T00:30:00', '2031-02-30T08:00:00Z']) {
      const r = orchard(['info', '--json'], { ORCHARD_NOW: bad }, join(dir, 'never-made'))
      expect(r.code, bad).toBe(2)
      expect(JSON.parse(r.out).error).toMatchObject({ code: 'invalid_clock', details: { field: 'ORCHARD_NOW', value: bad } })
    }
    // Refused before anything was opened or made.
    expect(existsSync(join(dir, 'never-made'))).toBe(false)
    expect(orchard(['info'], { ORCHARD_NOW: 'tomorrow' }, join(dir, 'never-made')).err).toContain('ORCHARD_NOW')
  })

  it('exits 1 and prints located rows when an import rejects any', () => {
    const csv = join(dir, 'bad.csv')
    writeFileSync(csv, '姓名,手机\n冯一,13811112222\n卫二,12345\n')
    const before = JSON.parse(orchard(['info', '--json']).out).counts.customers as number

    const r = orchard(['import', 'customers', csv, '--json'])
    expect(r.code).toBe(1)
    const result = JSON.parse(r.out)
    expect(result).toMatchObject({ committed: false, rejectedRows: 1 })
    expect(result.errors[0]).toMatchObject({ row: 3, column: '手机', value: '12345' })
    expect(JSON.parse(orchard(['info', '--json']).out).counts.customers).toBe(before)

    const human = orchard(['import', 'customers', csv, '--mode', 'valid-rows'], { LANG: 'zh_CN.UTF-8', LC_ALL: '', ORCHARD_LANG: '' })
    expect(human.code).toBe(1)
    expect(human.out).toContain('已导入 1 条')
    expect(human.out).toMatch(/^3\s+手机\s+12345\s+\S/m)
    expect(JSON.parse(orchard(['info', '--json']).out).counts.customers).toBe(before + 1)
  })

  it('exports to CSV, backs up and restores', () => {
    const out = join(dir, 'customers.csv')
    expect(orchard(['export', 'customers', out]).code).toBe(0)
    expect(readFileSync(out, 'utf8').startsWith('\uFEFF姓名')).toBe(true)
    const everyone = readFileSync(out, 'utf8').trim().split('\n').length - 1

    // The list's filters narrow a customer export: A-class mums, every row saying so.
    const mums = join(dir, 'a-mums.csv')
    const filtered = orchard(['export', 'customers', mums, '--class', 'A', '--tag', '宝妈', '--json'])
    expect(filtered.code).toBe(0)
    const rows = Papa.parse<string[]>(readFileSync(mums, 'utf8').slice(1), { header: false, skipEmptyLines: true }).data
    expect(rows[0].slice(0, 6)).toEqual(['姓名', '微信号', '手机', '地址', '标签', '客户分类'])
    expect(JSON.parse(filtered.out).rows).toBe(rows.length - 1)
    expect(rows.length - 1).toBeGreaterThan(0)
    expect(rows.length - 1).toBeLessThan(everyone)
    for (const r of rows.slice(1)) {
      expect(r[5]).toBe('A')
      expect(r[4].split(',')).toContain('宝妈')
    }
    // Segments by their Chinese names, as the console shows them.
    const bargain = join(dir, 'bargain.csv')
    expect(orchard(['export', 'customers', bargain, '--segment', '务实羊毛党']).code).toBe(0)
    const segments = Papa.parse<string[]>(readFileSync(bargain, 'utf8').slice(1), { skipEmptyLines: true }).data.slice(1).map((r) => r[6])
    expect(segments.length).toBeGreaterThan(0)
    expect(new Set(segments)).toEqual(new Set(['务实羊毛党']))

    const badClass = orchard(['export', 'customers', join(dir, 'z-class.csv'), '--class', 'Z'])
    expect(badClass.code).toBe(2)
    expect(badClass.err).toContain('--class Z')
    expect(existsSync(join(dir, 'z-class.csv'))).toBe(false)

    // The columns a person names, by header or key, in that order.
    const picked = join(dir, 'picked.csv')
    expect(orchard(['export', 'customers', picked, '--columns', '姓名,totalSpent,手机']).code).toBe(0)
    const pickedRows = Papa.parse<string[]>(readFileSync(picked, 'utf8').slice(1), { skipEmptyLines: true }).data
    expect(pickedRows[0]).toEqual(['姓名', '消费总额', '手机'])
    expect(pickedRows.slice(1).every((r) => r.length === 3)).toBe(true)
    const badColumn = orchard(['export', 'customers', join(dir, 'salary.csv'), '--columns', '姓名,工资'])
    expect(badColumn.code).toBe(2)
    expect(badColumn.err).toContain('--columns 工资')
    expect(existsSync(join(dir, 'salary.csv'))).toBe(false)

    const pdf = orchard(['export', 'customers', join(dir, 'x.pdf')])
    expect(pdf.code).toBe(2)
    expect(pdf.err).toContain('.csv')
    expect(existsSync(join(dir, 'x.pdf'))).toBe(false)

    const backup = join(dir, 'before.db')
    expect(orchard(['backup', backup]).code).toBe(0)
    expect(existsSync(backup)).toBe(true)
    const intoFolder = JSON.parse(orchard(['backup', '--json']).out) as { path: string; kind: string }
    expect(intoFolder).toMatchObject({ kind: 'manual' })
    expect(intoFolder.path.startsWith(join(dir, 'data', 'backups'))).toBe(true)

    const csv = join(dir, 'one.csv')
    writeFileSync(csv, '姓名,手机\n蒋三,13822223333\n')
    expect(orchard(['import', 'customers', csv]).code).toBe(0)
    const count = () => JSON.parse(orchard(['info', '--json']).out).counts.customers as number
    const after = count()
    expect(orchard(['restore', backup]).code).toBe(0)
    expect(count()).toBe(after - 1)
  }, 240_000)

  it('refuses a backup it could never open with exit status 2, leaving the studio as it was', async () => {
    const data = join(dir, 'restore-data')
    const backup = join(dir, 'renamed.db')
    const core = createCore({ dataDir: data, host: 'cli', firstStart: 'empty' })
    await core.invoke('customers', 'create', { name: '韩一', phones: ['13833334444'] })
    await createBackup(core.context.db, core.paths, 'manual', backup, new Date())
    await core.close()
    const raw = new Database(backup)
    raw.prepare("UPDATE schema_migrations SET name = '0009_something_else' WHERE version = 9").run()
    raw.close()
    const hash = () => createHash('sha256').update(readFileSync(join(data, 'orchard.db'))).digest('hex')
    const before = hash()

    const r = orchard(['restore', backup, '--json'], {}, data)
    expect(r.code).toBe(2)
    expect(JSON.parse(r.out)).toMatchObject({ error: { code: 'backup_invalid', details: { file: backup, version: 9 } } })
    expect(hash()).toBe(before)
    const info = orchard(['info', '--json'], {}, data)
    expect(info.code).toBe(0)
    expect(JSON.parse(info.out)).toMatchObject({ counts: { customers: 1 } })
  })

  it.skipIf(process.platform === 'win32')('writes what it makes owner-only, whatever the shell’s umask', () => {
    const data = join(dir, 'modes-data')
    const target = join(dir, 'modes-out', 'new-folder', 'customers.csv')
    expect(runOrchard(['export', 'customers', target], data, {}).code).toBe(0)
    expect(statSync(join(dir, 'modes-out', 'new-folder')).mode & 0o777).toBe(0o700)
    expect(statSync(target).mode & 0o777).toBe(0o600)
    for (const folder of [data, join(data, 'backups'), join(data, 'exports'), join(data, 'staging')]) expect(statSync(folder).mode & 0o777, folder).toBe(0o700)
    expect(statSync(join(data, 'orchard.db')).mode & 0o777).toBe(0o600)
  })

  it('explains bad usage and unreadable files with exit status 2', () => {
    const missing = orchard(['import', 'customers', join(dir, 'missing.csv')])
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('file not found')
    const entity = orchard(['import', 'clients', join(dir, 'bad.csv')])
    expect(entity.code).toBe(2)
    expect(entity.err).toContain('unknown entity clients')
    const asJson = orchard(['import', 'customers', join(dir, 'missing.csv'), '--json'])
    expect(asJson.code).toBe(2)
    expect(JSON.parse(asJson.out)).toMatchObject({ error: { code: 'usage', details: { file: join(dir, 'missing.csv') } } })
    expect(orchard(['import', 'customers', join(dir, 'bad.csv'), '--mode', 'some']).code).toBe(2)
  })

  it('serves the console in browser mode until stopped', async () => {
    const renderer = join(dir, 'renderer')
    mkdirSync(renderer, { recursive: true })
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>果园</title>')
    const child = spawn(process.execPath, [ORCHARD_BIN, 'web', '--json', '--data-dir', join(dir, 'web-data')], {
      env: { ...process.env, ORCHARD_RENDERER_DIR: renderer, ORCHARD_FIRST_START: 'empty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const started = await new Promise<{ url: string; port: number }>((resolve, reject) => {
      let text = ''
      child.stdout.on('data', (d) => {
        text += d
        if (text.includes('\n')) resolve(JSON.parse(text.split('\n')[0]))
      })
      child.once('exit', (code) => reject(new Error(`orchard web exited early (${code})`)))
    })
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/)
    expect(await (await fetch(started.url)).text()).toContain('果园')
    const token = new URL(started.url).searchParams.get('token')
    const info = await fetch(`http://127.0.0.1:${started.port}/api/call/system.info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(await info.json()).toMatchObject({ ok: true, value: { dataDir: join(dir, 'web-data') } })
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('asks for the console to be built before browser mode can serve it', () => {
    const r = orchard(['web'], { ORCHARD_RENDERER_DIR: join(dir, 'nowhere') })
    expect(r.code).toBe(2)
    expect(r.err).toContain('npm run build:web')
  })
})
