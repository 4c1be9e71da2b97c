import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..', '..')
let dir: string
const orchard = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'orchard.mjs'), ...args, '--data-dir', join(dir, 'data')], { encoding: 'utf8' })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('orchard', () => {
  it('seeds the demo studio and reports it', () => {
    expect(orchard('demo', 'seed', '--json').code).toBe(0)
    const info = orchard('info', '--json')
    expect(info.code).toBe(0)
    expect(JSON.parse(info.out)).toMatchObject({ demo: true, counts: { customers: 2000, members: 200, orders: 10000 } })
  })

  it('exits 1 and prints located rows when an import rejects any', () => {
    const csv = join(dir, 'bad.csv')
    writeFileSync(csv, '姓名,手机\n冯一,13811112222\n卫二,12345\n')
    const r = orchard('import', 'customers', csv, '--json')
    expect(r.code).toBe(1)
    const result = JSON.parse(r.out)
    expect(result).toMatchObject({ committed: false, rejectedRows: 1 })
    expect(result.errors[0]).toMatchObject({ row: 3, column: '手机', value: '12345' })
    const human = orchard('import', 'customers', csv, '--mode', 'valid-rows')
    expect(human.code).toBe(1)
    expect(human.out).toContain('3 | 手机 | 12345')
  })

  it('exports to CSV, backs up and restores', () => {
    const out = join(dir, 'customers.csv')
    expect(orchard('export', 'customers', out).code).toBe(0)
    expect(readFileSync(out, 'utf8').startsWith('\uFEFF姓名')).toBe(true)
    expect(orchard('export', 'customers', join(dir, 'x.pdf')).code).toBe(2)

    const backup = join(dir, 'before.db')
    expect(orchard('backup', backup).code).toBe(0)
    expect(existsSync(backup)).toBe(true)
    const csv = join(dir, 'one.csv')
    writeFileSync(csv, '姓名,手机\n蒋三,13822223333\n')
    expect(orchard('import', 'customers', csv).code).toBe(0)
    const count = () => JSON.parse(orchard('info', '--json').out).counts.customers as number
    const after = count()
    expect(orchard('restore', backup).code).toBe(0)
    expect(count()).toBe(after - 1)
  })

  it('explains bad usage with exit status 2', () => {
    const r = orchard('import', 'customers', join(dir, 'missing.csv'))
    expect(r.code).toBe(2)
    expect(r.err).toContain('file not found')
  })
})
