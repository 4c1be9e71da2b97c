import { describe, expect, it } from 'vitest'
import { addMonths, dayIn, instantOf, isTimeZone, monthIn, parseZonedInstant, stampIn, timeIn, wallDate, zoneOffset } from './time'

describe('the studio’s calendar', () => {
  it('reads an instant as the studio’s day, month and wall clock', () => {
    const at = Date.parse('2026-11-30T16:30:00Z')
    expect(dayIn('Asia/Shanghai', at)).toBe('2026-12-01')
    expect(monthIn('Asia/Shanghai', at)).toBe('2026-12')
    expect(monthIn('UTC', at)).toBe('2026-11')
    expect(timeIn('Asia/Shanghai', at)).toBe('2026-12-01 00:30')
    expect(stampIn('Asia/Shanghai', at)).toBe('20261201-003000')
    expect(wallDate('Asia/Shanghai', at).toISOString()).toBe('2026-12-01T00:30:00.000Z')
    expect(zoneOffset('Asia/Shanghai', at)).toBe('+08:00')
    expect(zoneOffset('America/Los_Angeles', at)).toBe('-08:00')
  })

  it('finds the instant a studio day starts, across a daylight-saving change', () => {
    expect(new Date(instantOf('Asia/Shanghai', '2026-12-01')).toISOString()).toBe('2026-11-30T16:00:00.000Z')
    // Los Angeles springs forward on 2026-03-08: midnight is still -08:00, noon already -07:00.
    expect(new Date(instantOf('America/Los_Angeles', '2026-03-08')).toISOString()).toBe('2026-03-08T08:00:00.000Z')
    expect(new Date(instantOf('America/Los_Angeles', '2026-03-08', '12:00')).toISOString()).toBe('2026-03-08T19:00:00.000Z')
    expect(addMonths('2026-01', -1)).toBe('2025-12')
  })

  it('knows real time zones and takes ORCHARD_NOW only with its zone', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true)
    expect(isTimeZone('Mars/Olympus')).toBe(false)
    expect(parseZonedInstant('2027-03-01T00:30:00+08:00')).toBe(Date.parse('2027-02-28T16:30:00Z'))
    expect(parseZonedInstant('2027-03-01 00:30:00Z')).toBe(Date.parse('2027-03-01T00:30:00Z'))
    for (const bad of ['2027-03-01', '2027-03-01T00:30:00', '2027-02-30T00:00:00Z', 'tomorrow', '2027-03-01T24:00:00Z']) expect(parseZonedInstant(bad), bad).toBeNull()
  })
})
