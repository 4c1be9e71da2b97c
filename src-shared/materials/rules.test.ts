import { describe, expect, it } from 'vitest'
import { comparisonStandings, qrExpiry } from './rules'

describe('the library’s rules', () => {
  it('put a source’s newest price of the last 30 days on the image, the six dearest, and say why others are not', () => {
    const row = (id: string, source: string, priceFen: number, observedOn: string, createdAt = '2026-11-01T00:00:00Z') => ({ id, source, priceFen, observedOn, createdAt })
    const today = '2026-11-30'
    const rows = [
      row('old', '天猫', 30000, '2026-10-30'),
      row('new', '天猫', 29000, '2026-11-20'),
      row('older-same-source', '天猫', 28000, '2026-11-10'),
      row('future', '京东', 31000, '2026-12-01'),
      ...['拼多多', '抖音', '唯品会', '淘宝', '线下', '快手'].map((s, i) => row(s, s, 20000 - i * 100, '2026-11-25')),
    ]
    const standing = comparisonStandings(rows, today)
    expect(standing.get('old')).toBe('stale')
    expect(standing.get('new')).toBe('on')
    expect(standing.get('older-same-source')).toBe('superseded')
    expect(standing.get('future')).toBe('future')
    // Seven sources in the window, six on the image: the cheapest is crowded out.
    expect(standing.get('快手')).toBe('crowded')
    expect([...standing.values()].filter((s) => s === 'on')).toHaveLength(6)
  })

  it('warn 48 hours before a group code lapses', () => {
    const now = Date.parse('2026-11-20T00:00:00Z')
    expect(qrExpiry('2026-11-25T00:00:00Z', now)).toEqual({ state: 'valid', days: 5, hours: 120 })
    expect(qrExpiry('2026-11-21T12:00:00Z', now)).toEqual({ state: 'lapsing', days: 1, hours: 36 })
    expect(qrExpiry('2026-11-20T00:00:00Z', now)).toEqual({ state: 'lapsed', days: 0, hours: 0 })
  })
})
