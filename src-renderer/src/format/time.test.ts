import { afterEach, describe, expect, it } from 'vitest'
import { formatDateTime, formatDay, formatTime, instantPickerValue, pickedDay, pickedInstant, pickerValue, setStudioClock, studioNow, studioTimeZone, studioToday } from './time'

afterEach(() => setStudioClock('Asia/Shanghai', new Date().toISOString()))

describe('the console’s studio time', () => {
  it('formats instants in the studio’s zone, and follows a change of zone at once', () => {
    setStudioClock('Asia/Shanghai')
    // 16:30 UTC on the 30th is already the 1st in Beijing.
    expect(formatDay('2026-11-30T16:30:00.000Z')).toBe('2026-12-01')
    expect(formatDateTime('2026-11-30T16:30:00.000Z')).toBe('2026-12-01 00:30')
    expect(formatTime('2026-11-30T16:30:00.000Z')).toBe('00:30')
    // A calendar day is already the studio's: shown as it is.
    expect(formatDay('2026-11-30')).toBe('2026-11-30')
    setStudioClock('America/Los_Angeles')
    expect(studioTimeZone.value).toBe('America/Los_Angeles')
    expect(formatDateTime('2026-11-30T16:30:00.000Z')).toBe('2026-11-30 08:30')
    expect(formatDay(null)).toBe('—')
  })

  it('takes today from the core’s clock, not the browser’s', () => {
    // The core runs 400 days ahead (a browser-mode studio started with ORCHARD_NOW).
    const core = new Date(Date.now() + 400 * 86_400_000)
    setStudioClock('Asia/Shanghai', core.toISOString())
    expect(Math.abs(studioNow() - core.getTime())).toBeLessThan(5_000)
    expect(studioToday()).toBe(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(core))
  })

  it('reads a picker’s wall clock as the studio’s, whatever zone the computer is in', () => {
    setStudioClock('Asia/Shanghai')
    // The picker shows local midnight of the day a person chose.
    expect(pickedDay(pickerValue('2026-03-08'))).toBe('2026-03-08')
    // 09:30 picked means 09:30 in Beijing: 01:30 UTC, and back again.
    const picked = new Date(2026, 10, 24, 9, 30).getTime()
    expect(pickedInstant(picked)).toBe('2026-11-24T01:30:00.000Z')
    expect(instantPickerValue('2026-11-24T01:30:00.000Z')).toBe(picked)
    setStudioClock('America/Los_Angeles')
    expect(pickedInstant(picked)).toBe('2026-11-24T17:30:00.000Z')
  })
})
