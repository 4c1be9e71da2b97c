import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runOrchard } from './run'

let dir: string
const orchard = (...args: string[]) => runOrchard(args, join(dir, 'data'))

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-ledger-'))
  expect(orchard('demo', 'seed', '--json').code).toBe(0)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('orchard ledger', () => {
  it('posts nothing new when the ledger is up to date, and says so', () => {
    const r = orchard('ledger', 'post', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ entries: 0 })
    expect(orchard('ledger', 'post').out).toContain('新记账 0 条')
  })

  it('prints the team’s totals in fen; approved and paid are parts of what was earned', () => {
    const s = JSON.parse(orchard('ledger', 'summary', '--json').out)
    expect(s.entries).toBeGreaterThan(1000)
    expect(s.earned).toBe(s.owed + s.paid)
    expect(s.owed).toBe(s.pending + s.approved)
    expect(s.members.reduce((n: number, m: { earnedFen: number }) => n + m.earnedFen, 0)).toBe(s.earned)
  })

  it('prints a member’s statement that closes at opening plus the month’s entries', () => {
    const s = JSON.parse(orchard('ledger', 'summary', '--json').out)
    const code = s.members[0].memberCode as string
    const month = new Date().toISOString().slice(0, 7)
    const st = JSON.parse(orchard('ledger', 'statement', '--member', code, '--period', month, '--json').out)
    const sum = st.entries.filter((e: { status: string }) => e.status !== 'rejected').reduce((n: number, e: { amountFen: number }) => n + e.amountFen, 0)
    expect(st.closingFen).toBe(st.openingFen + sum)
    expect(orchard('ledger', 'statement', '--member', code, '--period', month).out).toContain('期末 closing')
  })

  it('refuses a malformed period or an unknown member with the value it got', () => {
    const bad = orchard('ledger', 'summary', '--period', '2026-13', '--json')
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.out).error).toMatchObject({ code: 'usage', details: { field: '--period', value: '2026-13' } })
    const nobody = orchard('ledger', 'statement', '--member', 'NOSUCH', '--period', '2026-11')
    expect(nobody.code).toBe(2)
    expect(nobody.err).toContain('NOSUCH')
  })
})
