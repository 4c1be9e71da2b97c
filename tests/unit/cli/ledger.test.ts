import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dayIn } from '../../../src-shared/time'
import { runOrchard } from './run'

let dir: string
/** The studio's clock: its today and time zone (not the machine's). */
let studio: { today: string; timezone: string }
const orchard = (...args: string[]) => runOrchard(args, join(dir, 'data'))

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'orchard-cli-ledger-'))
  expect(orchard('demo', 'seed', '--json').code).toBe(0)
  studio = JSON.parse(orchard('info', '--json').out)
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
    // Last month is whole whatever day it is; the studio's month, not UTC's.
    const [y, m] = studio.today.split('-').map(Number)
    const month = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
    const st = JSON.parse(orchard('ledger', 'statement', '--member', code, '--period', month, '--json').out)
    expect(st.entries.length).toBeGreaterThan(0)
    const sum = st.entries.filter((e: { status: string }) => e.status !== 'rejected').reduce((n: number, e: { amountFen: number }) => n + e.amountFen, 0)
    expect(st.closingFen).toBe(st.openingFen + sum)
    const text = orchard('ledger', 'statement', '--member', code, '--period', month).out
    expect(text).toContain('期末 closing')
    // Every entry is dated by the studio's day, as the console shows it, whatever the machine's zone.
    for (const e of st.entries as { occurredAt: string }[]) {
      const day = dayIn(studio.timezone, new Date(e.occurredAt))
      expect(day.slice(0, 7)).toBe(month)
      expect(text).toContain(day)
    }
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
