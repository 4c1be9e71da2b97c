import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Papa from 'papaparse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runOrchard } from './run'

let dir: string
const orchard = (args: string[], env: NodeJS.ProcessEnv = {}) => runOrchard(args, join(dir, 'data'), { ORCHARD_LANG: '', LANG: '', LC_ALL: '', ...env })
const customers = () => JSON.parse(orchard(['info', '--json']).out).counts.customers as number

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-errors-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('orchard import --error-file', () => {
  it('writes the refused rows as they were, with the reason; the fixed file imports', () => {
    const source = join(dir, '客户.csv')
    writeFileSync(source, '姓名,手机,备注\n冯一,13811112222,老客户\n卫二,12345,"号码, 少了几位"\n')
    const errorFile = join(dir, '客户-错误行.csv')

    const r = orchard(['import', 'customers', source, '--error-file', errorFile])
    expect(r.code, r.err).toBe(1)
    expect(r.out).toContain(errorFile)
    expect(customers()).toBe(0)
    const text = readFileSync(errorFile, 'utf8')
    expect(text.startsWith('\uFEFF')).toBe(true)
    const rows = Papa.parse<string[]>(text.slice(1), { skipEmptyLines: true }).data
    expect(rows[0]).toEqual(['姓名', '手机', '备注', '错误原因 Reason', '原行号 Source row'])
    expect(rows.slice(1).map((row) => [row[0], row[1], row[2], row[4]])).toEqual([['卫二', '12345', '号码, 少了几位', '3']])
    // The reason in the reader's language (English here: no zh locale).
    expect(rows[1][3]).toMatch(/^手机: not a valid phone number/)

    rows[1][1] = '13811113333'
    writeFileSync(errorFile, '\uFEFF' + Papa.unparse(rows))
    const again = orchard(['import', 'customers', errorFile, '--json'])
    expect(again.code, again.err).toBe(0)
    expect(JSON.parse(again.out)).toMatchObject({ committed: true, inserted: 1, rejectedRows: 0 })
    expect(customers()).toBe(1)
  })

  it('refuses an error file of another kind than the source before importing anything', () => {
    const source = join(dir, 'more.csv')
    writeFileSync(source, '姓名,手机\n褚三,13811114444\n')
    const r = orchard(['import', 'customers', source, '--error-file', join(dir, 'errors.xlsx')])
    expect(r.code).toBe(2)
    expect(r.err).toContain('--error-file')
    expect(customers()).toBe(1)
  })
})

describe('orchard in the reader’s language', () => {
  const BAD = '姓名,手机\n蒋四,13811115555\n沈五,12345\n'

  it('prints an import’s summary, reasons and row errors in Chinese for a zh locale, and in English when ORCHARD_LANG says so', () => {
    const source = join(dir, 'lang.csv')
    writeFileSync(source, BAD)
    const zh = orchard(['import', 'customers', source], { LANG: 'zh_CN.UTF-8' })
    expect(zh.code).toBe(1)
    expect(zh.out).toContain('拒绝 1 行')
    expect(zh.out).toMatch(/^3\s+手机\s+12345\s+不是有效的电话号码/m)
    expect(zh.out).not.toMatch(/rejected|not a valid|Reason/)

    const en = orchard(['import', 'customers', source], { LANG: 'zh_CN.UTF-8', ORCHARD_LANG: 'en' })
    expect(en.out).toContain('rejected 1 rows')
    expect(en.out).toMatch(/^3\s+手机\s+12345\s+not a valid phone number/m)
    expect(en.out).not.toMatch(/拒绝|不是有效|原因/)
  })

  it('prints errors in the language --lang names, over ORCHARD_LANG and the locale; JSON keeps the code, the details and both halves', () => {
    const missing = join(dir, 'missing.csv')
    const zh = orchard(['import', 'customers', missing, '--lang', 'zh'], { ORCHARD_LANG: 'en', LANG: 'en_US.UTF-8' })
    expect(zh.code).toBe(2)
    expect(zh.err).toContain('错误 [usage]: 文件不存在')
    expect(zh.err).toContain(`file: ${missing}`)
    expect(zh.err).not.toContain('file not found')
    const en = orchard(['import', 'customers', missing], { LANG: 'C.UTF-8' })
    expect(en.err).toContain('error [usage]: file not found')
    expect(en.err).not.toContain('文件不存在')

    const json = orchard(['import', 'customers', missing, '--json', '--lang', 'en'])
    expect(JSON.parse(json.out).error).toEqual({ code: 'usage', message: `文件不存在 / file not found: ${missing}`, details: { file: missing } })
    expect(orchard(['info', '--lang', 'fr']).code).toBe(2)
  })
})
