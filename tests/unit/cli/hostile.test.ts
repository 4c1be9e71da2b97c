import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeWorkbook } from '../../../src-main/core/imports/hostileFiles.testkit'
import { ORCHARD_BIN } from './run'

/**
 * The hostile files of issue 14 kept as tests: each goes through `orchard import` as a
 * user runs it, in a fresh process whose peak resident memory is measured. A zip bomb
 * once took the host's heap in 81 s and a CLI import of it exited 13 without a word;
 * a NUL, a file in two encodings and a 1 MB cell were imported (garbled) or refused
 * with the wrong reason. Each now gets a located error, writes nothing, and needs
 * about what the command needs to start.
 */
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'imports')
const PEAK = join(import.meta.dirname, 'peakMemory.mjs')
/** Peak memory any of these runs may reach: node with the TypeScript loader and the core start at about 230 MB. */
const BOUND_MB = 600

let dir: string
let bomb: string
const dataDir = () => join(dir, 'studio')

/** `orchard ARGS --json` in a fresh process: exit status, the JSON it printed, and its peak memory in MB. */
function orchard(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; json: Record<string, unknown>; peakMb: number } {
  const peakFile = join(dir, `peak-${Math.random().toString(36).slice(2)}`)
  const r = spawnSync(process.execPath, ['--import', PEAK, ORCHARD_BIN, ...args, '--json', '--data-dir', dataDir()], {
    encoding: 'utf8',
    env: { ...process.env, ...env, ORCHARD_PEAK_RSS_FILE: peakFile },
  })
  expect(r.stdout, r.stderr).not.toBe('')
  return { code: r.status, json: JSON.parse(r.stdout) as Record<string, unknown>, peakMb: Number(readFileSync(peakFile, 'utf8')) / 1024 }
}
const counts = () => orchard(['info']).json.counts as Record<string, number>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-hostile-'))
  // 1,200,000 rows of the same customer: about 9 MB on disk that unpack to 165 MB of sheet.
  bomb = join(dir, 'bomb.xlsx')
  await writeWorkbook(bomb, ['姓名', '手机'], 1_200_000, () => ['王芳', '13800138000'])
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('hostile files, with the memory they take', () => {
  it('a zip bomb: the preview reads only its first rows, the import stops at the row limit with a located error', () => {
    const preview = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'previewProcess.ts'), dataDir(), 'customers', bomb], { encoding: 'utf8' })
    const [shown, memory] = preview.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(shown).toEqual({ preview: { headers: ['姓名', '手机'], sampleRows: 20, totalRows: expect.any(Number), totalRowsEstimated: true, encoding: 'XLSX' } })
    expect((shown.preview as { totalRows: number }).totalRows).toBeGreaterThan(1_000_000)
    expect((memory.maxRssKb as number) / 1024).toBeLessThan(BOUND_MB)

    // The import reads and validates as it goes, and stops at the limit (lowered here so the test is quick).
    const run = orchard(['import', 'customers', bomb], { ORCHARD_IMPORT_MAX_ROWS: '100000' })
    expect(run.code).toBe(2)
    expect(run.json).toEqual({
      error: {
        code: 'import_too_many_rows',
        message: expect.stringContaining('ORCHARD_IMPORT_MAX_ROWS'),
        details: { file: 'bomb.xlsx', sheet: '客户', row: 100_002, limit: 100_000, setting: 'ORCHARD_IMPORT_MAX_ROWS' },
      },
    })
    expect(run.peakMb).toBeLessThan(BOUND_MB)
    expect(counts().customers).toBe(0)
  })

  it('a NUL, two encodings in one file, a 1 MB cell: located errors, nothing written', () => {
    const nul = join(dir, 'products.csv')
    writeFileSync(nul, '商品编码,商品名称,原价,售价,控价\nMZ-1,面膜\u0000,129,99,89\nMZ-2,口红,199,79,59\n')
    const products = orchard(['import', 'products', nul])
    expect(products.code).toBe(1)
    expect(products.json).toMatchObject({ committed: false, rejectedRows: 1, errors: [{ row: 2, column: '商品名称', code: 'control_character', value: '面膜\\u0000' }] })
    expect(products.peakMb).toBeLessThan(BOUND_MB)

    const mixed = join(dir, 'mixed.csv')
    writeFileSync(mixed, Buffer.concat([readFileSync(join(FIXTURES, 'customers-gbk.csv')), Buffer.from('统一码乙,13700137000\n', 'utf8')]))
    const encodings = orchard(['import', 'customers', mixed])
    expect(encodings.code).toBe(2)
    expect(encodings.json).toMatchObject({ error: { code: 'import_mixed_encoding', details: { file: 'mixed.csv', row: 4, value: '统一码乙,13700137000' } } })
    expect(encodings.peakMb).toBeLessThan(BOUND_MB)

    const long = join(dir, 'long.csv')
    writeFileSync(long, `姓名,备注\n王芳,短\n李娜,${'长'.repeat(1024 * 1024)}\n`)
    const cell = orchard(['import', 'customers', long])
    expect(cell.code).toBe(2)
    expect(cell.json).toMatchObject({ error: { code: 'import_cell_too_long', details: { file: 'long.csv', row: 3, column: '备注', length: 1024 * 1024, limit: 32_767 } } })
    expect(cell.peakMb).toBeLessThan(BOUND_MB)

    expect(counts()).toMatchObject({ customers: 0, products: 0 })
  })
})
