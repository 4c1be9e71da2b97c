import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runOrchard } from './run'

let dir: string
const orchard = (args: string[]) => runOrchard(args, join(dir, 'data'))

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-rates-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Two orders in US dollars, in the layout of Shopify's orders export (its first columns; the rest are optional). */
const USD_ORDERS =
  'Name,Email,Financial Status,Currency,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Billing Name,Billing Phone\n' +
  '#5001,a@example.com,paid,USD,2026-11-18 10:00:00 +0800,1,Serum,15.00,MZ-001,Jane Buyer,555-0100\n' +
  '#5002,b@example.com,paid,USD,2026-11-18 11:00:00 +0800,2,Sample,0.15,MZ-003,Li Lei,+86 139 0013 9000\n'

describe('orchard import orders --rate', () => {
  it('refuses orders in another currency without a rate, naming it, and converts them with one', { timeout: 240_000 }, () => {
    const path = join(dir, 'orders_export_1.csv')
    writeFileSync(path, USD_ORDERS)

    const refused = orchard(['import', 'orders', path, '--json'])
    expect(refused.code).toBe(1)
    const result = JSON.parse(refused.out)
    expect(result).toMatchObject({ committed: false, rejectedRows: 2 })
    expect(result.errors[0]).toMatchObject({ row: 2, column: 'Currency', value: 'USD', code: 'currency_without_rate' })
    expect(result.errors[0].reason).toContain('--rate USD=')

    const human = orchard(['import', 'orders', path, '--rate', 'USD=7.10', '--lang', 'zh'])
    expect(human.code, human.err).toBe(0)
    expect(human.out).toContain('已导入 2 条')
    expect(human.out).toContain('1 USD = 7.10')
    // The phone without an area code is a warning, printed with its row and column; the order is in.
    expect(human.out).toMatch(/^2\s+Billing Phone\s+555-0100\s+\S/m)

    const again = JSON.parse(orchard(['import', 'orders', path, '--rate', 'USD=7.10', '--json']).out)
    expect(again).toMatchObject({ committed: true, inserted: 0, unchanged: 2, rates: { USD: '7.10' } })

    const bad = orchard(['import', 'orders', path, '--rate', 'USD:7.10'])
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('--rate USD=7.10')
  })
})
